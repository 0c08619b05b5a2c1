// Plain values of the authorization server's records (src/auth/, docs/security.md) as the store
// keeps them. The store checks nothing about them beyond unique keys: auth/ hashes and seals
// what must not be kept in clear before it gets here.
#pragma once

#include <string>

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
