// The authorization server and scope enforcement through HTTP, as OAuth clients and FHIR clients
// see them (docs/security.md): every grant and client authentication method, each way a client
// assertion or an access token is refused, scopes on reads, writes, searches, includes and
// bundles, patient context, introspection, revocation, and the published keys.
//
// The client side signs its assertions with OpenSSL directly, and the JWKS check verifies an
// access token without any of src/auth/, so a mistake there cannot cancel itself out here.
#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/x509.h>

#include <rapidjson/pointer.h>

#include <atomic>
#include <ctime>
#include <memory>
#include <mutex>

#include "auth/auth.h"
#include "core/base64.h"
#include "http/server.h"
#include "support/test_server.h"

namespace kiln::testing {
namespace {

constexpr const char* kSecret = "0123456789abcdef0123456789abcdef-secret";
constexpr const char* kForm = "application/x-www-form-urlencoded";
constexpr const char* kJwtBearer = "urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer";

// ---- a client's own JOSE, on OpenSSL alone ----------------------------------------------------

std::string B64Url(std::string_view bytes) {
  std::string s = Base64Encode(bytes);
  std::string out;
  for (char c : s) {
    if (c != '=') out.push_back(c == '+' ? '-' : c == '/' ? '_' : c);
  }
  return out;
}

std::string FromB64Url(std::string_view text) {
  std::string s(text);
  for (char& c : s) c = c == '-' ? '+' : c == '_' ? '/' : c;
  while (s.size() % 4 != 0) s.push_back('=');
  return Base64Decode(s).value_or("");
}

using Key = std::shared_ptr<EVP_PKEY>;

Key Generate(const char* type, const char* curve_or_null) {
  EVP_PKEY* k = curve_or_null != nullptr ? EVP_PKEY_Q_keygen(nullptr, nullptr, type, curve_or_null)
                                         : EVP_PKEY_Q_keygen(nullptr, nullptr, type, size_t{2048});
  EXPECT_NE(k, nullptr);
  return Key(k, EVP_PKEY_free);
}

std::string DigestSign(EVP_PKEY* key, const EVP_MD* md, std::string_view input) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  size_t len = 0;
  EXPECT_EQ(EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, key), 1);
  EXPECT_EQ(EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                           input.size()),
            1);
  std::string sig(len, '\0');
  EXPECT_EQ(EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                           reinterpret_cast<const unsigned char*>(input.data()), input.size()),
            1);
  sig.resize(len);
  return sig;
}

// An ECDSA signature from DER (SEQUENCE { INTEGER r, INTEGER s }) to JWS's r || s, by hand.
std::string DerToRaw(std::string_view der, size_t size) {
  size_t pos = 2;
  if (static_cast<unsigned char>(der[1]) & 0x80) pos += static_cast<unsigned char>(der[1]) & 0x7f;
  std::string out;
  for (int i = 0; i < 2; ++i) {
    size_t len = static_cast<unsigned char>(der[pos + 1]);
    std::string_view n = der.substr(pos + 2, len);
    while (n.size() > size && n.front() == '\0') n.remove_prefix(1);
    out += std::string(size - n.size(), '\0') + std::string(n);
    pos += 2 + len;
  }
  return out;
}

std::string BigNumParam(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  EXPECT_EQ(EVP_PKEY_get_bn_param(key, name, &bn), 1);
  std::string out(static_cast<size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  BN_free(bn);
  return B64Url(out);
}

// A P-384 public key as a JWK: its point is the tail of its SubjectPublicKeyInfo.
std::string EcJwk(EVP_PKEY* key, const std::string& kid) {
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(key, &der);
  std::string spki(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  std::string point = spki.substr(spki.size() - 97);  // 0x04 || x || y
  return R"({"kty":"EC","crv":"P-384","kid":")" + kid + R"(","alg":"ES384","x":")" +
         B64Url(point.substr(1, 48)) + R"(","y":")" + B64Url(point.substr(49, 48)) + R"("})";
}

std::string RsaJwk(EVP_PKEY* key, const std::string& kid) {
  return R"({"kty":"RSA","kid":")" + kid + R"(","alg":"RS384","n":")" +
         BigNumParam(key, OSSL_PKEY_PARAM_RSA_N) + R"(","e":")" + BigNumParam(key, OSSL_PKEY_PARAM_RSA_E) +
         R"("})";
}

// The client keys, made once per process (RSA key generation is slow).
struct ClientKeys {
  Key rsa = Generate("RSA", nullptr);
  Key ec = Generate("EC", "P-384");
  Key stranger = Generate("EC", "P-256");  // no client and no server has it
  std::string Jwks() const {
    return R"({"keys":[)" + RsaJwk(rsa.get(), "rsa1") + "," + EcJwk(ec.get(), "ec1") + "]}";
  }
};
const ClientKeys& Keys() {
  static const ClientKeys* keys = new ClientKeys();
  return *keys;
}

enum class Signer { kHs256, kRs384, kEs384, kEs256Stranger, kNone };

std::string Jwt(const std::string& claims, Signer signer, const std::string& kid,
                const std::string& secret = "") {
  const char* alg = signer == Signer::kHs256           ? "HS256"
                    : signer == Signer::kRs384         ? "RS384"
                    : signer == Signer::kEs384         ? "ES384"
                    : signer == Signer::kEs256Stranger ? "ES256"
                                                       : "none";
  std::string input = B64Url(R"({"alg":")" + std::string(alg) + R"(","typ":"JWT","kid":")" + kid + R"("})") +
                      "." + B64Url(claims);
  std::string sig;
  if (signer == Signer::kHs256) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &len);
    sig = std::string(reinterpret_cast<char*>(mac), len);
  } else if (signer == Signer::kRs384) {
    sig = DigestSign(Keys().rsa.get(), EVP_sha384(), input);
  } else if (signer == Signer::kEs384) {
    sig = DerToRaw(DigestSign(Keys().ec.get(), EVP_sha384(), input), 48);
  } else if (signer == Signer::kEs256Stranger) {
    sig = DerToRaw(DigestSign(Keys().stranger.get(), EVP_sha256(), input), 32);
  }
  return input + "." + B64Url(sig);
}

