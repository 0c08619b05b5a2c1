// Checks access tokens: Kiln's own JWTs, ES256 under a key of the ring, unexpired, already valid,
// not revoked. What was checked is cached per token (the signature check is most of a request's
// cost otherwise) for at most kRecheckAfter, so a revocation made by another process is seen
// within that time; one made here takes effect at once (Forget). Private to src/auth/.
//
// Thread-safety: every method may be called concurrently.
#pragma once

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

 private:
  Result<std::shared_ptr<const VerifiedToken>> Check(std::string_view token, Micros now) const;

  struct Cached {
    std::shared_ptr<const VerifiedToken> token;
    Micros checked = 0;
  };
  const SigningKeys& keys_;
  store::Store& store_;
  const Clock& clock_;
  mutable std::mutex mu_;
  mutable std::unordered_map<std::string, Cached> cache_;  // GUARDED_BY(mu_)
};

// The seconds-since-epoch claim `name` of `claims` as Micros; nullopt when absent or not a number.
std::optional<Micros> TimeClaim(const json::Value& claims, std::string_view name);

}  // namespace kiln::auth
