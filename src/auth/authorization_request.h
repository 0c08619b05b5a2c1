// An authorization request (RFC 6749 section 4.1.1, RFC 7636 section 4.3, SMART App Launch's
// standalone launch) as GET /auth/authorize checks it, and as the login form carries it: sealed
// under the server's key with the form's CSRF nonce and an expiry, so the POST that answers the
// form needs no server-side session and cannot be made up or altered. Private to src/auth/.
#pragma once

#include <string>

#include "auth/oauth.h"
#include "auth/secrets.h"
#include "store/store.h"

namespace kiln::auth {

struct AuthorizationRequest {
  std::string client_id;
  std::string redirect_uri;
  std::string state;
  std::string code_challenge;                       // S256
  std::string scope;                                // what was asked for that the client may be granted
  std::string aud;                                  // the FHIR base the app will use
  store::TenantId tenant = store::DefaultTenant();  // the tenant of `aud`
  std::string nonce;                                // the login form's CSRF token, also in its cookie
  Micros expires = 0;                               // of the login form
};

// A failed authorization request. With `redirect_uri` set, the client is told by a redirect
// (section 4.1.2.1); without, the redirect URI itself cannot be trusted, so the user sees an
// error page and nothing is sent anywhere.
struct AuthorizeError {
  OAuthError error;
  std::string redirect_uri;
  std::string state;
};

std::string SealRequest(const SecretBox& box, const AuthorizationRequest& request);
// kInvalid when `sealed` was not made by SealRequest under this key, or was altered.
Result<AuthorizationRequest> UnsealRequest(const SecretBox& box, std::string_view sealed);

// `redirect_uri` with the query parameters `params` added (its own query kept).
std::string WithQuery(std::string redirect_uri,
                      const std::vector<std::pair<std::string, std::string>>& params);

}  // namespace kiln::auth