int64_t Now() { return static_cast<int64_t>(std::time(nullptr)); }

// The token with its payload changed (its jti, or its scope) and its signature kept.
std::string Tamper(const std::string& token) {
  size_t payload = token.find('.') + 1;
  size_t sig = token.rfind('.');
  std::string claims = FromB64Url(token.substr(payload, sig - payload));
  claims.insert(claims.rfind('}'), R"(,"x":1)");
  return token.substr(0, payload) + B64Url(claims) + token.substr(sig);
}

// The value at a JSON pointer ("/rest/0/security"), or null.
const json::Value* At(const json::Value& doc, const char* pointer) {
  return rapidjson::Pointer(pointer).Get(doc);
}

// One string member of every entry's resource of a searchset.
std::vector<std::string> EntryStrings(const HttpResponse& res, const char* member) {
  std::vector<std::string> out;
  auto doc = res.Json();
  const json::Value* entries = At(doc, "/entry");
  if (entries == nullptr) return out;
  for (const auto& e : entries->GetArray()) {
    if (const json::Value* r = json::Find(e, "resource")) out.emplace_back(json::GetString(*r, member));
  }
  return out;
}

bool Active(const HttpResponse& res) {
  auto doc = res.Json();
  const json::Value* active = At(doc, "/active");
  EXPECT_TRUE(active != nullptr && active->IsBool()) << res.body;
  return active != nullptr && active->IsBool() && active->GetBool();
}

// ---- a client's own key server, for clients registered with a JWKS URL -------------------------

// Serves one JWKS at http://127.0.0.1:{port}/keys/jwks.json, as a client publishes its keys
// (SMART Backend Services' jwks_url), or fails with `status`; counts the fetches.
class JwksHost {
 public:
  JwksHost() {
    http::ServerOptions o;
    o.bind = "127.0.0.1";
    o.port = 0;
    o.io_threads = 1;
    o.worker_threads = 1;
    o.base_path = "/keys";
    o.drain_seconds = 1;
    server_ = std::make_unique<http::Server>(o, [this](const rest::Request& req) {
      std::lock_guard lock(mu_);
      ++fetches_;
      rest::Response res;
      res.status = req.path == "jwks.json" ? status_ : 404;
      res.content_type = "application/json";
      res.body = jwks_;
      return res;
    });
    auto port = server_->Start();
    EXPECT_TRUE(port.has_value());
    port_ = port.has_value() ? *port : 0;
  }
  ~JwksHost() { Stop(); }
  void Stop() {
    if (server_) server_->Stop();
    server_.reset();
  }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/keys/jwks.json"; }
  void Serve(std::string jwks, int status = 200) {
    std::lock_guard lock(mu_);
    jwks_ = std::move(jwks);
    status_ = status;
  }
  int fetches() const {
    std::lock_guard lock(mu_);
    return fetches_;
  }

 private:
  mutable std::mutex mu_;
  std::string jwks_ = R"({"keys":[]})";
  int status_ = 200;
  int fetches_ = 0;
  uint16_t port_ = 0;
  std::unique_ptr<http::Server> server_;
};

// ---- the fixture ------------------------------------------------------------------------------

class AuthTest : public ::testing::Test {
 protected:
  void SetUp() override { Register("app", kSecret, "system/*.cruds"); }

  void Register(const std::string& id, const std::string& secret, const std::string& scope,
                const std::string& jwks = "", const std::string& tenant = "default") {
    auth::ClientSpec spec;
    spec.id = id;
    spec.secret = secret;
    spec.scope = scope;
    spec.jwks = jwks;
    spec.tenant = store::TenantId{tenant};
    server.RegisterClient(spec);
  }

  std::string Root() const { return "http://localhost:" + std::to_string(server.port()); }
  std::string TokenUrl() const { return Root() + "/auth/token"; }

  HttpResponse PostForm(const std::string& path, const std::string& body, Headers headers = {}) const {
    headers.emplace_back("Content-Type", kForm);
    return Send(server.port(), "POST", path, body, headers);
  }
  HttpResponse TokenRequest(const std::string& body, Headers headers = {}) const {
    return PostForm("/auth/token", body, std::move(headers));
  }
  static Headers Basic(const std::string& id, const std::string& secret) {
    return {{"Authorization", "Basic " + Base64Encode(id + ":" + secret)}};
  }

  // A token by client_secret_basic (fails the test unless one is issued).
  std::string TokenFor(const std::string& id, const std::string& secret = kSecret,
                       const std::string& scope = "") {
    HttpResponse res = TokenRequest(
        "grant_type=client_credentials" + (scope.empty() ? "" : "&scope=" + scope), Basic(id, secret));
    EXPECT_EQ(res.status, 200) << res.body;
    auto doc = res.Json();
    return std::string(json::GetString(doc, "access_token"));
  }

  // Client assertion claims for `client`: iss = sub, aud the token endpoint, exp in a minute.
  std::string Claims(const std::string& client, const std::string& jti, int64_t exp_in = 60,
                     std::optional<int64_t> iat = std::nullopt, const std::string& aud = "") const {
    std::string out = R"({"iss":")" + client + R"(","sub":")" + client + R"(","aud":")" +
                      (aud.empty() ? TokenUrl() : aud) + R"(","jti":")" + jti + R"(","exp":)" +
                      std::to_string(Now() + exp_in);
    if (iat) out += R"(,"iat":)" + std::to_string(*iat);
    return out + "}";
  }
  HttpResponse AssertionRequest(const std::string& assertion, const std::string& scope = "") const {
    return TokenRequest("grant_type=client_credentials&client_assertion_type=" + std::string(kJwtBearer) +
                        "&client_assertion=" + assertion + (scope.empty() ? "" : "&scope=" + scope));
  }

  static Headers Bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }
  // Access token claims as the server issues them, for the token tests to vary; `extra` members
  // (",\"nbf\":...") go last.
  std::string AccessClaims(const std::string& aud, const std::string& iss, int64_t exp,
                           const std::string& extra = "") const {
    static std::atomic<int> next{0};
    return R"({"iss":")" + iss + R"(","sub":"app","aud":")" + aud + R"(","exp":)" + std::to_string(exp) +
           R"(,"iat":)" + std::to_string(Now()) + R"(,"jti":"t-)" + std::to_string(++next) +
           R"(","client_id":"app","scope":"system/*.cruds","tenant":"default")" + extra + "}";
  }
  std::string Signed(const std::string& claims) const {
    auto token = server.auth_server().SignClaims(claims);
    EXPECT_TRUE(token.has_value());
    return token ? *token : std::string();
  }

  TestServer server{ServerOptionsForTest{.auth = true}};
};

