// Content negotiation and request headers that shape responses: `_format` and Accept
// (hl7.org/fhir/R4/http.html#mime-type), `_pretty`, `Prefer: return=` and `respond-async`, and
// ETag parsing.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "rest/rest.h"

namespace kiln::rest {

enum class ReturnPref { kRepresentation, kMinimal, kOperationOutcome };

struct Negotiated {
  std::string content_type = "application/fhir+json; charset=utf-8";
  bool pretty = false;
  ReturnPref prefer_return = ReturnPref::kRepresentation;
  bool wants_fhir = true;      // false when Accept names no FHIR or JSON type (raw Binary reads)
  bool respond_async = false;  // Prefer: respond-async (hl7.org/fhir/R4/async.html)
};

// From `_format`, Accept, `_pretty` and Prefer. kNotSupported (406) when only XML or another
// format Kiln does not produce is acceptable.
Result<Negotiated> Negotiate(const Request& req);

// True for the JSON media types a FHIR resource body may be sent as.
bool IsFhirJsonContentType(std::string_view content_type);
// True for application/json-patch+json, the media type of a JSON Patch (RFC 6902).
bool IsJsonPatchContentType(std::string_view content_type);
// Checks a request body's Content-Type for a FHIR resource: 415 for anything but JSON.
Result<> RequireFhirJson(const Request& req);

// W/"3" or "3" -> 3; nullopt for anything else.
std::optional<int64_t> ParseETag(std::string_view etag);
std::string ETag(int64_t version);

// The value of a query parameter (first occurrence) or nullopt.
std::optional<std::string_view> QueryParam(const Request& req, std::string_view name);

// Fills the body of a response from JSON text, honouring _pretty.
void SetJsonBody(Response& res, const Negotiated& fmt, std::string json);

}  // namespace kiln::rest
