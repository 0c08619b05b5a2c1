// The two patch formats of the FHIR R4 patch interaction (hl7.org/fhir/R4/http.html#patch):
// JSON Patch (RFC 6902, with RFC 6901 JSON Pointers) and FHIRPath Patch
// (hl7.org/fhir/R4/fhirpatch.html), a Parameters resource whose operations select their targets
// with FHIRPath. Both edit a JSON document in place; the caller validates and stores the result.
//
// Errors: a patch document that is malformed (not an array of operations, an unknown operation,
// a missing part, a JSON Pointer with a bad escape) is kInvalid (400). A well-formed operation that
// cannot be applied to this resource (a path that selects nothing, a failed `test`, adding to a
// single element that is already there) is kInvalid with http_status 422 (Unprocessable Entity),
// the status the FHIR specification gives for a patch that cannot be processed.
// On any error `doc` may be partly modified: patch a copy, and keep it only on success.
#pragma once

#include "core/json.h"
#include "core/model.h"
#include "core/result.h"

namespace kiln::core {

// Applies the JSON Patch `patch` (a JSON array of operation objects) to `doc`.
Result<Ok> ApplyJsonPatch(const json::Value& patch, json::Document& doc);

// Applies the FHIRPath Patch `parameters` (a Parameters resource, as JSON) to `resource`, a FHIR
// resource typed by `model`.
Result<Ok> ApplyFhirPathPatch(const Model& model, const json::Value& parameters, json::Document& resource);

// The HTTP status for an operation that is well formed but cannot be applied.
inline constexpr int kPatchNotApplicable = 422;

}  // namespace kiln::core
