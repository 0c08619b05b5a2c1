// What clients discover: the JWKS of the token signing keys, and SMART's configuration
// (hl7.org/fhir/smart-app-launch/conformance.html) at {base}/.well-known/smart-configuration,
// which is also RFC 8414 authorization server metadata.
#include "auth/server_parts.h"
#include "core/json.h"

namespace kiln::auth {

rest::Response JwksEndpoint(const AuthServer::Parts& parts) {
  rest::Response res;
  res.content_type = "application/json";
  res.body = parts.keys->JwksJson();
  res.SetHeader("Cache-Control", "max-age=60");  // a new key signs a minute after it is added at most
  return res;
}

rest::Response SmartConfigurationEndpoint(const AuthServer::Parts& parts, const rest::Request& req) {
  std::string issuer = Issuer(parts.options, req);
  std::string body = R"({"issuer":)" + json::Quote(issuer);
  body += R"(,"jwks_uri":)" + json::Quote(issuer + "/.well-known/jwks.json");
  body += R"(,"token_endpoint":)" + json::Quote(TokenUrl(parts.options, req));
  body += R"(,"introspection_endpoint":)" + json::Quote(issuer + "/auth/introspect");
  body += R"(,"revocation_endpoint":)" + json::Quote(issuer + "/auth/revoke");
  body += R"(,"authorization_endpoint":)" + json::Quote(issuer + "/auth/authorize");
  body +=
      R"(,"grant_types_supported":["authorization_code","refresh_token","client_credentials"])"
      R"(,"response_types_supported":["code"],"code_challenge_methods_supported":["S256"])"
      R"(,"authorization_response_iss_parameter_supported":true)"
      R"(,"token_endpoint_auth_methods_supported":["client_secret_basic","client_secret_post","client_secret_jwt","private_key_jwt","none"])"
      R"(,"token_endpoint_auth_signing_alg_values_supported":["HS256","RS384","ES384"])"
      R"(,"scopes_supported":["launch/patient","offline_access","online_access","kiln/admin",)"
      R"("system/*.cruds","system/*.rs","system/*.read","system/*.write","system/*.*",)"
      R"("user/*.cruds","user/*.rs","user/*.read","user/*.write","patient/*.cruds","patient/*.rs","patient/*.read"])"
      R"(,"capabilities":["launch-standalone","client-public","client-confidential-symmetric",)"
      R"("client-confidential-asymmetric","context-standalone-patient","permission-offline",)"
      R"("permission-online","permission-patient","permission-user","permission-v1","permission-v2"]})";
  rest::Response res;
  res.content_type = "application/json";
  res.body = std::move(body);
  return res;
}

}  // namespace kiln::auth
