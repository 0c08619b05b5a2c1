#include "auth/oauth.h"

#include "core/json.h"
#include "core/text.h"

namespace kiln::auth {

OAuthError ClientAuthFailed(std::string reason) {
  return OAuthError{"invalid_client", "Client authentication failed", 401, std::move(reason)};
}

rest::Response JsonResponse(std::string json, int status) {
  rest::Response res;
  res.status = status;
  res.content_type = "application/json";
  res.body = std::move(json);
  res.SetHeader("Cache-Control", "no-store");
  res.SetHeader("Pragma", "no-cache");
  return res;
}

rest::Response ErrorResponse(const OAuthError& e) {
  std::string body = R"({"error":)" + json::Quote(e.error);
  if (!e.description.empty()) body += R"(,"error_description":)" + json::Quote(e.description);
  body += "}";
  rest::Response res = JsonResponse(std::move(body), e.status);
  if (e.status == 401) res.SetHeader("WWW-Authenticate", "Basic realm=\"kiln\"");
  return res;
}

Expected<Form, OAuthError> ReadForm(const rest::Request& req) {
  std::string_view type = req.Header("Content-Type");
  if (type.substr(0, type.find(';')) != "application/x-www-form-urlencoded") {
    return OAuthError{"invalid_request", "The body must be application/x-www-form-urlencoded"};
  }
  Form form;
  std::string_view body = req.body;
  for (size_t start = 0; start <= body.size();) {
    size_t end = std::min(body.find('&', start), body.size());
    std::string_view pair = body.substr(start, end - start);
    start = end + 1;
    if (pair.empty()) continue;
    size_t eq = std::min(pair.find('='), pair.size());
    std::string name = UrlDecode(pair.substr(0, eq), true);
    std::string value = eq < pair.size() ? UrlDecode(pair.substr(eq + 1), true) : std::string();
    if (!form.emplace(name, std::move(value)).second) {
      return OAuthError{"invalid_request", "The parameter '" + name + "' is given more than once"};
    }
  }
  return form;
}

std::string_view Param(const Form& form, std::string_view name) {
  auto it = form.find(name);
  return it == form.end() ? std::string_view() : std::string_view(it->second);
}

std::string Issuer(const AuthOptions& options, const rest::Request& req) {
  if (!options.issuer.empty()) return options.issuer;
  std::string_view base = req.base_url;
  size_t scheme = base.find("://");
  size_t path = base.find('/', scheme == std::string_view::npos ? 0 : scheme + 3);
  return std::string(base.substr(0, path));
}

std::string TokenUrl(const AuthOptions& options, const rest::Request& req) {
  return Issuer(options, req) + "/auth/token";
}

std::string FhirBase(const AuthOptions& options, std::string_view issuer, const store::TenantId& tenant) {
  std::string base(issuer);
  if (tenant != store::DefaultTenant()) base += "/t/" + tenant.value;  // tenants by path (docs/tenants.md)
  return base + options.base_path;
}

}  // namespace kiln::auth
