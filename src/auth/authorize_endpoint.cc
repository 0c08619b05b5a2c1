// GET /auth/authorize: the authorization request of the authorization_code grant (RFC 6749
// section 4.1.1) with PKCE (RFC 7636, S256 only) as SMART's standalone launch makes it
// (hl7.org/fhir/smart-app-launch/app-launch.html); POST /auth/authorize: the login and consent
// form it shows. On approval the user agent goes back to the client's redirect URI with a code
// (one use, a minute), bound to the client, the redirect URI and the PKCE challenge.
//
// Errors follow section 4.1.2.1: an unknown client or a redirect URI that is not registered is
// shown to the user and never redirected to; every other error goes back to the client.
#include <openssl/crypto.h>

#include "auth/authorization_request.h"
#include "auth/jose.h"
#include "auth/login_page.h"
#include "auth/scopes.h"
#include "auth/server_parts.h"
#include "auth/users.h"
#include "core/log.h"

namespace kiln::auth {

namespace {

constexpr Micros kSecond = 1'000'000;
constexpr Micros kFormLifetime = 600 * kSecond;  // to sign in
constexpr std::string_view kCookie = "kiln_authorize";
constexpr std::string_view kPatient = "Patient";

using Params = std::map<std::string, std::string, std::less<>>;

// PKCE's code_challenge for S256: BASE64URL(SHA256(verifier)), 43 characters.
bool IsS256Challenge(std::string_view c) {
  return c.size() == 43 && std::all_of(c.begin(), c.end(), [](char ch) {
           return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_';
         });
}

// The tenant whose FHIR base `aud` is, under `issuer`.
std::optional<store::TenantId> TenantOfBase(const AuthOptions& options, const std::string& issuer,
                                            std::string_view aud) {
  while (aud.ends_with('/')) aud.remove_suffix(1);
  if (aud == FhirBase(options, issuer, store::DefaultTenant())) return store::DefaultTenant();
  std::string prefix = issuer + "/t/";
  if (!aud.starts_with(prefix) || !aud.ends_with(options.base_path)) return std::nullopt;
  std::string_view name = aud.substr(prefix.size(), aud.size() - prefix.size() - options.base_path.size());
  if (name.empty() || name.find('/') != std::string_view::npos) return std::nullopt;
  return store::TenantId{std::string(name)};
}

rest::Response Redirect(std::string location) {
  rest::Response res;
  res.status = 303;  // the answer to a form's POST is fetched with GET
  res.SetHeader("Location", std::move(location));
  res.SetHeader("Cache-Control", "no-store");
  return res;
}

rest::Response ErrorRedirect(const std::string& issuer, const AuthorizeError& e) {
  std::vector<std::pair<std::string, std::string>> params = {{"error", e.error.error}};
  if (!e.error.description.empty()) params.emplace_back("error_description", e.error.description);
  if (!e.state.empty()) params.emplace_back("state", e.state);
  params.emplace_back("iss", issuer);  // RFC 9207
  return Redirect(WithQuery(e.redirect_uri, params));
}

rest::Response Refuse(const std::string& issuer, const AuthorizeError& e, const rest::Request& req) {
  log::Info("auth: authorization refused",
            {{"rid", req.request_id}, {"error", e.error.error}, {"reason", e.error.description}});
  if (e.redirect_uri.empty())
    return ErrorPage(e.error.status, "Kiln cannot sign you in to this application", e.error.description);
  return ErrorRedirect(issuer, e);
}

// The query's parameters; RFC 6749 section 3.1: none may be given twice.
Expected<Params, std::string> QueryParams(const rest::Request& req) {
  Params out;
  for (const auto& [name, value] : req.query) {
    if (!out.emplace(name, value).second) return "The parameter '" + name + "' is given more than once";
  }
  return out;
}

std::string Get(const Params& p, std::string_view name) {
  auto it = p.find(name);
  return it == p.end() ? std::string() : it->second;
}

// Section 4.1.2.1's order: first what decides whether a redirect may be made at all.
Expected<AuthorizationRequest, AuthorizeError> Validate(const AuthServer::Parts& parts,
                                                        const rest::Request& req, const std::string& issuer) {
  auto params = QueryParams(req);
  if (!params) return AuthorizeError{{"invalid_request", params.error()}, "", ""};
  AuthorizationRequest r;
  r.client_id = Get(*params, "client_id");
  r.redirect_uri = Get(*params, "redirect_uri");
  auto client = parts.store.GetClient(r.client_id);
  if (r.client_id.empty() || !client) {
    return AuthorizeError{{"invalid_request", "The application (client_id) is not registered here"}, "", ""};
  }
  const std::vector<std::string>& uris = client->redirect_uris;
  if (r.redirect_uri.empty() || std::find(uris.begin(), uris.end(), r.redirect_uri) == uris.end()) {
    return AuthorizeError{
        {"invalid_request", "The redirect_uri is not one registered for the application"}, "", ""};
  }
  // From here on, the client hears of every error.
  r.state = Get(*params, "state");
  AuthorizeError e{{"invalid_request", ""}, r.redirect_uri, r.state};
  auto fail = [&e](std::string error, std::string description) {
    e.error = OAuthError{std::move(error), std::move(description)};
    return e;
  };
  std::string response_type = Get(*params, "response_type");
  if (response_type.empty()) return fail("invalid_request", "response_type is required");
  if (response_type != "code")
    return fail("unsupported_response_type", "Kiln answers response_type=code only");
  if (r.state.empty()) return fail("invalid_request", "state is required");
  r.code_challenge = Get(*params, "code_challenge");
  if (r.code_challenge.empty())
    return fail("invalid_request", "PKCE is required: code_challenge and code_challenge_method=S256");
  if (Get(*params, "code_challenge_method") != "S256")
    return fail("invalid_request", "code_challenge_method must be S256");
  if (!IsS256Challenge(r.code_challenge))
    return fail("invalid_request", "code_challenge is not an S256 challenge");
  if (params->contains("launch"))
    return fail("invalid_request", "EHR launch is not supported (no launch parameter)");
  r.aud = Get(*params, "aud");
  auto tenant = TenantOfBase(parts.options, issuer, r.aud);
  if (!tenant)
    return fail("invalid_request", "aud must be the FHIR base URL the application will use at this server");
  auto info = parts.store.GetTenant(*tenant);
  if (!info || info->status != store::TenantStatus::kActive)
    return fail("invalid_request", "aud names no FHIR base of this server");
  if (client->tenant != *tenant)
    return fail("unauthorized_client", "The application is not registered for " + r.aud);
  r.tenant = *tenant;
  std::string scope = Get(*params, "scope");
  if (scope.empty()) return fail("invalid_scope", "scope is required");
  // What a user may grant at all; the user's role narrows it further once known.
  r.scope = UserGrantableScopes(GrantedScopes(client->scope, scope), 0x1f, true, "V");
  if (r.scope.empty())
    return fail("invalid_scope", "None of the scopes asked for may be granted to this application");
  return r;
}

std::string Cookie(const std::string& issuer, const std::string& nonce) {
  std::string cookie =
      std::string(kCookie) + "=" + nonce + "; Path=/auth; HttpOnly; SameSite=Strict; Max-Age=600";
  if (issuer.starts_with("https:")) cookie += "; Secure";
  return cookie;
}

// The value of cookie `name` in the request's Cookie header; empty without one.
std::string_view CookieValue(const rest::Request& req, std::string_view name) {
  std::string_view header = req.Header("Cookie");
  while (!header.empty()) {
    size_t end = std::min(header.find(';'), header.size());
    std::string_view pair = header.substr(0, end);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    if (pair.size() > name.size() && pair.starts_with(name) && pair[name.size()] == '=') {
      return pair.substr(name.size() + 1);
    }
    header.remove_prefix(std::min(end + 1, header.size()));
  }
  return {};
}

LoginPage PageFor(const AuthServer::Parts& parts, const AuthorizationRequest& r) {
  LoginPage page;
  page.sealed_request = SealRequest(parts.box, r);
  page.client_id = r.client_id;
  page.aud = r.aud;
  page.scopes = SplitScopes(r.scope);
  page.ask_patient = HasScope(r.scope, kLaunchPatientScope);
  return page;
}

rest::Response ShowForm(const AuthServer::Parts& parts, const rest::Request& req) {
  std::string issuer = Issuer(parts.options, req);
  auto r = Validate(parts, req, issuer);
  if (!r) return Refuse(issuer, r.error(), req);
  r->nonce = Base64UrlEncode(RandomBytes(24));
  r->expires = parts.clock.Now() + kFormLifetime;
  return LoginPageResponse(PageFor(parts, *r), Cookie(issuer, r->nonce));
}

// A hash to check the passwords of unknown users against, so that an unknown user takes as long
// to refuse as a wrong password.
const std::string& UnknownUserHash() {
  static const std::string* const kHash = [] {
    auto hash = HashSecret("unknown user");
    return new std::string(hash ? *hash : std::string());
  }();
  return *kHash;
}

// The patient context the user gives: their own Patient in the tenant, or one they name that
// exists there. Empty when they named none.
Expected<std::string, OAuthError> PatientContext(const AuthServer::Parts& parts,
                                                 const AuthorizationRequest& r, const store::Membership& m,
                                                 std::string_view named) {
  if (!m.patient.empty()) return m.patient;
  if (named.empty()) return std::string();
  auto patient = parts.store.ReadCurrent(r.tenant, std::string(kPatient), std::string(named));
  if (!patient || patient->deleted())
    return OAuthError{"invalid_request", "There is no Patient with the id '" + std::string(named) + "'"};
  return std::string(named);
}

// A new code for what the user granted, and the redirect that hands it to the client.
rest::Response GrantCode(const AuthServer::Parts& parts, const rest::Request& req,
                         const AuthorizationRequest& r, store::GrantRecord grant) {
  std::string issuer = Issuer(parts.options, req);
  std::string code = Base64UrlEncode(RandomBytes(32));
  store::AuthCodeRecord record{Base64UrlEncode(Sha256(code)),
                               std::move(grant),
                               r.redirect_uri,
                               r.code_challenge,
                               parts.clock.Now() + parts.options.code_lifetime,
                               false};
  if (auto added = parts.store.AddAuthCode(record, parts.clock.Now()); !added) {
    return Refuse(issuer, {{"server_error", "The code could not be kept"}, r.redirect_uri, r.state}, req);
  }
  log::Info("auth: authorization code issued", {{"rid", req.request_id},
                                                {"client", r.client_id},
                                                {"user", record.grant.user},
                                                {"scope", record.grant.scope}});
  return Redirect(WithQuery(r.redirect_uri, {{"code", code}, {"state", r.state}, {"iss", issuer}}));
}

rest::Response AnswerForm(const AuthServer::Parts& parts, const rest::Request& req) {
  std::string issuer = Issuer(parts.options, req);
  auto form = ReadForm(req);
  if (!form) return ErrorPage(400, "Bad request", form.error().description);
  auto r = UnsealRequest(parts.box, Param(*form, "request"));
  std::string_view nonce = CookieValue(req, kCookie);
  // The CSRF check: the nonce sealed into the form must be the one in this browser's cookie.
  bool same_browser = r && !nonce.empty() && nonce.size() == r->nonce.size() &&
                      CRYPTO_memcmp(nonce.data(), r->nonce.data(), nonce.size()) == 0;
  if (!same_browser)
    return ErrorPage(400, "Bad request",
                     "This form was not the one Kiln showed this browser. Start again from the application.");
  if (r->expires <= parts.clock.Now())
    return ErrorPage(400, "The sign-in page expired", "Start again from the application.");
  AuthorizeError deny{{"access_denied", ""}, r->redirect_uri, r->state};
  if (Param(*form, "decision") != "approve") {
    deny.error.description = "The user did not allow the access";
    return Refuse(issuer, deny, req);
  }
  LoginPage page = PageFor(parts, *r);
  page.user = Param(*form, "user");
  auto user = parts.store.GetUser(page.user);
  bool password_ok = SecretMatches(user ? user->password_hash : UnknownUserHash(), Param(*form, "password"));
  if (!user || !password_ok) {
    log::Info("auth: sign-in failed", {{"rid", req.request_id}, {"user", page.user}});
    page.error = "The user name or the password is wrong.";
    return LoginPageResponse(page, Cookie(issuer, r->nonce));
  }
  const store::Membership* m = MembershipIn(*user, r->tenant);
  auto role = m != nullptr ? RoleNamed(m->role) : std::nullopt;
  if (!role) {
    deny.error.description = "The user may not act in this FHIR server's tenant";
    return Refuse(issuer, deny, req);
  }
  bool wants_patient = HasScope(r->scope, kLaunchPatientScope);
  auto patient = wants_patient ? PatientContext(parts, *r, *m, Param(*form, "patient")) : std::string();
  if (!patient || (wants_patient && patient->empty())) {
    page.error = patient ? "Choose the patient to share." : patient.error().description;
    return LoginPageResponse(page, Cookie(issuer, r->nonce));
  }
  std::string scope =
      UserGrantableScopes(r->scope, RolePermissions(*role), !patient->empty(), m->label_access);
  std::vector<std::string> granted = SplitScopes(scope);
  if (std::none_of(granted.begin(), granted.end(),
                   [](const std::string& s) { return ParseResourceScope(s).has_value(); })) {
    deny.error =
        OAuthError{"invalid_scope", "The user's role in the tenant allows none of the scopes asked for"};
    return Refuse(issuer, deny, req);
  }
  return GrantCode(parts, req, *r,
                   store::GrantRecord{Base64UrlEncode(RandomBytes(18)), r->client_id, user->id, r->tenant,
                                      scope, *patient});
}

}  // namespace

rest::Response AuthorizeEndpoint(const AuthServer::Parts& parts, const rest::Request& req) {
  if (req.method == "POST") return AnswerForm(parts, req);
  return ShowForm(parts, req);
}

}  // namespace kiln::auth
