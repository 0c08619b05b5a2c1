#include "auth/jose.h"

#include <gtest/gtest.h>

#include "auth/secrets.h"

namespace kiln::auth {
namespace {

TEST(JoseTest, Base64UrlRoundTrips) {
  for (std::string s : {"", "f", "fo", "foo", "foob", "\xff\xfe\xfd", "hello world?"}) {
    std::string enc = Base64UrlEncode(s);
    EXPECT_EQ(enc.find_first_of("+/="), std::string::npos) << enc;
    EXPECT_EQ(Base64UrlDecode(enc), s);
  }
  EXPECT_FALSE(Base64UrlDecode("ab+c").has_value());
  EXPECT_FALSE(Base64UrlDecode("abc=").has_value());
  EXPECT_FALSE(Base64UrlDecode("a").has_value());
}

TEST(JoseTest, SignsAndVerifiesEachAlgorithm) {
  for (auto [alg, curve] : {std::pair{Alg::kES256, "P-256"}, std::pair{Alg::kES384, "P-384"}}) {
    auto key = GenerateEcKey(curve);
    ASSERT_TRUE(key.has_value());
    auto jwt = SignJwt(alg, **key, "k1", R"({"a":1})");
    ASSERT_TRUE(jwt.has_value()) << jwt.error().diagnostics;
    auto jws = ParseJws(*jwt);
    ASSERT_TRUE(jws.has_value());
    EXPECT_EQ(jws->alg, AlgName(alg));
    EXPECT_EQ(jws->kid, "k1");
    EXPECT_EQ(jws->signature.size(), alg == Alg::kES256 ? 64u : 96u);
    EXPECT_TRUE(VerifyWithKey(alg, **key, jws->signing_input, jws->signature));
    EXPECT_FALSE(VerifyWithKey(alg, **key, jws->signing_input + "x", jws->signature));
    // The key of one curve never verifies for the other algorithm.
    Alg other = alg == Alg::kES256 ? Alg::kES384 : Alg::kES256;
    EXPECT_FALSE(VerifyWithKey(other, **key, jws->signing_input, jws->signature));
    // A key read back from its public JWK verifies too.
    auto jwk_text = PublicJwkJson(**key, "k1", alg);
    ASSERT_TRUE(jwk_text.has_value());
    auto jwk = json::Parse(*jwk_text);
    ASSERT_TRUE(jwk.has_value());
    auto pub = PublicKeyFromJwk(*jwk);
    ASSERT_TRUE(pub.has_value()) << pub.error().diagnostics;
    EXPECT_TRUE(VerifyWithKey(alg, **pub, jws->signing_input, jws->signature));
  }
  EXPECT_EQ(Base64UrlEncode(HmacSha256("key", "The quick brown fox jumps over the lazy dog")),
            "97yD9DBThCSxMpjmqm-xQ-9NWaFJRhdZl0edvC0aPNg");  // the well-known HMAC_SHA256("key", ...) value
}

TEST(JoseTest, RefusesMalformedTokensAndNone) {
  EXPECT_FALSE(ParseJws("a.b").has_value());
  EXPECT_FALSE(ParseJws("a.b.c.d").has_value());
  std::string none = Base64UrlEncode(R"({"alg":"none"})") + "." + Base64UrlEncode(R"({"sub":"x"})") + ".";
  auto jws = ParseJws(none);
  ASSERT_TRUE(jws.has_value());
  EXPECT_FALSE(AlgNamed(jws->alg).has_value());
}

TEST(JoseTest, PemRoundTripsAndSealedValuesOpenOnlyInTheirContext) {
  auto key = GenerateEcKey("P-256");
  ASSERT_TRUE(key.has_value());
  auto pem = PrivateKeyPem(**key);
  ASSERT_TRUE(pem.has_value());
  ASSERT_TRUE(PrivateKeyFromPem(*pem).has_value());

  SecretBox box(std::string(32, 'k'));
  std::string sealed = box.Seal(*pem, "ctx");
  EXPECT_EQ(sealed.find("PRIVATE"), std::string::npos);
  auto opened = box.Unseal(sealed, "ctx");
  ASSERT_TRUE(opened.has_value());
  EXPECT_EQ(*opened, *pem);
  EXPECT_FALSE(box.Unseal(sealed, "other").has_value());
  EXPECT_FALSE(SecretBox(std::string(32, 'x')).Unseal(sealed, "ctx").has_value());
  std::string tampered = sealed;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(box.Unseal(tampered, "ctx").has_value());

  auto hash = HashSecret("correct horse battery staple, and more");
  ASSERT_TRUE(hash.has_value());
  EXPECT_TRUE(hash->starts_with("$argon2id$"));
  EXPECT_TRUE(SecretMatches(*hash, "correct horse battery staple, and more"));
  EXPECT_FALSE(SecretMatches(*hash, "correct horse battery staple"));
  EXPECT_FALSE(SecretMatches("", ""));
}

}  // namespace
}  // namespace kiln::auth
