// The authorization_code grant with PKCE through HTTP, as a SMART app's standalone launch and a
// person's browser make it (docs/security.md): the authorization request and its errors, the
// login and consent form, codes at the token endpoint, refresh tokens, the patient context, and
// user/ scopes limited by the user's memberships and role.
//
// PKCE's challenge is computed here with OpenSSL alone, so a mistake in src/auth/ cannot cancel
// itself out.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <set>
#include <thread>
#include <vector>

#include "auth/auth.h"
#include "core/base64.h"
#include "core/text.h"
#include "support/oauth_client.h"
#include "support/test_server.h"

namespace kiln::testing {
namespace {

constexpr const char* kSecret = "0123456789abcdef0123456789abcdef-codes";
constexpr const char* kRedirect = "http://app.test/callback";
constexpr const char* kWebRedirect = "https://web.test/cb?from=kiln";
constexpr const char* kPassword = "correct horse battery";
constexpr const char* kVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-verifier";

std::string B64Url(std::string_view bytes) {
  std::string out;
  for (char c : Base64Encode(bytes)) {
    if (c != '=') out.push_back(c == '+' ? '-' : c == '/' ? '_' : c);
  }
  return out;
}

std::string S256(std::string_view verifier) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EXPECT_EQ(EVP_Digest(verifier.data(), verifier.size(), digest, &len, EVP_sha256(), nullptr), 1);
  return B64Url(std::string(reinterpret_cast<char*>(digest), len));
}

using Params = std::map<std::string, std::string>;

// The query parameters of a URL, decoded.
Params QueryOf(std::string_view url) {
  Params out;
  size_t q = url.find('?');
  if (q == std::string_view::npos) return out;
  std::string_view query = url.substr(q + 1);
  while (!query.empty()) {
    size_t end = std::min(query.find('&'), query.size());
    std::string_view pair = query.substr(0, end);
    size_t eq = std::min(pair.find('='), pair.size());
    out[UrlDecode(pair.substr(0, eq), true)] = eq < pair.size() ? UrlDecode(pair.substr(eq + 1), true) : "";
    query.remove_prefix(std::min(end + 1, query.size()));
  }
  return out;
}

std::string Join(const Params& params) {
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out.push_back('&');
    out += FormEncode(k);
    out.push_back('=');
    out += FormEncode(v);
  }
  return out;
}

// What a browser keeps of the login page: the form's hidden request and the cookie.
struct LoginForm {
  std::string request;
  std::string cookie;  // "name=value"
};

class AuthorizationCodeTest : public ::testing::Test {
 protected:
  explicit AuthorizationCodeTest(ServerOptionsForTest options = {.auth = true}) : server(options) {}

  void SetUp() override {
    RegisterClient("root", "kiln/admin", {}, false);
    RegisterClient("sys", "system/*.cruds", {}, false);
    RegisterClient("spa", "launch/patient offline_access patient/*.cruds user/*.cruds", {kRedirect}, true);
    RegisterClient("web", "launch/patient online_access patient/*.rs user/*.rs system/*.rs", {kWebRedirect},
                   false);
    Headers sys = BearerAuth(ClientCredentialsToken(server.port(), "sys", kSecret));
    p1 = Created(server.Post("Patient", R"({"resourceType":"Patient","name":[{"family":"One"}]})", sys));
    p2 = Created(server.Post("Patient", R"({"resourceType":"Patient","name":[{"family":"Two"}]})", sys));
    for (const std::string& p : {p1, p2}) {
      Created(server.Post("Observation",
                          R"({"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":)"
                          R"({"reference":"Patient/)" +
                              p + R"("}})",
                          sys));
    }
    RegisterUser("alice", {"default:manager"});
    RegisterUser("bob", {"default:reader"});
  }

  void RegisterClient(const std::string& id, const std::string& scope, std::vector<std::string> uris,
                      bool is_public, const std::string& tenant = "default") {
    auth::ClientSpec spec;
    spec.id = id;
    spec.secret = is_public ? "" : kSecret;
    spec.scope = scope;
    spec.redirect_uris = std::move(uris);
    spec.is_public = is_public;
    spec.tenant = store::TenantId{tenant};
    server.RegisterClient(spec);
  }
  void RegisterUser(const std::string& id, const std::vector<std::string>& members) {
    auth::UserSpec spec;
    spec.id = id;
    spec.password = kPassword;
    for (const std::string& m : members) {
      auto parsed = auth::ParseMembership(m);
      ASSERT_TRUE(parsed.has_value()) << parsed.error().diagnostics;
      spec.memberships.push_back(*parsed);
    }
    server.RegisterUser(spec);
  }
  static std::string Created(const HttpResponse& res) {
    EXPECT_EQ(res.status, 201) << res.body;
    return std::string(json::GetString(res.Json(), "id"));
  }

  // An authorization request of the public client "spa" for `scope`; `change` replaces (or, with
  // an empty value, removes) parameters.
  Params Request(const std::string& scope, const Params& change = {}) const {
    Params p = {{"response_type", "code"},
                {"client_id", "spa"},
                {"redirect_uri", kRedirect},
                {"scope", scope},
                {"state", "st-123"},
                {"aud", server.base_url()},
                {"code_challenge", S256(kVerifier)},
                {"code_challenge_method", "S256"}};
    for (const auto& [k, v] : change) {
      if (v.empty()) {
        p.erase(k);
      } else {
        p[k] = v;
      }
    }
    return p;
  }
  HttpResponse Authorize(const Params& params) const {
    return Send(server.port(), "GET", "/auth/authorize?" + Join(params));
  }
  // The login form of the page (fails the test unless the page is one).
  static LoginForm FormOf(const HttpResponse& page) {
    EXPECT_EQ(page.status, 200) << page.body;
    EXPECT_EQ(page.Header("content-type").rfind("text/html", 0), 0u);
    LoginForm form;
    const std::string marker = R"(name="request" value=")";
    size_t at = page.body.find(marker);
    EXPECT_NE(at, std::string::npos) << page.body;
    if (at == std::string::npos) return form;
    at += marker.size();
    form.request = page.body.substr(at, page.body.find('"', at) - at);
    std::string cookie = page.Header("set-cookie");
    form.cookie = cookie.substr(0, cookie.find(';'));
    return form;
  }
  HttpResponse Submit(const LoginForm& form, const std::string& user, const std::string& password = kPassword,
                      const std::string& patient = "", const std::string& decision = "approve") const {
    Params fields = {
        {"request", form.request}, {"user", user}, {"password", password}, {"decision", decision}};
    if (!patient.empty()) fields["patient"] = patient;
    return PostForm(server.port(), "/auth/authorize", Join(fields), {{"Cookie", form.cookie}});
  }
  // The parameters the redirect to the client carries (fails the test unless it is one to `uri`).
  static Params Redirected(const HttpResponse& res, const std::string& uri = kRedirect) {
    EXPECT_EQ(res.status, 303) << res.body;
    std::string location = res.Header("location");
    EXPECT_EQ(location.rfind(uri, 0), 0u) << location;
    return QueryOf(location);
  }
  // A code for `user`, who signs in (and names `patient`) at the page of `request`.
  std::string CodeFor(const Params& request, const std::string& user, const std::string& patient = "") const {
    Params back = Redirected(Submit(FormOf(Authorize(request)), user, kPassword, patient));
    EXPECT_EQ(back["state"], "st-123");
    EXPECT_EQ(back["iss"], "http://localhost:" + std::to_string(server.port()));
    EXPECT_TRUE(back.contains("code")) << Join(back);
    return back["code"];
  }
  HttpResponse Exchange(const std::string& code, const std::string& verifier = kVerifier,
                        const std::string& redirect = kRedirect, const std::string& client = "spa",
                        Headers headers = {}) const {
    Params form = {{"grant_type", "authorization_code"}, {"code", code}, {"redirect_uri", redirect}};
    if (!verifier.empty()) form["code_verifier"] = verifier;
    if (!client.empty()) form["client_id"] = client;
    return PostForm(server.port(), "/auth/token", Join(form), std::move(headers));
  }
  HttpResponse Refresh(const std::string& refresh_token) const {
    return PostForm(
        server.port(), "/auth/token",
        Join({{"grant_type", "refresh_token"}, {"refresh_token", refresh_token}, {"client_id", "spa"}}));
  }
  static std::string Member(const HttpResponse& res, const char* name) {
    return std::string(json::GetString(res.Json(), name));
  }
  static void ExpectOAuthError(const HttpResponse& res, int status, const std::string& error) {
    EXPECT_EQ(res.status, status) << res.body;
    EXPECT_EQ(Member(res, "error"), error) << res.body;
  }

  TestServer server;
  std::string p1, p2;
};

