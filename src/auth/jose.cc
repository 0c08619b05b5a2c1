// JWS (RFC 7515) over OpenSSL 3's EVP interface: JWS ECDSA signatures are R || S
// (RFC 7518 section 3.4), where OpenSSL reads and writes DER, so they are converted here.
#include "auth/jose.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstdlib>

#include "core/base64.h"

namespace kiln::auth {

namespace {

using MdCtx = std::unique_ptr<EVP_MD_CTX, OpenSslFree<EVP_MD_CTX_free>>;
using EcdsaSig = std::unique_ptr<ECDSA_SIG, OpenSslFree<ECDSA_SIG_free>>;

Error Invalid(std::string message) { return Error::Make(Issue::kInvalid, std::move(message)); }

const EVP_MD* DigestOf(Alg alg) {
  return alg == Alg::kES256 || alg == Alg::kHS256 ? EVP_sha256() : EVP_sha384();
}

// The size of one ECDSA coordinate for `alg`; 0 for algorithms that are not ECDSA.
size_t CoordinateSize(Alg alg) {
  if (alg == Alg::kES256) return 32;
  if (alg == Alg::kES384) return 48;
  return 0;
}

// Whether `key` is what `alg` signs with: the right curve, or RSA of at least 2048 bits
// (RFC 7518 section 3.3).
bool KeyFits(Alg alg, EVP_PKEY& key) {
  if (alg == Alg::kRS384) return EVP_PKEY_is_a(&key, "RSA") && EVP_PKEY_get_bits(&key) >= 2048;
  if (CoordinateSize(alg) == 0 || !EVP_PKEY_is_a(&key, "EC")) return false;
  char group[64] = {0};
  size_t len = 0;
  if (EVP_PKEY_get_group_name(&key, group, sizeof group, &len) != 1) return false;
  std::string_view name(group, len);
  return alg == Alg::kES256 ? name == "prime256v1" || name == "P-256"
                            : name == "secp384r1" || name == "P-384";
}

std::string Bytes(const unsigned char* p, size_t n) {
  return std::string(reinterpret_cast<const char*>(p), n);
}
const unsigned char* Data(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

std::optional<std::string> DerToJose(std::string_view der, size_t size) {
  const unsigned char* p = Data(der);
  EcdsaSig sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) return std::nullopt;
  std::string out(2 * size, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), o, static_cast<int>(size)) < 0 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), o + size, static_cast<int>(size)) < 0)
    return std::nullopt;
  return out;
}

std::optional<std::string> JoseToDer(std::string_view rs, size_t size) {
  if (rs.size() != 2 * size) return std::nullopt;
  EcdsaSig sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(Data(rs), static_cast<int>(size), nullptr);
  BIGNUM* s = BN_bin2bn(Data(rs) + size, static_cast<int>(size), nullptr);
  if (!sig || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return std::nullopt;
  }
  int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (len <= 0) return std::nullopt;
  std::string out(static_cast<size_t>(len), '\0');
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  i2d_ECDSA_SIG(sig.get(), &p);
  return out;
}

}  // namespace

std::string Base64UrlEncode(std::string_view bytes) {
  std::string out = Base64Encode(bytes);
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

std::optional<std::string> Base64UrlDecode(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::string b64(text);
  for (char& c : b64) {
    if (c == '+' || c == '/' || c == '=') return std::nullopt;
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  b64.append((4 - b64.size() % 4) % 4, '=');
  return Base64Decode(b64);
}

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    std::abort();  // no randomness: nothing secure can be made; never go on without it
  }
  return out;
}

// By Alg, in its order.
constexpr std::string_view kAlgNames[] = {"ES256", "ES384", "RS384", "HS256"};

std::optional<Alg> AlgNamed(std::string_view name) {
  for (size_t i = 0; i < std::size(kAlgNames); ++i) {
    if (kAlgNames[i] == name) return static_cast<Alg>(i);
  }
  return std::nullopt;
}

std::string_view AlgName(Alg alg) { return kAlgNames[static_cast<size_t>(alg)]; }

Result<Jws> ParseJws(std::string_view compact) {
  size_t first = compact.find('.');
  size_t second = first == std::string_view::npos ? first : compact.find('.', first + 1);
  if (second == std::string_view::npos || compact.find('.', second + 1) != std::string_view::npos) {
    return Invalid("Not a JWS in compact form");
  }
  auto header = Base64UrlDecode(compact.substr(0, first));
  auto payload = Base64UrlDecode(compact.substr(first + 1, second - first - 1));
  auto signature = Base64UrlDecode(compact.substr(second + 1));
  if (!header || !payload || !signature) return Invalid("A JWS part is not base64url");
  Jws jws;
  KILN_TRY_ASSIGN(jws.header, json::Parse(*header));
  KILN_TRY_ASSIGN(jws.payload, json::Parse(*payload));
  if (!jws.header.IsObject() || !jws.payload.IsObject())
    return Invalid("A JWS header or payload is not an object");
  jws.alg = std::string(json::GetString(jws.header, "alg"));
  jws.kid = std::string(json::GetString(jws.header, "kid"));
  jws.signing_input = std::string(compact.substr(0, second));
  jws.signature = std::move(*signature);
  return jws;
}

Result<std::string> SignWithKey(Alg alg, EVP_PKEY& key, std::string_view input) {
  if (!KeyFits(alg, key)) return Invalid("The key does not fit " + std::string(AlgName(alg)));
  MdCtx ctx(EVP_MD_CTX_new());
  size_t len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, DigestOf(alg), nullptr, &key) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, Data(input), input.size()) != 1) {
    return Error::Make(Issue::kException, "Signing failed");
  }
  std::string out(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len, Data(input),
                     input.size()) != 1) {
    return Error::Make(Issue::kException, "Signing failed");
  }
  out.resize(len);
  if (CoordinateSize(alg) == 0) return out;
  auto jose = DerToJose(out, CoordinateSize(alg));
  if (!jose) return Error::Make(Issue::kException, "Signing failed");
  return *jose;
}

bool VerifyWithKey(Alg alg, EVP_PKEY& key, std::string_view input, std::string_view signature) {
  if (!KeyFits(alg, key)) return false;
  std::string der(signature);
  if (CoordinateSize(alg) != 0) {
    auto converted = JoseToDer(signature, CoordinateSize(alg));
    if (!converted) return false;
    der = std::move(*converted);
  }
  MdCtx ctx(EVP_MD_CTX_new());
  return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, DigestOf(alg), nullptr, &key) == 1 &&
         EVP_DigestVerify(ctx.get(), Data(der), der.size(), Data(input), input.size()) == 1;
}

std::string HmacSha256(std::string_view secret, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  size_t len = 0;
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, secret.data(), secret.size(), Data(data),
                data.size(), out, sizeof out, &len) == nullptr) {
    return std::string();
  }
  return Bytes(out, len);
}

std::string Sha256(std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  size_t len = 0;
  if (EVP_Q_digest(nullptr, "SHA256", nullptr, data.data(), data.size(), out, &len) != 1)
    return std::string();
  return Bytes(out, len);
}

Result<std::string> SignJwt(Alg alg, EVP_PKEY& key, std::string_view kid, std::string_view payload_json) {
  std::string header =
      R"({"alg":")" + std::string(AlgName(alg)) + R"(","typ":"JWT","kid":)" + json::Quote(kid) + "}";
  std::string input = Base64UrlEncode(header) + "." + Base64UrlEncode(payload_json);
  KILN_TRY_ASSIGN(std::string signature, SignWithKey(alg, key, input));
  return input + "." + Base64UrlEncode(signature);
}

}  // namespace kiln::auth