void ExpectTokenResponse(const HttpResponse& res, const std::string& scope) {
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.Header("Cache-Control"), "no-store");
  auto doc = res.Json();
  EXPECT_FALSE(json::GetString(doc, "access_token").empty());
  EXPECT_EQ(json::GetString(doc, "token_type"), "Bearer");
  EXPECT_EQ(json::GetString(doc, "scope"), scope);
  const json::Value* expires = json::Find(doc, "expires_in");
  ASSERT_NE(expires, nullptr);
  EXPECT_EQ(expires->GetInt(), 3600);
}

// A refused client: 401 invalid_client and no token.
void ExpectClientRefused(const HttpResponse& res) {
  EXPECT_EQ(res.status, 401) << res.body;
  auto doc = res.Json();
  EXPECT_EQ(json::GetString(doc, "error"), "invalid_client");
  EXPECT_EQ(json::Find(doc, "access_token"), nullptr);
}

// A refused access token: 401, a Bearer challenge, and the same words whatever was wrong.
void ExpectTokenRefused(const HttpResponse& res) {
  EXPECT_EQ(res.status, 401) << res.body;
  EXPECT_TRUE(res.Header("WWW-Authenticate").starts_with("Bearer realm=")) << res.Header("WWW-Authenticate");
  EXPECT_NE(res.Header("WWW-Authenticate").find(R"(error="invalid_token")"), std::string::npos);
  auto doc = res.Json();
  EXPECT_EQ(IssueCodes(doc), std::vector<std::string>{"login"});
  EXPECT_NE(res.body.find("The access token is not valid"), std::string::npos) << res.body;
}

// ---- grants and client authentication ---------------------------------------------------------

TEST_F(AuthTest, ClientSecretBasicGetsATokenThatWorksOnTheFhirApi) {
  HttpResponse res = TokenRequest("grant_type=client_credentials", Basic("app", kSecret));
  ExpectTokenResponse(res, "system/*.cruds");
  auto doc = res.Json();
  std::string token(json::GetString(doc, "access_token"));
  HttpResponse created = server.Post("Patient", R"({"resourceType":"Patient"})", Bearer(token));
  EXPECT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(server.Get("Patient", Bearer(token)).status, 200);
}

TEST_F(AuthTest, ClientSecretPostGetsAToken) {
  HttpResponse res =
      TokenRequest("grant_type=client_credentials&client_id=app&client_secret=" + std::string(kSecret) +
                   "&scope=system%2FPatient.rs");
  ExpectTokenResponse(res, "system/Patient.rs");
  auto doc = res.Json();
  EXPECT_EQ(server.Get("Patient", Bearer(std::string(json::GetString(doc, "access_token")))).status, 200);
}

TEST_F(AuthTest, ClientSecretJwtHs256GetsAToken) {
  ExpectTokenResponse(AssertionRequest(Jwt(Claims("app", "hs-1"), Signer::kHs256, "", kSecret)),
                      "system/*.cruds");
}

TEST_F(AuthTest, PrivateKeyJwtRs384AndEs384GetTokens) {
  Register("backend", "", "system/*.rs", Keys().Jwks());
  ExpectTokenResponse(
      AssertionRequest(Jwt(Claims("backend", "rs-1"), Signer::kRs384, "rsa1"), "system%2F*.rs"),
      "system/*.rs");
  ExpectTokenResponse(AssertionRequest(Jwt(Claims("backend", "es-1", 240, Now()), Signer::kEs384, "ec1"),
                                       "system%2FPatient.r"),
                      "system/Patient.r");
}

TEST_F(AuthTest, WrongSecretsAndUnknownClientsGetNoToken) {
  ExpectClientRefused(TokenRequest("grant_type=client_credentials", Basic("app", "wrong")));
  ExpectClientRefused(TokenRequest("grant_type=client_credentials", Basic("nobody", kSecret)));
  ExpectClientRefused(TokenRequest("grant_type=client_credentials&client_id=app&client_secret=wrong"));
  ExpectClientRefused(TokenRequest("grant_type=client_credentials"));
  ExpectClientRefused(AssertionRequest(Jwt(Claims("app", "hs-x"), Signer::kHs256, "", "another secret")));
}

TEST_F(AuthTest, BadAssertionsGetNoToken) {
  Register("backend", "", "system/*.rs", Keys().Jwks());
  auto refused = [&](const std::string& assertion) { ExpectClientRefused(AssertionRequest(assertion)); };
  refused(Jwt(Claims("backend", "a1", -10), Signer::kRs384, "rsa1"));              // expired
  refused(Jwt(Claims("backend", "a2", 600), Signer::kRs384, "rsa1"));              // exp > 5 min ahead
  refused(Jwt(Claims("backend", "a3", 60, Now() - 400), Signer::kRs384, "rsa1"));  // iat > 5 min old
  refused(
      Jwt(Claims("backend", "a4", 60, std::nullopt, Root() + "/fhir"), Signer::kRs384, "rsa1"));  // wrong aud
  refused(Jwt(R"({"iss":"backend","sub":"app","aud":")" + TokenUrl() + R"(","jti":"a5","exp":)" +
                  std::to_string(Now() + 60) + "}",
              Signer::kRs384, "rsa1"));                                  // sub is not iss
  refused(Jwt(Claims("backend", "a6"), Signer::kNone, "rsa1"));          // alg none
  refused(Jwt(Claims("backend", "a7"), Signer::kRs384, "unknown"));      // unknown kid
  refused(Jwt(Claims("backend", "a8"), Signer::kEs384, "rsa1"));         // the other key's kid
  refused(Tamper(Jwt(Claims("backend", "a9"), Signer::kEs384, "ec1")));  // payload changed
  // The control: the same client and key, well formed, is accepted.
  EXPECT_EQ(AssertionRequest(Jwt(Claims("backend", "ok"), Signer::kRs384, "rsa1")).status, 200);
}