TEST_F(AuthorizationCodeTest, AStandaloneLaunchGetsAPatientTokenLimitedToItsCompartment) {
  std::string code = CodeFor(Request("launch/patient patient/*.rs offline_access"), "alice", p1);
  HttpResponse res = Exchange(code);
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.Header("cache-control"), "no-store");
  EXPECT_EQ(Member(res, "token_type"), "Bearer");
  EXPECT_EQ(Member(res, "patient"), p1);
  EXPECT_EQ(Member(res, "scope"), "launch/patient patient/*.rs offline_access");
  EXPECT_FALSE(Member(res, "refresh_token").empty());
  Headers token = BearerAuth(Member(res, "access_token"));
  EXPECT_EQ(server.Get("Patient/" + p1, token).status, 200);
  EXPECT_EQ(server.Get("Patient/" + p2, token).status, 403);
  HttpResponse observations = server.Get("Observation", token);
  ASSERT_EQ(observations.status, 200);
  EXPECT_NE(observations.body.find("Patient/" + p1), std::string::npos);
  EXPECT_EQ(observations.body.find("Patient/" + p2), std::string::npos) << observations.body;
  // patient/*.rs: no writes.
  EXPECT_EQ(server.Post("Patient", R"({"resourceType":"Patient"})", token).status, 403);
}

// A user made through the admin API (admin_accounts_test.cc has the rest of it) signs in with
// the role given there, changed there, and, deleted there, signs in no more.
TEST_F(AuthorizationCodeTest, AUserMadeThroughTheAdminApiSignsInUntilDeletedThere) {
  Headers root = BearerAuth(ClientCredentialsToken(server.port(), "root", kSecret));
  HttpResponse made = server.Admin("POST", "users",
                                   R"({"id":"carol","password":")" + std::string(kPassword) +
                                       R"(","memberships":[{"tenant":"default","role":"reader"}]})",
                                   root);
  ASSERT_EQ(made.status, 201) << made.body;
  HttpResponse reader = Exchange(CodeFor(Request("user/*.cruds"), "carol"));
  ASSERT_EQ(reader.status, 200) << reader.body;
  EXPECT_EQ(Member(reader, "scope"), "user/*.rs");
  HttpResponse raised = server.Admin("POST", "users/carol/memberships",
                                     R"({"set":[{"tenant":"default","role":"owner"}]})", root);
  ASSERT_EQ(raised.status, 200) << raised.body;
  EXPECT_EQ(Member(Exchange(CodeFor(Request("user/*.cruds"), "carol")), "scope"), "user/*.cruds");
  ASSERT_EQ(server.Admin("DELETE", "users/carol", "", root).status, 204);
  HttpResponse gone = Submit(FormOf(Authorize(Request("user/*.rs"))), "carol");
  EXPECT_EQ(gone.status, 200) << "the form again";
  EXPECT_TRUE(gone.Header("location").empty());
}

TEST_F(AuthorizationCodeTest, TheLoginPageShowsWhatIsAskedAndIsSafeToShow) {
  HttpResponse page = Authorize(Request("launch/patient patient/*.rs"));
  LoginForm form = FormOf(page);
  EXPECT_NE(page.body.find("patient/*.rs"), std::string::npos);
  EXPECT_NE(page.body.find(R"(name="patient")"), std::string::npos);  // launch/patient: a patient to pick
  EXPECT_EQ(page.Header("x-frame-options"), "DENY");
  EXPECT_NE(page.Header("content-security-policy").find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_EQ(page.Header("cache-control"), "no-store");
  std::string cookie = page.Header("set-cookie");
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos) << cookie;
  // An id with markup in the state is escaped, never echoed as HTML.
  HttpResponse odd = Authorize(Request("user/*.rs", {{"state", "<script>x</script>"}}));
  ASSERT_EQ(odd.status, 200);
  EXPECT_EQ(odd.body.find("<script>"), std::string::npos);
}

