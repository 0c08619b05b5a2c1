// The parts of an AuthServer, and its endpoints, one file each. Private to src/auth/.
#pragma once

#include <memory>

#include "auth/auth.h"
#include "auth/client_auth.h"
#include "auth/oauth.h"
#include "auth/remote_jwks.h"
#include "auth/secrets.h"
#include "auth/signing_keys.h"
#include "auth/token_verifier.h"

namespace kiln::auth {

struct AuthServer::Parts {
  Parts(store::Store& s, const Clock& c, AuthOptions o, SecretBox b)
      : store(s), clock(c), options(std::move(o)), box(std::move(b)) {}

  store::Store& store;
  const Clock& clock;
  const AuthOptions options;
  const SecretBox box;
  std::unique_ptr<SigningKeys> keys;
  std::unique_ptr<TokenVerifier> verifier;
  mutable RemoteJwks remote_jwks{clock, options.jwks_refetch_interval};

  ClientAuthContext ClientAuth(const rest::Request& req) const {
    return ClientAuthContext{store, box, clock, remote_jwks, TokenUrl(options, req)};
  }
};

// An access token for `grant` by `issuer` (token_endpoint.cc).
Result<std::string> IssueToken(const AuthServer::Parts& parts, const TokenGrant& grant,
                               const std::string& issuer);

rest::Response TokenEndpoint(const AuthServer::Parts& parts, const rest::Request& req);  // token_endpoint.cc
rest::Response AuthorizeEndpoint(const AuthServer::Parts& parts,
                                 const rest::Request& req);  // authorize_endpoint.cc

// user_grants.cc: the token endpoint's authorization_code and refresh_token grants for `client`
// (authenticated, or public and named), revoking a user's grant, and revoking a refresh token
// (false: `token` is no refresh token of this server).
rest::Response CodeGrant(const AuthServer::Parts& parts, const rest::Request& req, const Form& form,
                         const store::ClientRecord& client);
rest::Response RefreshGrant(const AuthServer::Parts& parts, const rest::Request& req, const Form& form,
                            const store::ClientRecord& client);
Result<Ok> RevokeUserGrant(const AuthServer::Parts& parts, const std::string& grant_id);
Expected<bool, OAuthError> RevokeRefreshToken(const AuthServer::Parts& parts, std::string_view token,
                                              const store::ClientRecord& client);
rest::Response IntrospectionEndpoint(const AuthServer::Parts& parts,
                                     const rest::Request& req);  // introspection.cc
rest::Response RevocationEndpoint(const AuthServer::Parts& parts,
                                  const rest::Request& req);  // introspection.cc
rest::Response JwksEndpoint(const AuthServer::Parts& parts);  // discovery.cc
rest::Response SmartConfigurationEndpoint(const AuthServer::Parts& parts,
                                          const rest::Request& req);  // discovery.cc

}  // namespace kiln::auth
