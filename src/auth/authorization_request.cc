#include "auth/authorization_request.h"

#include "core/json.h"
#include "core/text.h"

namespace kiln::auth {

namespace {

constexpr std::string_view kContext = "authorization request";

}  // namespace

std::string SealRequest(const SecretBox& box, const AuthorizationRequest& r) {
  std::string text = "{";
  auto member = [&text](std::string_view name, std::string_view value) {
    if (text.size() > 1) text += ",";
    text += json::Quote(name) + ":" + json::Quote(value);
  };
  member("client_id", r.client_id);
  member("redirect_uri", r.redirect_uri);
  member("state", r.state);
  member("code_challenge", r.code_challenge);
  member("scope", r.scope);
  member("aud", r.aud);
  member("tenant", r.tenant.value);
  member("nonce", r.nonce);
  text += R"(,"expires":)" + std::to_string(r.expires) + "}";
  return box.Seal(text, kContext);
}

Result<AuthorizationRequest> UnsealRequest(const SecretBox& box, std::string_view sealed) {
  KILN_TRY_ASSIGN(std::string text, box.Unseal(sealed, kContext));
  KILN_TRY_ASSIGN(json::Document doc, json::Parse(text));
  const json::Value* expires = json::Find(doc, "expires");
  if (expires == nullptr || !expires->IsInt64())
    return Error::Make(Issue::kInvalid, "Not an authorization request");
  AuthorizationRequest r;
  r.client_id = json::GetString(doc, "client_id");
  r.redirect_uri = json::GetString(doc, "redirect_uri");
  r.state = json::GetString(doc, "state");
  r.code_challenge = json::GetString(doc, "code_challenge");
  r.scope = json::GetString(doc, "scope");
  r.aud = json::GetString(doc, "aud");
  r.tenant = store::TenantId{std::string(json::GetString(doc, "tenant"))};
  r.nonce = json::GetString(doc, "nonce");
  r.expires = expires->GetInt64();
  return r;
}

std::string WithQuery(std::string uri, const std::vector<std::pair<std::string, std::string>>& params) {
  char sep = uri.find('?') == std::string::npos ? '?' : '&';
  for (const auto& [name, value] : params) {
    uri += sep + UrlEncode(name) + "=" + UrlEncode(value);
    sep = '&';
  }
  return uri;
}

}  // namespace kiln::auth