TEST_F(AuthorizationCodeTest, TheFormIsRefusedWithoutItsCookieOrAltered) {
  LoginForm form = FormOf(Authorize(Request("user/*.rs")));
  LoginForm no_cookie = form;
  no_cookie.cookie = "";
  HttpResponse res = Submit(no_cookie, "alice");
  EXPECT_EQ(res.status, 400);
  EXPECT_TRUE(res.Header("location").empty());
  LoginForm other_browser = form;
  other_browser.cookie = FormOf(Authorize(Request("user/*.rs"))).cookie;
  EXPECT_EQ(Submit(other_browser, "alice").status, 400);
  LoginForm altered = form;
  altered.request[altered.request.size() / 2] ^= 1;
  EXPECT_EQ(Submit(altered, "alice").status, 400);
  // The form itself still works.
  EXPECT_TRUE(Redirected(Submit(form, "alice")).contains("code"));
}

TEST_F(AuthorizationCodeTest, AWrongPasswordShowsTheFormAgainAndDenyTellsTheClient) {
  LoginForm form = FormOf(Authorize(Request("user/*.rs")));
  for (const auto& [user, password] :
       std::vector<std::pair<std::string, std::string>>{{"alice", "wrong password"}, {"nobody", kPassword}}) {
    HttpResponse res = Submit(form, user, password);
    EXPECT_EQ(res.status, 200) << user;
    EXPECT_TRUE(res.Header("location").empty());
    EXPECT_NE(res.body.find("wrong"), std::string::npos) << res.body;
  }
  Params denied = Redirected(Submit(form, "alice", kPassword, "", "deny"));
  EXPECT_EQ(denied["error"], "access_denied");
  EXPECT_EQ(denied["state"], "st-123");
  EXPECT_FALSE(denied.contains("code"));
}

TEST_F(AuthorizationCodeTest, RequestsThatCannotBeTrustedGetAnErrorPageAndNoRedirect) {
  for (const Params& bad :
       {Request("user/*.rs", {{"client_id", "unknown"}}), Request("user/*.rs", {{"client_id", ""}}),
        Request("user/*.rs", {{"redirect_uri", "http://evil.test/callback"}}),
        Request("user/*.rs", {{"redirect_uri", std::string(kRedirect) + "/"}}),
        Request("user/*.rs", {{"redirect_uri", ""}})}) {
    HttpResponse res = Authorize(bad);
    EXPECT_EQ(res.status, 400) << Join(bad);
    EXPECT_TRUE(res.Header("location").empty()) << res.Header("location");
    EXPECT_EQ(res.Header("content-type").rfind("text/html", 0), 0u);
  }
  // A parameter given twice: no redirect either, the redirect_uri itself may be the one doubled.
  HttpResponse twice =
      Send(server.port(), "GET", "/auth/authorize?" + Join(Request("user/*.rs")) + "&redirect_uri=x");
  EXPECT_EQ(twice.status, 400);
  EXPECT_TRUE(twice.Header("location").empty());
}

TEST_F(AuthorizationCodeTest, OtherBadRequestsAreRedirectedWithAnError) {
  struct Case {
    Params change;
    std::string error;
  };
  std::vector<Case> cases = {
      {{{"code_challenge", ""}, {"code_challenge_method", ""}}, "invalid_request"},  // no PKCE
      {{{"code_challenge_method", ""}}, "invalid_request"},                          // plain by default
      {{{"code_challenge_method", "plain"}, {"code_challenge", kVerifier}}, "invalid_request"},
      {{{"code_challenge", "too-short"}}, "invalid_request"},
      {{{"response_type", "token"}}, "unsupported_response_type"},
      {{{"response_type", ""}}, "invalid_request"},
      {{{"state", ""}}, "invalid_request"},
      {{{"aud", "http://elsewhere.test/fhir"}}, "invalid_request"},
      {{{"aud", ""}}, "invalid_request"},
      {{{"aud", server.TenantBaseUrl("nosuch")}}, "invalid_request"},
      {{{"launch", "xyz"}}, "invalid_request"},
      {{{"scope", "patient/*.rs"}}, ""},  // allowed: patient/ without launch/patient grants nothing later
      {{{"scope", "openid fhirUser"}}, "invalid_scope"},
      {{{"scope", ""}}, "invalid_scope"},
  };
  for (const Case& c : cases) {
    HttpResponse res = Authorize(Request("user/*.rs", c.change));
    if (c.error.empty()) {
      EXPECT_EQ(res.status, 200) << Join(c.change);
      continue;
    }
    Params back = Redirected(res);
    EXPECT_EQ(back["error"], c.error) << Join(c.change);
    EXPECT_FALSE(back["error_description"].empty());
    EXPECT_FALSE(back.contains("code"));
    if (c.change.contains("state")) {
      EXPECT_FALSE(back.contains("state"));
    } else {
      EXPECT_EQ(back["state"], "st-123");
    }
  }
}

TEST_F(AuthorizationCodeTest, AWrongVerifierGetsNoTokenAndUsesTheCodeUp) {
  std::string code = CodeFor(Request("user/*.rs"), "alice");
  ExpectOAuthError(Exchange(code, "a-wrong-verifier-that-is-long-enough-to-be-a-verifier-0001"), 400,
                   "invalid_grant");
  ExpectOAuthError(Exchange(code), 400, "invalid_grant");
  std::string no_verifier = CodeFor(Request("user/*.rs"), "alice");
  ExpectOAuthError(Exchange(no_verifier, ""), 400, "invalid_grant");
}

