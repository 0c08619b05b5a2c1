// The OAuth client's side of HTTP tests of the authorization server (docs/security.md): form
// posts, client authentication headers, client_credentials tokens and URL encoding, as an
// outside client does them.
#pragma once

#include <string>
#include <string_view>

#include "support/test_server.h"

namespace kiln::testing {

// application/x-www-form-urlencoded encoding of one value (RFC 3986 unreserved kept).
std::string FormEncode(std::string_view value);
Headers BasicAuth(const std::string& id, const std::string& secret);
Headers BearerAuth(const std::string& token);
// POSTs `body` as application/x-www-form-urlencoded to `path` (below the server root).
HttpResponse PostForm(int port, const std::string& path, const std::string& body, Headers headers = {});
// An access token by client_credentials and client_secret_basic (fails the test unless 200).
std::string ClientCredentialsToken(int port, const std::string& id, const std::string& secret,
                                   const std::string& scope = "");

}  // namespace kiln::testing
