#include "rest/respond.h"

#include "rest/labels.h"
#include "rest/outcome.h"

namespace kiln::rest {

std::string ResourceUrl(const Request& req, std::string_view type, std::string_view id) {
  std::string url = req.base_url;
  url.push_back('/');
  url += type;
  url.push_back('/');
  url += id;
  return url;
}

std::string VersionUrl(const Request& req, const store::Version& v) {
  return ResourceUrl(req, v.type, v.id) + "/_history/" + std::to_string(v.version);
}

namespace {
void SetVersionHeaders(Response& res, const store::Version& v) {
  res.SetHeader("ETag", ETag(v.version));
  res.SetHeader("Last-Modified", FormatHttpDate(v.last_updated));
}
}  // namespace

Response ReadResponse(const Call& call, const store::Version& v) {
  Response res;
  SetVersionHeaders(res, v);
  SetJsonBody(res, call.format, v.json);
  return res;
}

void AddSearchEntries(BundleWriter& bundle, const Request& req, const std::vector<store::Version>& versions,
                      std::string_view mode) {
  for (const store::Version& v : versions) {
    BundleEntry e;
    e.full_url = ResourceUrl(req, v.type, v.id);
    e.resource = v.json;
    e.search_mode = std::string(mode);
    bundle.AddEntry(e);
  }
}

Response DeletedResponse(const Call& call, const store::Version& v) {
  Response res = ErrorResponse(
      Error::Make(Issue::kDeleted, "Resource " + v.type + "/" + v.id + " was deleted (version " +
                                       std::to_string(v.version) + ")"),
      call.format);
  res.SetHeader("ETag", ETag(v.version));
  return res;
}

Expected<store::Version, Response> ReadVisible(const Call& call, std::string_view type,
                                               const std::string& id) {
  auto v = call.ctx.store.ReadCurrent(call.req.tenant, std::string(type), id);
  if (!v) return ErrorResponse(v.error(), call.format);
  if (v->deleted()) return DeletedResponse(call, *v);
  if (HiddenByLabel(call.access, *v)) {
    return ErrorResponse(
        Error::Make(Issue::kNotFound, "Resource " + std::string(type) + "/" + id + " is not known"),
        call.format);
  }
  return std::move(v).value();
}

Response WriteResponse(const Call& call, int status, const store::Version& v, std::string_view what,
                       bool location) {
  Response res;
  res.status = status;
  SetVersionHeaders(res, v);
  if (status == 201 || location) res.SetHeader("Location", VersionUrl(call.req, v));
  switch (call.format.prefer_return) {
    case ReturnPref::kMinimal:
      break;
    case ReturnPref::kOperationOutcome:
      SetJsonBody(res, call.format,
                  InformationOutcomeJson(std::string(what) + " " + v.type + "/" + v.id + " version " +
                                         std::to_string(v.version)));
      break;
    case ReturnPref::kRepresentation:
      SetJsonBody(res, call.format, v.json);
      break;
  }
  return res;
}

}  // namespace kiln::rest