TEST_F(AuthorizationCodeTest, ACodeIsForItsRedirectUriAndClient) {
  std::string code = CodeFor(Request("user/*.rs"), "alice");
  ExpectOAuthError(Exchange(code, kVerifier, "http://app.test/other"), 400, "invalid_grant");
  std::string other = CodeFor(Request("user/*.rs"), "alice");
  ExpectOAuthError(Exchange(other, kVerifier, kRedirect, "web", BasicAuth("web", kSecret)), 400,
                   "invalid_grant");
  ExpectOAuthError(Exchange(CodeFor(Request("user/*.rs"), "alice"), kVerifier, kRedirect, "nosuch"), 401,
                   "invalid_client");
}

TEST_F(AuthorizationCodeTest, AnExpiredCodeGetsNoToken) {
  std::string code = CodeFor(Request("user/*.rs"), "alice");
  server.AdvanceClock(61);
  ExpectOAuthError(Exchange(code), 400, "invalid_grant");
}

TEST_F(AuthorizationCodeTest, AReusedCodeIsRefusedAndRevokesWhatItGranted) {
  std::string code = CodeFor(Request("user/*.rs offline_access"), "alice");
  HttpResponse first = Exchange(code);
  ASSERT_EQ(first.status, 200) << first.body;
  Headers token = BearerAuth(Member(first, "access_token"));
  EXPECT_EQ(server.Get("Patient", token).status, 200);
  ExpectOAuthError(Exchange(code), 400, "invalid_grant");
  EXPECT_EQ(server.Get("Patient", token).status, 401);
  ExpectOAuthError(Refresh(Member(first, "refresh_token")), 400, "invalid_grant");
}

TEST_F(AuthorizationCodeTest, RefreshTokensRotateAndAReplayRevokesTheGrant) {
  HttpResponse first = Exchange(CodeFor(Request("launch/patient patient/*.rs offline_access"), "alice", p1));
  ASSERT_EQ(first.status, 200) << first.body;
  std::string r1 = Member(first, "refresh_token");
  HttpResponse second = Refresh(r1);
  ASSERT_EQ(second.status, 200) << second.body;
  std::string r2 = Member(second, "refresh_token");
  EXPECT_NE(r2, r1);
  EXPECT_EQ(Member(second, "patient"), p1);
  EXPECT_EQ(Member(second, "scope"), "launch/patient patient/*.rs offline_access");
  Headers token = BearerAuth(Member(second, "access_token"));
  EXPECT_EQ(server.Get("Patient/" + p1, token).status, 200);
  // The rotated-out token again: a replay, so everything of the grant goes.
  ExpectOAuthError(Refresh(r1), 400, "invalid_grant");
  ExpectOAuthError(Refresh(r2), 400, "invalid_grant");
  EXPECT_EQ(server.Get("Patient/" + p1, token).status, 401);
  EXPECT_EQ(server.Get("Patient/" + p1, BearerAuth(Member(first, "access_token"))).status, 401);
}

// Several requests with the same refresh token at once (as two server processes on one database
// may get them): the store hands it out once, whichever comes first, and the others are replays.
// A refresh token sent several times at once is used once, and the replays revoke its grant
// (OAuth 2.0 Security BCP, refresh token reuse): at most one answer carries tokens, and what it
// carries is refused afterwards, however the requests interleaved.
TEST_F(AuthorizationCodeTest, ARefreshTokenUsedSeveralTimesAtOnceIsHonouredOnce) {
  HttpResponse first = Exchange(CodeFor(Request("user/*.rs offline_access"), "alice"));
  ASSERT_EQ(first.status, 200) << first.body;
  const std::string refresh = Member(first, "refresh_token");
  constexpr int kAtOnce = 4;
  std::vector<HttpResponse> answers(kAtOnce);
  std::vector<std::thread> threads;
  for (int i = 0; i < kAtOnce; ++i) threads.emplace_back([&, i] { answers[i] = Refresh(refresh); });
  for (std::thread& t : threads) t.join();
  int granted = 0;
  for (const HttpResponse& res : answers) {
    if (res.status == 200) {
      ++granted;
      ExpectOAuthError(Refresh(Member(res, "refresh_token")), 400, "invalid_grant");
      EXPECT_EQ(server.Get("Patient", BearerAuth(Member(res, "access_token"))).status, 401);
    } else {
      ExpectOAuthError(res, 400, "invalid_grant");
    }
  }
  EXPECT_LE(granted, 1);
  EXPECT_EQ(server.Get("Patient", BearerAuth(Member(first, "access_token"))).status, 401)
      << "the replays revoked the grant";
}

TEST_F(AuthorizationCodeTest, ARefreshAsksForNoMoreThanWasGranted) {
  HttpResponse first = Exchange(CodeFor(Request("user/Patient.rs offline_access"), "alice"));
  ASSERT_EQ(first.status, 200) << first.body;
  HttpResponse wider = PostForm(server.port(), "/auth/token",
                                Join({{"grant_type", "refresh_token"},
                                      {"refresh_token", Member(first, "refresh_token")},
                                      {"client_id", "spa"},
                                      {"scope", "user/*.rs"}}));
  ExpectOAuthError(wider, 400, "invalid_scope");
}

TEST_F(AuthorizationCodeTest, RevokingARefreshTokenRevokesItsGrant) {
  HttpResponse first = Exchange(CodeFor(Request("user/*.rs offline_access"), "alice"));
  ASSERT_EQ(first.status, 200) << first.body;
  HttpResponse revoked = PostForm(server.port(), "/auth/revoke",
                                  Join({{"token", Member(first, "refresh_token")}, {"client_id", "spa"}}));
  EXPECT_EQ(revoked.status, 200) << revoked.body;
  ExpectOAuthError(Refresh(Member(first, "refresh_token")), 400, "invalid_grant");
  EXPECT_EQ(server.Get("Patient", BearerAuth(Member(first, "access_token"))).status, 401);
}

