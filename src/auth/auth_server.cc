// The AuthServer: its parts, the routes below the server root, and bearer tokens on the FHIR API
// (RFC 6750).
#include <cctype>

#include "auth/server_parts.h"
#include "core/log.h"

namespace kiln::auth {

namespace {

bool IsGet(const rest::Request& req) { return req.method == "GET" || req.method == "HEAD"; }

rest::Response NotFound(const rest::Request& req) {
  return rest::ErrorResponseFor(Error::Make(Issue::kNotFound, "Nothing is served at /" + req.path));
}

rest::Response MethodNotAllowed(const rest::Request& req, std::string allow) {
  rest::Response res = ErrorResponse({"invalid_request", "/" + req.path + " takes " + allow, 405});
  res.SetHeader("Allow", std::move(allow));
  return res;
}

// The token of "Authorization: Bearer <token>" (the scheme in any case); empty without one.
std::string_view BearerToken(const rest::Request& req) {
  std::string_view h = req.Header("Authorization");
  constexpr std::string_view kScheme = "bearer ";
  if (h.size() <= kScheme.size()) return {};
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(h[i])) != kScheme[i]) return {};
  }
  h.remove_prefix(kScheme.size());
  while (!h.empty() && h.front() == ' ') h.remove_prefix(1);
  return h;
}

}  // namespace

AuthServer::AuthServer(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}
AuthServer::~AuthServer() = default;

Result<std::unique_ptr<AuthServer>> AuthServer::Open(store::Store& store, const Clock& clock,
                                                     AuthOptions options) {
  KILN_TRY_ASSIGN(SecretBox box, SecretBox::Open(options.key_file));
  auto parts = std::make_unique<Parts>(store, clock, std::move(options), std::move(box));
  KILN_TRY_ASSIGN(parts->keys, SigningKeys::Open(store, parts->box, clock, parts->options.token_lifetime));
  parts->verifier = std::make_unique<TokenVerifier>(*parts->keys, store, clock);
  return std::unique_ptr<AuthServer>(new AuthServer(std::move(parts)));
}

rest::Response AuthServer::HandleRoot(const rest::Request& req) const {
  const std::string& path = req.path;
  if (path == ".well-known/jwks.json") {
    return IsGet(req) ? JwksEndpoint(*parts_) : MethodNotAllowed(req, "GET");
  }
  if (path == "auth/authorize") {
    return IsGet(req) || req.method == "POST" ? AuthorizeEndpoint(*parts_, req)
                                              : MethodNotAllowed(req, "GET, POST");
  }
  auto endpoint = path == "auth/token"        ? &TokenEndpoint
                  : path == "auth/introspect" ? &IntrospectionEndpoint
                  : path == "auth/revoke"     ? &RevocationEndpoint
                                              : nullptr;
  if (endpoint == nullptr) return NotFound(req);
  return req.method == "POST" ? endpoint(*parts_, req) : MethodNotAllowed(req, "POST");
}

Result<std::shared_ptr<const rest::Access>> AuthServer::Authenticate(const rest::Request& req) const {
  std::string_view token = BearerToken(req);
  if (token.empty()) {
    return Error::Make(Issue::kLogin, "An access token is required (Authorization: Bearer)");
  }
  KILN_TRY_ASSIGN(std::shared_ptr<const VerifiedToken> t, parts_->verifier->Verify(token));
  if (t->issuer != Issuer(parts_->options, req)) {
    log::Info("auth: access token refused", {{"rid", req.request_id}, {"reason", "issuer"}});
    return Error::Make(Issue::kLogin, "The access token is not valid");
  }
  if (t->tenant != req.tenant)
    return Error::Make(Issue::kForbidden, "The access token is for another tenant");
  if (t->audience != req.base_url) {
    log::Info("auth: access token refused", {{"rid", req.request_id}, {"reason", "audience"}});
    return Error::Make(Issue::kLogin, "The access token is not valid");
  }
  return std::shared_ptr<const rest::Access>(t, t->access.get());  // shares the token's lifetime
}

Result<Ok> AuthServer::AuthorizeAdmin(const rest::Request& req) const {
  std::string_view token = BearerToken(req);
  if (token.empty()) {
    return Error::Make(Issue::kLogin,
                       "The admin API needs an administrator's access token (Authorization: Bearer)");
  }
  KILN_TRY_ASSIGN(std::shared_ptr<const VerifiedToken> t, parts_->verifier->Verify(token));
  // A token of this server, for the FHIR base it was issued for: the admin API has no audience
  // of its own, the administrator's scope is what it looks at.
  std::string issuer = Issuer(parts_->options, req);
  if (t->issuer != issuer || t->audience != FhirBase(parts_->options, issuer, t->tenant)) {
    log::Info("auth: admin token refused", {{"rid", req.request_id}, {"reason", "issuer or audience"}});
    return Error::Make(Issue::kLogin, "The access token is not valid");
  }
  if (!HasScope(t->scope, kAdminScope) || t->tenant != store::DefaultTenant()) {
    return Error::Make(Issue::kForbidden, "The admin API needs an administrator's grant (scope " +
                                              std::string(kAdminScope) + ")");
  }
  return Ok{};
}

rest::OAuthUris AuthServer::Uris(const rest::Request& req) const {
  std::string issuer = Issuer(parts_->options, req);
  return rest::OAuthUris{TokenUrl(parts_->options, req), issuer + "/auth/introspect",
                         issuer + "/auth/revoke"};
}

rest::Response AuthServer::SmartConfiguration(const rest::Request& req) const {
  return SmartConfigurationEndpoint(*parts_, req);
}

Result<std::string> AuthServer::IssueAccessToken(const TokenGrant& grant, const std::string& issuer) const {
  return IssueToken(*parts_, grant, issuer);
}

Result<std::string> AuthServer::SignClaims(const std::string& claims_json) const {
  return parts_->keys->Sign(claims_json);
}

void AuthServer::ClientDeleted(std::string_view client_id) const {
  parts_->verifier->ForgetClient(client_id);
}

void AuthServer::UserDeleted(std::string_view user) const { parts_->verifier->ForgetUser(user); }

}  // namespace kiln::auth
