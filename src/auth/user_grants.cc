// POST /auth/token for what users grant: the authorization_code grant (RFC 6749 section 4.1.3)
// with PKCE's check (RFC 7636 section 4.6), and refresh_token (section 6), whose tokens are
// rotated on every use. Using a code or a refresh token a second time revokes the whole grant:
// its refresh tokens and the access tokens made from it (RFC 6749 section 4.1.2; OAuth 2.0
// Security BCP, refresh token rotation).
#include "auth/jose.h"
#include "auth/scopes.h"
#include "auth/server_parts.h"
#include "auth/users.h"
#include "core/json.h"
#include "core/log.h"

namespace kiln::auth {

namespace {

constexpr Micros kSecond = 1'000'000;
constexpr Micros kOnlineLifetime = 24 * 3600 * kSecond;

OAuthError InvalidGrant(std::string reason) {
  return OAuthError{"invalid_grant", "The code or refresh token is not valid", 400, std::move(reason)};
}

// RFC 7636 section 4.1: 43 to 128 characters of [A-Z a-z 0-9 - . _ ~].
bool IsVerifier(std::string_view v) {
  return v.size() >= 43 && v.size() <= 128 && std::all_of(v.begin(), v.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' || c == '~';
         });
}

// The access token (and, with offline_access or online_access, a new refresh token) for `grant`,
// as the token response's JSON.
Expected<std::string, OAuthError> TokensFor(const AuthServer::Parts& parts, const rest::Request& req,
                                            const store::GrantRecord& grant) {
  TokenGrant token_grant{
      grant.client_id, grant.tenant,
      grant.scope,     grant.patient.empty() ? std::nullopt : std::optional<std::string>(grant.patient),
      grant.user,      grant.grant_id};
  auto token = IssueToken(parts, token_grant, Issuer(parts.options, req));
  if (!token) return OAuthError{"server_error", "", 500, token.error().diagnostics};
  std::string body = R"({"access_token":)" + json::Quote(*token) + R"(,"token_type":"Bearer","expires_in":)" +
                     std::to_string(parts.options.token_lifetime / kSecond) + R"(,"scope":)" +
                     json::Quote(grant.scope);
  if (!grant.patient.empty()) body += R"(,"patient":)" + json::Quote(grant.patient);
  bool offline = HasScope(grant.scope, kOfflineAccessScope);
  if (offline || HasScope(grant.scope, kOnlineAccessScope)) {
    std::string refresh = Base64UrlEncode(RandomBytes(32));
    Micros now = parts.clock.Now();
    store::RefreshTokenRecord record{Base64UrlEncode(Sha256(refresh)), grant,
                                     now + (offline ? parts.options.refresh_lifetime : kOnlineLifetime),
                                     false};
    if (auto added = parts.store.AddRefreshToken(record, now); !added) {
      return OAuthError{"server_error", "", 503, added.error().diagnostics};
    }
    // A replay of the refresh token this one replaces may have revoked the grant meanwhile, its
    // RevokeGrant running before our AddRefreshToken. RevokeUserGrant marks the grant revoked
    // before it forgets the refresh tokens, so either we see the mark here, or its RevokeGrant
    // runs after our token was added and forgets it too.
    auto revoked = parts.store.IsTokenRevoked(grant.grant_id);
    if (!revoked) return OAuthError{"server_error", "", 503, revoked.error().diagnostics};
    if (*revoked) {
      (void)parts.store.RevokeGrant(grant.grant_id);
      return InvalidGrant("the grant was revoked");
    }
    body += R"(,"refresh_token":)" + json::Quote(refresh);
  }
  log::Info(
      "auth: token issued",
      {{"rid", req.request_id}, {"client", grant.client_id}, {"user", grant.user}, {"scope", grant.scope}});
  return body + "}";
}

rest::Response Answer(Expected<std::string, OAuthError> body) {
  if (!body) return ErrorResponse(body.error());
  return JsonResponse(std::move(body).value());
}

// What `grant`'s user may still grant now: the role or the label access may have changed, or the
// membership gone.
Expected<store::GrantRecord, OAuthError> Recheck(const AuthServer::Parts& parts, store::GrantRecord grant) {
  auto user = parts.store.GetUser(grant.user);
  if (!user) return InvalidGrant("the user is gone");
  const store::Membership* m = MembershipIn(*user, grant.tenant);
  auto role = m != nullptr ? RoleNamed(m->role) : std::nullopt;
  if (!role) return InvalidGrant("the user is no longer a member of the tenant");
  grant.scope =
      UserGrantableScopes(grant.scope, RolePermissions(*role), !grant.patient.empty(), m->label_access);
  return grant;
}

}  // namespace

