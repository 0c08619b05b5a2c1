#include "auth/token_verifier.h"

#include <cmath>

#include "core/log.h"

namespace kiln::auth {

namespace {

constexpr Micros kSecond = 1'000'000;
constexpr Micros kRecheckAfter = 30 * kSecond;
constexpr Micros kClockSkew = 30 * kSecond;  // for nbf and iat only: exp is exact
constexpr size_t kMaxCached = 20'000;

Error NotValid(std::string_view reason) {
  log::Info("auth: access token refused", {{"reason", reason}});
  return Error::Make(Issue::kLogin, "The access token is not valid");
}

std::string StringClaim(const json::Value& claims, std::string_view name) {
  return std::string(json::GetString(claims, name));
}

// A token from a user's grant (authorization_code, refresh_token) acts for its `sub`, the user;
// one without a grant (client_credentials) for the client alone, whose id `sub` repeats.
std::string UserOf(const VerifiedToken& t) { return t.grant_id.empty() ? std::string() : t.subject; }

// Whether a record made at `created` (0: not known) was there when the token was issued at `iat`:
// `iat` has whole seconds only (token_endpoint.cc), so a record made in the second the token
// was issued counts as before it.
bool MadeBy(Micros created, Micros iat) { return created / kSecond <= iat / kSecond; }

}  // namespace

std::optional<Micros> TimeClaim(const json::Value& claims, std::string_view name) {
  const json::Value* v = json::Find(claims, name);
  if (v == nullptr || !v->IsNumber()) return std::nullopt;
  double seconds = v->GetDouble();
  if (!std::isfinite(seconds) || std::fabs(seconds) > 1e11) return std::nullopt;
  return static_cast<Micros>(seconds * 1e6);
}

Result<std::shared_ptr<const VerifiedToken>> TokenVerifier::Verify(std::string_view token) const {
  Micros now = clock_.Now();
  std::string key(token);
  uint64_t forgets_before = 0;
  {
    std::lock_guard lock(mu_);
    auto it = cache_.find(key);
    if (it != cache_.end()) {
      if (now < it->second.token->expires && now < it->second.checked + kRecheckAfter)
        return it->second.token;
      cache_.erase(it);
    }
    forgets_before = forgets_;
  }
  KILN_TRY_ASSIGN(std::shared_ptr<const VerifiedToken> verified, Check(token, now));
  std::lock_guard lock(mu_);
  if (forgets_ != forgets_before) return verified;  // valid when checked; checked again next time
  if (cache_.size() >= kMaxCached) cache_.clear();  // rare; verifying again is cheap enough
  cache_[std::move(key)] = Cached{verified, now};
  return verified;
}

void TokenVerifier::Forget(std::string_view token) const {
  std::lock_guard lock(mu_);
  ++forgets_;
  cache_.erase(std::string(token));
}

void TokenVerifier::ForgetGrant(std::string_view grant_id) const {
  ForgetIf([&](const VerifiedToken& t) { return t.grant_id == grant_id; });
}

void TokenVerifier::ForgetClient(std::string_view client_id) const {
  ForgetIf([&](const VerifiedToken& t) { return t.client_id == client_id; });
}

void TokenVerifier::ForgetUser(std::string_view user) const {
  ForgetIf([&](const VerifiedToken& t) { return !t.grant_id.empty() && t.subject == user; });
}

void TokenVerifier::ForgetIf(const std::function<bool(const VerifiedToken&)>& drop) const {
  std::lock_guard lock(mu_);
  ++forgets_;
  std::erase_if(cache_, [&](const auto& entry) { return drop(*entry.second.token); });
}

Result<Ok> TokenVerifier::CheckRegistered(const VerifiedToken& t) const {
  auto client = store_.GetClient(t.client_id);
  if (!client) {
    if (client.error().issue == Issue::kNotFound) return NotValid("client deleted");
    return client.error();
  }
  if (!MadeBy(client->created, t.issued_at)) return NotValid("client registered after the token");
  std::string user = UserOf(t);
  if (user.empty()) return Ok{};
  auto record = store_.GetUser(user);
  if (!record) {
    if (record.error().issue == Issue::kNotFound) return NotValid("user deleted");
    return record.error();
  }
  if (!MadeBy(record->created, t.issued_at)) return NotValid("user registered after the token");
  return Ok{};
}

Result<std::shared_ptr<const VerifiedToken>> TokenVerifier::Check(std::string_view token, Micros now) const {
  auto jws = ParseJws(token);
  if (!jws) return NotValid("not a JWS");
  // Only what Kiln signs with: "none", HS256 with the public key as secret, ... never get here.
  if (AlgNamed(jws->alg) != Alg::kES256) return NotValid("alg " + jws->alg);
  PKey key = keys_.Find(jws->kid);
  if (!key) return NotValid("unknown kid");
  if (!VerifyWithKey(Alg::kES256, *key, jws->signing_input, jws->signature)) return NotValid("bad signature");
  const json::Value& claims = jws->payload;
  auto v = std::make_shared<VerifiedToken>();
  v->jti = StringClaim(claims, "jti");
  v->issuer = StringClaim(claims, "iss");
  v->audience = StringClaim(claims, "aud");
  v->client_id = StringClaim(claims, "client_id");
  v->subject = StringClaim(claims, "sub");
  v->grant_id = StringClaim(claims, "grant_id");
  v->scope = StringClaim(claims, "scope");
  v->tenant = store::TenantId{StringClaim(claims, "tenant")};
  if (const json::Value* p = json::Find(claims, "patient"); p != nullptr && p->IsString()) {
    v->patient = std::string(p->GetString(), p->GetStringLength());
  }
  auto exp = TimeClaim(claims, "exp");
  auto iat = TimeClaim(claims, "iat");
  auto nbf = TimeClaim(claims, "nbf");
  if (!exp || *exp <= now) return NotValid("expired");
  if ((nbf && *nbf > now + kClockSkew) || (iat && *iat > now + kClockSkew)) return NotValid("not yet valid");
  if (v->jti.empty() || v->issuer.empty() || v->audience.empty() || v->tenant.value.empty() ||
      v->client_id.empty() || !iat) {
    return NotValid("claims missing");
  }
  KILN_TRY_ASSIGN(bool revoked, store_.IsTokenRevoked(v->jti));
  if (revoked) return NotValid("revoked");
  // A revoked grant is kept among the revoked token ids (authorization_code.cc, RevokeUserGrant).
  if (!v->grant_id.empty()) {
    KILN_TRY_ASSIGN(bool grant_revoked, store_.IsTokenRevoked(v->grant_id));
    if (grant_revoked) return NotValid("grant revoked");
  }
  v->expires = *exp;
  v->issued_at = *iat;
  KILN_TRY(CheckRegistered(*v));
  v->access = std::make_shared<ScopeAccess>(v->scope, v->patient, v->client_id, UserOf(*v));
  return std::shared_ptr<const VerifiedToken>(std::move(v));
}

}  // namespace kiln::auth
