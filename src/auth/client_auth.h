// Client authentication at the token, introspection and revocation endpoints: client_secret_basic
// and client_secret_post (RFC 6749 section 2.3.1), and JWT client assertions (RFC 7523, RFC 7521
// section 4.2): HS256 under the client's secret (client_secret_jwt) or RS384/ES384 under a key
// of its JWKS, registered or published at its JWKS URL (private_key_jwt, SMART Backend Services). Private to
// src/auth/.
#pragma once

#include "auth/oauth.h"
#include "auth/remote_jwks.h"
#include "auth/secrets.h"
#include "core/time.h"
#include "store/store.h"

namespace kiln::auth {

struct ClientAuthContext {
  store::Store& store;
  const SecretBox& box;
  const Clock& clock;
  RemoteJwks& remote_jwks;  // the keys of clients registered with a JWKS URL
  std::string token_url;    // what assertions must name as their audience
};

// The client the request authenticates as, by exactly one of the methods above; invalid_client
// (401) when none succeeds, invalid_request for several at once.
Expected<store::ClientRecord, OAuthError> AuthenticateClient(const ClientAuthContext& ctx,
                                                             const rest::Request& req, const Form& form);
// As AuthenticateClient, and a public client named by `client_id` alone (RFC 6749 section
// 3.2.1: the grants a public client may use, authorization_code and refresh_token, and
// revocation).
Expected<store::ClientRecord, OAuthError> IdentifyClient(const ClientAuthContext& ctx,
                                                         const rest::Request& req, const Form& form);

}  // namespace kiln::auth
