// Kiln's authorization server (OAuth 2.0 with SMART on FHIR v2; docs/security.md), in the same
// binary as the FHIR API: registered clients get access tokens at POST /auth/token
// (client_credentials, with client_secret_basic, client_secret_post, an HS256 client-secret
// assertion or private_key_jwt; authorization_code with PKCE for apps its users sign in to, and
// refresh_token), and the FHIR API accepts them through rest::Authorizer.
//
//   GET  /auth/authorize                    RFC 6749 section 4.1, RFC 7636, SMART standalone launch
//   POST /auth/authorize                    the login and consent form that page shows
//   POST /auth/token                        RFC 6749 sections 4.1.3, 4.4 and 6, SMART Backend Services
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
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/time.h"
#include "rest/rest.h"
#include "store/store.h"

namespace kiln::auth {

// Kiln's own scope: the administrator's grant, which the admin API (/admin) needs. Only clients
// of the default tenant may be registered with it (`kiln client create --admin`).
inline constexpr std::string_view kAdminScope = "kiln/admin";

struct AuthOptions {
  // The server root's public URL ("https://fhir.example.org"): the tokens' issuer, and where the
  // endpoints above are. Empty: "http://{Host}" of each request.
  std::string issuer;
  std::string base_path = "/fhir";  // the FHIR API's path below the root (http::ServerOptions)
  // The file holding the key that seals client secrets and signing keys (created if missing).
  std::string key_file;
  Micros token_lifetime = 3600LL * 1'000'000;
  Micros code_lifetime = 60LL * 1'000'000;  // authorization codes: one minute (RFC 6749 section 4.1.2)
  Micros refresh_lifetime = 30LL * 24 * 3600 * 1'000'000;  // offline_access; online_access gets a day
  // Clients with a JWKS URL: an assertion whose kid the fetched set lacks fetches it again, at
  // most this often (a rotated key is taken at once; bogus kids do not flood the client's host).
  Micros jwks_refetch_interval = 10LL * 1'000'000;
};

// What an access token grants.
struct TokenGrant {
  std::string client_id;
  store::TenantId tenant = store::DefaultTenant();
  std::string scope;                   // space-separated
  std::optional<std::string> patient;  // the patient context, for patient/ scopes
  std::string subject = {};            // the user it acts for (authorization_code); empty: the client
  std::string grant_id = {};           // the user's authorization it comes from; revoked with it
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
  // The admin API takes tokens of this server that carry kiln/admin (docs/security.md).
  Result<Ok> AuthorizeAdmin(const rest::Request& request) const override;
  rest::OAuthUris Uris(const rest::Request& request) const override;
  rest::Response SmartConfiguration(const rest::Request& request) const override;

  // An access token for `grant`, issued by `issuer` (the server root's URL), for the FHIR base of
  // the grant's tenant there.
  Result<std::string> IssueAccessToken(const TokenGrant& grant, const std::string& issuer) const;
  // `claims_json` (a JSON object) signed as an access token, as it is: for tests that need tokens
  // the token endpoint never issues (expired, for another audience, ...).
  Result<std::string> SignClaims(const std::string& claims_json) const;

  // After a client or a user was deleted in this process (AdminApi): the access tokens of the
  // client, or acting for the user, are refused from the next request on, not only once their
  // cached check is due again (within 30 s, as for a deletion by another process).
  void ClientDeleted(std::string_view client_id) const;
  void UserDeleted(std::string_view user) const;

  struct Parts;

