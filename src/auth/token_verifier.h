// Checks access tokens: Kiln's own JWTs, ES256 under a key of the ring, unexpired, already valid,
// not revoked, and of a client (and, acting for a user, a user) still registered, and registered
// no later than the token was issued (one deleted and registered again under the same id does
// not revive the tokens of the one before). What was checked is cached per token (the signature
// check and the store's reads are most of a request's cost otherwise) for at most kRecheckAfter,
// so a revocation or deletion made by another process (the CLI) is seen within that time; one
// made here takes effect at once (Forget*). Private to src/auth/.
//
// Thread-safety: every method may be called concurrently.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "auth/scopes.h"
#include "auth/signing_keys.h"
#include "core/time.h"
#include "store/store.h"

namespace kiln::auth {

// The claims of a token that passed every check that does not depend on the request.
struct VerifiedToken {
  std::string jti;
  std::string issuer;
  std::string audience;
  std::string client_id;
  std::string subject;   // the user it acts for, or the client
  std::string grant_id;  // the user's authorization it comes from; empty for client_credentials
  std::string scope;
  store::TenantId tenant = store::DefaultTenant();
  std::optional<std::string> patient;
  Micros issued_at = 0;
  Micros expires = 0;
  std::shared_ptr<const ScopeAccess> access;
};

class TokenVerifier {
 public:
  TokenVerifier(const SigningKeys& keys, store::Store& store, const Clock& clock)
      : keys_(keys), store_(store), clock_(clock) {}

  // The token's claims; kLogin when it is not a valid access token (the reason is logged, and
  // not told).
  Result<std::shared_ptr<const VerifiedToken>> Verify(std::string_view token) const;
  // Drops `token` from the cache (after it was revoked).
  void Forget(std::string_view token) const;
  // Drops every token of the grant from the cache (after the grant was revoked).
  void ForgetGrant(std::string_view grant_id) const;
  // Drops every token of the client, or every token acting for the user, from the cache (after
  // the client or the user was deleted).
  void ForgetClient(std::string_view client_id) const;
  void ForgetUser(std::string_view user) const;

 private:
  Result<std::shared_ptr<const VerifiedToken>> Check(std::string_view token, Micros now) const;
  // Whether the token's client, and the user it acts for, are still the ones it was issued to.
  Result<Ok> CheckRegistered(const VerifiedToken& token) const;
  void ForgetIf(const std::function<bool(const VerifiedToken&)>& drop) const;

  struct Cached {
    std::shared_ptr<const VerifiedToken> token;
    Micros checked = 0;
  };
  const SigningKeys& keys_;
  store::Store& store_;
  const Clock& clock_;
  mutable std::mutex mu_;
  mutable std::unordered_map<std::string, Cached> cache_;  // GUARDED_BY(mu_)
  // Counts the Forget* calls: a check that began before one is not cached (it may have read the
  // store before the revocation or deletion that call follows).
  mutable uint64_t forgets_ = 0;  // GUARDED_BY(mu_)
};

// The seconds-since-epoch claim `name` of `claims` as Micros; nullopt when absent or not a number.
std::optional<Micros> TimeClaim(const json::Value& claims, std::string_view name);

}  // namespace kiln::auth
