// JOSE, as much as the authorization server needs: base64url (RFC 4648 section 5), JWS compact
// serialization (RFC 7515) with the algorithms Kiln accepts (RFC 7518: ES256, ES384, RS384,
// HS256; never "none"), and JSON Web Keys (RFC 7517) for EC P-256/P-384 and RSA public keys,
// all on OpenSSL 3's EVP interface. Private to src/auth/.
//
// Thread-safety: the functions keep no state; an EVP_PKEY may sign or verify on many threads.
#pragma once

#include <openssl/types.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "core/result.h"

namespace kiln::auth {

std::string Base64UrlEncode(std::string_view bytes);
// nullopt unless `text` is unpadded base64url.
std::optional<std::string> Base64UrlDecode(std::string_view text);
// `n` bytes from OpenSSL's CSPRNG.
std::string RandomBytes(size_t n);

enum class Alg { kES256, kES384, kRS384, kHS256 };
// nullopt for every other name, "none" included.
std::optional<Alg> AlgNamed(std::string_view name);
std::string_view AlgName(Alg alg);

// An OpenSSL key (reference counted by OpenSSL as well).
using PKey = std::shared_ptr<EVP_PKEY>;
// unique_ptr<T, OpenSslFree<T_free>> owns an OpenSSL object.
template <auto Free>
struct OpenSslFree {
  template <class T>
  void operator()(T* p) const {
    Free(p);
  }
};

// A JWS in compact form, split and decoded; header and payload are JSON objects.
struct Jws {
  json::Document header;
  json::Document payload;
  std::string alg;            // header "alg", as written
  std::string kid;            // header "kid"; empty when absent
  std::string signing_input;  // "<header>.<payload>" as received
  std::string signature;      // decoded
};
// kInvalid unless `compact` is three base64url parts whose first two are JSON objects.
Result<Jws> ParseJws(std::string_view compact);

// The signature of `input` under `alg` with `key` (ES256, ES384 or RS384): for ECDSA in the
// JWS form (R || S), not DER. kInvalid when the key does not fit the algorithm.
Result<std::string> SignWithKey(Alg alg, EVP_PKEY& key, std::string_view input);
// Whether `signature` is `key`'s signature of `input` under `alg` (false when the key does not
// fit the algorithm: an EC key of another curve, an RSA key below 2048 bits).
bool VerifyWithKey(Alg alg, EVP_PKEY& key, std::string_view input, std::string_view signature);
// HMAC-SHA-256 of `data` under `secret`.
std::string HmacSha256(std::string_view secret, std::string_view data);
// SHA-256 of `data` (32 bytes).
std::string Sha256(std::string_view data);
// A compact JWS of `payload_json` (a JSON object), header {"alg","typ":"JWT","kid"}.
Result<std::string> SignJwt(Alg alg, EVP_PKEY& key, std::string_view kid, std::string_view payload_json);

// Keys.
Result<PKey> GenerateEcKey(std::string_view curve);  // "P-256", "P-384"
Result<std::string> PrivateKeyPem(EVP_PKEY& key);    // PKCS#8
Result<PKey> PrivateKeyFromPem(std::string_view pem);
// A public key from a JWK object: kty "EC" (crv P-256 or P-384, x, y) or "RSA" (n, e).
Result<PKey> PublicKeyFromJwk(const json::Value& jwk);
// The public JWK of an EC key, as a JSON object text with kid, alg and "use":"sig".
Result<std::string> PublicJwkJson(EVP_PKEY& key, std::string_view kid, Alg alg);

// One key of a client's JSON Web Key Set.
struct Jwk {
  std::string kid;
  std::optional<Alg> alg;  // the JWK's "alg", when it names one Kiln knows
  PKey key;
};
// The signing keys of a JWKS ({"keys":[...]}) that have a kid; keys of other kinds, or for
// encryption ("use":"enc"), are skipped. kInvalid when the text is not a JWKS or a key is broken.
Result<std::vector<Jwk>> ParseJwks(std::string_view jwks_json);

}  // namespace kiln::auth
