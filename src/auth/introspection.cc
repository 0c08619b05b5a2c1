// POST /auth/introspect (RFC 7662) and POST /auth/revoke (RFC 7009). Introspection needs an
// authenticated client, as the token endpoint does, and any such client may introspect a token.
// A client may revoke its own tokens only (a public client names itself by client_id); revoking
// a refresh token revokes its whole grant, the access tokens made from it included.
#include "auth/server_parts.h"
#include "core/json.h"
#include "core/log.h"

namespace kiln::auth {

namespace {

constexpr Micros kSecond = 1'000'000;

// The authenticated client and the token the form names, checked as the FHIR API would except
// for its audience; the token is null when it is not an active access token of this issuer.
struct Asked {
  store::ClientRecord client;
  std::shared_ptr<const VerifiedToken> token;
  std::string text;
};

Expected<Asked, OAuthError> Read(const AuthServer::Parts& parts, const rest::Request& req, bool public_ok) {
  auto form = ReadForm(req);
  if (!form) return std::move(form).error();
  auto client = public_ok ? IdentifyClient(parts.ClientAuth(req), req, *form)
                          : AuthenticateClient(parts.ClientAuth(req), req, *form);
  if (!client) return std::move(client).error();
  Asked asked{std::move(client).value(), nullptr, std::string(Param(*form, "token"))};
  if (asked.text.empty()) return OAuthError{"invalid_request", "token is required"};
  auto verified = parts.verifier->Verify(asked.text);
  if (verified && (*verified)->issuer == Issuer(parts.options, req)) asked.token = *verified;
  return asked;
}

}  // namespace

rest::Response IntrospectionEndpoint(const AuthServer::Parts& parts, const rest::Request& req) {
  auto asked = Read(parts, req, false);
  if (!asked) return ErrorResponse(asked.error());
  const std::shared_ptr<const VerifiedToken>& t = asked->token;
  if (!t) return JsonResponse(R"({"active":false})");
  std::string body = R"({"active":true,"token_type":"Bearer","scope":)" + json::Quote(t->scope);
  body += R"(,"client_id":)" + json::Quote(t->client_id) + R"(,"sub":)" + json::Quote(t->subject);
  body += R"(,"iss":)" + json::Quote(t->issuer) + R"(,"aud":)" + json::Quote(t->audience);
  body += R"(,"exp":)" + std::to_string(t->expires / kSecond) + R"(,"iat":)" +
          std::to_string(t->issued_at / kSecond);
  body += R"(,"jti":)" + json::Quote(t->jti) + R"(,"tenant":)" + json::Quote(t->tenant.value);
  if (t->patient) body += R"(,"patient":)" + json::Quote(*t->patient);
  return JsonResponse(body + "}");
}

rest::Response RevocationEndpoint(const AuthServer::Parts& parts, const rest::Request& req) {
  auto asked = Read(parts, req, true);
  if (!asked) return ErrorResponse(asked.error());
  const std::shared_ptr<const VerifiedToken>& t = asked->token;
  if (!t) {
    auto refresh = RevokeRefreshToken(parts, asked->text, asked->client);
    if (!refresh) return ErrorResponse(refresh.error());
    if (*refresh)
      log::Info("auth: refresh token revoked", {{"rid", req.request_id}, {"client", asked->client.id}});
    // An invalid, expired or already revoked token needs nothing done (RFC 7009 section 2.2).
    return JsonResponse("{}");
  }
  if (t->client_id != asked->client.id) {
    return ErrorResponse({"unauthorized_client", "A client may revoke only the tokens issued to it"});
  }
  if (auto revoked = parts.store.RevokeToken(t->jti, t->expires, parts.clock.Now()); !revoked) {
    return ErrorResponse({"server_error", "", 503, revoked.error().diagnostics});
  }
  parts.verifier->Forget(asked->text);
  log::Info("auth: token revoked", {{"rid", req.request_id}, {"client", t->client_id}, {"jti", t->jti}});
  return JsonResponse("{}");
}

}  // namespace kiln::auth
