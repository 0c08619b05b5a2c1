#include "auth/signing_keys.h"

#include <openssl/evp.h>

#include "core/log.h"

namespace kiln::auth {

namespace {

constexpr Micros kSecond = 1'000'000;
constexpr Micros kReloadEvery = 60 * kSecond;
constexpr Micros kReloadForUnknownKid = 5 * kSecond;  // a token with a made-up kid costs little
constexpr std::string_view kSealContext = "signing key";

std::string Sha256(std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<const char*>(out), len);
}

// RFC 7638: the SHA-256 of the required members in lexicographic order, without whitespace.
Result<std::string> Thumbprint(EVP_PKEY& key) {
  KILN_TRY_ASSIGN(std::string jwk, PublicJwkJson(key, "", Alg::kES256));
  KILN_TRY_ASSIGN(json::Document doc, json::Parse(jwk));
  std::string canonical = R"({"crv":)" + json::Quote(json::GetString(doc, "crv")) + R"(,"kty":"EC","x":)" +
                          json::Quote(json::GetString(doc, "x")) + R"(,"y":)" +
                          json::Quote(json::GetString(doc, "y")) + "}";
  return Base64UrlEncode(Sha256(canonical));
}

}  // namespace

Result<store::SigningKeyRecord> NewSigningKey(const SecretBox& box, Micros now) {
  KILN_TRY_ASSIGN(PKey key, GenerateEcKey("P-256"));
  KILN_TRY_ASSIGN(std::string pem, PrivateKeyPem(*key));
  store::SigningKeyRecord record;
  KILN_TRY_ASSIGN(record.kid, Thumbprint(*key));
  record.alg = std::string(AlgName(Alg::kES256));
  record.private_key = box.Seal(pem, kSealContext);
  record.created = now;
  return record;
}

Result<std::unique_ptr<SigningKeys>> SigningKeys::Open(store::Store& store, const SecretBox& box,
                                                       const Clock& clock, Micros token_lifetime) {
  std::unique_ptr<SigningKeys> keys(new SigningKeys(store, box, clock, token_lifetime));
  KILN_TRY_ASSIGN(std::vector<Key> loaded, keys->Load());
  if (loaded.empty()) {
    KILN_TRY_ASSIGN(store::SigningKeyRecord first, NewSigningKey(box, clock.Now()));
    KILN_TRY(store.AddSigningKey(first));
    log::Info("auth: created the first token signing key", {{"kid", first.kid}});
    KILN_TRY_ASSIGN(loaded, keys->Load());
  }
  keys->keys_ = std::move(loaded);
  keys->loaded_ = clock.Now();
  return keys;
}

Result<std::vector<SigningKeys::Key>> SigningKeys::Load() const {
  KILN_TRY_ASSIGN(std::vector<store::SigningKeyRecord> records, store_.SigningKeys());
  std::vector<Key> out;
  for (const store::SigningKeyRecord& r : records) {
    if (AlgNamed(r.alg) != Alg::kES256) continue;
    KILN_TRY_ASSIGN(std::string pem, box_.Unseal(r.private_key, kSealContext));
    Key k;
    k.kid = r.kid;
    KILN_TRY_ASSIGN(k.key, PrivateKeyFromPem(pem));
    k.retired = r.retired;
    KILN_TRY_ASSIGN(k.jwk, PublicJwkJson(*k.key, r.kid, Alg::kES256));
    out.push_back(std::move(k));
  }
  return out;
}

void SigningKeys::Refresh(Micros max_age) const {
  Micros now = clock_.Now();
  {
    std::shared_lock lock(mu_);
    if (now - loaded_ < max_age) return;
  }
  std::unique_lock lock(mu_);
  if (now - loaded_ < max_age) return;
  loaded_ = now;  // also after a failure: the store is not asked again at once
  auto loaded = Load();
  if (!loaded) {
    log::Warn("auth: cannot reload the signing keys", {{"error", loaded.error().diagnostics}});
    return;
  }
  if (!loaded->empty()) keys_ = std::move(loaded).value();
}

bool SigningKeys::Verifies(const Key& key, Micros now) const {
  return key.retired == 0 || now < key.retired + token_lifetime_;
}

Result<std::string> SigningKeys::Sign(std::string_view claims_json) const {
  Refresh(kReloadEvery);
  std::shared_lock lock(mu_);
  const Key& newest = keys_.front();
  return SignJwt(Alg::kES256, *newest.key, newest.kid, claims_json);
}

PKey SigningKeys::Find(std::string_view kid) const {
  for (Micros max_age : {kReloadEvery, kReloadForUnknownKid}) {
    Refresh(max_age);
    std::shared_lock lock(mu_);
    Micros now = clock_.Now();
    for (const Key& k : keys_) {
      if (k.kid == kid) return Verifies(k, now) ? k.key : nullptr;
    }
  }
  return nullptr;
}

std::string SigningKeys::JwksJson() const {
  Refresh(kReloadEvery);
  std::shared_lock lock(mu_);
  Micros now = clock_.Now();
  std::string out = R"({"keys":[)";
  bool first = true;
  for (const Key& k : keys_) {
    if (!Verifies(k, now)) continue;
    if (!first) out.push_back(',');
    first = false;
    out += k.jwk;
  }
  return out + "]}";
}

}  // namespace kiln::auth
