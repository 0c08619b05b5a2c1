// The pages /auth/authorize shows a person: the login and consent form, and an error page for
// requests that cannot be answered with a redirect. Plain server-rendered HTML with no script,
// not to be framed (clickjacking) or cached. Private to src/auth/.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "rest/rest.h"

namespace kiln::auth {

struct LoginPage {
  std::string sealed_request;  // the form's hidden `request` (authorization_request.h)
  std::string client_id;
  std::string aud;
  std::vector<std::string> scopes;  // asked for
  bool ask_patient = false;         // launch/patient without a patient of the user's own
  std::string error;                // why the last attempt failed; empty for none
  std::string user;                 // filled in again after a failed attempt
};

// The form, which POSTs user, password, patient, decision (approve or deny) and request back to
// /auth/authorize. `cookie` is the Set-Cookie value that holds the CSRF nonce.
rest::Response LoginPageResponse(const LoginPage& page, std::string cookie, int status = 200);
rest::Response ErrorPage(int status, std::string_view title, std::string_view message);

// `text` with & < > " ' escaped, for HTML text and attribute values.
std::string HtmlEscape(std::string_view text);

}  // namespace kiln::auth