 private:
  explicit AuthServer(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

// ---- Administration (`kiln client`, `kiln key`), also while a server runs on the same store ----

struct ClientSpec {
  std::string id;      // [A-Za-z0-9._-]{1,128}
  std::string secret;  // at least 32 characters; or empty with a JWKS
  std::string scope;   // the scopes it may be granted, space-separated (SMART v1 or v2; kiln/admin)
  std::string jwks;    // JSON Web Key Set text, for private_key_jwt; or empty with a secret
  // Or where the client publishes its JWKS (https; http only to a loopback host), fetched when an
  // assertion needs it (SMART Backend Services' jwks_url).
  std::string jwks_uri = {};
  store::TenantId tenant = store::DefaultTenant();
  // authorization_code: the redirect URIs its codes may go to (absolute, no fragment, matched
  // exactly), and whether it is public (no secret and no JWKS; PKCE alone protects its codes).
  std::vector<std::string> redirect_uris = {};
  bool is_public = false;
};
// Registers a client; its secret is stored only hashed and sealed under `key_file`'s key.
// kInvalid for a bad id, scope, secret, JWKS or redirect URI; kNotFound for a tenant that does
// not exist; kConflict for an id in use.
Result<store::ClientRecord> RegisterClient(store::Store& store, const std::string& key_file,
                                           const ClientSpec& spec, Micros now);

// A new random client secret (43 characters).
std::string NewClientSecret();

// A client's label access (`kiln client create --label-access`, "label_access" of POST
// /admin/clients): R, V or R,V, as the scopes that grant it, each after a space
// (" security-label/R security-label/V"); kInvalid for other codes.
Result<std::string> LabelAccessScopes(std::string_view codes);

// ---- Users (`kiln user`): who signs in at /auth/authorize ----

struct UserSpec {
  std::string id;        // [A-Za-z0-9._@-]{1,128}
  std::string password;  // at least 8 characters; stored as an argon2id hash only
  std::vector<store::Membership> memberships;
};
// The membership "TENANT:ROLE" or "TENANT:ROLE:PATIENT-ID" (`kiln user create --member`); kInvalid
// for another form or role (owner, manager, reader).
Result<store::Membership> ParseMembership(std::string_view text);
// `--label-access TENANT:CODES` (`kiln user create` and `update`): the security labels the user's
// tokens in that tenant may see, CODES as for clients (R, V or R,V; V implies R) or `none`. Sets
// the label_access of the membership of that tenant in `memberships`; kInvalid for another form,
// or for a tenant none of them is of.
Result<Ok> GrantLabelAccess(std::vector<store::Membership>& memberships, std::string_view text);
// A membership's label access from CODES as `--label-access TENANT:CODES` takes them: "R", "V"
// or "R,V" (the highest: "V"), or "" for `none`; kInvalid for other codes.
Result<std::string> LabelAccessLevel(std::string_view codes);
// Registers a user. kInvalid for a bad id, password or membership, kNotFound for a membership
// of a tenant that does not exist, kConflict for an id in use.
Result<store::UserRecord> RegisterUser(store::Store& store, const UserSpec& spec, Micros now);

// What `kiln user update` changes of a user's memberships, in this order: the memberships of
// `remove` go; each of `set` is added, or replaces the role and patient of that tenant's (its
// label access stays); then `label_access` (TENANT:CODES, as GrantLabelAccess) is granted.
struct MembershipChanges {
  std::vector<store::TenantId> remove = {};
  std::vector<store::Membership> set = {};
  std::vector<std::string> label_access = {};
};
// Changes the user's memberships, all at once, and returns the user as it is then. Their refresh
// tokens are narrowed to it at their next use. kNotFound for an unknown user or tenant, or for a
// tenant in `remove` they are no member of; kInvalid as RegisterUser.
Result<store::UserRecord> ChangeMemberships(store::Store& store, const std::string& user,
                                            const MembershipChanges& changes);

// ---- The admin API's clients and users part (docs/security.md#the-admin-api-clients-and-users) ----

// JSON in and out (docs/security.md has the bodies), errors as OperationOutcome:
//   POST   clients                 201 the client, Location; with "secret" once when it was made up
//   GET    clients                 200 {"clients": [...]}, by id
//   GET    clients/{id}            200 the client
//   DELETE clients/{id}            204, as `kiln client delete`
//   POST   users                   201 the user, Location; with "password" once when it was made up
//   GET    users                   200 {"users": [...]}, by id
//   GET    users/{id}              200 the user
//   DELETE users/{id}              204, as `kiln user delete`
//   POST   users/{id}/memberships  200 the user as changed, as `kiln user update`
// No secret, secret hash or password hash is ever in a response, except a secret or password
// made up for the request that created it.
//
// It checks no token itself: it is served only as the part of tenant::AdminApi (whose Handle is
// the admin API's one check point) for the paths outside `tenants` (app/main.cc composes them).
class AdminApi {
 public:
  // Borrows the store, the clock and `tokens`; `key_file` seals client secrets (as
  // `--auth-key-file`). `tokens` (null without authorization) is told of the clients and users
  // deleted here, so that their access tokens stop working at once.
  AdminApi(store::Store& store, std::string key_file, const Clock& clock, const AuthServer* tokens);
  AdminApi(const AdminApi&) = delete;
  AdminApi& operator=(const AdminApi&) = delete;

  // `request.path` is below the admin base, e.g. "clients/backend".
  rest::Response Handle(const rest::Request& request) const;

 private:
  rest::Response Clients(const rest::Request& request, std::string_view id) const;
  // `below`: "" for the user, "memberships" for their memberships.
  rest::Response Users(const rest::Request& request, std::string_view id, std::string_view below) const;

  store::Store& store_;
  const std::string key_file_;
  const Clock& clock_;
  const AuthServer* const tokens_;
};

// Adds a new ES256 signing key, which signs from then on (a running server takes it within a
// minute); the keys before it stay published until the tokens they signed have expired. Returns
// its kid.
Result<std::string> RotateSigningKey(store::Store& store, const std::string& key_file, Micros now);

}  // namespace kiln::auth