// Deleting a user through the admin API refuses the access tokens acting for them at once, and
// their refresh tokens, also once a user of the same id is registered again (issue #5).
TEST_F(AuthorizationCodeTest, ADeletedUsersTokensAreRefusedAtOnceAndStayRefused) {
  Headers root = BearerAuth(ClientCredentialsToken(server.port(), "root", kSecret));
  HttpResponse alice = Exchange(CodeFor(Request("user/*.rs offline_access"), "alice"));
  ASSERT_EQ(alice.status, 200) << alice.body;
  HttpResponse bob = Exchange(CodeFor(Request("user/*.rs"), "bob"));
  ASSERT_EQ(bob.status, 200) << bob.body;
  Headers token = BearerAuth(Member(alice, "access_token"));
  ASSERT_EQ(server.Get("Patient", token).status, 200);  // checked, and its check cached

  ASSERT_EQ(server.Admin("DELETE", "users/alice", "", root).status, 204);
  HttpResponse refused = server.Get("Patient", token);
  EXPECT_EQ(refused.status, 401) << refused.body;
  EXPECT_NE(refused.body.find("The access token is not valid"), std::string::npos) << refused.body;
  EXPECT_EQ(server.Get("Patient", BearerAuth(Member(bob, "access_token"))).status, 200) << "another user's";

  // Registered again a second later, with the same memberships and password: a user of their
  // own, whom nothing of the one before acts for.
  server.AdvanceClock(2);
  RegisterUser("alice", {"default:manager"});
  ExpectOAuthError(Refresh(Member(alice, "refresh_token")), 400, "invalid_grant");
  EXPECT_EQ(server.Get("Patient", token).status, 401);
  HttpResponse again = Exchange(CodeFor(Request("user/*.rs"), "alice"));
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(server.Get("Patient", BearerAuth(Member(again, "access_token"))).status, 200);
}

// Deleting an app's client: its users' access tokens, refresh tokens and codes are refused, also
// once a client of the same id is registered again.
TEST_F(AuthorizationCodeTest, ADeletedClientsUserTokensAndCodesAreRefusedAndStayRefused) {
  Headers root = BearerAuth(ClientCredentialsToken(server.port(), "root", kSecret));
  HttpResponse first = Exchange(CodeFor(Request("user/*.rs offline_access"), "alice"));
  ASSERT_EQ(first.status, 200) << first.body;
  Headers token = BearerAuth(Member(first, "access_token"));
  ASSERT_EQ(server.Get("Patient", token).status, 200);
  std::string code = CodeFor(Request("user/*.rs"), "alice");

  ASSERT_EQ(server.Admin("DELETE", "clients/spa", "", root).status, 204);
  EXPECT_EQ(server.Get("Patient", token).status, 401);
  server.AdvanceClock(2);
  RegisterClient("spa", "launch/patient offline_access patient/*.cruds user/*.cruds", {kRedirect}, true);
  EXPECT_EQ(server.Get("Patient", token).status, 401);
  ExpectOAuthError(Refresh(Member(first, "refresh_token")), 400, "invalid_grant");
  ExpectOAuthError(Exchange(code), 400, "invalid_grant");
  HttpResponse again = Exchange(CodeFor(Request("user/*.rs"), "alice"));
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(server.Get("Patient", BearerAuth(Member(again, "access_token"))).status, 200);
}

// `kiln user delete` runs in another process: the server sees the user gone when it checks their
// token again, 30 s after it last did.
TEST_F(AuthorizationCodeTest, AUserDeletedByAnotherProcessIsRefusedWithinThirtySeconds) {
  HttpResponse first = Exchange(CodeFor(Request("user/*.rs offline_access"), "alice"));
  ASSERT_EQ(first.status, 200) << first.body;
  Headers token = BearerAuth(Member(first, "access_token"));
  ASSERT_EQ(server.Get("Patient", token).status, 200);
  server.DeleteUserElsewhere("alice");
  EXPECT_EQ(server.Get("Patient", token).status, 200) << "its check of a moment ago holds";
  ExpectOAuthError(Refresh(Member(first, "refresh_token")), 400, "invalid_grant");
  server.AdvanceClock(31);
  EXPECT_EQ(server.Get("Patient", token).status, 401);
}

TEST_F(AuthorizationCodeTest, NoRefreshTokenWithoutOfflineOrOnlineAccess) {
  HttpResponse res = Exchange(CodeFor(Request("user/*.rs"), "alice"));
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_FALSE(res.Json().HasMember("refresh_token"));
}

TEST_F(AuthorizationCodeTest, AReaderMayReadAndSearchOnly) {
  HttpResponse reader = Exchange(CodeFor(Request("user/*.cruds"), "bob"));
  ASSERT_EQ(reader.status, 200) << reader.body;
  EXPECT_EQ(Member(reader, "scope"), "user/*.rs");
  Headers token = BearerAuth(Member(reader, "access_token"));
  EXPECT_EQ(server.Get("Patient", token).status, 200);
  EXPECT_EQ(server.Get("Patient/" + p1, token).status, 200);
  EXPECT_EQ(server.Post("Patient", R"({"resourceType":"Patient"})", token).status, 403);
  EXPECT_EQ(server.Delete("Patient/" + p1, token).status, 403);
  // A manager writes.
  HttpResponse manager = Exchange(CodeFor(Request("user/*.cruds"), "alice"));
  ASSERT_EQ(manager.status, 200) << manager.body;
  EXPECT_EQ(Member(manager, "scope"), "user/*.cruds");
  EXPECT_EQ(
      server.Post("Patient", R"({"resourceType":"Patient"})", BearerAuth(Member(manager, "access_token")))
          .status,
      201);
  // A reader asking only to write gets nothing.
  Params back = Redirected(Submit(FormOf(Authorize(Request("user/*.cud"))), "bob"));
  EXPECT_EQ(back["error"], "invalid_scope");
}

