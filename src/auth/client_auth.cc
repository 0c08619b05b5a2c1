#include "auth/client_auth.h"

#include <openssl/crypto.h>

#include <cctype>

#include "auth/jose.h"
#include "auth/token_verifier.h"
#include "core/base64.h"
#include "core/text.h"

namespace kiln::auth {

namespace {

constexpr Micros kSecond = 1'000'000;
constexpr Micros kMaxAssertionLifetime = 300 * kSecond;  // SMART Backend Services: at most 5 minutes
constexpr Micros kClockSkew = 60 * kSecond;              // for iat and nbf in the future
constexpr std::string_view kJwtBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

using ClientResult = Expected<store::ClientRecord, OAuthError>;

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != std::tolower(static_cast<unsigned char>(prefix[i])))
      return false;
  }
  return true;
}

// A hash to check secrets of unknown clients against, so that an unknown id takes as long to
// refuse as a wrong secret.
const std::string& UnknownClientHash() {
  static const std::string* const kHash = [] {
    auto hash = HashSecret("unknown client");
    return new std::string(hash ? *hash : std::string());
  }();
  return *kHash;
}

ClientResult BySecret(const ClientAuthContext& ctx, const std::string& id, std::string_view secret) {
  auto client = ctx.store.GetClient(id);
  if (!client) {
    (void)SecretMatches(UnknownClientHash(), secret);
    if (client.error().issue != Issue::kNotFound)
      return OAuthError{"server_error", "", 500, client.error().diagnostics};
    return ClientAuthFailed("unknown client '" + id + "'");
  }
  if (!SecretMatches(client->secret_hash, secret)) return ClientAuthFailed("wrong secret for '" + id + "'");
  return std::move(client).value();
}

// Authorization: Basic base64(urlencode(id) ":" urlencode(secret)).
ClientResult ByBasic(const ClientAuthContext& ctx, std::string_view header, const Form& form) {
  auto decoded = Base64Decode(header.substr(6));
  size_t colon = decoded ? decoded->find(':') : std::string::npos;
  if (colon == std::string::npos) return ClientAuthFailed("malformed Basic credentials");
  std::string id = UrlDecode(std::string_view(*decoded).substr(0, colon), true);
  std::string secret = UrlDecode(std::string_view(*decoded).substr(colon + 1), true);
  if (std::string_view named = Param(form, "client_id"); !named.empty() && named != id) {
    return OAuthError{"invalid_request", "client_id differs from the client authenticated"};
  }
  return BySecret(ctx, id, secret);
}

bool AudienceIs(const json::Value& claims, std::string_view url) {
  const json::Value* aud = json::Find(claims, "aud");
  if (aud == nullptr) return false;
  if (aud->IsString()) return std::string_view(aud->GetString(), aud->GetStringLength()) == url;
  if (!aud->IsArray()) return false;
  for (const json::Value& a : aud->GetArray()) {
    if (a.IsString() && std::string_view(a.GetString(), a.GetStringLength()) == url) return true;
  }
  return false;
}

// The checks of RFC 7523 section 3 and SMART Backend Services that need no key: issuer and
// subject, audience, lifetime. The assertion's expiry on success.
Expected<Micros, OAuthError> CheckClaims(const ClientAuthContext& ctx, const json::Value& claims,
                                         const store::ClientRecord& client) {
  Micros now = ctx.clock.Now();
  if (json::GetString(claims, "sub") != client.id) return ClientAuthFailed("sub is not iss");
  if (!AudienceIs(claims, ctx.token_url)) return ClientAuthFailed("aud is not " + ctx.token_url);
  auto exp = TimeClaim(claims, "exp");
  auto iat = TimeClaim(claims, "iat");
  auto nbf = TimeClaim(claims, "nbf");
  if (!exp || *exp <= now) return ClientAuthFailed("expired or without exp");
  if (*exp > now + kMaxAssertionLifetime) return ClientAuthFailed("exp more than 5 minutes ahead");
  if (iat && (*iat > now + kClockSkew || *exp - *iat > kMaxAssertionLifetime)) {
    return ClientAuthFailed("iat in the future, or more than 5 minutes before exp");
  }
  if (nbf && *nbf > now + kClockSkew) return ClientAuthFailed("not yet valid");
  if (json::GetString(claims, "jti").empty()) return ClientAuthFailed("no jti");
  return *exp;
}

// The key `kid` of the client's JWKS: the registered one, or the one its JWKS URL publishes.
Expected<Jwk, OAuthError> KeyFor(const ClientAuthContext& ctx, const store::ClientRecord& client,
                                 const std::string& kid) {
  if (!client.jwks_uri.empty()) {
    auto key = ctx.remote_jwks.Find(client.jwks_uri, kid);
    if (!key && key.error().issue == Issue::kNotFound) return ClientAuthFailed("unknown kid '" + kid + "'");
    if (!key) return ClientAuthFailed("the client's JWKS URL did not answer with a JWKS");
    return std::move(key).value();
  }
  if (client.jwks.empty()) return ClientAuthFailed("asymmetric assertion from a client without a JWKS");
  auto keys = ParseJwks(client.jwks);
  if (!keys) return ClientAuthFailed("the client's JWKS does not parse");
  for (Jwk& k : *keys) {
    if (k.kid == kid) return std::move(k);
  }
  return ClientAuthFailed("unknown kid '" + kid + "'");
}

