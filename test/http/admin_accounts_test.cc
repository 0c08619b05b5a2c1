// The admin API's clients and users part through HTTP (docs/security.md#the-admin-api-clients-and-users):
// clients made there get tokens and read FHIR data, deleted ones get no more; no secret or hash is
// ever shown but the one made up for the request that made it; bad bodies are 400, taken ids
// 409; only an administrator's token opens it. (authorization_code_test.cc signs in a user made
// here.)
#include <gtest/gtest.h>

#include <algorithm>
#include <tuple>

#include "auth/auth.h"
#include "support/oauth_client.h"
#include "support/test_server.h"

namespace kiln::testing {
namespace {

constexpr const char* kRootSecret = "0123456789abcdef0123456789abcdef-root";
constexpr const char* kSecret = "0123456789abcdef0123456789abcdef-given";
constexpr const char* kPassword = "a long password";
// An EC P-256 public key (its private half thrown away), as a signing key.
constexpr const char* kJwks =
    R"({"keys":[{"kty":"EC","crv":"P-256","x":"dujK1WdjoZK2phA9fHwxtR6xlrM7EIZe4sJE01_ACg4",)"
    R"("y":"c-99LkZEfM8mqHukU1pOT8DrWvHG5e0iOZfBoDORokw","kid":"k1"}]})";

std::string Str(const json::Value& v, const char* key) { return std::string(json::GetString(v, key)); }

// The ids of {"<list>": [{"id": ...}, ...]}.
std::vector<std::string> Ids(const HttpResponse& res, const char* list) {
  std::vector<std::string> out;
  json::Document doc = res.Json();
  const json::Value* items = json::Find(doc, list);
  if (items == nullptr || !items->IsArray()) return out;
  for (const auto& item : items->GetArray()) out.push_back(Str(item, "id"));
  return out;
}

// A user's memberships as TENANT:ROLE:PATIENT:LABEL-ACCESS, sorted.
std::vector<std::string> Memberships(const HttpResponse& res) {
  std::vector<std::string> out;
  json::Document doc = res.Json();
  const json::Value* ms = json::Find(doc, "memberships");
  if (ms == nullptr || !ms->IsArray()) return out;
  for (const auto& m : ms->GetArray())
    out.push_back(Str(m, "tenant") + ":" + Str(m, "role") + ":" + Str(m, "patient") + ":" +
                  Str(m, "label_access"));
  std::sort(out.begin(), out.end());
  return out;
}

class AdminAccountsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auth::ClientSpec root;
    root.id = "root";
    root.secret = kRootSecret;
    root.scope = "kiln/admin";
    server.RegisterClient(root);
    admin = BearerAuth(ClientCredentialsToken(server.port(), "root", kRootSecret));
  }
  HttpResponse Admin(const std::string& method, const std::string& path, const std::string& body = "") const {
    return server.Admin(method, path, body, admin);
  }
  // POSTs a client (fails the test unless 201).
  json::Document MakeClient(const std::string& body) const {
    HttpResponse res = Admin("POST", "clients", body);
    EXPECT_EQ(res.status, 201) << body << ": " << res.body;
    return res.Json();
  }
  HttpResponse Token(const std::string& id, const std::string& secret) const {
    return PostForm(server.port(), "/auth/token", "grant_type=client_credentials", BasicAuth(id, secret));
  }

  TestServer server{{.auth = true}};
  Headers admin;
};

