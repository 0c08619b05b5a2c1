// Kiln's authorization server (OAuth 2.0 with SMART on FHIR v2; docs/security.md), in the same
// binary as the FHIR API: registered clients get access tokens at POST /auth/token
// (client_credentials, with client_secret_basic, client_secret_post, an HS256 client-secret
// assertion or private_key_jwt), and the FHIR API accepts them through rest::Authorizer.
//
//   POST /auth/token                        RFC 6749 section 4.4, SMART Backend Services
//   POST /auth/introspect                   RFC 7662
//   POST /auth/revoke                       RFC 7009
//   GET  /.well-known/jwks.json             the keys that sign access tokens
//   GET  {base}/.well-known/smart-configuration
//
// Access tokens are JWTs signed ES256 with a key kept (sealed) in the store; a newer key can be
// added at any time (RotateSigningKey), and older keys stay published until their tokens expire.
//
// Thread-safety: an AuthServer is shared by all request threads; every method may be called
// concurrently. It borrows the store and the clock, which must outlive it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/time.h"
#include "rest/rest.h"
#include "store/store.h"

namespace kiln::auth {

struct AuthOptions {
  // The server root's public URL ("https://fhir.example.org"): the tokens' issuer, and where the
  // endpoints above are. Empty: "http://{Host}" of each request.
  std::string issuer;
  std::string base_path = "/fhir";  // the FHIR API's path below the root (http::ServerOptions)
  // The file holding the key that seals client secrets and signing keys (created if missing).
  std::string key_file;
  Micros token_lifetime = 3600LL * 1'000'000;
};

// What an access token grants.
struct TokenGrant {
  std::string client_id;
  store::TenantId tenant = store::DefaultTenant();
  std::string scope;                   // space-separated
  std::optional<std::string> patient;  // the patient context, for patient/ scopes
};

class AuthServer final : public rest::Authorizer {
 public:
  // Loads the signing keys, creating the first one when the store has none.
  static Result<std::unique_ptr<AuthServer>> Open(store::Store& store, const Clock& clock,
                                                  AuthOptions options);
  ~AuthServer() override;
  AuthServer(const AuthServer&) = delete;
  AuthServer& operator=(const AuthServer&) = delete;

  // The endpoints outside the FHIR base, `request.path` relative to the server root
  // (http::Server::SetRootHandler).
  rest::Response HandleRoot(const rest::Request& request) const;

  // rest::Authorizer: bearer tokens on the FHIR API.
  Result<std::shared_ptr<const rest::Access>> Authenticate(const rest::Request& request) const override;
  rest::OAuthUris Uris(const rest::Request& request) const override;
  rest::Response SmartConfiguration(const rest::Request& request) const override;

  // An access token for `grant`, issued by `issuer` (the server root's URL), for the FHIR base of
  // the grant's tenant there.
  Result<std::string> IssueAccessToken(const TokenGrant& grant, const std::string& issuer) const;
  // `claims_json` (a JSON object) signed as an access token, as it is: for tests that need tokens
  // the token endpoint never issues (expired, for another audience, ...).
  Result<std::string> SignClaims(const std::string& claims_json) const;

  struct Parts;

 private:
  explicit AuthServer(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

// ---- Administration (`kiln client`, `kiln key`), also while a server runs on the same store ----

struct ClientSpec {
  std::string id;      // [A-Za-z0-9._-]{1,128}
  std::string secret;  // at least 32 characters; or empty with a JWKS
  std::string scope;   // the scopes it may be granted, space-separated (SMART v1 or v2)
  std::string jwks;    // JSON Web Key Set text, for private_key_jwt; or empty with a secret
  store::TenantId tenant = store::DefaultTenant();
};
// Registers a client; its secret is stored only hashed and sealed under `key_file`'s key.
// kInvalid for a bad id, scope, secret or JWKS; kConflict for an id in use.
Result<store::ClientRecord> RegisterClient(store::Store& store, const std::string& key_file,
                                           const ClientSpec& spec, Micros now);

// A new random client secret (43 characters).
std::string NewClientSecret();

// Adds a new ES256 signing key, which signs from then on (a running server takes it within a
// minute); the keys before it stay published until the tokens they signed have expired. Returns
// its kid.
Result<std::string> RotateSigningKey(store::Store& store, const std::string& key_file, Micros now);

}  // namespace kiln::auth
