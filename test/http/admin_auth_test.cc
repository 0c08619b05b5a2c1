// The admin API's authorization through HTTP (docs/security.md, administrators): with the
// authorization server on, /admin takes only tokens that carry the administrator's grant
// (kiln/admin); without a token it is 401, without the grant 403. (test/http/tenant_test.cc covers
// the admin API itself, served without authorization as `kiln serve --no-auth` does.)
#include <gtest/gtest.h>

#include "auth/auth.h"
#include "support/oauth_client.h"
#include "support/test_server.h"

namespace kiln::testing {
namespace {

constexpr const char* kSecret = "0123456789abcdef0123456789abcdef-admin";
constexpr const char* kNewTenant = R"({"name":"acme","kind":"organization"})";

class AdminAuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Register("root", "kiln/admin");
    Register("app", "system/*.cruds");
    Register("both", "system/*.rs kiln/admin");
  }
  void Register(const std::string& id, const std::string& scope) {
    auth::ClientSpec spec;
    spec.id = id;
    spec.secret = kSecret;
    spec.scope = scope;
    server.RegisterClient(spec);
  }
  std::string Token(const std::string& id, const std::string& scope = "") const {
    return ClientCredentialsToken(server.port(), id, kSecret, scope);
  }

  TestServer server{{.auth = true}};
};

TEST_F(AdminAuthTest, WithoutATokenTheAdminApiIs401WithABearerChallenge) {
  for (const char* method : {"GET", "POST"}) {
    HttpResponse res = server.Admin(method, "tenants", method == std::string("POST") ? kNewTenant : "");
    EXPECT_EQ(res.status, 401) << method << " " << res.body;
    EXPECT_EQ(res.Header("www-authenticate").rfind("Bearer realm=", 0), 0u) << res.Header("www-authenticate");
    EXPECT_EQ(IssueCodes(res.Json()), std::vector<std::string>{"login"});
  }
  HttpResponse bad = server.Admin("GET", "tenants", "", BearerAuth("not-a-token"));
  EXPECT_EQ(bad.status, 401);
  EXPECT_NE(bad.Header("www-authenticate").find("error=\"invalid_token\""), std::string::npos);
  // Nothing was made.
  EXPECT_EQ(server.Admin("GET", "tenants/acme", "", BearerAuth(Token("root"))).status, 404);
}

TEST_F(AdminAuthTest, ATokenWithoutTheAdministratorsGrantIs403) {
  HttpResponse res = server.Admin("POST", "tenants", kNewTenant, BearerAuth(Token("app")));
  EXPECT_EQ(res.status, 403) << res.body;
  EXPECT_NE(res.Header("www-authenticate").find("insufficient_scope"), std::string::npos);
  EXPECT_EQ(server.Admin("GET", "tenants", "", BearerAuth(Token("app"))).status, 403);
  // A client allowed kiln/admin that did not ask for it has no grant in that token.
  EXPECT_EQ(server.Admin("GET", "tenants", "", BearerAuth(Token("both", "system/*.rs"))).status, 403);
  EXPECT_EQ(server.Admin("GET", "tenants/acme", "", BearerAuth(Token("root"))).status, 404);
}

TEST_F(AdminAuthTest, AnAdministratorsTokenManagesTenants) {
  Headers root = BearerAuth(Token("root"));
  HttpResponse made = server.Admin("POST", "tenants", kNewTenant, root);
  ASSERT_EQ(made.status, 201) << made.body;
  EXPECT_EQ(server.Admin("GET", "tenants/acme", "", root).status, 200);
  HttpResponse listed = server.Admin("GET", "tenants", "", BearerAuth(Token("both", "kiln/admin")));
  EXPECT_EQ(listed.status, 200);
  EXPECT_NE(listed.body.find(R"("name":"acme")"), std::string::npos) << listed.body;
  EXPECT_EQ(server.Admin("DELETE", "tenants/acme", "", root).status, 204);
  EXPECT_EQ(server.Admin("GET", "tenants/acme", "", root).status, 404);
}

TEST_F(AdminAuthTest, TheAdministratorsGrantOpensNoFhirData) {
  // kiln/admin is about the admin API: on the FHIR API it grants nothing.
  EXPECT_EQ(server.Get("Patient", BearerAuth(Token("root"))).status, 403);
}

TEST_F(AdminAuthTest, ARevokedAdministratorsTokenIs401) {
  std::string token = Token("root");
  ASSERT_EQ(server.Admin("GET", "tenants", "", BearerAuth(token)).status, 200);
  HttpResponse revoked =
      PostForm(server.port(), "/auth/revoke", "token=" + token, BasicAuth("root", kSecret));
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  EXPECT_EQ(server.Admin("GET", "tenants", "", BearerAuth(token)).status, 401);
}

}  // namespace
}  // namespace kiln::testing