TEST_F(AdminAccountsTest, AClientMadeThereGetsATokenAndReadsFhirData) {
  HttpResponse made = Admin("POST", "clients", R"({"id":"backend","scope":"system/*.rs"})");
  ASSERT_EQ(made.status, 201) << made.body;
  EXPECT_EQ(made.Header("location"),
            "http://localhost:" + std::to_string(server.port()) + "/admin/clients/backend");
  EXPECT_EQ(made.Header("cache-control"), "no-store");
  json::Document doc = made.Json();
  EXPECT_EQ(Str(doc, "id"), "backend");
  EXPECT_EQ(Str(doc, "tenant"), "default");
  EXPECT_EQ(Str(doc, "scope"), "system/*.rs");
  EXPECT_TRUE(json::Find(doc, "has_secret")->GetBool());
  // No secret, no JWKS, not public: one is made up and shown this once.
  std::string secret = Str(doc, "secret");
  ASSERT_EQ(secret.size(), 43u) << made.body;

  json::Document writer = MakeClient(R"({"id":"writer","scope":"system/Patient.cruds","secret":")" +
                                     std::string(kSecret) + "\"}");
  EXPECT_EQ(json::Find(writer, "secret"), nullptr) << "a given secret is not echoed";
  HttpResponse written = server.Post("Patient", R"({"resourceType":"Patient","name":[{"family":"Made"}]})",
                                     BearerAuth(ClientCredentialsToken(server.port(), "writer", kSecret)));
  ASSERT_EQ(written.status, 201) << written.body;
  std::string pid = Str(written.Json(), "id");

  std::string token = ClientCredentialsToken(server.port(), "backend", secret);
  HttpResponse read = server.Get("Patient/" + pid, BearerAuth(token));
  EXPECT_EQ(read.status, 200) << read.body;
  EXPECT_NE(read.body.find("Made"), std::string::npos);
  EXPECT_EQ(server.Post("Patient", R"({"resourceType":"Patient"})", BearerAuth(token)).status, 403)
      << "system/*.rs writes nothing";

  // Listed and read back, without the secret or its hash.
  HttpResponse list = Admin("GET", "clients");
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(Ids(list, "clients"), (std::vector<std::string>{"backend", "root", "writer"}));
  HttpResponse one = Admin("GET", "clients/backend");
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(Str(one.Json(), "scope"), "system/*.rs");
  for (const HttpResponse* res : {&list, &one}) {
    for (const std::string& shown :
         {secret, std::string(kSecret), std::string(kRootSecret), std::string("$argon2")})
      EXPECT_EQ(res->body.find(shown), std::string::npos) << shown << " in " << res->body;
    EXPECT_EQ(res->body.find("\"secret\""), std::string::npos) << res->body;
  }

  // Deleted, as `kiln client delete`: its secret gets no token from then on.
  EXPECT_EQ(Admin("DELETE", "clients/backend").status, 204);
  EXPECT_EQ(Admin("GET", "clients/backend").status, 404);
  EXPECT_EQ(Admin("DELETE", "clients/backend").status, 404);
  HttpResponse refused = Token("backend", secret);
  EXPECT_EQ(refused.status, 401) << refused.body;
  EXPECT_EQ(Str(refused.Json(), "error"), "invalid_client");
  EXPECT_EQ(Ids(Admin("GET", "clients"), "clients"), (std::vector<std::string>{"root", "writer"}));
  // The same id may be registered again, with a secret of its own: the old one stays refused.
  json::Document again = MakeClient(R"({"id":"backend","scope":"system/*.rs"})");
  EXPECT_NE(Str(again, "secret"), secret);
  EXPECT_EQ(Token("backend", secret).status, 401);
  EXPECT_EQ(Token("backend", Str(again, "secret")).status, 200);
}

// A refused access token: 401, with the words of any token that is not valid.
void ExpectTokenRefused(const HttpResponse& res) {
  EXPECT_EQ(res.status, 401) << res.body;
  EXPECT_NE(res.body.find("The access token is not valid"), std::string::npos) << res.body;
}

// Deleting a client here refuses the access tokens it holds at once (issue #5), on the FHIR API
// and on the admin API; registering the same id again does not revive them.
TEST_F(AdminAccountsTest, ADeletedClientsAccessTokensAreRefusedAtOnce) {
  MakeClient(R"({"id":"backend","scope":"system/*.rs","secret":")" + std::string(kSecret) + "\"}");
  MakeClient(R"({"id":"deputy","scope":"kiln/admin","secret":")" + std::string(kSecret) + "\"}");
  Headers token = BearerAuth(ClientCredentialsToken(server.port(), "backend", kSecret));
  Headers deputy = BearerAuth(ClientCredentialsToken(server.port(), "deputy", kSecret));
  ASSERT_EQ(server.Get("Patient", token).status, 200);  // checked, and its check cached
  ASSERT_EQ(server.Admin("GET", "clients", "", deputy).status, 200);

  ASSERT_EQ(Admin("DELETE", "clients/backend").status, 204);
  ExpectTokenRefused(server.Get("Patient", token));
  ASSERT_EQ(Admin("DELETE", "clients/deputy").status, 204);
  ExpectTokenRefused(server.Admin("GET", "clients", "", deputy));
  EXPECT_EQ(Admin("GET", "clients").status, 200) << "another client's token is still valid";

  // Registered again, with the same secret even, a second later: a client of its own, whose
  // tokens work, and the old one's stay refused.
  server.AdvanceClock(2);
  MakeClient(R"({"id":"backend","scope":"system/*.rs","secret":")" + std::string(kSecret) + "\"}");
  ExpectTokenRefused(server.Get("Patient", token));
  EXPECT_EQ(
      server.Get("Patient", BearerAuth(ClientCredentialsToken(server.port(), "backend", kSecret))).status,
      200);
  // Still refused once its cached check would have been due again.
  server.AdvanceClock(31);
  ExpectTokenRefused(server.Get("Patient", token));
}

// `kiln client delete` runs in another process, which cannot tell the server: the server sees
// the client gone when it checks the token again, 30 s after it last did.
TEST_F(AdminAccountsTest, AClientDeletedByAnotherProcessIsRefusedWithinThirtySeconds) {
  MakeClient(R"({"id":"backend","scope":"system/*.rs","secret":")" + std::string(kSecret) + "\"}");
  Headers token = BearerAuth(ClientCredentialsToken(server.port(), "backend", kSecret));
  Headers unchecked = BearerAuth(ClientCredentialsToken(server.port(), "backend", kSecret));
  ASSERT_EQ(server.Get("Patient", token).status, 200);
  server.DeleteClientElsewhere("backend");
  ExpectTokenRefused(server.Get("Patient", unchecked));  // never checked before: checked now
  EXPECT_EQ(server.Get("Patient", token).status, 200) << "its check of a moment ago holds";
  server.AdvanceClock(31);
  ExpectTokenRefused(server.Get("Patient", token));
}

TEST_F(AdminAccountsTest, ClientsTakeWhatKilnClientCreateTakes) {
  // A public app: no secret made up.
  json::Document spa = MakeClient(
      R"({"id":"spa","scope":"launch/patient patient/*.rs","public":true,"redirect_uris":["http://app.test/cb"]})");
  EXPECT_TRUE(json::Find(spa, "public")->GetBool());
  EXPECT_FALSE(json::Find(spa, "has_secret")->GetBool());
  EXPECT_EQ(json::Find(spa, "secret"), nullptr);
  ASSERT_TRUE(json::Find(spa, "redirect_uris")->IsArray());
  EXPECT_EQ(json::Find(spa, "redirect_uris")->Size(), 1u);
  EXPECT_EQ(std::string((*json::Find(spa, "redirect_uris"))[0].GetString()), "http://app.test/cb");

  // private_key_jwt: its keys are shown back (they are public), and no secret is made up.
  json::Document bulk =
      MakeClient(R"({"id":"bulk","scope":"system/*.read","jwks":)" + std::string(kJwks) + "}");
  EXPECT_FALSE(json::Find(bulk, "has_secret")->GetBool());
  EXPECT_EQ(json::Find(bulk, "secret"), nullptr);
  const json::Value* keys = json::Find(bulk, "jwks");
  ASSERT_NE(keys, nullptr);
  EXPECT_EQ(Str((*json::Find(*keys, "keys"))[0], "kid"), "k1");
  EXPECT_EQ(Token("bulk", kSecret).status, 401);
  // Or with the URL where it publishes them: shown back, and no secret made up either.
  json::Document remote = MakeClient(
      R"({"id":"remote","scope":"system/*.read","jwks_uri":"https://keys.example.org/jwks.json"})");
  EXPECT_EQ(Str(remote, "jwks_uri"), "https://keys.example.org/jwks.json");
  EXPECT_FALSE(json::Find(remote, "has_secret")->GetBool());
  EXPECT_EQ(json::Find(remote, "secret"), nullptr);

  // Label access adds the scopes that grant it, as --label-access does.
  json::Document records = MakeClient(R"({"id":"records","scope":"system/*.rs","label_access":"R,V"})");
  EXPECT_EQ(Str(records, "scope"), "system/*.rs security-label/R security-label/V");

  // A client of another tenant reads that tenant's data.
  server.CreateTenant("acme", "organization", admin);
  json::Document acme = MakeClient(R"({"id":"acme-app","scope":"system/*.cruds","tenant":"acme"})");
  EXPECT_EQ(Str(acme, "tenant"), "acme");
  Headers as_acme = BearerAuth(ClientCredentialsToken(server.port(), "acme-app", Str(acme, "secret")));
  EXPECT_EQ(server.Tenant("acme").Post("Patient", R"({"resourceType":"Patient"})", as_acme).status, 201);
  EXPECT_EQ(server.Get("Patient", as_acme).status, 403) << "not the default tenant's";
}

TEST_F(AdminAccountsTest, BadClientBodiesAre400AndTakenIds409) {
  for (const std::string& bad : {
           std::string("not json"), std::string(R"(["id"])"),
           std::string(R"({"scope":"system/*.rs"})"),                              // no id
           std::string(R"({"id":"x"})"),                                           // no scope
           std::string(R"({"id":"x","scope":"system/*.rs","scopes":"more"})"),     // unknown member
           std::string(R"({"id":"x","scope":"system/*.rs","secret":"short"})"),    // under 32 characters
           std::string(R"({"id":"x y","scope":"system/*.rs"})"),                   // bad id
           std::string(R"({"id":"x","scope":"everything"})"),                      // no such scope
           std::string(R"({"id":"x","scope":"system/*.rs","secret":7})"),          // not a string
           std::string(R"({"id":"x","scope":"system/*.rs","jwks":"keys"})"),       // not an object
           std::string(R"({"id":"x","scope":"system/*.rs","jwks":{"keys":[]}})"),  // no key
           std::string(R"({"id":"x","scope":"system/*.rs","public":"yes"})"),      // not a boolean
           std::string(R"({"id":"x","scope":"system/*.rs","jwks_uri":"http://keys.test/k"})"),  // not https
           std::string(
               R"({"id":"x","scope":"patient/*.rs","public":true})"),  // public without a redirect URI
           std::string(R"({"id":"x","scope":"system/*.rs","redirect_uris":"http://a.test/cb"})"),
           std::string(R"({"id":"x","scope":"system/*.rs","redirect_uris":["/cb"]})"),
           std::string(R"({"id":"x","scope":"system/*.rs","label_access":"X"})"),
           std::string(
               R"({"id":"x","scope":"kiln/admin","tenant":"acme"})"),  // admins are the default tenant's
       }) {
    HttpResponse res = Admin("POST", "clients", bad);
    EXPECT_EQ(res.status, 400) << bad << ": " << res.body;
    EXPECT_EQ(Str(res.Json(), "resourceType"), "OperationOutcome") << bad;
  }
  EXPECT_EQ(Admin("POST", "clients", R"({"id":"x","scope":"system/*.rs","tenant":"nowhere"})").status, 404);
  EXPECT_EQ(Ids(Admin("GET", "clients"), "clients"), std::vector<std::string>{"root"}) << "nothing was made";

  MakeClient(R"({"id":"x","scope":"system/*.rs"})");
  HttpResponse taken = Admin("POST", "clients", R"({"id":"x","scope":"system/*.cruds"})");
  EXPECT_EQ(taken.status, 409) << taken.body;
  EXPECT_EQ(IssueCodes(taken.Json()), std::vector<std::string>{"conflict"});
  EXPECT_EQ(Str(Admin("GET", "clients/x").Json(), "scope"), "system/*.rs") << "the first stays";
  EXPECT_EQ(Admin("POST", "clients", R"({"id":"root","scope":"system/*.rs"})").status, 409);
}

TEST_F(AdminAccountsTest, UsersAreMadeChangedAndDeletedWithoutTheirPasswordShown) {
  server.CreateTenant("jane", "person", admin);
  HttpResponse made = Admin("POST", "users",
                            R"({"id":"alice@example.org","password":")" + std::string(kPassword) +
                                R"(","memberships":[{"tenant":"default","role":"manager"},)"
                                R"({"tenant":"jane","role":"owner","patient":"p-1","label_access":"R,V"}]})");
  ASSERT_EQ(made.status, 201) << made.body;
  EXPECT_EQ(made.Header("location"),
            "http://localhost:" + std::to_string(server.port()) + "/admin/users/alice@example.org");
  EXPECT_EQ(made.body, R"({"id":"alice@example.org","memberships":[{"tenant":"default","role":"manager"},)"
                       R"({"tenant":"jane","role":"owner","patient":"p-1","label_access":"V"}],"created":")" +
                           Str(made.Json(), "created") + "\"}");
  // Without a password, one is made up and shown this once.
  HttpResponse bob = Admin("POST", "users", R"({"id":"bob"})");
  ASSERT_EQ(bob.status, 201) << bob.body;
  std::string bobs = Str(bob.Json(), "password");
  EXPECT_EQ(bobs.size(), 43u);

  HttpResponse list = Admin("GET", "users");
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(Ids(list, "users"), (std::vector<std::string>{"alice@example.org", "bob"}));
  HttpResponse one = Admin("GET", "users/alice@example.org");
  ASSERT_EQ(one.status, 200) << one.body;
  for (const HttpResponse* res : {&list, &one}) {
    for (const std::string& shown :
         {std::string(kPassword), bobs, std::string("$argon2"), std::string("password")})
      EXPECT_EQ(res->body.find(shown), std::string::npos) << shown << " in " << res->body;
  }

  // As `kiln user update`: removals, then memberships added or changed (their label access stays
  // unless given), then label access.
  HttpResponse changed = Admin("POST", "users/alice@example.org/memberships",
                               R"({"remove":["default"],"set":[{"tenant":"jane","role":"reader"},)"
                               R"({"tenant":"default","role":"owner","label_access":"R"}]})");
  ASSERT_EQ(changed.status, 200) << changed.body;
  EXPECT_EQ(Memberships(changed), (std::vector<std::string>{"default:owner::R", "jane:reader::V"}));
  HttpResponse labels = Admin("POST", "users/alice@example.org/memberships",
                              R"({"label_access":{"jane":"none","default":"V"}})");
  ASSERT_EQ(labels.status, 200) << labels.body;
  EXPECT_EQ(Memberships(labels), (std::vector<std::string>{"default:owner::V", "jane:reader::"}));
  EXPECT_EQ(Memberships(Admin("GET", "users/alice@example.org")), Memberships(labels));

  EXPECT_EQ(Admin("DELETE", "users/bob").status, 204);
  EXPECT_EQ(Admin("GET", "users/bob").status, 404);
  EXPECT_EQ(Admin("DELETE", "users/bob").status, 404);
  EXPECT_EQ(Admin("POST", "users/bob/memberships", R"({"remove":["default"]})").status, 404);
  EXPECT_EQ(Ids(Admin("GET", "users"), "users"), std::vector<std::string>{"alice@example.org"});
}

TEST_F(AdminAccountsTest, BadUserBodiesAre400AndTakenIds409) {
  std::string pw = std::string(R"("password":")") + kPassword + "\"";
  for (
      const std::string& bad : {
          std::string("{"),
          std::string(R"({"password":"a long password"})"),           // no id
          std::string(R"({"id":"a b",)" + pw + "}"),                  // bad id
          std::string(R"({"id":"a","password":"short"})"),            // under 8 characters
          std::string(R"({"id":"a",)" + pw + R"(,"role":"owner"})"),  // unknown member
          std::string(R"({"id":"a",)" + pw + R"(,"memberships":{"tenant":"default"}})"),
          std::string(R"({"id":"a",)" + pw + R"(,"memberships":["default:owner"]})"),
          std::string(R"({"id":"a",)" + pw + R"(,"memberships":[{"tenant":"default"}]})"),
          std::string(R"({"id":"a",)" + pw + R"(,"memberships":[{"tenant":"default","role":"king"}]})"),
          std::string(R"({"id":"a",)" + pw +
                      R"(,"memberships":[{"tenant":"default","role":"owner","patient":"p/1"}]})"),
          std::string(R"({"id":"a",)" + pw +
                      R"(,"memberships":[{"tenant":"default","role":"owner","label_access":"X"}]})"),
          std::string(
              R"({"id":"a",)" + pw +
              R"(,"memberships":[{"tenant":"default","role":"owner"},{"tenant":"default","role":"reader"}]})"),
      }) {
    HttpResponse res = Admin("POST", "users", bad);
    EXPECT_EQ(res.status, 400) << bad << ": " << res.body;
    EXPECT_EQ(Str(res.Json(), "resourceType"), "OperationOutcome") << bad;
  }
  EXPECT_EQ(Admin("POST", "users",
                  R"({"id":"a",)" + pw + R"(,"memberships":[{"tenant":"nowhere","role":"owner"}]})")
                .status,
            404);
  EXPECT_EQ(Ids(Admin("GET", "users"), "users"), std::vector<std::string>{}) << "nothing was made";

  ASSERT_EQ(Admin("POST", "users",
                  R"({"id":"a",)" + pw + R"(,"memberships":[{"tenant":"default","role":"owner"}]})")
                .status,
            201);
  EXPECT_EQ(Admin("POST", "users", R"({"id":"a",)" + pw + "}").status, 409);
  for (const std::string& bad : {
           std::string("[]"),
           std::string("{}"),  // nothing to change
           std::string(R"({"remove":"default"})"),
           std::string(R"({"add":[{"tenant":"default","role":"reader"}]})"),  // unknown member
           std::string(R"({"set":[{"tenant":"default","role":"king"}]})"),
           std::string(R"({"label_access":{"default":"X"}})"),
           std::string(R"({"label_access":{"default":1}})"),
           std::string(R"({"label_access":{"elsewhere":"R"}})"),  // no member there
       }) {
    HttpResponse res = Admin("POST", "users/a/memberships", bad);
    EXPECT_EQ(res.status, 400) << bad << ": " << res.body;
  }
  EXPECT_EQ(Admin("POST", "users/a/memberships", R"({"remove":["elsewhere"]})").status, 404);
  EXPECT_NE(Admin("GET", "users/a").body.find(R"("memberships":[{"tenant":"default","role":"owner"}])"),
            std::string::npos)
      << "nothing was changed";
}

TEST_F(AdminAccountsTest, WrongMethodsAre405WithAllowAndUnknownPaths404) {
  for (const auto& [method, path, allow] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"PUT", "clients", "GET, POST"},
           {"DELETE", "clients", "GET, POST"},
           {"POST", "clients/root", "GET, DELETE"},
           {"PATCH", "users", "GET, POST"},
           {"PUT", "users/a", "GET, DELETE"},
           {"GET", "users/a/memberships", "POST"},
       }) {
    HttpResponse res = Admin(method, path);
    EXPECT_EQ(res.status, 405) << method << " " << path << ": " << res.body;
    EXPECT_EQ(res.Header("allow"), allow) << method << " " << path;
  }
  for (const char* path : {"clients/root/more", "users/a/roles", "keys", "client"}) {
    EXPECT_EQ(Admin("GET", path).status, 404) << path;
  }
}

TEST_F(AdminAccountsTest, OnlyAnAdministratorsTokenOpensIt) {
  MakeClient(R"({"id":"app","scope":"system/*.cruds","secret":")" + std::string(kSecret) + "\"}");
  Headers app = BearerAuth(ClientCredentialsToken(server.port(), "app", kSecret));
  const std::string client = R"({"id":"sneaky","scope":"kiln/admin"})";
  const std::string user = R"({"id":"sneaky","password":"a long password"})";
  for (const auto& [method, path, body] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"GET", "clients", ""},
           {"POST", "clients", client},
           {"GET", "clients/app", ""},
           {"DELETE", "clients/app", ""},
           {"GET", "users", ""},
           {"POST", "users", user},
           {"GET", "users/a", ""},
           {"DELETE", "users/a", ""},
           {"POST", "users/a/memberships", R"({"remove":["default"]})"},
       }) {
    HttpResponse none = server.Admin(method, path, body);
    EXPECT_EQ(none.status, 401) << method << " " << path << ": " << none.body;
    EXPECT_EQ(none.Header("www-authenticate").rfind("Bearer realm=", 0), 0u);
    HttpResponse forbidden = server.Admin(method, path, body, app);
    EXPECT_EQ(forbidden.status, 403) << method << " " << path << ": " << forbidden.body;
    EXPECT_NE(forbidden.Header("www-authenticate").find("insufficient_scope"), std::string::npos);
  }
  EXPECT_EQ(Ids(Admin("GET", "clients"), "clients"), (std::vector<std::string>{"app", "root"}));
  EXPECT_EQ(Ids(Admin("GET", "users"), "users"), std::vector<std::string>{});
}

}  // namespace
}  // namespace kiln::testing
