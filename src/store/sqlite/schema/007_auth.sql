-- The authorization server (docs/security.md): its OAuth clients, the keys that sign access
-- tokens, the client assertion ids already used (replay protection) and revoked access tokens.
-- Clients are global (the token endpoint is one for the server); each names the tenant its
-- tokens are for. Secrets and private keys are never stored in clear: the store only holds
-- what src/auth/ gives it (argon2id hashes, and values sealed under the server's key file).

CREATE TABLE auth_client (
  id            TEXT    NOT NULL PRIMARY KEY,
  tenant        TEXT    NOT NULL,  -- the tenant its access tokens are for
  secret_hash   TEXT    NOT NULL,  -- argon2id (PHC string form); '' for a client without a secret
  secret_sealed TEXT    NOT NULL,  -- the secret sealed for HS256 assertions; '' without a secret
  scope         TEXT    NOT NULL,  -- the scopes it may be granted, space-separated
  jwks          TEXT    NOT NULL,  -- its JSON Web Key Set (private_key_jwt); '' for none
  created       INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE auth_signing_key (
  kid         TEXT    NOT NULL PRIMARY KEY,
  alg         TEXT    NOT NULL,
  private_key TEXT    NOT NULL,  -- PKCS#8 PEM, sealed
  created     INTEGER NOT NULL,
  retired     INTEGER NOT NULL   -- when a newer key took over signing; 0 while it signs
) WITHOUT ROWID;

CREATE TABLE auth_used_assertion (
  client_id TEXT    NOT NULL,
  jti       TEXT    NOT NULL,
  expires   INTEGER NOT NULL,  -- the assertion's exp: after it, it is refused anyway
  PRIMARY KEY (client_id, jti)
) WITHOUT ROWID;
CREATE INDEX auth_used_assertion_expires ON auth_used_assertion (expires);

CREATE TABLE auth_revoked_token (
  jti     TEXT    NOT NULL PRIMARY KEY,
  expires INTEGER NOT NULL  -- the token's exp: after it, it is refused anyway
) WITHOUT ROWID;
CREATE INDEX auth_revoked_token_expires ON auth_revoked_token (expires);
