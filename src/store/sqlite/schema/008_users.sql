-- The authorization_code grant (docs/security.md): clients' redirect URIs and whether they are
-- public, user accounts and the tenants they may act in, authorization codes and refresh tokens.
-- Passwords are argon2id hashes; codes and refresh tokens are kept only as SHA-256 hashes.

ALTER TABLE auth_client ADD COLUMN redirect_uris TEXT NOT NULL DEFAULT '';  -- space-separated
ALTER TABLE auth_client ADD COLUMN public INTEGER NOT NULL DEFAULT 0;        -- 1: no secret, no keys

CREATE TABLE auth_user (
  id            TEXT    NOT NULL PRIMARY KEY,
  password_hash TEXT    NOT NULL,
  created       INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE auth_membership (
  user_id TEXT NOT NULL,
  tenant  TEXT NOT NULL,
  role    TEXT NOT NULL,  -- owner, manager or reader
  patient TEXT NOT NULL,  -- the user's own Patient in the tenant; '' for none
  PRIMARY KEY (user_id, tenant)
) WITHOUT ROWID;
CREATE INDEX auth_membership_tenant ON auth_membership (tenant);

-- What codes and refresh tokens carry: the grant (grant_id, client, user, tenant, scope, patient).
CREATE TABLE auth_code (
  code_hash      TEXT    NOT NULL PRIMARY KEY,
  grant_id       TEXT    NOT NULL,
  client_id      TEXT    NOT NULL,
  user_id        TEXT    NOT NULL,
  tenant         TEXT    NOT NULL,
  scope          TEXT    NOT NULL,
  patient        TEXT    NOT NULL,
  redirect_uri   TEXT    NOT NULL,
  code_challenge TEXT    NOT NULL,
  expires        INTEGER NOT NULL,
  used           INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX auth_code_expires ON auth_code (expires);

CREATE TABLE auth_refresh_token (
  token_hash TEXT    NOT NULL PRIMARY KEY,
  grant_id   TEXT    NOT NULL,
  client_id  TEXT    NOT NULL,
  user_id    TEXT    NOT NULL,
  tenant     TEXT    NOT NULL,
  scope      TEXT    NOT NULL,
  patient    TEXT    NOT NULL,
  expires    INTEGER NOT NULL,
  used       INTEGER NOT NULL  -- 1 once rotated: using it again revokes the grant
) WITHOUT ROWID;
CREATE INDEX auth_refresh_token_grant ON auth_refresh_token (grant_id);
CREATE INDEX auth_refresh_token_expires ON auth_refresh_token (expires);
