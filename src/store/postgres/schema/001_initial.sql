-- Kiln PostgreSQL schema, version 1 (see src/store/README.md and docs/postgres.md). Every table
-- that holds a tenant's rows is keyed by `tenant` first, and every query on it names one tenant,
-- so the tables can be distributed by `tenant` with Citus (colocated). Text is compared byte-wise
-- (COLLATE "C"), as on SQLite, whatever the database's locale: prefix ranges and sort order
-- depend on it.

-- Store-wide counters: `seq` orders history; a resource's `rid` is the seq of its first version.
CREATE SEQUENCE resource_seq;
CREATE SEQUENCE search_key_seq;

-- Every version of every resource.
CREATE TABLE resource_version (
  tenant       text COLLATE "C" NOT NULL,
  seq          bigint   NOT NULL,
  type         text COLLATE "C" NOT NULL,
  id           text COLLATE "C" NOT NULL,
  version      bigint   NOT NULL,
  last_updated bigint   NOT NULL,  -- microseconds since the Unix epoch, UTC
  change       smallint NOT NULL,  -- 0 create, 1 update, 2 delete, 3 patch
  json         bytea    NOT NULL,  -- the bytes served to clients; empty for a deletion
  PRIMARY KEY (tenant, seq),
  -- each version number of a resource is issued once, whichever process writes it
  UNIQUE (tenant, type, id, version)
);
CREATE INDEX resource_version_type_seq ON resource_version (tenant, type, seq);

-- The current version of each resource.
CREATE TABLE resource_current (
  tenant       text COLLATE "C" NOT NULL,
  type         text COLLATE "C" NOT NULL,
  id           text COLLATE "C" NOT NULL,
  version      bigint   NOT NULL,
  seq          bigint   NOT NULL,
  last_updated bigint   NOT NULL,
  deleted      smallint NOT NULL,
  rid          bigint   NOT NULL,
  PRIMARY KEY (tenant, type, id),
  UNIQUE (tenant, type, rid)
);

-- Dictionary codes for (tenant, type, parameter) in the index tables; never reused.
CREATE TABLE search_key (
  tenant text COLLATE "C" NOT NULL,
  type   text COLLATE "C" NOT NULL,
  param  text COLLATE "C" NOT NULL,
  key    bigint NOT NULL DEFAULT nextval('search_key_seq'),
  PRIMARY KEY (tenant, type, param),
  UNIQUE (tenant, key)
);

-- Search index, one table per SearchParameter kind, rows for current versions only. Indexed text
-- columns hold at most 1000 bytes (a b-tree entry has a size limit); longer values are cut at a
-- character boundary. A resource's duplicate rows are stored once (the writer drops them).
CREATE TABLE idx_string (
  tenant text COLLATE "C" NOT NULL, key bigint NOT NULL,
  norm   text COLLATE "C" NOT NULL,  -- case- and accent-folded, for prefix and :contains
  exact  text COLLATE "C" NOT NULL,  -- as written, for :exact
  rid    bigint NOT NULL, grp integer NOT NULL
);
CREATE INDEX idx_string_value ON idx_string (tenant, key, norm);
CREATE INDEX idx_string_res ON idx_string (tenant, rid, key);

CREATE TABLE idx_token (
  tenant text COLLATE "C" NOT NULL, key bigint NOT NULL,
  code   text COLLATE "C" NOT NULL,
  system text COLLATE "C" NOT NULL,  -- '' when the value has no system
  text   text COLLATE "C" NOT NULL,  -- folded display/text, for :text
  rid    bigint NOT NULL, grp integer NOT NULL
);
CREATE INDEX idx_token_value ON idx_token (tenant, key, code, system);
CREATE INDEX idx_token_res ON idx_token (tenant, rid, key);

CREATE TABLE idx_reference (
  tenant      text COLLATE "C" NOT NULL, key bigint NOT NULL,
  target_type text COLLATE "C" NOT NULL,  -- local references: type and id
  target_id   text COLLATE "C" NOT NULL,
  url         text COLLATE "C" NOT NULL,  -- other references: the URL as written
  rid         bigint NOT NULL, grp integer NOT NULL
);
CREATE INDEX idx_reference_value ON idx_reference (tenant, key, target_id, target_type);
CREATE INDEX idx_reference_url ON idx_reference (tenant, key, url) WHERE url <> '';
CREATE INDEX idx_reference_res ON idx_reference (tenant, rid, key);