// private_key_jwt with the keys at the client's JWKS URL: fetched when the first assertion needs
// them and then kept, so many assertions cost one fetch.
TEST_F(AuthTest, PrivateKeyJwtTakesTheKeysAtTheClientsJwksUrl) {
  JwksHost host;
  host.Serve(Keys().Jwks());
  auth::ClientSpec spec;
  spec.id = "backend-url";
  spec.scope = "system/*.rs";
  spec.jwks_uri = host.Url();
  server.RegisterClient(spec);
  EXPECT_EQ(host.fetches(), 0);  // not at registration: the client's host may not be up yet
  ExpectTokenResponse(AssertionRequest(Jwt(Claims("backend-url", "u-1"), Signer::kRs384, "rsa1")),
                      "system/*.rs");
  ExpectTokenResponse(AssertionRequest(Jwt(Claims("backend-url", "u-2"), Signer::kEs384, "ec1")),
                      "system/*.rs");
  EXPECT_EQ(host.fetches(), 1);
  ExpectClientRefused(AssertionRequest(Jwt(Claims("backend-url", "u-3"), Signer::kEs256Stranger, "ec1")));
}

// A client that rotates its key publishes the new one and drops the old: an assertion with the
// new kid fetches the set again (at most once per ten seconds, so a stream of unknown kids does
// not flood the client's host), and the dropped key no longer works.
TEST_F(AuthTest, AJwksUrlClientsRotatedKeyIsTakenAndUnknownKidsDoNotFloodItsHost) {
  JwksHost host;
  host.Serve(R"({"keys":[)" + RsaJwk(Keys().rsa.get(), "rsa1") + "]}");
  auth::ClientSpec spec;
  spec.id = "rotating";
  spec.scope = "system/*.rs";
  spec.jwks_uri = host.Url();
  server.RegisterClient(spec);
  EXPECT_EQ(AssertionRequest(Jwt(Claims("rotating", "r-1"), Signer::kRs384, "rsa1")).status, 200);
  host.Serve(R"({"keys":[)" + EcJwk(Keys().ec.get(), "ec1") + "]}");
  for (int i = 0; i < 3; ++i)  // within ten seconds of the last fetch: not fetched again
    ExpectClientRefused(
        AssertionRequest(Jwt(Claims("rotating", "r-x" + std::to_string(i)), Signer::kEs384, "ec1")));
  EXPECT_EQ(host.fetches(), 1);
  server.AdvanceClock(11);
  EXPECT_EQ(AssertionRequest(Jwt(Claims("rotating", "r-2"), Signer::kEs384, "ec1")).status, 200);
  EXPECT_EQ(host.fetches(), 2);
  server.AdvanceClock(11);
  ExpectClientRefused(AssertionRequest(Jwt(Claims("rotating", "r-3"), Signer::kRs384, "rsa1")));
  EXPECT_EQ(host.fetches(), 3);
}

// A JWKS URL that fails (an error status, something that is no JWKS, nobody listening) refuses
// the client, and refuses it again without asking until ten seconds have passed.
TEST_F(AuthTest, AJwksUrlThatDoesNotAnswerWithAJwksRefusesTheClient) {
  JwksHost host;
  host.Serve("{}", 503);
  auth::ClientSpec spec;
  spec.id = "flaky";
  spec.scope = "system/*.rs";
  spec.jwks_uri = host.Url();
  server.RegisterClient(spec);
  ExpectClientRefused(AssertionRequest(Jwt(Claims("flaky", "f-1"), Signer::kRs384, "rsa1")));
  ExpectClientRefused(AssertionRequest(Jwt(Claims("flaky", "f-2"), Signer::kRs384, "rsa1")));
  EXPECT_EQ(host.fetches(), 1);
  server.AdvanceClock(11);
  host.Serve(R"({"keys":"not a list"})");
  ExpectClientRefused(AssertionRequest(Jwt(Claims("flaky", "f-3"), Signer::kRs384, "rsa1")));
  EXPECT_EQ(host.fetches(), 2);
  server.AdvanceClock(11);
  host.Serve(Keys().Jwks());
  EXPECT_EQ(AssertionRequest(Jwt(Claims("flaky", "f-4"), Signer::kRs384, "rsa1")).status, 200);
  server.AdvanceClock(400);  // past the kept set's lifetime (five minutes without max-age)
  host.Stop();
  ExpectClientRefused(AssertionRequest(Jwt(Claims("flaky", "f-5", 480), Signer::kRs384, "rsa1")));
}

TEST_F(AuthTest, AReplayedAssertionGetsNoToken) {
  std::string assertion = Jwt(Claims("app", "once"), Signer::kHs256, "", kSecret);
  EXPECT_EQ(AssertionRequest(assertion).status, 200);
  ExpectClientRefused(AssertionRequest(assertion));
}

TEST_F(AuthTest, TokenEndpointErrorsFollowRfc6749) {
  auto error_of = [](const HttpResponse& res) {
    auto doc = res.Json();
    return std::string(json::GetString(doc, "error"));
  };
  HttpResponse grant = TokenRequest("grant_type=password&username=a&password=b", Basic("app", kSecret));
  EXPECT_EQ(grant.status, 400);
  EXPECT_EQ(error_of(grant), "unsupported_grant_type");
  HttpResponse scope =
      TokenRequest("grant_type=client_credentials&scope=patient%2F*.rs", Basic("app", kSecret));
  EXPECT_EQ(scope.status, 400);
  EXPECT_EQ(error_of(scope), "invalid_scope");
  HttpResponse json_body =
      Send(server.port(), "POST", "/auth/token", R"({"grant_type":"client_credentials"})",
           {{"Content-Type", "application/json"}});
  EXPECT_EQ(json_body.status, 400);
  EXPECT_EQ(error_of(json_body), "invalid_request");
  HttpResponse twice =
      TokenRequest("grant_type=client_credentials&grant_type=client_credentials", Basic("app", kSecret));
  EXPECT_EQ(error_of(twice), "invalid_request");
  HttpResponse two_methods =
      TokenRequest("grant_type=client_credentials&client_id=app&client_secret=" + std::string(kSecret),
                   Basic("app", kSecret));
  EXPECT_EQ(error_of(two_methods), "invalid_request");
  EXPECT_EQ(Send(server.port(), "GET", "/auth/token").status, 405);
}

