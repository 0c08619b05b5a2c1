-- The tenant registry (see src/store/README.md and docs/tenants.md). The other tables' `tenant`
-- columns name a row here. The default tenant's row is made here; it can never be deleted.

CREATE TABLE tenant (
  name    TEXT PRIMARY KEY,
  kind    TEXT NOT NULL,     -- 'organization' or 'person'
  created INTEGER NOT NULL,  -- microseconds since the Unix epoch, UTC
  status  TEXT NOT NULL      -- 'active', or 'deleting' while its rows are removed
) WITHOUT ROWID;

INSERT INTO tenant (name, kind, created, status)
  VALUES ('default', 'organization', CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER), 'active');