TEST_F(AuthorizationCodeTest, AUserIsRefusedInTenantsTheyAreNoMemberOf) {
  FhirClient jane = server.CreateTenant("jane", "person",
                                        BearerAuth(ClientCredentialsToken(server.port(), "root", kSecret)));
  RegisterClient("jane-spa", "launch/patient patient/*.cruds user/*.rs", {kRedirect}, true, "jane");
  RegisterClient("jane-sys", "system/*.cruds", {}, false, "jane");
  std::string own =
      Created(jane.Post("Patient", R"({"resourceType":"Patient"})",
                        BearerAuth(ClientCredentialsToken(server.port(), "jane-sys", kSecret))));
  RegisterUser("carol", {"jane:owner:" + own});
  // carol is no member of the default tenant: the client hears access_denied.
  Params denied = Redirected(Submit(FormOf(Authorize(Request("user/*.rs"))), "carol"));
  EXPECT_EQ(denied["error"], "access_denied");
  // In jane, her own Patient is the patient context, without asking.
  Params at_jane = {{"client_id", "jane-spa"}, {"aud", server.TenantBaseUrl("jane")}};
  HttpResponse page = Authorize(Request("launch/patient patient/*.rs", at_jane));
  HttpResponse res = Exchange(CodeFor(Request("launch/patient patient/*.rs", at_jane), "carol"), kVerifier,
                              kRedirect, "jane-spa");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(Member(res, "patient"), own);
  Headers token = BearerAuth(Member(res, "access_token"));
  EXPECT_EQ(jane.Get("Patient/" + own, token).status, 200);
  EXPECT_EQ(server.Get("Patient/" + p1, token).status, 403);  // the default tenant
  // alice (of the default tenant only) cannot sign in to jane.
  Params alice = Redirected(Submit(FormOf(page), "alice"));
  EXPECT_EQ(alice["error"], "access_denied");
  // A default-tenant app cannot be pointed at jane.
  EXPECT_EQ(Redirected(Authorize(Request("user/*.rs", {{"aud", server.TenantBaseUrl("jane")}})))["error"],
            "unauthorized_client");
  // Deleting the tenant ends its memberships: a new tenant of the name has no members.
  Headers root = BearerAuth(ClientCredentialsToken(server.port(), "root", kSecret));
  ASSERT_EQ(server.Admin("DELETE", "tenants/jane", "", root).status, 204);
  server.CreateTenant("jane", "person", root);
  EXPECT_EQ(Redirected(Submit(FormOf(Authorize(Request("user/*.rs", at_jane))), "carol"))["error"],
            "access_denied");
}

TEST_F(AuthorizationCodeTest, AConfidentialClientAuthenticatesAtTheTokenEndpoint) {
  // system/ scopes are never granted to a user's app, though this client may have them on its own.
  Params request = Request("launch/patient patient/*.rs online_access system/*.rs",
                           {{"client_id", "web"}, {"redirect_uri", kWebRedirect}});
  Params back = Redirected(Submit(FormOf(Authorize(request)), "alice", kPassword, p2), kWebRedirect);
  EXPECT_EQ(back["from"], "kiln");  // the registered URI's own query is kept
  ExpectOAuthError(Exchange(back["code"], kVerifier, kWebRedirect, "web"), 401, "invalid_client");
  Params again = Redirected(Submit(FormOf(Authorize(request)), "alice", kPassword, p2), kWebRedirect);
  HttpResponse res = Exchange(again["code"], kVerifier, kWebRedirect, "", BasicAuth("web", kSecret));
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(Member(res, "patient"), p2);
  EXPECT_EQ(Member(res, "scope"), "launch/patient patient/*.rs online_access");
  EXPECT_FALSE(Member(res, "refresh_token").empty());  // online_access
}

TEST_F(AuthorizationCodeTest, APatientThatDoesNotExistIsNotAContext) {
  LoginForm form = FormOf(Authorize(Request("launch/patient patient/*.rs")));
  HttpResponse res = Submit(form, "alice", kPassword, "no-such-patient");
  EXPECT_EQ(res.status, 200);
  EXPECT_TRUE(res.Header("location").empty());
  EXPECT_NE(res.body.find("no-such-patient"), std::string::npos);
}

TEST_F(AuthorizationCodeTest, PublicClientsGetNoClientCredentialsTokens) {
  HttpResponse res = PostForm(server.port(), "/auth/token", "grant_type=client_credentials&client_id=spa");
  ExpectOAuthError(res, 401, "invalid_client");
}

TEST_F(AuthorizationCodeTest, SmartConfigurationAdvertisesTheCodeFlow) {
  HttpResponse res = server.Get(".well-known/smart-configuration");
  ASSERT_EQ(res.status, 200);
  auto doc = res.Json();
  std::string root = "http://localhost:" + std::to_string(server.port());
  EXPECT_EQ(json::GetString(doc, "authorization_endpoint"), root + "/auth/authorize");
  auto strings = [&](const char* name) {
    std::vector<std::string> out;
    if (const json::Value* list = json::Find(doc, name); list != nullptr && list->IsArray()) {
      for (const auto& v : list->GetArray()) out.emplace_back(v.GetString());
    }
    return out;
  };
  EXPECT_EQ(strings("code_challenge_methods_supported"), std::vector<std::string>{"S256"});
  EXPECT_EQ(strings("response_types_supported"), std::vector<std::string>{"code"});
  auto caps = strings("capabilities");
  for (const char* c :
       {"launch-standalone", "client-public", "client-confidential-symmetric", "context-standalone-patient",
        "permission-v1", "permission-v2", "permission-offline"}) {
    EXPECT_NE(std::find(caps.begin(), caps.end(), c), caps.end()) << c;
  }
}