// ---- access tokens on the FHIR API ------------------------------------------------------------

TEST_F(AuthTest, WithoutATokenTheApiAnswers401WithAChallenge) {
  HttpResponse res = server.Get("Patient");
  EXPECT_EQ(res.status, 401);
  EXPECT_EQ(res.Header("WWW-Authenticate"), "Bearer realm=\"" + server.base_url() + "\"");
  auto doc = res.Json();
  EXPECT_EQ(json::GetString(doc, "resourceType"), "OperationOutcome");
  EXPECT_EQ(IssueCodes(doc), std::vector<std::string>{"login"});
  EXPECT_EQ(server.Post("Patient", R"({"resourceType":"Patient"})").status, 401);
  EXPECT_EQ(server.Get("Patient/x/_history").status, 401);
  EXPECT_EQ(server.Post("", R"({"resourceType":"Bundle","type":"batch"})").status, 401);
  EXPECT_EQ(server.Get("Patient", {{"Authorization", "Basic " + Base64Encode(std::string("app:") + kSecret)}})
                .status,
            401);
}

TEST_F(AuthTest, MetadataIsPublicAndDeclaresSmartOnFhir) {
  HttpResponse res = server.Get("metadata");
  ASSERT_EQ(res.status, 200);
  auto doc = res.Json();
  const json::Value* coding = At(doc, "/rest/0/security/service/0/coding/0");
  ASSERT_NE(coding, nullptr) << res.body.substr(0, 400);
  EXPECT_EQ(json::GetString(*coding, "code"), "SMART-on-FHIR");
  const json::Value* uris = At(doc, "/rest/0/security/extension/0");
  ASSERT_NE(uris, nullptr);
  EXPECT_EQ(json::GetString(*uris, "url"),
            "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris");
  const json::Value* token = At(doc, "/rest/0/security/extension/0/extension/0");
  ASSERT_NE(token, nullptr);
  EXPECT_EQ(json::GetString(*token, "url"), "token");
  EXPECT_EQ(json::GetString(*token, "valueUri"), TokenUrl());
}

TEST_F(AuthTest, SmartConfigurationNamesTheEndpoints) {
  HttpResponse res = server.Get(".well-known/smart-configuration");
  ASSERT_EQ(res.status, 200) << res.body;
  auto doc = res.Json();
  EXPECT_EQ(json::GetString(doc, "token_endpoint"), TokenUrl());
  EXPECT_EQ(json::GetString(doc, "jwks_uri"), Root() + "/.well-known/jwks.json");
  EXPECT_EQ(json::GetString(doc, "introspection_endpoint"), Root() + "/auth/introspect");
  EXPECT_EQ(json::GetString(doc, "revocation_endpoint"), Root() + "/auth/revoke");
  auto strings = [&](const char* name) {
    std::vector<std::string> out;
    const json::Value* list = json::Find(doc, name);
    if (list == nullptr || !list->IsArray()) return out;
    for (const auto& v : list->GetArray()) out.emplace_back(v.GetString());
    return out;
  };
  EXPECT_EQ(strings("grant_types_supported"),
            (std::vector<std::string>{"authorization_code", "refresh_token", "client_credentials"}));
  EXPECT_EQ(strings("token_endpoint_auth_methods_supported"),
            (std::vector<std::string>{"client_secret_basic", "client_secret_post", "client_secret_jwt",
                                      "private_key_jwt", "none"}));
  auto scopes = strings("scopes_supported");
  EXPECT_NE(std::find(scopes.begin(), scopes.end(), "system/*.rs"), scopes.end());
  auto capabilities = strings("capabilities");
  EXPECT_NE(std::find(capabilities.begin(), capabilities.end(), "client-confidential-asymmetric"),
            capabilities.end());
  EXPECT_NE(std::find(capabilities.begin(), capabilities.end(), "permission-v2"), capabilities.end());
}

TEST_F(AuthTest, BadAccessTokensAre401AndTellNothing) {
  std::string base = server.base_url();
  int64_t later = Now() + 600;
  std::string good = Signed(AccessClaims(base, Root(), later));
  ASSERT_EQ(server.Get("Patient", Bearer(good)).status, 200);  // the control
  ExpectTokenRefused(
      server.Get("Patient", Bearer(Signed(AccessClaims(base, Root(), Now() - 5)))));  // expired
  ExpectTokenRefused(server.Get(
      "Patient",
      Bearer(Signed(AccessClaims(base, Root(), later, ",\"nbf\":" + std::to_string(Now() + 3600))))));
  ExpectTokenRefused(
      server.Get("Patient", Bearer(Signed(AccessClaims(Root() + "/other/fhir", Root(), later)))));
  ExpectTokenRefused(
      server.Get("Patient", Bearer(Signed(AccessClaims(base, "https://elsewhere.example", later)))));
  ExpectTokenRefused(server.Get("Patient", Bearer(Tamper(good))));
  ExpectTokenRefused(
      server.Get("Patient", Bearer(Jwt(AccessClaims(base, Root(), later), Signer::kNone, "k"))));
  ExpectTokenRefused(server.Get(
      "Patient", Bearer(Jwt(AccessClaims(base, Root(), later), Signer::kEs256Stranger, "unknown"))));
  ExpectTokenRefused(server.Get("Patient", Bearer("not-a-token")));
}