CREATE TABLE idx_date (
  tenant text COLLATE "C" NOT NULL, key bigint NOT NULL,
  start  bigint NOT NULL,  -- [start, end) in microseconds since the epoch, UTC
  "end"  bigint NOT NULL,
  rid    bigint NOT NULL, grp integer NOT NULL
);
CREATE INDEX idx_date_value ON idx_date (tenant, key, start, "end");
CREATE INDEX idx_date_res ON idx_date (tenant, rid, key);

CREATE TABLE idx_number (
  tenant text COLLATE "C" NOT NULL, key bigint NOT NULL,
  value  double precision NOT NULL, low double precision NOT NULL, high double precision NOT NULL,
  rid    bigint NOT NULL, grp integer NOT NULL
);
CREATE INDEX idx_number_value ON idx_number (tenant, key, value);
CREATE INDEX idx_number_res ON idx_number (tenant, rid, key);

CREATE TABLE idx_quantity (
  tenant text COLLATE "C" NOT NULL, key bigint NOT NULL,
  system text COLLATE "C" NOT NULL,
  code   text COLLATE "C" NOT NULL,  -- the unit's code (or its display unit when it has no code)
  value  double precision NOT NULL, low double precision NOT NULL, high double precision NOT NULL,
  rid    bigint NOT NULL, grp integer NOT NULL
);
CREATE INDEX idx_quantity_value ON idx_quantity (tenant, key, code, value);
CREATE INDEX idx_quantity_res ON idx_quantity (tenant, rid, key);

CREATE TABLE idx_uri (
  tenant text COLLATE "C" NOT NULL, key bigint NOT NULL,
  uri    text COLLATE "C" NOT NULL,
  rid    bigint NOT NULL, grp integer NOT NULL
);
CREATE INDEX idx_uri_value ON idx_uri (tenant, key, uri);
CREATE INDEX idx_uri_res ON idx_uri (tenant, rid, key);

-- _text and _content: the words of the narrative and of every string, folded as the string index
-- folds (case and accents), one row per resource (written only when text search is on).
CREATE TABLE idx_text (
  tenant    text COLLATE "C" NOT NULL,
  rid       bigint   NOT NULL,
  narrative tsvector NOT NULL,
  content   tsvector NOT NULL
);
-- Not unique: a commit deletes a resource's old row and inserts its new one in one statement.
CREATE INDEX idx_text_res ON idx_text (tenant, rid);
CREATE INDEX idx_text_narrative ON idx_text USING gin (narrative);
CREATE INDEX idx_text_content ON idx_text USING gin (content);

-- The tenant registry (docs/tenants.md). Small and read by every commit outside the default
-- tenant: a Citus reference table.
CREATE TABLE tenant (
  name    text COLLATE "C" PRIMARY KEY,
  kind    text   NOT NULL,  -- 'organization' or 'person'
  created bigint NOT NULL,  -- microseconds since the Unix epoch, UTC
  status  text   NOT NULL   -- 'active', or 'deleting' while its rows are removed
);
INSERT INTO tenant (name, kind, created, status)
  VALUES ('default', 'organization', (extract(epoch FROM now()) * 1000000)::bigint, 'active');

-- The authorization server (docs/security.md): not per tenant (Citus reference tables).
CREATE TABLE auth_client (
  id            text COLLATE "C" PRIMARY KEY,
  tenant        text   NOT NULL,  -- the tenant its access tokens are for
  secret_hash   text   NOT NULL,  -- argon2id (PHC string form); '' for a client without a secret
  secret_sealed text   NOT NULL,  -- the secret sealed for HS256 assertions; '' without a secret
  scope         text   NOT NULL,
  jwks          text   NOT NULL,  -- its JSON Web Key Set (private_key_jwt); '' for none
  created       bigint NOT NULL
);
CREATE TABLE auth_signing_key (
  kid         text COLLATE "C" PRIMARY KEY,
  alg         text   NOT NULL,
  private_key text   NOT NULL,  -- PKCS#8 PEM, sealed
  created     bigint NOT NULL,
  retired     bigint NOT NULL   -- when a newer key took over signing; 0 while it signs
);
CREATE TABLE auth_used_assertion (
  client_id text COLLATE "C" NOT NULL,
  jti       text COLLATE "C" NOT NULL,
  expires   bigint NOT NULL,
  PRIMARY KEY (client_id, jti)
);
CREATE INDEX auth_used_assertion_expires ON auth_used_assertion (expires);
CREATE TABLE auth_revoked_token (
  jti     text COLLATE "C" PRIMARY KEY,
  expires bigint NOT NULL
);
CREATE INDEX auth_revoked_token_expires ON auth_revoked_token (expires);
