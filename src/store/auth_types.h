// Plain values of the authorization server's records (src/auth/, docs/security.md) as the store
// keeps them. The store checks nothing about them beyond unique keys: auth/ hashes and seals
// what must not be kept in clear before it gets here.
#pragma once

#include <string>
#include <vector>

#include "core/time.h"
#include "store/types.h"

namespace kiln::store {

// A registered OAuth client.
struct ClientRecord {
  std::string id;
  TenantId tenant = DefaultTenant();  // the tenant its access tokens are for
  std::string secret_hash;            // argon2id; empty for a client without a secret
  std::string secret_sealed;          // the secret, sealed (for HS256 assertions); empty without one
  std::string scope;                  // the scopes it may be granted, space-separated
  std::string jwks;                   // JSON Web Key Set for private_key_jwt; empty for none
  Micros created = 0;
  // authorization_code: where its codes may be sent (matched exactly); none: it cannot use that
  // grant. A public client has no secret and no keys: PKCE alone binds its codes to it.
  std::vector<std::string> redirect_uris = {};
  bool is_public = false;
  std::string jwks_uri = {};  // or where its JWKS is published (fetched when an assertion needs it)
};

// A tenant a user may act in, and as what.
struct Membership {
  TenantId tenant = DefaultTenant();
  std::string role;     // "owner", "manager" or "reader"
  std::string patient;  // the user's own Patient there (their launch/patient context); may be empty
  // The security labels their tokens there may see (docs/security.md): "" none, "R" restricted,
  // "V" very restricted and restricted. Their apps' registrations must allow it too.
  std::string label_access = {};
};

// A user account: the resource owner of the authorization_code grant.
struct UserRecord {
  std::string id;
  std::string password_hash;  // argon2id
  std::vector<Membership> memberships;
  Micros created = 0;
};

// What a user granted a client, as an authorization code or a refresh token carries it. Every
// code and refresh token of one authorization shares its `grant_id`, so that all of them (and
// the access tokens made from them) can be revoked at once.
struct GrantRecord {
  std::string grant_id;
  std::string client_id;
  std::string user;
  TenantId tenant = DefaultTenant();
  std::string scope;
  std::string patient;  // the launch/patient context; empty for none
};

// An authorization code, kept by its hash (never in clear) until it expires.
struct AuthCodeRecord {
  std::string code_hash;
  GrantRecord grant;
  std::string redirect_uri;
  std::string code_challenge;  // PKCE S256
  Micros expires = 0;
  bool used = false;
};

// A refresh token, kept by its hash until it expires; a used one is kept too, to tell a replay.
struct RefreshTokenRecord {
  std::string token_hash;
  GrantRecord grant;
  Micros expires = 0;
  bool used = false;
};

// A key that signs access tokens.
struct SigningKeyRecord {
  std::string kid;
  std::string alg;          // "ES256"
  std::string private_key;  // sealed PKCS#8 PEM
  Micros created = 0;
  Micros retired = 0;  // when a newer key took over signing; 0 while this one signs
};

}  // namespace kiln::store