TEST_F(AuthTest, ATokenForAnotherTenantIs403) {
  Register("root", kSecret, "kiln/admin");
  server.CreateTenant("other", "organization", Bearer(TokenFor("root")));
  Register("elsewhere", kSecret, "system/*.rs", "", "other");
  HttpResponse res = server.Get("Patient", Bearer(TokenFor("elsewhere")));
  EXPECT_EQ(res.status, 403) << res.body;
  EXPECT_EQ(IssueCodes(res.Json()), std::vector<std::string>{"forbidden"});
}

TEST_F(AuthTest, ATenantsTokenWorksAtItsBaseOnly) {
  Register("root", kSecret, "kiln/admin");
  FhirClient jane = server.CreateTenant("jane", "person", Bearer(TokenFor("root")));
  Register("jane-app", kSecret, "system/*.cruds", "", "jane");
  Headers token = Bearer(TokenFor("jane-app"));
  EXPECT_EQ(jane.Post("Patient", R"({"resourceType":"Patient"})", token).status, 201);
  EXPECT_EQ(jane.Get("Patient", token).status, 200);
  EXPECT_EQ(jane.Get("Patient").status, 401);
  EXPECT_EQ(server.Get("Patient", token).status, 403);  // the default tenant
  EXPECT_EQ(jane.Get("Patient", Bearer(TokenFor("app"))).status, 403);
  HttpResponse config = jane.Get(".well-known/smart-configuration");
  ASSERT_EQ(config.status, 200);
  EXPECT_EQ(json::GetString(config.Json(), "token_endpoint"), TokenUrl());
}

TEST_F(AuthTest, BulkExportNeedsReadOnEveryType) {
  Headers async = {{"Prefer", "respond-async"}};
  Register("bulk", kSecret, "system/*.rs");
  Register("narrow", kSecret, "system/Patient.rs");
  Headers bulk = Bearer(TokenFor("bulk"));
  bulk.insert(bulk.end(), async.begin(), async.end());
  Headers narrow = Bearer(TokenFor("narrow"));
  narrow.insert(narrow.end(), async.begin(), async.end());
  EXPECT_EQ(server.Get("$export", narrow).status, 403);
  EXPECT_EQ(server.Get("$export", async).status, 401);
  HttpResponse kicked = server.Get("$export", bulk);
  EXPECT_EQ(kicked.status, 202) << kicked.body;
}

// ---- scopes -----------------------------------------------------------------------------------

TEST_F(AuthTest, PatientReadScopeReadsAndSearchesPatientsOnly) {
  std::string admin = TokenFor("app");
  HttpResponse p =
      server.Post("Patient", R"({"resourceType":"Patient","name":[{"family":"Scoped"}]})", Bearer(admin));
  ASSERT_EQ(p.status, 201);
  std::string pid(json::GetString(p.Json(), "id"));
  HttpResponse o = server.Post("Observation",
                               R"({"resourceType":"Observation","status":"final","code":{"text":"x"},)"
                               R"("subject":{"reference":"Patient/)" +
                                   pid + R"("}})",
                               Bearer(admin));
  ASSERT_EQ(o.status, 201);
  std::string oid(json::GetString(o.Json(), "id"));

  Register("reader", kSecret, "system/Patient.rs");
  Headers reader = Bearer(TokenFor("reader"));
  EXPECT_EQ(server.Get("Patient/" + pid, reader).status, 200);
  EXPECT_EQ(server.Get("Patient?family=Scoped", reader).status, 200);
  EXPECT_EQ(server.Get("Patient/" + pid + "/_history", reader).status, 200);
  HttpResponse create = server.Post("Patient", R"({"resourceType":"Patient"})", reader);
  EXPECT_EQ(create.status, 403) << create.body;
  EXPECT_EQ(IssueCodes(create.Json()), std::vector<std::string>{"forbidden"});
  EXPECT_EQ(
      server.Put("Patient/" + pid, R"({"resourceType":"Patient","id":")" + pid + R"("})", reader).status,
      403);
  EXPECT_EQ(server.Delete("Patient/" + pid, reader).status, 403);
  EXPECT_EQ(server.Get("Observation/" + oid, reader).status, 403);
  EXPECT_EQ(server.Get("Observation", reader).status, 403);
  EXPECT_EQ(server.Get("Patient/" + pid + "/Observation", reader).status, 403);
  EXPECT_EQ(server.Get("_history", reader).status, 403);  // every type's history
  EXPECT_EQ(server.Post("$reindex", "", reader).status, 403);
  EXPECT_EQ(server.Get("metadata", reader).status, 200);
}

TEST_F(AuthTest, IncludesOfTypesOutOfScopeAreLeftOut) {
  std::string admin = TokenFor("app");
  std::string pid(
      json::GetString(server.Post("Patient", R"({"resourceType":"Patient"})", Bearer(admin)).Json(), "id"));
  ASSERT_EQ(server
                .Post("Observation",
                      R"({"resourceType":"Observation","status":"final","code":{"text":"x"},)"
                      R"("subject":{"reference":"Patient/)" +
                          pid + R"("}})",
                      Bearer(admin))
                .status,
            201);
  auto types_in = [](const HttpResponse& res) { return EntryStrings(res, "resourceType"); };
  std::string query = "Patient?_id=" + pid + "&_revinclude=Observation:subject";
  // The control: a token that reads everything gets the Observation.
  EXPECT_EQ(types_in(server.Get(query, Bearer(admin))), (std::vector<std::string>{"Patient", "Observation"}));
  Register("reader", kSecret, "system/Patient.rs");
  HttpResponse res = server.Get(query, Bearer(TokenFor("reader")));
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(types_in(res), std::vector<std::string>{"Patient"});
  // _include the same way: Observations with their subject, for a token that reads Observations only.
  Register("observer", kSecret, "system/Observation.rs");
  std::string forward = "Observation?subject=Patient/" + pid + "&_include=Observation:subject";
  EXPECT_EQ(types_in(server.Get(forward, Bearer(admin))),
            (std::vector<std::string>{"Observation", "Patient"}));
  EXPECT_EQ(types_in(server.Get(forward, Bearer(TokenFor("observer")))),
            std::vector<std::string>{"Observation"});
  // Searching every type finds only what the token may search.
  HttpResponse all = server.Get("?_id=" + pid, Bearer(TokenFor("reader")));
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(types_in(all), std::vector<std::string>{"Patient"});
  EXPECT_EQ(server.Get("?_type=Observation", Bearer(TokenFor("reader"))).status, 403);
}