Result<Ok> RevokeUserGrant(const AuthServer::Parts& parts, const std::string& grant_id) {
  // Its access tokens carry the grant's id (token_verifier.cc); those issued by now expire by this.
  // Marked first, so that a refresh token added concurrently is caught (TokensFor).
  Micros now = parts.clock.Now();
  KILN_TRY(parts.store.RevokeToken(grant_id, now + parts.options.token_lifetime, now));
  KILN_TRY(parts.store.RevokeGrant(grant_id));
  parts.verifier->ForgetGrant(grant_id);
  return Ok{};
}

rest::Response CodeGrant(const AuthServer::Parts& parts, const rest::Request& req, const Form& form,
                         const store::ClientRecord& client) {
  std::string_view code = Param(form, "code");
  std::string_view verifier = Param(form, "code_verifier");
  if (code.empty()) return ErrorResponse({"invalid_request", "code is required"});
  auto used = parts.store.UseAuthCode(Base64UrlEncode(Sha256(code)), parts.clock.Now());
  if (!used) {
    if (used.error().issue != Issue::kNotFound)
      return ErrorResponse({"server_error", "", 503, used.error().diagnostics});
    return ErrorResponse(InvalidGrant("unknown or expired code"));
  }
  const store::AuthCodeRecord& c = *used;
  if (c.used) {
    (void)RevokeUserGrant(parts, c.grant.grant_id);
    log::Warn("auth: an authorization code was used twice; its grant is revoked",
              {{"rid", req.request_id}, {"client", client.id}, {"grant", c.grant.grant_id}});
    return ErrorResponse(InvalidGrant("code used before"));
  }
  // The code is used up from here on, whatever the checks below find.
  if (c.grant.client_id != client.id) return ErrorResponse(InvalidGrant("the code is another client's"));
  if (Param(form, "redirect_uri") != c.redirect_uri)
    return ErrorResponse(InvalidGrant("redirect_uri differs"));
  if (!IsVerifier(verifier) || Base64UrlEncode(Sha256(verifier)) != c.code_challenge) {
    return ErrorResponse(InvalidGrant("code_verifier does not match the code_challenge"));
  }
  return Answer(TokensFor(parts, req, c.grant));
}

rest::Response RefreshGrant(const AuthServer::Parts& parts, const rest::Request& req, const Form& form,
                            const store::ClientRecord& client) {
  std::string_view refresh = Param(form, "refresh_token");
  if (refresh.empty()) return ErrorResponse({"invalid_request", "refresh_token is required"});
  auto used = parts.store.UseRefreshToken(Base64UrlEncode(Sha256(refresh)), parts.clock.Now());
  if (!used) {
    if (used.error().issue != Issue::kNotFound)
      return ErrorResponse({"server_error", "", 503, used.error().diagnostics});
    return ErrorResponse(InvalidGrant("unknown, expired or revoked refresh token"));
  }
  if (used->used) {
    (void)RevokeUserGrant(parts, used->grant.grant_id);
    log::Warn("auth: a refresh token was used twice; its grant is revoked",
              {{"rid", req.request_id}, {"client", client.id}, {"grant", used->grant.grant_id}});
    return ErrorResponse(InvalidGrant("refresh token used before"));
  }
  if (used->grant.client_id != client.id)
    return ErrorResponse(InvalidGrant("the refresh token is another client's"));
  auto grant = Recheck(parts, used->grant);
  if (!grant) return ErrorResponse(grant.error());
  if (std::string_view asked = Param(form, "scope"); !asked.empty()) {
    // Section 6: no scope beyond what was granted.
    std::string narrowed = GrantedScopes(grant->scope, asked);
    if (SplitScopes(narrowed).size() != SplitScopes(asked).size()) {
      return ErrorResponse({"invalid_scope", "A refresh asks for no scope beyond what was granted"});
    }
    grant->scope = narrowed;
  }
  return Answer(TokensFor(parts, req, *grant));
}

Expected<bool, OAuthError> RevokeRefreshToken(const AuthServer::Parts& parts, std::string_view token,
                                              const store::ClientRecord& client) {
  // Looking it up uses it up: a refresh token sent here is done with either way.
  auto used = parts.store.UseRefreshToken(Base64UrlEncode(Sha256(token)), parts.clock.Now());
  if (!used) {
    if (used.error().issue != Issue::kNotFound)
      return OAuthError{"server_error", "", 503, used.error().diagnostics};
    return false;
  }
  if (used->grant.client_id != client.id) {
    return OAuthError{"unauthorized_client", "A client may revoke only the tokens issued to it"};
  }
  if (auto revoked = RevokeUserGrant(parts, used->grant.grant_id); !revoked) {
    return OAuthError{"server_error", "", 503, revoked.error().diagnostics};
  }
  return true;
}

}  // namespace kiln::auth