// Whether the assertion is signed by the client: HS256 under its secret, RS384 or ES384 under
// the key of its JWKS that the header's kid names.
Expected<Ok, OAuthError> CheckSignature(const ClientAuthContext& ctx, const Jws& jws, Alg alg,
                                        const store::ClientRecord& client) {
  if (alg == Alg::kHS256) {
    if (client.secret_sealed.empty())
      return ClientAuthFailed("HS256 assertion from a client without a secret");
    auto secret = ctx.box.Unseal(client.secret_sealed, client.id);
    if (!secret) return ClientAuthFailed("the client's secret does not unseal");
    std::string mac = HmacSha256(*secret, jws.signing_input);
    if (mac.empty() || mac.size() != jws.signature.size() ||
        CRYPTO_memcmp(mac.data(), jws.signature.data(), mac.size()) != 0) {
      return ClientAuthFailed("bad HS256 signature");
    }
    return Ok{};
  }
  auto key = KeyFor(ctx, client, jws.kid);
  if (!key) return std::move(key).error();
  if (key->alg && *key->alg != alg) return ClientAuthFailed("the key's alg is not the assertion's");
  if (!VerifyWithKey(alg, *key->key, jws.signing_input, jws.signature))
    return ClientAuthFailed("bad signature");
  return Ok{};
}

ClientResult ByAssertion(const ClientAuthContext& ctx, const Form& form) {
  if (Param(form, "client_assertion_type") != kJwtBearer) {
    return OAuthError{"invalid_request", "client_assertion_type must be " + std::string(kJwtBearer)};
  }
  auto jws = ParseJws(Param(form, "client_assertion"));
  if (!jws) return ClientAuthFailed("the assertion is not a JWS");
  auto alg = AlgNamed(jws->alg);
  if (!alg || *alg == Alg::kES256) return ClientAuthFailed("alg '" + jws->alg + "' is not accepted");
  std::string id(json::GetString(jws->payload, "iss"));
  if (std::string_view named = Param(form, "client_id"); !named.empty() && named != id) {
    return ClientAuthFailed("client_id is not the assertion's iss");
  }
  auto client = ctx.store.GetClient(id);
  if (!client) return ClientAuthFailed("unknown client '" + id + "'");
  auto exp = CheckClaims(ctx, jws->payload, *client);
  if (!exp) return std::move(exp).error();
  if (auto signed_ok = CheckSignature(ctx, *jws, *alg, *client); !signed_ok)
    return std::move(signed_ok).error();
  // Only a signed assertion uses up its jti: nobody else can spend a client's.
  auto used =
      ctx.store.UseAssertion(id, std::string(json::GetString(jws->payload, "jti")), *exp, ctx.clock.Now());
  if (!used && used.error().issue == Issue::kConflict) return ClientAuthFailed("jti replayed");
  if (!used) return OAuthError{"server_error", "", 500, used.error().diagnostics};
  return std::move(client).value();
}

}  // namespace

ClientResult AuthenticateClient(const ClientAuthContext& ctx, const rest::Request& req, const Form& form) {
  std::string_view authorization = req.Header("Authorization");
  bool basic = StartsWithNoCase(authorization, "Basic ");
  bool post = form.contains("client_secret");
  bool assertion = form.contains("client_assertion") || form.contains("client_assertion_type");
  if (int(basic) + int(post) + int(assertion) > 1) {
    return OAuthError{"invalid_request", "A client authenticates by one method at a time"};
  }
  if (basic) return ByBasic(ctx, authorization, form);
  if (post) return BySecret(ctx, std::string(Param(form, "client_id")), Param(form, "client_secret"));
  if (assertion) return ByAssertion(ctx, form);
  return ClientAuthFailed("no client authentication");
}

ClientResult IdentifyClient(const ClientAuthContext& ctx, const rest::Request& req, const Form& form) {
  bool credentials = StartsWithNoCase(req.Header("Authorization"), "Basic ") ||
                     form.contains("client_secret") || form.contains("client_assertion") ||
                     form.contains("client_assertion_type");
  if (credentials) return AuthenticateClient(ctx, req, form);
  std::string id(Param(form, "client_id"));
  if (id.empty()) return ClientAuthFailed("no client authentication and no client_id");
  auto client = ctx.store.GetClient(id);
  if (!client && client.error().issue != Issue::kNotFound)
    return OAuthError{"server_error", "", 500, client.error().diagnostics};
  if (!client) return ClientAuthFailed("unknown client '" + id + "'");
  if (!client->is_public) return ClientAuthFailed("confidential client '" + id + "' without authentication");
  return std::move(client).value();
}

}  // namespace kiln::auth
