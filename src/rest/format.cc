#include "rest/format.h"

#include <algorithm>
#include <cctype>

#include "core/json.h"

namespace kiln::rest {

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The media type without parameters, lower-cased: "application/fhir+json; fhirVersion=4.0" -> ...
std::string MediaType(std::string_view value) { return Lower(Trim(value.substr(0, value.find(';')))); }

bool IsJsonMime(std::string_view mime) {
  return mime == "application/fhir+json" || mime == "application/json" || mime == "application/json+fhir" ||
         mime == "json" || mime == "text/json";
}
bool IsXmlMime(std::string_view mime) {
  return mime == "application/fhir+xml" || mime == "application/xml" || mime == "application/xml+fhir" ||
         mime == "xml" || mime == "text/xml";
}

}  // namespace

std::string_view Request::Header(std::string_view name) const {
  for (const auto& h : headers) {
    if (h.name.size() == name.size() &&
        std::equal(h.name.begin(), h.name.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
        })) {
      return h.value;
    }
  }
  return {};
}

std::optional<std::string_view> QueryParam(const Request& req, std::string_view name) {
  for (const auto& [k, v] : req.query) {
    if (k == name) return std::string_view(v);
  }
  return std::nullopt;
}

Result<Negotiated> Negotiate(const Request& req) {
  Negotiated n;
  if (auto pretty = QueryParam(req, "_pretty")) n.pretty = *pretty == "true";
  std::string_view prefer = req.Header("Prefer");
  for (size_t pos = 0; pos < prefer.size();) {
    size_t end = prefer.find_first_of(",;", pos);
    std::string_view token = Trim(prefer.substr(pos, end == std::string_view::npos ? end : end - pos));
    if (token == "return=minimal") n.prefer_return = ReturnPref::kMinimal;
    if (token == "return=OperationOutcome") n.prefer_return = ReturnPref::kOperationOutcome;
    if (token == "return=representation") n.prefer_return = ReturnPref::kRepresentation;
    if (token == "respond-async") n.respond_async = true;
    if (end == std::string_view::npos) break;
    pos = end + 1;
  }

  if (auto format = QueryParam(req, "_format")) {
    std::string mime = MediaType(*format);
    if (IsJsonMime(mime)) {
      n.content_type = mime == "application/json" || mime == "text/json" ? "application/json; charset=utf-8"
                                                                         : n.content_type;
      return n;
    }
    return Error::Make(
        Issue::kNotSupported,
        "_format '" + std::string(*format) + "' is not supported; this server speaks JSON only", 406);
  }

  std::string_view accept = req.Header("Accept");
  if (Trim(accept).empty()) return n;
  bool json = false, fhir = false, any = false, xml = false;
  for (size_t pos = 0; pos <= accept.size();) {
    size_t end = accept.find(',', pos);
    std::string mime = MediaType(accept.substr(pos, end == std::string_view::npos ? end : end - pos));
    if (mime == "application/fhir+json" || mime == "application/json+fhir") fhir = true;
    if (mime == "application/json" || mime == "text/json") json = true;
    if (mime == "*/*" || mime == "application/*") any = true;
    if (IsXmlMime(mime)) xml = true;
    if (end == std::string_view::npos) break;
    pos = end + 1;
  }
  if (fhir || any) return n;
  if (json) {
    n.content_type = "application/json; charset=utf-8";
    return n;
  }
  if (xml) {
    return Error::Make(Issue::kNotSupported, "This server produces application/fhir+json only, not XML", 406);
  }
  n.wants_fhir = false;  // e.g. "image/png" or "text/plain": meaningful for Binary reads
  return n;
}

bool IsFhirJsonContentType(std::string_view content_type) { return IsJsonMime(MediaType(content_type)); }

bool IsJsonPatchContentType(std::string_view content_type) {
  return MediaType(content_type) == "application/json-patch+json";
}

Result<> RequireFhirJson(const Request& req) {
  std::string_view ct = req.Header("Content-Type");
  if (IsFhirJsonContentType(ct)) return Ok{};
  std::string shown = ct.empty() ? std::string("(none)") : std::string(ct);
  return Error::Make(Issue::kNotSupported,
                     "Unsupported Content-Type " + shown + ": send application/fhir+json", 415);
}

std::optional<int64_t> ParseETag(std::string_view etag) {
  etag = Trim(etag);
  if (etag.starts_with("W/")) etag.remove_prefix(2);
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
  if (etag.empty() || etag.size() > 18) return std::nullopt;
  int64_t v = 0;
  for (char c : etag) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

std::string ETag(int64_t version) { return "W/\"" + std::to_string(version) + "\""; }

void SetJsonBody(Response& res, const Negotiated& fmt, std::string json) {
  res.content_type = fmt.content_type;
  res.body = fmt.pretty ? json::Pretty(json) : std::move(json);
}

}  // namespace kiln::rest
