// POST /auth/token: the client_credentials grant (RFC 6749 section 4.4) as SMART Backend
// Services uses it (hl7.org/fhir/smart-app-launch/backend-services.html). The token granted holds
// the scopes asked for that the client's registration covers (all of them when none are asked).
#include "auth/scopes.h"
#include "auth/server_parts.h"
#include "core/json.h"
#include "core/log.h"

namespace kiln::auth {

namespace {

constexpr Micros kSecond = 1'000'000;

std::string NewTokenId() { return Base64UrlEncode(RandomBytes(18)); }

// What a client acting on its own is granted: neither a patient context nor refresh tokens,
// which need a user.
std::string ClientScopes(std::string_view allowed, std::string_view asked) {
  std::string out;
  for (const std::string& s : SplitScopes(GrantedScopes(allowed, asked))) {
    if (s == kLaunchPatientScope || s == kOfflineAccessScope || s == kOnlineAccessScope) continue;
    if (!out.empty()) out.push_back(' ');
    out += s;
  }
  return out;
}

}  // namespace

Result<std::string> IssueToken(const AuthServer::Parts& parts, const TokenGrant& grant,
                               const std::string& issuer) {
  int64_t now = parts.clock.Now() / kSecond;
  std::string claims = R"({"iss":)" + json::Quote(issuer);
  claims += R"(,"sub":)" + json::Quote(grant.subject.empty() ? grant.client_id : grant.subject);
  claims += R"(,"aud":)" + json::Quote(FhirBase(parts.options, issuer, grant.tenant));
  claims += R"(,"exp":)" + std::to_string(now + parts.options.token_lifetime / kSecond);
  claims += R"(,"iat":)" + std::to_string(now);
  claims += R"(,"jti":)" + json::Quote(NewTokenId());
  claims += R"(,"client_id":)" + json::Quote(grant.client_id);
  claims += R"(,"scope":)" + json::Quote(grant.scope);
  claims += R"(,"tenant":)" + json::Quote(grant.tenant.value);
  if (grant.patient) claims += R"(,"patient":)" + json::Quote(*grant.patient);
  if (!grant.grant_id.empty()) claims += R"(,"grant_id":)" + json::Quote(grant.grant_id);
  claims += "}";
  return parts.keys->Sign(claims);
}

rest::Response TokenEndpoint(const AuthServer::Parts& parts, const rest::Request& req) {
  auto form = ReadForm(req);
  if (!form) return ErrorResponse(form.error());
  std::string_view grant_type = Param(*form, "grant_type");
  if (grant_type.empty()) return ErrorResponse({"invalid_request", "grant_type is required"});
  if (grant_type == "authorization_code" || grant_type == "refresh_token") {
    auto client = IdentifyClient(parts.ClientAuth(req), req, *form);
    if (!client) {
      log::Info("auth: token refused", {{"rid", req.request_id}, {"reason", client.error().reason}});
      return ErrorResponse(client.error());
    }
    if (client->redirect_uris.empty()) {
      return ErrorResponse({"unauthorized_client", "The client has no redirect URI, so it has no codes"});
    }
    return grant_type == "refresh_token" ? RefreshGrant(parts, req, *form, *client)
                                         : CodeGrant(parts, req, *form, *client);
  }
  if (grant_type != "client_credentials") {
    return ErrorResponse(
        {"unsupported_grant_type", "Kiln grants authorization_code, refresh_token and client_credentials"});
  }
  auto client = AuthenticateClient(parts.ClientAuth(req), req, *form);
  if (!client) {
    log::Info("auth: token refused", {{"rid", req.request_id}, {"reason", client.error().reason}});
    return ErrorResponse(client.error());
  }
  TokenGrant grant{client->id, client->tenant, ClientScopes(client->scope, Param(*form, "scope")), {}};
  if (grant.scope.empty()) {
    return ErrorResponse({"invalid_scope", "None of the scopes asked for is allowed to this client"});
  }
  auto token = IssueToken(parts, grant, Issuer(parts.options, req));
  if (!token) return ErrorResponse({"server_error", "", 500, token.error().diagnostics});
  log::Info("auth: token issued", {{"rid", req.request_id}, {"client", client->id}, {"scope", grant.scope}});
  std::string body = R"({"access_token":)" + json::Quote(*token) + R"(,"token_type":"Bearer","expires_in":)" +
                     std::to_string(parts.options.token_lifetime / kSecond) + R"(,"scope":)" +
                     json::Quote(grant.scope) + "}";
  return JsonResponse(std::move(body));
}

}  // namespace kiln::auth
