// Registering clients and rotating signing keys: what `kiln client` and `kiln key` do.
#include <algorithm>
#include <cctype>

#include "auth/auth.h"
#include "auth/jose.h"
#include "auth/remote_jwks.h"
#include "auth/scopes.h"
#include "auth/secrets.h"
#include "auth/signing_keys.h"

namespace kiln::auth {

namespace {

constexpr size_t kMinSecret = 32;  // HS256 keys are 256 bits at least (RFC 7518 section 3.2)

Error Invalid(std::string message) { return Error::Make(Issue::kInvalid, std::move(message)); }

// RFC 6749 section 3.1.2: an absolute URI without a fragment; redirects are compared with it
// exactly, so it is kept as given.
Result<Ok> CheckRedirectUri(const std::string& uri) {
  size_t colon = uri.find(':');
  bool scheme_ok = colon != std::string::npos && colon > 0 &&
                   std::isalpha(static_cast<unsigned char>(uri[0])) &&
                   std::all_of(uri.begin(), uri.begin() + static_cast<std::ptrdiff_t>(colon), [](char c) {
                     return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
                   });
  bool chars_ok = std::all_of(uri.begin(), uri.end(), [](char c) {
    return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f;
  });
  if (!scheme_ok || !chars_ok || uri.size() > 2000 || colon + 1 == uri.size()) {
    return Invalid("'" + uri + "' is not an absolute redirect URI");
  }
  if (uri.find('#') != std::string::npos) return Invalid("A redirect URI has no fragment (" + uri + ")");
  return Ok{};
}

Result<Ok> CheckSpec(const ClientSpec& spec) {
  bool id_ok =
      !spec.id.empty() && spec.id.size() <= 128 && std::all_of(spec.id.begin(), spec.id.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
      });
  if (!id_ok) return Invalid("A client id is 1 to 128 of A-Z a-z 0-9 . _ -");
  if (spec.is_public) {
    if (!spec.secret.empty() || !spec.jwks.empty() || !spec.jwks_uri.empty())
      return Invalid("A public client has no secret and no JWKS");
    if (spec.redirect_uris.empty())
      return Invalid("A public client needs a redirect URI (authorization_code)");
    if (!SplitScopes(spec.scope).empty() &&
        (HasScope(spec.scope, kAdminScope) || spec.scope.find("system/") != std::string::npos)) {
      return Invalid("A public client cannot be granted system/ scopes or " + std::string(kAdminScope) +
                     ": those need client_credentials");
    }
  } else if (spec.secret.empty() && spec.jwks.empty() && spec.jwks_uri.empty()) {
    return Invalid("A client needs a secret or a JWKS (or is public, with a redirect URI)");
  }
  for (const std::string& uri : spec.redirect_uris) KILN_TRY(CheckRedirectUri(uri));
  if (!spec.secret.empty() && spec.secret.size() < kMinSecret) {
    return Invalid("A client secret has at least " + std::to_string(kMinSecret) + " characters");
  }
  std::vector<std::string> scopes = SplitScopes(spec.scope);
  if (scopes.empty()) return Invalid("A client needs at least one scope");
  for (const std::string& s : scopes) {
    if (!IsGrantableScope(s) && !IsLabelScope(s)) {
      return Invalid("'" + s + "' is not a scope Kiln grants (context/Type.permissions as system/*.rs, " +
                     std::string(kLaunchPatientScope) + ", " + std::string(kOfflineAccessScope) + ", " +
                     std::string(kOnlineAccessScope) + ", " + std::string(kAdminScope) +
                     ", security-label/R or security-label/V)");
    }
  }
  if (HasScope(spec.scope, kAdminScope) && spec.tenant != store::DefaultTenant()) {
    return Invalid("Only clients of the default tenant may be administrators (" + std::string(kAdminScope) +
                   ")");
  }
  if (!spec.jwks.empty() && !spec.jwks_uri.empty())
    return Invalid("A client has a JWKS or a JWKS URL, not both");
  // A JWKS URL is fetched only when an assertion needs it: its host may not be up yet.
  if (!spec.jwks_uri.empty()) KILN_TRY(CheckJwksUri(spec.jwks_uri));
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
  KILN_TRY_ASSIGN(store::TenantInfo tenant, store.GetTenant(spec.tenant));
  if (tenant.status != store::TenantStatus::kActive) {
    return Error::Make(Issue::kNotFound, "The tenant '" + spec.tenant.value + "' is being deleted");
  }
  store::ClientRecord c;
  c.id = spec.id;
  c.tenant = spec.tenant;
  c.scope = spec.scope;
  c.jwks = spec.jwks;
  c.jwks_uri = spec.jwks_uri;
  c.created = now;
  c.redirect_uris = spec.redirect_uris;
  c.is_public = spec.is_public;
  if (!spec.secret.empty()) {
    KILN_TRY_ASSIGN(SecretBox box, SecretBox::Open(key_file));
    KILN_TRY_ASSIGN(c.secret_hash, HashSecret(spec.secret));
    c.secret_sealed = box.Seal(spec.secret, spec.id);
  }
  KILN_TRY(store.CreateClient(c));
  return c;
}

std::string NewClientSecret() { return Base64UrlEncode(RandomBytes(32)); }

Result<std::string> LabelAccessScopes(std::string_view codes) {
  std::string out;
  for (size_t start = 0; start <= codes.size();) {
    size_t comma = std::min(codes.find(',', start), codes.size());
    std::string_view code = codes.substr(start, comma - start);
    if (code != "R" && code != "V") {
      return Invalid("A client's label access is R, V or R,V (confidentiality codes), not '" +
                     std::string(codes) + "'");
    }
    out += " security-label/" + std::string(code);
    start = comma + 1;
  }
  return out;
}

Result<std::string> RotateSigningKey(store::Store& store, const std::string& key_file, Micros now) {
  KILN_TRY_ASSIGN(SecretBox box, SecretBox::Open(key_file));
  KILN_TRY_ASSIGN(store::SigningKeyRecord key, NewSigningKey(box, now));
  KILN_TRY(store.AddSigningKey(key));
  return key.kid;
}

}  // namespace kiln::auth
