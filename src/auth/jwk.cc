// Keys: generation, PKCS#8 PEM, and JSON Web Keys (RFC 7517, RFC 7518 section 6) read by hand
// from their members into OpenSSL 3 keys through EVP_PKEY_fromdata.
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "auth/jose.h"

namespace kiln::auth {

namespace {

using Bio = std::unique_ptr<BIO, OpenSslFree<BIO_free>>;
using Bn = std::unique_ptr<BIGNUM, OpenSslFree<BN_free>>;
using ParamBuilder = std::unique_ptr<OSSL_PARAM_BLD, OpenSslFree<OSSL_PARAM_BLD_free>>;
using Params = std::unique_ptr<OSSL_PARAM, OpenSslFree<OSSL_PARAM_free>>;
using PKeyCtx = std::unique_ptr<EVP_PKEY_CTX, OpenSslFree<EVP_PKEY_CTX_free>>;

PKey Own(EVP_PKEY* key) { return PKey(key, EVP_PKEY_free); }

Error Invalid(std::string message) { return Error::Make(Issue::kInvalid, std::move(message)); }

// A base64url member of a JWK, decoded.
Result<std::string> Member(const json::Value& jwk, std::string_view name) {
  auto bytes = Base64UrlDecode(json::GetString(jwk, name));
  if (!bytes || bytes->empty()) return Invalid("The JWK member '" + std::string(name) + "' is not base64url");
  return *bytes;
}

Bn Number(std::string_view bytes) {
  return Bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()),
                      nullptr));
}

// A public key of `type` ("EC", "RSA") from what `add` puts into the parameter builder.
template <class Add>
Result<PKey> FromData(const char* type, Add&& add) {
  ParamBuilder bld(OSSL_PARAM_BLD_new());
  if (!bld || !add(bld.get())) return Invalid("The JWK does not describe a key");
  Params params(OSSL_PARAM_BLD_to_param(bld.get()));
  PKeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* key = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return Invalid("The JWK does not describe a valid " + std::string(type) + " public key");
  }
  return Own(key);
}

Result<PKey> EcFromJwk(const json::Value& jwk) {
  std::string_view crv = json::GetString(jwk, "crv");
  size_t size = crv == "P-256" ? 32 : crv == "P-384" ? 48 : 0;
  if (size == 0) return Invalid("The EC JWK's curve '" + std::string(crv) + "' is not P-256 or P-384");
  KILN_TRY_ASSIGN(std::string x, Member(jwk, "x"));
  KILN_TRY_ASSIGN(std::string y, Member(jwk, "y"));
  if (x.size() != size || y.size() != size) return Invalid("The EC JWK's coordinates do not fit its curve");
  std::string point = "\x04" + x + y;  // an uncompressed point (SEC 1, section 2.3.3)
  std::string group(crv);
  return FromData("EC", [&](OSSL_PARAM_BLD* bld) {
    return OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group.c_str(), 0) == 1 &&
           OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) == 1;
  });
}

Result<PKey> RsaFromJwk(const json::Value& jwk) {
  KILN_TRY_ASSIGN(std::string n, Member(jwk, "n"));
  KILN_TRY_ASSIGN(std::string e, Member(jwk, "e"));
  Bn modulus = Number(n), exponent = Number(e);
  if (!modulus || !exponent) return Invalid("The RSA JWK's numbers are not valid");
  return FromData("RSA", [&](OSSL_PARAM_BLD* bld) {
    return OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, modulus.get()) == 1 &&
           OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, exponent.get()) == 1;
  });
}

// One coordinate of an EC public key, base64url, padded to the curve's size.
Result<std::string> Coordinate(EVP_PKEY& key, const char* name, size_t size) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(&key, name, &raw) != 1) return Error::Make(Issue::kException, "Not an EC key");
  Bn value(raw);
  std::string out(size, '\0');
  if (BN_bn2binpad(value.get(), reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(size)) < 0) {
    return Error::Make(Issue::kException, "An EC coordinate is too long");
  }
  return Base64UrlEncode(out);
}

}  // namespace

Result<PKey> GenerateEcKey(std::string_view curve) {
  std::string name(curve);
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", name.c_str());
  if (key == nullptr) return Error::Make(Issue::kException, "Cannot generate an EC key on " + name);
  return Own(key);
}

Result<std::string> PrivateKeyPem(EVP_PKEY& key) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), &key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return Error::Make(Issue::kException, "Cannot write the private key");
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

Result<PKey> PrivateKeyFromPem(std::string_view pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  EVP_PKEY* key = bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr;
  if (key == nullptr) return Error::Make(Issue::kException, "Cannot read a private key");
  return Own(key);
}

Result<PKey> PublicKeyFromJwk(const json::Value& jwk) {
  if (!jwk.IsObject()) return Invalid("A JWK is not an object");
  std::string_view kty = json::GetString(jwk, "kty");
  if (kty == "EC") return EcFromJwk(jwk);
  if (kty == "RSA") return RsaFromJwk(jwk);
  return Invalid("The JWK type '" + std::string(kty) + "' is not EC or RSA");
}

Result<std::string> PublicJwkJson(EVP_PKEY& key, std::string_view kid, Alg alg) {
  size_t size = alg == Alg::kES256 ? 32 : alg == Alg::kES384 ? 48 : 0;
  if (size == 0) return Error::Make(Issue::kException, "Only EC keys are published");
  KILN_TRY_ASSIGN(std::string x, Coordinate(key, OSSL_PKEY_PARAM_EC_PUB_X, size));
  KILN_TRY_ASSIGN(std::string y, Coordinate(key, OSSL_PKEY_PARAM_EC_PUB_Y, size));
  std::string out = R"({"kty":"EC","crv":)";
  out += json::Quote(size == 32 ? "P-256" : "P-384");
  out += R"(,"x":")" + x + R"(","y":")" + y + R"(","kid":)" + json::Quote(kid) + R"(,"alg":")";
  out += AlgName(alg);
  out += R"(","use":"sig"})";
  return out;
}

Result<std::vector<Jwk>> ParseJwks(std::string_view jwks_json) {
  KILN_TRY_ASSIGN(json::Document doc, json::Parse(jwks_json));
  const json::Value* keys = doc.IsObject() ? json::Find(doc, "keys") : nullptr;
  if (keys == nullptr || !keys->IsArray()) return Invalid("A JWKS is an object with an array 'keys'");
  std::vector<Jwk> out;
  for (const json::Value& k : keys->GetArray()) {
    if (!k.IsObject()) return Invalid("A key of the JWKS is not an object");
    std::string_view kty = json::GetString(k, "kty");
    if ((kty != "EC" && kty != "RSA") || json::GetString(k, "use") == "enc") continue;
    Jwk jwk;
    jwk.kid = std::string(json::GetString(k, "kid"));
    if (jwk.kid.empty()) continue;  // SMART Backend Services: assertions name their key by kid
    jwk.alg = AlgNamed(json::GetString(k, "alg"));
    KILN_TRY_ASSIGN(jwk.key, PublicKeyFromJwk(k));
    out.push_back(std::move(jwk));
  }
  return out;
}

}  // namespace kiln::auth
