// What clients discover: the JWKS of the token signing keys, and SMART's configuration
// (hl7.org/fhir/smart-app-launch/conformance.html) at {base}/.well-known/smart-configuration.
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
  body +=
      R"(,"grant_types_supported":["client_credentials"])"
      R"(,"token_endpoint_auth_methods_supported":["client_secret_basic","client_secret_post","client_secret_jwt","private_key_jwt"])"
      R"(,"token_endpoint_auth_signing_alg_values_supported":["HS256","RS384","ES384"])"
      R"(,"scopes_supported":["system/*.cruds","system/*.rs","system/*.read","system/*.write","system/*.*",)"
      R"("user/*.cruds","user/*.rs","user/*.read","user/*.write","patient/*.cruds","patient/*.rs","patient/*.read"])"
      R"(,"capabilities":["client-confidential-symmetric","client-confidential-asymmetric","permission-v1","permission-v2"]})";
  rest::Response res;
  res.content_type = "application/json";
  res.body = std::move(body);
  return res;
}

}  // namespace kiln::auth
