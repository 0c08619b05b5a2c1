-- Kiln SQLite schema, version 1. Every table is keyed by tenant first (see src/store/README.md).

-- Every version of every resource; `seq` orders history across the whole store.
CREATE TABLE resource_version (
  seq          INTEGER PRIMARY KEY,
  tenant       TEXT    NOT NULL,
  type         TEXT    NOT NULL,
  id           TEXT    NOT NULL,
  version      INTEGER NOT NULL,
  last_updated INTEGER NOT NULL,  -- microseconds since the Unix epoch, UTC
  change       INTEGER NOT NULL,  -- 0 create, 1 update, 2 delete
  json         BLOB    NOT NULL   -- the bytes served to clients; empty for a deletion
);
CREATE UNIQUE INDEX resource_version_key ON resource_version (tenant, type, id, version);
CREATE INDEX resource_version_type_seq ON resource_version (tenant, type, seq);
CREATE INDEX resource_version_tenant_seq ON resource_version (tenant, seq);

-- The current version of each resource: one row per logical id, pointing at its version row.
CREATE TABLE resource_current (
  tenant       TEXT    NOT NULL,
  type         TEXT    NOT NULL,
  id           TEXT    NOT NULL,
  version      INTEGER NOT NULL,
  seq          INTEGER NOT NULL,
  last_updated INTEGER NOT NULL,
  deleted      INTEGER NOT NULL,
  PRIMARY KEY (tenant, type, id)
) WITHOUT ROWID;
