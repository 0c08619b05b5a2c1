-- The authorization_code grant (docs/security.md), as SQLite's 008_users.sql: user accounts and
-- the tenants they may act in, authorization codes and refresh tokens. Passwords are argon2id
-- hashes; codes and refresh tokens are kept only as SHA-256 hashes.
--
-- Citus (docs/postgres.md): a user is not a tenant's (one account may be a member of several
-- tenants), so auth_user is global, a reference table as auth_client. The other three tables
-- hold one tenant's rows each and are keyed by tenant first, as the rest of the schema; the
-- token endpoint finds a code or refresh token by its hash alone (the request names no tenant),
-- so they are reference tables too until the store is asked for them by tenant.

CREATE TABLE auth_user (
  id            text COLLATE "C" PRIMARY KEY,
  password_hash text   NOT NULL,
  created       bigint NOT NULL  -- microseconds since the Unix epoch, UTC
);

CREATE TABLE auth_membership (
  tenant  text COLLATE "C" NOT NULL,
  user_id text COLLATE "C" NOT NULL,
  role    text NOT NULL,  -- owner, manager or reader
  patient text NOT NULL,  -- the user's own Patient in the tenant; '' for none
  PRIMARY KEY (tenant, user_id)
);
-- A user's memberships, read at every sign-in and refresh.
CREATE INDEX auth_membership_user ON auth_membership (user_id, tenant);

-- What codes and refresh tokens carry: the grant (grant_id, client, user, tenant, scope, patient).
CREATE TABLE auth_code (
  tenant         text COLLATE "C" NOT NULL,
  code_hash      text COLLATE "C" NOT NULL,
  grant_id       text COLLATE "C" NOT NULL,
  client_id      text NOT NULL,
  user_id        text NOT NULL,
  scope          text NOT NULL,
  patient        text NOT NULL,
  redirect_uri   text NOT NULL,
  code_challenge text NOT NULL,
  expires        bigint   NOT NULL,
  used           smallint NOT NULL,
  PRIMARY KEY (tenant, code_hash)
);
-- Codes are 32 random bytes: their hashes do not collide across tenants.
CREATE INDEX auth_code_hash ON auth_code (code_hash);
CREATE INDEX auth_code_expires ON auth_code (expires);

CREATE TABLE auth_refresh_token (
  tenant     text COLLATE "C" NOT NULL,
  token_hash text COLLATE "C" NOT NULL,
  grant_id   text COLLATE "C" NOT NULL,
  client_id  text NOT NULL,
  user_id    text NOT NULL,
  scope      text NOT NULL,
  patient    text NOT NULL,
  expires    bigint   NOT NULL,
  used       smallint NOT NULL,  -- 1 once rotated: using it again revokes the grant
  PRIMARY KEY (tenant, token_hash)
);
CREATE INDEX auth_refresh_token_hash ON auth_refresh_token (token_hash);
CREATE INDEX auth_refresh_token_grant ON auth_refresh_token (grant_id);
CREATE INDEX auth_refresh_token_expires ON auth_refresh_token (expires);
