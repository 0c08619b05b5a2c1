// Registering clients and rotating signing keys: what `kiln client` and `kiln key` do.
#include <algorithm>
#include <cctype>

#include "auth/auth.h"
#include "auth/jose.h"
#include "auth/scopes.h"
#include "auth/secrets.h"
#include "auth/signing_keys.h"

namespace kiln::auth {

namespace {

constexpr size_t kMinSecret = 32;  // HS256 keys are 256 bits at least (RFC 7518 section 3.2)

Error Invalid(std::string message) { return Error::Make(Issue::kInvalid, std::move(message)); }

Result<Ok> CheckSpec(const ClientSpec& spec) {
  bool id_ok =
      !spec.id.empty() && spec.id.size() <= 128 && std::all_of(spec.id.begin(), spec.id.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
      });
  if (!id_ok) return Invalid("A client id is 1 to 128 of A-Z a-z 0-9 . _ -");
  if (spec.secret.empty() && spec.jwks.empty()) return Invalid("A client needs a secret or a JWKS");
  if (!spec.secret.empty() && spec.secret.size() < kMinSecret) {
    return Invalid("A client secret has at least " + std::to_string(kMinSecret) + " characters");
  }
  std::vector<std::string> scopes = SplitScopes(spec.scope);
  if (scopes.empty()) return Invalid("A client needs at least one scope");
  for (const std::string& s : scopes) {
    if (!ParseResourceScope(s) && !IsLabelScope(s)) {
      return Invalid("'" + s +
                     "' is not a SMART scope Kiln grants (context/Type.permissions, as system/*.rs, or "
                     "security-label/R or security-label/V)");
    }
  }
  if (!spec.jwks.empty()) {
    KILN_TRY_ASSIGN(std::vector<Jwk> keys, ParseJwks(spec.jwks));
    if (keys.empty()) return Invalid("The JWKS has no signing key with a kid (EC P-256/P-384 or RSA)");
  }
  return Ok{};
}

}  // namespace

Result<store::ClientRecord> RegisterClient(store::Store& store, const std::string& key_file,
                                           const ClientSpec& spec, Micros now) {
  KILN_TRY(CheckSpec(spec));
  store::ClientRecord c;
  c.id = spec.id;
  c.tenant = spec.tenant;
  c.scope = spec.scope;
  c.jwks = spec.jwks;
  c.created = now;
  if (!spec.secret.empty()) {
    KILN_TRY_ASSIGN(SecretBox box, SecretBox::Open(key_file));
    KILN_TRY_ASSIGN(c.secret_hash, HashSecret(spec.secret));
    c.secret_sealed = box.Seal(spec.secret, spec.id);
  }
  KILN_TRY(store.CreateClient(c));
  return c;
}

std::string NewClientSecret() { return Base64UrlEncode(RandomBytes(32)); }

Result<std::string> RotateSigningKey(store::Store& store, const std::string& key_file, Micros now) {
  KILN_TRY_ASSIGN(SecretBox box, SecretBox::Open(key_file));
  KILN_TRY_ASSIGN(store::SigningKeyRecord key, NewSigningKey(box, now));
  KILN_TRY(store.AddSigningKey(key));
  return key.kid;
}

}  // namespace kiln::auth
