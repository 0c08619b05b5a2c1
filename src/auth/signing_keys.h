// The keys that sign access tokens: ES256 keys kept in the store (sealed), the newest of which
// signs. Keys retired by a newer one still verify, and stay in the JWKS, until every token they
// signed has expired. Other processes may add keys (`kiln key rotate`): the ring reloads from
// the store every minute, and sooner when a token names a kid it does not know. Private to
// src/auth/.
//
// Thread-safety: every method may be called concurrently.
#pragma once

#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "auth/jose.h"
#include "auth/secrets.h"
#include "core/time.h"
#include "store/store.h"

namespace kiln::auth {

// A new ES256 key as the store keeps it; its kid is its RFC 7638 thumbprint.
Result<store::SigningKeyRecord> NewSigningKey(const SecretBox& box, Micros now);

class SigningKeys {
 public:
  // Loads the keys, adding the first one when the store has none.
  static Result<std::unique_ptr<SigningKeys>> Open(store::Store& store, const SecretBox& box,
                                                   const Clock& clock, Micros token_lifetime);

  // `claims_json` as a compact JWS signed by the newest key.
  Result<std::string> Sign(std::string_view claims_json) const;
  // The key `kid` names, while it may verify tokens; null otherwise.
  PKey Find(std::string_view kid) const;
  // {"keys":[...]}: the public keys that may verify tokens.
  std::string JwksJson() const;

 private:
  struct Key {
    std::string kid;
    PKey key;
    Micros retired = 0;
    std::string jwk;  // the public JWK
  };
  SigningKeys(store::Store& store, const SecretBox& box, const Clock& clock, Micros token_lifetime)
      : store_(store), box_(box), clock_(clock), token_lifetime_(token_lifetime) {}
  // Reads the keys again when the last read is older than `max_age` (or the keys are unknown).
  void Refresh(Micros max_age) const;
  Result<std::vector<Key>> Load() const;
  bool Verifies(const Key& key, Micros now) const;

  store::Store& store_;
  const SecretBox& box_;
  const Clock& clock_;
  const Micros token_lifetime_;
  mutable std::shared_mutex mu_;
  mutable std::vector<Key> keys_;  // GUARDED_BY(mu_), newest first
  mutable Micros loaded_ = 0;      // GUARDED_BY(mu_)
};

}  // namespace kiln::auth
