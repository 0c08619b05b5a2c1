// read: hl7.org/fhir/R4/http.html#read, with conditional read (If-None-Match,
// If-Modified-Since -> 304) and raw Binary content (hl7.org/fhir/R4/binary.html#rest).
#include "core/base64.h"
#include "core/json.h"
#include "rest/interaction/interactions.h"
#include "rest/outcome.h"
#include "rest/respond.h"

namespace kiln::rest::interaction {

namespace {

bool NotModified(const Request& req, const store::Version& v) {
  if (std::string_view inm = req.Header("If-None-Match"); !inm.empty()) {
    auto tag = ParseETag(inm);
    return tag && *tag == v.version;
  }
  if (std::string_view ims = req.Header("If-Modified-Since"); !ims.empty()) {
    auto since = ParseHttpDate(ims);
    // HTTP dates have whole seconds: compare at that precision.
    return since && v.last_updated / 1'000'000 <= *since / 1'000'000;
  }
  return false;
}

// The Binary's own bytes, served with its own content type.
Response RawBinary(const Call& call, const store::Version& v) {
  auto doc = json::Parse(v.json);
  if (!doc) return ErrorResponse(doc.error(), call.format);
  Response res;
  res.SetHeader("ETag", ETag(v.version));
  res.SetHeader("Last-Modified", FormatHttpDate(v.last_updated));
  res.content_type = std::string(json::GetString(*doc, "contentType"));
  auto bytes = Base64Decode(json::GetString(*doc, "data"));
  if (!bytes)
    return ErrorResponse(Error::Make(Issue::kException, "Stored Binary data is not base64"), call.format);
  res.body = std::move(*bytes);
  return res;
}

}  // namespace

Response Read(const Call& call) {
  // Security labels: what the access may not see is not there for it (rest/labels.h).
  auto v = ReadVisible(call, call.route.type->name(), call.route.id);
  if (!v) return std::move(v).error();
  if (NotModified(call.req, *v)) {
    Response res;
    res.status = 304;
    res.SetHeader("ETag", ETag(v->version));
    res.SetHeader("Last-Modified", FormatHttpDate(v->last_updated));
    return res;
  }
  if (!call.format.wants_fhir && call.route.type->name() == "Binary") return RawBinary(call, *v);
  return ReadResponse(call, *v);
}

}  // namespace kiln::rest::interaction
