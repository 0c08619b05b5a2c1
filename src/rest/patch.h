// The patch write (hl7.org/fhir/R4/http.html#patch), shared by the PATCH interaction and PATCH
// entries of batches and transactions: reading a patch document, and planning the patched
// resource as the next version of an existing one.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/json.h"
#include "rest/write.h"

namespace kiln::rest {

enum class PatchFormat { kJsonPatch, kFhirPathPatch };

// A patch document, parsed and checked for its kind before any resource is read.
struct PatchBody {
  PatchFormat format = PatchFormat::kJsonPatch;
  json::Document doc;
  std::string text;  // as sent: its numbers keep their digits in the patched resource
};

// The body of a PATCH request: a JSON Patch (application/json-patch+json) or a FHIRPath Patch
// Parameters resource (application/fhir+json, validated as such). 415 for other content types.
Expected<PatchBody, Errors> ReadPatchBody(const Context& ctx, std::string_view content_type,
                                          const std::string& body);

// A Bundle entry's patch (hl7.org/fhir/R4/http.html#transaction): a Parameters resource (FHIRPath
// Patch), or a Binary whose contentType is application/json-patch+json carrying the JSON Patch.
Expected<PatchBody, Errors> ReadEntryPatch(const Context& ctx, const std::string& resource_json);

// `patch` applied to the current version of `type`/`id`, planned as its next version (recorded as
// a PATCH). 404 when it never existed, 410 when deleted (`deleted` then holds the deletion),
// 412 when `pinned` is not current, 422 when the result is not a valid resource of the same
// type and id.
Expected<PlannedWrite, Errors> PlanPatch(const Call& call, const core::ResourceType& type,
                                         const std::string& id, const PatchBody& patch,
                                         std::optional<int64_t> pinned, Micros now,
                                         std::optional<store::Version>* deleted = nullptr);

}  // namespace kiln::rest