// Security labels per user (docs/security.md): a token of a user's grant holds security-label/R
// or /V only when both the app's registration and the user's membership of the tenant allow it,
// and a refresh narrows it to the membership as it is then.
class UserLabelsTest : public AuthorizationCodeTest {
 protected:
  void SetUp() override {
    AuthorizationCodeTest::SetUp();
    // As `kiln client create --label-access V` registers them.
    RegisterClient("lab", "offline_access user/*.rs security-label/V", {kRedirect}, true);
    RegisterClient("labsys", "system/*.cruds security-label/V", {}, false);
    Headers labsys = BearerAuth(ClientCredentialsToken(server.port(), "labsys", kSecret));
    for (const char* code : {"R", "V"}) {
      std::string id = Created(server.Post(
          "Observation",
          R"({"resourceType":"Observation","meta":{"security":[{"system":"http://terminology.hl7.org/CodeSystem/v3-Confidentiality","code":")" +
              std::string(code) +
              R"("}]},"status":"final","code":{"text":"x"},"subject":{"reference":"Patient/)" + p1 + R"("}})",
          labsys));
      (code == std::string("R") ? r_obs : v_obs) = id;
    }
    RegisterUser("vera", {"default:reader"}, {"default:V"});
    RegisterUser("rita", {"default:reader"}, {"default:R"});
  }
  void RegisterUser(const std::string& id, const std::vector<std::string>& members,
                    const std::vector<std::string>& labels = {}) {
    auth::UserSpec spec;
    spec.id = id;
    spec.password = kPassword;
    for (const std::string& m : members) spec.memberships.push_back(*auth::ParseMembership(m));
    for (const std::string& l : labels) {
      auto granted = auth::GrantLabelAccess(spec.memberships, l);
      ASSERT_TRUE(granted.has_value()) << granted.error().diagnostics;
    }
    server.RegisterUser(spec);
  }
  // The token response of `user` signing in to `client` (public, at kRedirect) for `scope`.
  HttpResponse TokenOf(const std::string& user, const std::string& client, const std::string& scope) const {
    return Exchange(CodeFor(Request(scope, {{"client_id", client}}), user), kVerifier, kRedirect, client);
  }
  HttpResponse RefreshOf(const std::string& client, const std::string& refresh_token) const {
    return PostForm(
        server.port(), "/auth/token",
        Join({{"grant_type", "refresh_token"}, {"refresh_token", refresh_token}, {"client_id", client}}));
  }
  // Whether `token` sees the R- and the V-labelled Observation of p1: reads (200 or 404), and a
  // search of p1's Observations, its entries and its total (the unlabelled one, and those seen).
  void ExpectSees(const Headers& token, bool sees_r, bool sees_v) const {
    EXPECT_EQ(server.Get("Observation/" + r_obs, token).status, sees_r ? 200 : 404);
    EXPECT_EQ(server.Get("Observation/" + v_obs, token).status, sees_v ? 200 : 404);
    HttpResponse res = server.Get("Observation?subject=Patient/" + p1 + "&_total=accurate", token);
    ASSERT_EQ(res.status, 200) << res.body;
    json::Document doc = res.Json();
    std::set<std::string> ids;
    if (const json::Value* entries = json::Find(doc, "entry"); entries != nullptr && entries->IsArray()) {
      for (const json::Value& e : entries->GetArray())
        ids.emplace(json::GetString(*json::Find(e, "resource"), "id"));
    }
    EXPECT_EQ(ids.contains(r_obs), sees_r);
    EXPECT_EQ(ids.contains(v_obs), sees_v);
    EXPECT_EQ(ids.size(), 1u + sees_r + sees_v);
    const json::Value* total = json::Find(doc, "total");
    ASSERT_TRUE(total != nullptr && total->IsInt64()) << res.body;
    EXPECT_EQ(total->GetInt64(), 1 + sees_r + sees_v);
  }

  // `res` a token response (200) granting `scope`, whose token sees as ExpectSees says.
  void ExpectToken(const HttpResponse& res, const std::string& scope, bool sees_r, bool sees_v) const {
    ASSERT_EQ(res.status, 200) << res.body;
    EXPECT_EQ(Member(res, "scope"), scope);
    ExpectSees(BearerAuth(Member(res, "access_token")), sees_r, sees_v);
  }

  std::string r_obs, v_obs;
};

TEST_F(UserLabelsTest, AUserGrantedVSeesLabelledResourcesThroughAnAppAllowedThem) {
  HttpResponse res = TokenOf("vera", "lab", "user/*.rs offline_access security-label/V");
  ExpectToken(res, "user/*.rs offline_access security-label/V", true, true);
  // The refreshed token sees them too.
  HttpResponse refreshed = RefreshOf("lab", Member(res, "refresh_token"));
  ExpectToken(refreshed, "user/*.rs offline_access security-label/V", true, true);
}

TEST_F(UserLabelsTest, AUserWithoutTheGrantSeesNoneOfThemThroughTheSameApp) {
  HttpResponse res = TokenOf("bob", "lab", "user/*.rs offline_access security-label/V");
  ExpectToken(res, "user/*.rs offline_access", false, false);
}

TEST_F(UserLabelsTest, AnAppNotAllowedLabelsGetsNoneForAUserGrantedThem) {
  // "spa" is registered without --label-access: the label scope is not grantable at all.
  HttpResponse res = TokenOf("vera", "spa", "user/*.rs security-label/V");
  ExpectToken(res, "user/*.rs", false, false);
  // Nor does an app that is allowed them but does not ask.
  HttpResponse unasked = TokenOf("vera", "lab", "user/*.rs");
  ExpectToken(unasked, "user/*.rs", false, false);
}

TEST_F(UserLabelsTest, AMemberGrantedRSeesROnlyThroughAnAppAllowedV) {
  HttpResponse res = TokenOf("rita", "lab", "user/*.rs security-label/V");
  ExpectToken(res, "user/*.rs security-label/R", true, false);
}

TEST_F(UserLabelsTest, ARefreshNarrowsToTheMembershipsLabelAccessNow) {
  HttpResponse res = TokenOf("vera", "lab", "user/*.rs offline_access security-label/V");
  ASSERT_EQ(res.status, 200) << res.body;
  // Lowered to R: the next refresh holds R only.
  server.UpdateUser("vera", auth::MembershipChanges{.label_access = {"default:R"}});
  HttpResponse lowered = RefreshOf("lab", Member(res, "refresh_token"));
  ExpectToken(lowered, "user/*.rs offline_access security-label/R", true, false);
  // Taken away: the next refresh holds none, and its token sees none.
  server.UpdateUser("vera", auth::MembershipChanges{.label_access = {"default:none"}});
  HttpResponse gone = RefreshOf("lab", Member(lowered, "refresh_token"));
  ExpectToken(gone, "user/*.rs offline_access", false, false);
  // Granted again, it does not come back to this grant (a refresh never widens it).
  server.UpdateUser("vera", auth::MembershipChanges{.label_access = {"default:V"}});
  HttpResponse again = RefreshOf("lab", Member(gone, "refresh_token"));
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(Member(again, "scope"), "user/*.rs offline_access");
  // Removed from the tenant: no refresh at all.
  server.UpdateUser("vera", auth::MembershipChanges{.remove = {store::DefaultTenant()}});
  ExpectOAuthError(RefreshOf("lab", Member(again, "refresh_token")), 400, "invalid_grant");
}

