#include "rest/bundle_request.h"

#include "core/json.h"
#include "rest/format.h"
#include "rest/resource_body.h"

namespace kiln::rest {

namespace {

bool IsMethod(std::string_view m) {
  return m == "GET" || m == "HEAD" || m == "POST" || m == "PUT" || m == "DELETE" || m == "PATCH";
}

// Splits request.url into path and query, making an absolute URL on this server's base relative.
Result<Ok> SplitUrl(const Call& call, std::string_view url, EntryRequest& e) {
  std::string_view base = call.req.base_url;
  if (!base.empty() && url.starts_with(base) &&
      (url.size() == base.size() || url[base.size()] == '/' || url[base.size()] == '?')) {
    url.remove_prefix(base.size());
  } else if (url.substr(0, url.find('?')).find("://") != std::string_view::npos) {
    return Error::Make(Issue::kInvalid, "request.url '" + std::string(url) + "' is not on this server");
  }
  while (url.starts_with('/')) url.remove_prefix(1);
  size_t q = url.find('?');
  e.path = std::string(url.substr(0, q));
  if (q != std::string_view::npos) e.query = std::string(url.substr(q + 1));
  return Ok{};
}

// What a write's URL names: [type] for POST and conditional PUT/DELETE, [type]/[id] otherwise.
// `resource` is the entry's resource as parsed with the Bundle (null without one): its type and
// id are read there rather than by parsing e.resource once more.
Result<Ok> InterpretWrite(const Call& call, EntryRequest& e, const json::Value* resource) {
  if (!e.if_none_match.empty() || !e.if_modified_since.empty()) {
    return Error::At(
        Issue::kNotSupported, "request",
        "ifNoneMatch and ifModifiedSince apply to reads; a " + e.method + " entry cannot use them");
  }
  std::string_view path = e.path;
  size_t slash = path.find('/');
  std::string_view type_name = path.substr(0, slash);
  auto type = call.ctx.model.FindResourceType(type_name);
  if (!type) return Error::Make(Issue::kInvalid, "Unknown resource type '" + std::string(type_name) + "'");
  std::string_view id = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
  if (id.find('/') != std::string_view::npos) {
    return Error::Make(Issue::kInvalid, "A " + e.method + " entry's url must be [type] or [type]/[id]");
  }
  if (e.method == "POST" && (!id.empty() || !e.query.empty())) {
    return Error::Make(Issue::kInvalid, "A POST entry's url must be the resource type alone");
  }
  if (e.method != "POST" && id.empty() == e.query.empty()) {
    return Error::Make(Issue::kInvalid,
                       "A " + e.method + " entry's url must be [type]/[id] or [type]?[criteria]");
  }
  if (!id.empty() && !IsValidId(id)) {
    return Error::Make(Issue::kInvalid,
                       std::string(id).append(" is not a valid resource id ([A-Za-z0-9-.]{1,64})"));
  }
  if (e.method == "DELETE") {
    if (!e.resource.empty())
      return Error::At(Issue::kInvalid, "resource", "A DELETE entry carries no resource");
  } else if (e.resource.empty()) {
    return Error::At(Issue::kRequired, "resource", "A " + e.method + " entry needs a resource");
  } else {
    const json::Value* doc = resource != nullptr && resource->IsObject() ? resource : nullptr;
    std::string_view rt = doc ? json::GetString(*doc, "resourceType") : std::string_view();
    if (e.method == "PATCH") {
      // The patch itself: a Parameters (FHIRPath Patch) or a Binary (JSON Patch), read when planned.
      if (rt != "Parameters" && rt != "Binary") {
        return Error::At(Issue::kInvalid, "resource",
                         "A PATCH entry carries a Parameters resource (FHIRPath Patch) or a Binary holding a "
                         "JSON Patch, not a '" +
                             std::string(rt) + "'");
      }
    } else if (rt != type_name) {
      return Error::At(Issue::kInvalid, "request.url",
                       "The entry's resource is a '" + std::string(rt) + "' but request.url is for " +
                           std::string(type_name));
    }
    if (doc && e.method != "PATCH") e.resource_id = std::string(json::GetString(*doc, "id"));
  }
  e.type = *type;
  e.id = std::string(id);
  return Ok{};
}

std::string String(const json::Value& object, std::string_view key) {
  return std::string(json::GetString(object, key));
}

}  // namespace

std::string EntryRequest::Where() const { return "Bundle.entry[" + std::to_string(index) + "]"; }

Expected<BundleRequest, Errors> ReadBundleRequest(const Call& call) {
  if (auto ok = RequireFhirJson(call.req); !ok) return Errors::Of(ok.error());
  auto parsed = json::Parse(call.req.body);
  if (!parsed) return Errors::Of(parsed.error());
  const json::Document& doc = *parsed;
  if (!doc.IsObject() || json::GetString(doc, "resourceType") != "Bundle") {
    return Errors::Of(Error::At(Issue::kInvalid, "Bundle",
                                "POST to the base URL takes a Bundle of type batch or transaction"));
  }
  std::string_view type = json::GetString(doc, "type");
  if (type != "batch" && type != "transaction") {
    return Errors::Of(Error::At(Issue::kInvalid, "Bundle.type",
                                "Bundle.type must be batch or transaction, not '" + std::string(type) + "'"));
  }
  BundleRequest out;
  out.transaction = type == "transaction";
  const json::Value* entries = json::Find(doc, "entry");
  if (entries == nullptr) return out;
  if (!entries->IsArray())
    return Errors::Of(Error::At(Issue::kStructure, "Bundle.entry", "Bundle.entry must be an array"));

  // The resources as the exact text sent, in entry order.
  std::vector<std::string_view> raw_resources(entries->Size());
  for (const auto& m : json::TopLevelMembers(call.req.body)) {
    if (m.key != "entry") continue;
    size_t i = 0;
    for (std::string_view entry : json::ArrayElements(m.raw)) {
      if (i >= raw_resources.size()) break;
      if (entry.starts_with('{')) {
        for (const auto& em : json::TopLevelMembers(entry)) {
          // The first, as json::Find finds it in the parsed entry.
          if (em.key == "resource" && raw_resources[i].empty()) raw_resources[i] = em.raw;
        }
      }
      ++i;
    }
  }

  Errors problems;
  for (rapidjson::SizeType i = 0; i < entries->Size(); ++i) {
    EntryRequest e;
    e.index = i;
    const json::Value& entry = (*entries)[i];
    const json::Value* request = entry.IsObject() ? json::Find(entry, "request") : nullptr;
    if (request == nullptr || !request->IsObject()) {
      problems.items.push_back(
          Error::At(Issue::kRequired, e.Where() + ".request",
                    e.Where() + " has no request (required in a " + std::string(type) + ")"));
      continue;
    }
    e.method = String(*request, "method");
    std::string url = String(*request, "url");
    if (!IsMethod(e.method)) {
      problems.items.push_back(Error::At(Issue::kValue, e.Where() + ".request.method",
                                         e.Where() +
                                             ": request.method must be GET, HEAD, POST, PUT, DELETE or "
                                             "PATCH, not '" +
                                             e.method + "'"));
      continue;
    }
    if (url.empty()) {
      problems.items.push_back(
          Error::At(Issue::kRequired, e.Where() + ".request.url", e.Where() + " has no request.url"));
      continue;
    }
    e.full_url = String(entry, "fullUrl");
    e.resource = std::string(raw_resources[i]);
    e.if_none_exist = String(*request, "ifNoneExist");
    e.if_match = String(*request, "ifMatch");
    e.if_none_match = String(*request, "ifNoneMatch");
    e.if_modified_since = String(*request, "ifModifiedSince");
    auto usable = SplitUrl(call, url, e);
    if (usable && e.IsWrite()) usable = InterpretWrite(call, e, json::Find(entry, "resource"));
    if (!usable) {
      Error err = std::move(usable).error();
      err.diagnostics = e.Where() + ": " + err.diagnostics;
      std::string part = err.expression.empty() ? "request.url" : err.expression.front();
      err.expression = {e.Where() + "." + part};
      e.invalid = std::move(err);
    }
    out.entries.push_back(std::move(e));
  }
  if (!problems.items.empty()) return problems;
  return out;
}

}  // namespace kiln::rest
