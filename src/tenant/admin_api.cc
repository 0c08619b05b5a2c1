// The tenants part of the admin API (docs/tenants.md#admin-api).
#include "core/json.h"
#include "tenant/tenant.h"

namespace kiln::tenant {

namespace {

constexpr std::string_view kTenants = "tenants";

std::string TenantJson(const store::TenantInfo& t) {
  std::string out = R"({"name":)";
  json::AppendQuoted(out, t.id.value);
  out += R"(,"kind":)";
  json::AppendQuoted(out, store::TenantKindName(t.kind));
  out += R"(,"created":)";
  json::AppendQuoted(out, FormatInstant(t.created));
  out += R"(,"status":")";
  out += t.status == store::TenantStatus::kActive ? "active" : "deleting";
  out += "\"}";
  return out;
}

rest::Response JsonResponse(int status, std::string body) {
  rest::Response res;
  res.status = status;
  res.content_type = "application/json";
  res.body = std::move(body);
  return res;
}

// {"name": ..., "kind": ...} from a POST body.
Result<std::pair<std::string, std::string>> NameAndKind(const std::string& body) {
  auto doc = json::Parse(body);
  if (!doc || !doc->IsObject())
    return Error::Make(Issue::kInvalid, "The body must be a JSON object {\"name\": ..., \"kind\": ...}");
  std::pair<std::string, std::string> out;
  for (auto [key, value] : {std::pair{"name", &out.first}, std::pair{"kind", &out.second}}) {
    const json::Value* v = json::Find(*doc, key);
    if (v == nullptr || !v->IsString())
      return Error::At(Issue::kRequired, key, std::string("The tenant needs a \"") + key + "\" string");
    value->assign(v->GetString(), v->GetStringLength());
  }
  return out;
}

}  // namespace

AdminApi::AdminApi(store::Store& store, const rest::Api& api, const Clock& clock,
                   const rest::Authorizer* authorizer, Part others)
    : store_(store), api_(api), clock_(clock), authorizer_(authorizer), others_(std::move(others)) {}

// The one check point of the admin API: every admin request passes here before anything else.
// It needs an administrator's token (docs/security.md); without an authorizer (`kiln serve
// --no-auth`, development) everything passes.
rest::Response AdminApi::Handle(const rest::Request& request) const {
  if (authorizer_ != nullptr) {
    if (auto allowed = authorizer_->AuthorizeAdmin(request); !allowed)
      return rest::AuthErrorResponseFor(allowed.error(), request);
  }
  return Route(request);
}

rest::Response AdminApi::Route(const rest::Request& req) const {
  std::string_view path = req.path;
  bool get = req.method == "GET" || req.method == "HEAD";
  if (path == kTenants) {
    if (get) {
      auto tenants = store_.ListTenants();
      if (!tenants) return rest::ErrorResponseFor(tenants.error());
      std::string out = R"({"tenants":[)";
      for (size_t i = 0; i < tenants->size(); ++i) {
        if (i > 0) out.push_back(',');
        out += TenantJson((*tenants)[i]);
      }
      return JsonResponse(200, out + "]}");
    }
    if (req.method != "POST") return rest::MethodNotAllowedFor(req, "GET, POST");
    auto fields = NameAndKind(req.body);
    if (!fields) return rest::ErrorResponseFor(fields.error());
    auto made = Create(store_, clock_, fields->first, fields->second);
    if (!made) return rest::ErrorResponseFor(made.error());
    rest::Response res = JsonResponse(201, TenantJson(*made));
    res.SetHeader("Location", req.base_url + "/" + std::string(kTenants) + "/" + made->id.value);
    return res;
  }
  bool below_tenants = path.starts_with(std::string(kTenants) + "/");
  if (!below_tenants && others_) return others_(req);
  if (!below_tenants || path.find('/', kTenants.size() + 1) != path.npos) {
    return rest::ErrorResponseFor(Error::Make(Issue::kNotFound, "Nothing is served at /" + req.path));
  }
  store::TenantId name{std::string(path.substr(kTenants.size() + 1))};
  if (get) {
    auto tenant = store_.GetTenant(name);
    if (!tenant) return rest::ErrorResponseFor(tenant.error());
    return JsonResponse(200, TenantJson(*tenant));
  }
  if (req.method != "DELETE") return rest::MethodNotAllowedFor(req, "GET, DELETE");
  auto deleted = Delete(store_, name.value);
  // Forgotten even on failure: a half-deleted tenant is already out of reach.
  api_.ForgetTenant(name);
  if (!deleted) return rest::ErrorResponseFor(deleted.error());
  rest::Response res;
  res.status = 204;
  return res;
}

}  // namespace kiln::tenant