// The same flows with the audit log on (docs/audit.md): what a user's app does is recorded with
// the user as the requesting agent.
class AuthorizationCodeAuditTest : public AuthorizationCodeTest {
 protected:
  AuthorizationCodeAuditTest() : AuthorizationCodeTest({.auth = true, .audit = true}) {}

  // The AuditEvents `query` finds, once everything answered so far is stored (read with the
  // backend client's token, which may read every type).
  json::Document Audit(const std::string& query) const {
    server.FlushAudit();
    HttpResponse res = server.Get("AuditEvent?" + query + "&_count=100",
                                  BearerAuth(ClientCredentialsToken(server.port(), "sys", kSecret)));
    EXPECT_EQ(res.status, 200) << res.body;
    return res.Json();
  }
};

// agent[] of `event` as "system|value requestor" strings, e.g. "urn:kiln:user|alice true".
std::vector<std::string> AgentsOf(const json::Value& event) {
  std::vector<std::string> out;
  const json::Value* agents = json::Find(event, "agent");
  if (agents == nullptr || !agents->IsArray()) return out;
  for (const json::Value& a : agents->GetArray()) {
    const json::Value* who = json::Find(a, "who");
    const json::Value* id = who != nullptr ? json::Find(*who, "identifier") : nullptr;
    const json::Value* requestor = json::Find(a, "requestor");
    std::string line = id != nullptr ? std::string(json::GetString(*id, "system")) + "|" +
                                           std::string(json::GetString(*id, "value"))
                                     : std::string(json::GetString(a, "name"));
    if (id != nullptr) {
      EXPECT_EQ(json::GetString(*who, "display"), json::GetString(*id, "value"));
    }
    line += requestor != nullptr && requestor->IsTrue() ? " true" : " false";
    out.push_back(std::move(line));
  }
  return out;
}

std::vector<const json::Value*> EventsOf(const json::Document& bundle) {
  std::vector<const json::Value*> out;
  if (const json::Value* entries = json::Find(bundle, "entry"); entries != nullptr && entries->IsArray()) {
    for (const json::Value& e : entries->GetArray()) {
      if (const json::Value* r = json::Find(e, "resource")) out.push_back(r);
    }
  }
  return out;
}

TEST_F(AuthorizationCodeAuditTest, TheSignedInUserIsTheRequestingAgent) {
  HttpResponse res = Exchange(CodeFor(Request("user/*.rs offline_access"), "alice"));
  ASSERT_EQ(res.status, 200) << res.body;
  Headers token = BearerAuth(Member(res, "access_token"));
  ASSERT_EQ(server.Get("Patient/" + p1, token).status, 200);
  // A token got by refreshing acts for the same user.
  HttpResponse refreshed = Refresh(Member(res, "refresh_token"));
  ASSERT_EQ(refreshed.status, 200) << refreshed.body;
  ASSERT_EQ(
      server.Get("Observation?subject=Patient/" + p2, BearerAuth(Member(refreshed, "access_token"))).status,
      200);

  json::Document found = Audit("agent:identifier=urn:kiln:user|alice");
  std::vector<const json::Value*> events = EventsOf(found);
  ASSERT_EQ(events.size(), 2u);
  std::set<std::string> subtypes;
  for (const json::Value* e : events) {
    // The app and the user, and only the user as the initiator (R4: one requestor at most).
    EXPECT_EQ(AgentsOf(*e),
              (std::vector<std::string>{"urn:kiln:oauth-client|spa false", "urn:kiln:user|alice true"}));
    const json::Value& subtype = (*json::Find(*e, "subtype"))[0];
    subtypes.emplace(json::GetString(subtype, "code"));
    const json::Value& user = (*json::Find(*e, "agent"))[1];
    // BALP's user agent type: information recipient for reads and searches.
    EXPECT_EQ(json::GetString((*json::Find(*json::Find(user, "type"), "coding"))[0], "code"), "IRCP");
  }
  EXPECT_EQ(subtypes, (std::set<std::string>{"read", "search-type"}));
  // The read names the patient read; found by patient too.
  EXPECT_EQ(EventsOf(Audit("agent:identifier=urn:kiln:user|alice&patient=" + p1)).size(), 1u);
  EXPECT_EQ(EventsOf(Audit("agent-name=alice")).size(), 2u);
  // The backend client's own requests act for nobody else: it alone is the requestor.
  json::Document backend = Audit("agent:identifier=urn:kiln:oauth-client|sys&action=C");
  std::vector<const json::Value*> created = EventsOf(backend);
  ASSERT_FALSE(created.empty());
  for (const json::Value* e : created) {
    EXPECT_EQ(AgentsOf(*e), std::vector<std::string>{"urn:kiln:oauth-client|sys true"});
  }
}

TEST_F(AuthorizationCodeAuditTest, AUsersWritesNameThemAsTheAgentThatWrote) {
  HttpResponse res = Exchange(CodeFor(Request("user/*.cruds"), "alice"));
  ASSERT_EQ(res.status, 200) << res.body;
  Headers token = BearerAuth(Member(res, "access_token"));
  HttpResponse created = server.Post(
      "Observation",
      R"({"resourceType":"Observation","status":"final","code":{"text":"y"},"subject":{"reference":"Patient/)" +
          p1 + R"("}})",
      token);
  ASSERT_EQ(created.status, 201) << created.body;
  json::Document found = Audit("agent:identifier=urn:kiln:user|alice&action=C&patient=" + p1);
  std::vector<const json::Value*> events = EventsOf(found);  // pointers into `found`
  ASSERT_EQ(events.size(), 1u);
  const json::Value& user = (*json::Find(*events[0], "agent"))[1];
  EXPECT_EQ(json::GetString((*json::Find(*json::Find(user, "type"), "coding"))[0], "code"), "AGNT");
  // A user's failed attempt names them too.
  EXPECT_EQ(server.Get("Observation/does-not-exist", token).status, 404);
  EXPECT_EQ(EventsOf(Audit("agent:identifier=urn:kiln:user|alice&outcome=4")).size(), 1u);
}

}  // namespace
}  // namespace kiln::testing
