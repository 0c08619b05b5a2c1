-- Search index, one table per SearchParameter kind (see src/store/README.md). Rows describe the
-- current version of each resource only; a write replaces its resource's rows. Each table is
-- clustered on the key its searches seek (WITHOUT ROWID), so a row is written to two b-trees:
-- the table itself and the per-resource index that updates and deletes use.

CREATE TABLE idx_string (
  tenant TEXT NOT NULL, type TEXT NOT NULL, param TEXT NOT NULL,
  norm   TEXT NOT NULL,  -- case- and accent-folded, for prefix and :contains
  exact  TEXT NOT NULL,  -- as written, for :exact
  res_id TEXT NOT NULL,
  grp    INTEGER NOT NULL,  -- composite parameters: values of one group belong together
  PRIMARY KEY (tenant, type, param, norm, exact, res_id, grp)
) WITHOUT ROWID;
CREATE INDEX idx_string_res ON idx_string (tenant, type, res_id);

CREATE TABLE idx_token (
  tenant TEXT NOT NULL, type TEXT NOT NULL, param TEXT NOT NULL,
  code   TEXT NOT NULL,
  system TEXT NOT NULL,  -- '' when the value has no system
  res_id TEXT NOT NULL,
  grp    INTEGER NOT NULL,  -- composite parameters: values of one group belong together
  text   TEXT NOT NULL,  -- folded display/text, for :text
  PRIMARY KEY (tenant, type, param, code, system, res_id, grp)
) WITHOUT ROWID;
CREATE INDEX idx_token_res ON idx_token (tenant, type, res_id);

CREATE TABLE idx_reference (
  tenant TEXT NOT NULL, type TEXT NOT NULL, param TEXT NOT NULL,
  target_id   TEXT NOT NULL,  -- local references: type and id
  target_type TEXT NOT NULL,
  url         TEXT NOT NULL,  -- other references: the URL as written
  res_id TEXT NOT NULL,
  grp    INTEGER NOT NULL,  -- composite parameters: values of one group belong together
  PRIMARY KEY (tenant, type, param, target_id, target_type, url, res_id, grp)
) WITHOUT ROWID;
CREATE INDEX idx_reference_res ON idx_reference (tenant, type, res_id);
CREATE INDEX idx_reference_url ON idx_reference (tenant, type, param, url) WHERE url <> '';

CREATE TABLE idx_date (
  tenant TEXT NOT NULL, type TEXT NOT NULL, param TEXT NOT NULL,
  start INTEGER NOT NULL,  -- [start, end) in microseconds since the epoch, UTC
  end   INTEGER NOT NULL,
  res_id TEXT NOT NULL,
  grp    INTEGER NOT NULL,  -- composite parameters: values of one group belong together
  PRIMARY KEY (tenant, type, param, start, end, res_id, grp)
) WITHOUT ROWID;
CREATE INDEX idx_date_res ON idx_date (tenant, type, res_id);

CREATE TABLE idx_number (
  tenant TEXT NOT NULL, type TEXT NOT NULL, param TEXT NOT NULL,
  value REAL NOT NULL,
  res_id TEXT NOT NULL,
  grp    INTEGER NOT NULL,  -- composite parameters: values of one group belong together
  low REAL NOT NULL, high REAL NOT NULL,
  PRIMARY KEY (tenant, type, param, value, res_id, grp)
) WITHOUT ROWID;
CREATE INDEX idx_number_res ON idx_number (tenant, type, res_id);

CREATE TABLE idx_quantity (
  tenant TEXT NOT NULL, type TEXT NOT NULL, param TEXT NOT NULL,
  code TEXT NOT NULL,  -- the unit's code (or its display unit when it has no code)
  value REAL NOT NULL,
  system TEXT NOT NULL,
  res_id TEXT NOT NULL,
  grp    INTEGER NOT NULL,  -- composite parameters: values of one group belong together
  low REAL NOT NULL, high REAL NOT NULL,
  PRIMARY KEY (tenant, type, param, code, value, system, res_id, grp)
) WITHOUT ROWID;
CREATE INDEX idx_quantity_res ON idx_quantity (tenant, type, res_id);

CREATE TABLE idx_uri (
  tenant TEXT NOT NULL, type TEXT NOT NULL, param TEXT NOT NULL,
  uri TEXT NOT NULL,
  res_id TEXT NOT NULL,
  grp    INTEGER NOT NULL,  -- composite parameters: values of one group belong together
  PRIMARY KEY (tenant, type, param, uri, res_id, grp)
) WITHOUT ROWID;
CREATE INDEX idx_uri_res ON idx_uri (tenant, type, res_id);