TEST_F(AuthTest, BundleEntriesNeedTheirOwnScope) {
  Register("writer", kSecret, "system/Patient.cruds");
  Headers writer = Bearer(TokenFor("writer"));
  std::string both = R"({"resourceType":"Bundle","type":"transaction","entry":[)"
                     R"({"fullUrl":"urn:uuid:11111111-1111-1111-1111-111111111111",)"
                     R"("resource":{"resourceType":"Patient","name":[{"family":"InTx"}]},)"
                     R"("request":{"method":"POST","url":"Patient"}},)"
                     R"({"resource":{"resourceType":"Observation","status":"final","code":{"text":"x"},)"
                     R"("subject":{"reference":"urn:uuid:11111111-1111-1111-1111-111111111111"}},)"
                     R"("request":{"method":"POST","url":"Observation"}}]})";
  HttpResponse tx = server.Post("", both, writer);
  EXPECT_EQ(tx.status, 403) << tx.body;
  std::string admin = TokenFor("app");
  HttpResponse none = server.Get("Patient?family=InTx", Bearer(admin));
  EXPECT_EQ(EntryStrings(none, "id"), std::vector<std::string>{});  // nothing of it was written
  // A GET entry outside the scope fails the transaction too.
  std::string read = R"({"resourceType":"Bundle","type":"transaction","entry":[)"
                     R"({"resource":{"resourceType":"Patient"},"request":{"method":"POST","url":"Patient"}},)"
                     R"({"request":{"method":"GET","url":"Observation"}}]})";
  EXPECT_EQ(server.Post("", read, writer).status, 403);
  // The control: the Patient alone goes through.
  std::string patient_only = R"({"resourceType":"Bundle","type":"transaction","entry":[)"
                             R"({"resource":{"resourceType":"Patient","name":[{"family":"InTx"}]},)"
                             R"("request":{"method":"POST","url":"Patient"}}]})";
  EXPECT_EQ(server.Post("", patient_only, writer).status, 200);
  // A batch answers the forbidden entry in its place and runs the others.
  std::string batch = R"({"resourceType":"Bundle","type":"batch","entry":[)"
                      R"({"resource":{"resourceType":"Observation","status":"final","code":{"text":"x"}},)"
                      R"("request":{"method":"POST","url":"Observation"}},)"
                      R"({"request":{"method":"GET","url":"Observation"}},)"
                      R"({"request":{"method":"GET","url":"Patient?family=InTx"}}]})";
  HttpResponse b = server.Post("", batch, writer);
  ASSERT_EQ(b.status, 200) << b.body;
  auto doc = b.Json();
  const char* statuses[] = {"403 Forbidden", "403 Forbidden", "200 OK"};
  for (int i = 0; i < 3; ++i) {
    const json::Value* response = At(doc, ("/entry/" + std::to_string(i) + "/response").c_str());
    ASSERT_NE(response, nullptr) << b.body;
    EXPECT_EQ(json::GetString(*response, "status"), statuses[i]) << i;
  }
}

TEST_F(AuthTest, PatientScopesNeedAPatientAndStayInItsCompartment) {
  std::string admin = TokenFor("app");
  auto create = [&](const std::string& type, const std::string& json) {
    HttpResponse res = server.Post(type, json, Bearer(admin));
    EXPECT_EQ(res.status, 201) << res.body;
    return std::string(json::GetString(res.Json(), "id"));
  };
  std::string p1 = create("Patient", R"({"resourceType":"Patient"})");
  std::string p2 = create("Patient", R"({"resourceType":"Patient"})");
  auto observation = [&](const std::string& pid) {
    return R"({"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/)" +
           pid + R"("}})";
  };
  std::string o1 = create("Observation", observation(p1));
  std::string o2 = create("Observation", observation(p2));

  // client_credentials gives no patient context: patient/ scopes grant nothing.
  Register("patient-app", kSecret, "patient/*.rs");
  EXPECT_EQ(server.Get("Observation", Bearer(TokenFor("patient-app"))).status, 403);

  auto token = server.auth_server().IssueAccessToken(
      auth::TokenGrant{"patient-app", store::DefaultTenant(), "patient/*.rs patient/Observation.c", p1},
      Root());
  ASSERT_TRUE(token.has_value());
  Headers as_p1 = Bearer(*token);
  EXPECT_EQ(server.Get("Patient/" + p1, as_p1).status, 200);
  EXPECT_EQ(server.Get("Patient/" + p2, as_p1).status, 403);
  EXPECT_EQ(server.Get("Observation/" + o1, as_p1).status, 200);
  EXPECT_EQ(server.Get("Observation/" + o2, as_p1).status, 403);
  auto ids_in = [](const HttpResponse& res) { return EntryStrings(res, "id"); };
  EXPECT_EQ(ids_in(server.Get("Observation", as_p1)), std::vector<std::string>{o1});
  EXPECT_EQ(ids_in(server.Get("Patient", as_p1)), std::vector<std::string>{p1});
  EXPECT_EQ(ids_in(server.Get("Patient?_id=" + p2, as_p1)), std::vector<std::string>{});
  EXPECT_EQ(server.Get("Patient/" + p1 + "/$everything", as_p1).status, 200);
  EXPECT_EQ(server.Get("Patient/" + p2 + "/$everything", as_p1).status, 403);
  EXPECT_EQ(server.Get("Observation/_history", as_p1).status, 403);
  EXPECT_EQ(server.Post("Observation", observation(p1), as_p1).status, 201);
  EXPECT_EQ(server.Post("Observation", observation(p2), as_p1).status, 403);
  EXPECT_EQ(server.Post("Patient", R"({"resourceType":"Patient"})", as_p1).status, 403);
}

// ---- introspection, revocation, keys ----------------------------------------------------------

