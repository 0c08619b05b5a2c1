#include "support/oauth_client.h"

#include <gtest/gtest.h>

#include "core/base64.h"
#include "core/text.h"

namespace kiln::testing {

std::string FormEncode(std::string_view value) { return UrlEncode(value); }

Headers BasicAuth(const std::string& id, const std::string& secret) {
  return {{"Authorization", "Basic " + Base64Encode(FormEncode(id) + ":" + FormEncode(secret))}};
}

Headers BearerAuth(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

HttpResponse PostForm(int port, const std::string& path, const std::string& body, Headers headers) {
  headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  return Send(port, "POST", path, body, headers);
}

std::string ClientCredentialsToken(int port, const std::string& id, const std::string& secret,
                                   const std::string& scope) {
  HttpResponse res =
      PostForm(port, "/auth/token",
               "grant_type=client_credentials" + (scope.empty() ? "" : "&scope=" + FormEncode(scope)),
               BasicAuth(id, secret));
  EXPECT_EQ(res.status, 200) << res.body;
  if (res.status != 200) return "";
  return std::string(json::GetString(res.Json(), "access_token"));
}

}  // namespace kiln::testing
