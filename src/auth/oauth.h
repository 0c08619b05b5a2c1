// What the authorization server's endpoints share: the OAuth 2.0 error response (RFC 6749
// section 5.2), JSON responses, form-encoded request bodies, and the server's URLs. Private to
// src/auth/.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "auth/auth.h"
#include "core/result.h"
#include "rest/rest.h"

namespace kiln::auth {

// An OAuth error: `error` is the RFC 6749 code ("invalid_client", ...). `description` is shown to
// the client, so it says nothing a client should not learn (why its credentials failed does not
// belong there); the reason for the log goes in `reason`.
struct OAuthError {
  OAuthError(std::string e, std::string d, int s = 400, std::string r = {})
      : error(std::move(e)), description(std::move(d)), status(s), reason(std::move(r)) {}
  std::string error;
  std::string description;
  int status = 400;
  std::string reason;
};
OAuthError ClientAuthFailed(std::string reason);  // invalid_client, 401

// {"error":...,"error_description":...}, no-store. A 401 challenges for Basic authentication.
rest::Response ErrorResponse(const OAuthError& e);
// `json` as application/json, not to be cached.
rest::Response JsonResponse(std::string json, int status = 200);

// The parameters of an application/x-www-form-urlencoded body; invalid_request for another
// content type or a parameter given twice (RFC 6749 section 3.1).
using Form = std::map<std::string, std::string, std::less<>>;
Expected<Form, OAuthError> ReadForm(const rest::Request& req);
std::string_view Param(const Form& form, std::string_view name);

// The server root's URL: options.issuer, else the origin of the request's base URL. It is the
// `iss` of the tokens issued and expected.
std::string Issuer(const AuthOptions& options, const rest::Request& req);
std::string TokenUrl(const AuthOptions& options, const rest::Request& req);
// The FHIR base of `tenant` under `issuer`: the `aud` of its access tokens.
std::string FhirBase(const AuthOptions& options, std::string_view issuer, const store::TenantId& tenant);

}  // namespace kiln::auth