TEST_F(AuthTest, IntrospectionTellsActiveFromInactive) {
  std::string token = TokenFor("app", kSecret, "system%2FPatient.rs");
  HttpResponse res = PostForm("/auth/introspect", "token=" + token, Basic("app", kSecret));
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_TRUE(Active(res));
  auto doc = res.Json();
  EXPECT_EQ(json::GetString(doc, "scope"), "system/Patient.rs");
  EXPECT_EQ(json::GetString(doc, "client_id"), "app");
  EXPECT_EQ(json::GetString(doc, "aud"), server.base_url());
  const json::Value* exp = At(doc, "/exp");
  ASSERT_NE(exp, nullptr);
  EXPECT_GT(exp->GetInt64(), Now());
  HttpResponse junk = PostForm("/auth/introspect", "token=abc.def.ghi", Basic("app", kSecret));
  ASSERT_EQ(junk.status, 200);
  EXPECT_FALSE(Active(junk));
  HttpResponse expired =
      PostForm("/auth/introspect", "token=" + Signed(AccessClaims(server.base_url(), Root(), Now() - 1)),
               Basic("app", kSecret));
  EXPECT_FALSE(Active(expired));
  EXPECT_EQ(PostForm("/auth/introspect", "token=" + token).status, 401);  // no client authentication
}

TEST_F(AuthTest, ARevokedTokenIsRefused) {
  std::string token = TokenFor("app");
  ASSERT_EQ(server.Get("Patient", Bearer(token)).status, 200);
  Register("other", kSecret, "system/*.rs");
  // Only the client it was issued to may revoke it.
  EXPECT_EQ(PostForm("/auth/revoke", "token=" + token, Basic("other", kSecret)).status, 400);
  EXPECT_EQ(server.Get("Patient", Bearer(token)).status, 200);
  HttpResponse revoked =
      PostForm("/auth/revoke", "token=" + token + "&token_type_hint=access_token", Basic("app", kSecret));
  EXPECT_EQ(revoked.status, 200) << revoked.body;
  ExpectTokenRefused(server.Get("Patient", Bearer(token)));
  EXPECT_FALSE(Active(PostForm("/auth/introspect", "token=" + token, Basic("app", kSecret))));
  EXPECT_EQ(server.Get("Patient", Bearer(TokenFor("app"))).status, 200);  // a new one works
}

// Verifies an ES256 JWS against a JWK with OpenSSL alone: the key from its SubjectPublicKeyInfo,
// the signature converted from r || s to DER by hand.
bool VerifiesWith(const json::Value& jwk, const std::string& token) {
  static const unsigned char kP256Spki[] = {0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48,
                                            0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48,
                                            0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04};
  std::string spki(reinterpret_cast<const char*>(kP256Spki), sizeof kP256Spki);
  spki += FromB64Url(json::GetString(jwk, "x")) + FromB64Url(json::GetString(jwk, "y"));
  const unsigned char* p = reinterpret_cast<const unsigned char*>(spki.data());
  Key key(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size())), EVP_PKEY_free);
  if (!key) return false;
  size_t dot = token.rfind('.');
  std::string input = token.substr(0, dot);
  std::string rs = FromB64Url(token.substr(dot + 1));
  if (rs.size() != 64) return false;
  auto integer = [](std::string n) {
    while (n.size() > 1 && n[0] == '\0' && !(static_cast<unsigned char>(n[1]) & 0x80)) n.erase(0, 1);
    if (static_cast<unsigned char>(n[0]) & 0x80) n.insert(0, 1, '\0');
    return std::string{'\x02', static_cast<char>(n.size())} + n;
  };
  std::string body = integer(rs.substr(0, 32)) + integer(rs.substr(32));
  std::string der = std::string{'\x30', static_cast<char>(body.size())} + body;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  return EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(der.data()), der.size(),
                          reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
}

TEST_F(AuthTest, TheJwksVerifiesIssuedTokens) {
  std::string token = TokenFor("app");
  std::string header = FromB64Url(token.substr(0, token.find('.')));
  auto h = json::Parse(header);
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(json::GetString(*h, "alg"), "ES256");
  std::string kid(json::GetString(*h, "kid"));
  HttpResponse res = Send(server.port(), "GET", "/.well-known/jwks.json");
  ASSERT_EQ(res.status, 200);
  auto jwks = res.Json();
  const json::Value* keys = At(jwks, "/keys");
  ASSERT_TRUE(keys != nullptr && keys->IsArray()) << res.body;
  const json::Value* found = nullptr;
  for (const auto& k : keys->GetArray()) {
    if (json::GetString(k, "kid") == kid) found = &k;
  }
  ASSERT_NE(found, nullptr) << res.body;
  EXPECT_EQ(json::GetString(*found, "kty"), "EC");
  EXPECT_EQ(json::GetString(*found, "crv"), "P-256");
  EXPECT_EQ(json::Find(*found, "d"), nullptr);  // no private part
  EXPECT_TRUE(VerifiesWith(*found, token));
  std::string altered = token;
  altered[altered.find('.') + 3] ^= 1;
  EXPECT_FALSE(VerifiesWith(*found, altered));
  // The claims are those of the client and the base the token is for.
  auto claims =
      json::Parse(FromB64Url(token.substr(token.find('.') + 1, token.rfind('.') - token.find('.') - 1)));
  ASSERT_TRUE(claims.has_value());
  EXPECT_EQ(json::GetString(*claims, "iss"), Root());
  EXPECT_EQ(json::GetString(*claims, "sub"), "app");
  EXPECT_EQ(json::GetString(*claims, "aud"), server.base_url());
  EXPECT_EQ(json::GetString(*claims, "tenant"), "default");
  EXPECT_FALSE(json::GetString(*claims, "jti").empty());
  const json::Value* exp = At(*claims, "/exp");
  const json::Value* iat = At(*claims, "/iat");
  ASSERT_TRUE(exp != nullptr && iat != nullptr);
  EXPECT_EQ(exp->GetInt64() - iat->GetInt64(), 3600);
}

}  // namespace
}  // namespace kiln::testing
