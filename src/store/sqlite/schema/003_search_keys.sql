-- Search index keyed by dictionary codes (see src/store/README.md). Every index row carried its
-- tenant, resource type and parameter code as three strings, written twice (the table and its
-- per-resource index): most of each row's bytes and of every key comparison. Now one integer,
-- `key`, stands for the triple; `search_key` maps it back, and the per-resource index becomes
-- (res_id, key). Existing rows are carried over as they are.

CREATE TABLE search_key (
  key    INTEGER PRIMARY KEY,
  tenant TEXT NOT NULL,
  type   TEXT NOT NULL,
  param  TEXT NOT NULL,
  UNIQUE (tenant, type, param)
);

INSERT INTO search_key (tenant, type, param)
  SELECT tenant, type, param FROM idx_string
UNION
  SELECT tenant, type, param FROM idx_token
UNION
  SELECT tenant, type, param FROM idx_reference
UNION
  SELECT tenant, type, param FROM idx_date
UNION
  SELECT tenant, type, param FROM idx_number
UNION
  SELECT tenant, type, param FROM idx_quantity
UNION
  SELECT tenant, type, param FROM idx_uri;

CREATE TABLE idx_string_new (
  key INTEGER NOT NULL,
  norm TEXT NOT NULL, exact TEXT NOT NULL,
  res_id TEXT NOT NULL,
  grp INTEGER NOT NULL,
  PRIMARY KEY (key, norm, exact, res_id, grp)
) WITHOUT ROWID;
INSERT INTO idx_string_new SELECT k.key, x.norm, x.exact, x.res_id, x.grp
  FROM idx_string x JOIN search_key k ON k.tenant = x.tenant AND k.type = x.type AND k.param = x.param;
DROP TABLE idx_string;
ALTER TABLE idx_string_new RENAME TO idx_string;
CREATE INDEX idx_string_res ON idx_string (res_id, key);

CREATE TABLE idx_token_new (
  key INTEGER NOT NULL,
  code TEXT NOT NULL, system TEXT NOT NULL,
  res_id TEXT NOT NULL,
  grp INTEGER NOT NULL,
  text TEXT NOT NULL,
  PRIMARY KEY (key, code, system, res_id, grp)
) WITHOUT ROWID;
INSERT INTO idx_token_new SELECT k.key, x.code, x.system, x.res_id, x.grp, x.text
  FROM idx_token x JOIN search_key k ON k.tenant = x.tenant AND k.type = x.type AND k.param = x.param;
DROP TABLE idx_token;
ALTER TABLE idx_token_new RENAME TO idx_token;
CREATE INDEX idx_token_res ON idx_token (res_id, key);

CREATE TABLE idx_reference_new (
  key INTEGER NOT NULL,
  target_id TEXT NOT NULL, target_type TEXT NOT NULL, url TEXT NOT NULL,
  res_id TEXT NOT NULL,
  grp INTEGER NOT NULL,
  PRIMARY KEY (key, target_id, target_type, url, res_id, grp)
) WITHOUT ROWID;
INSERT INTO idx_reference_new SELECT k.key, x.target_id, x.target_type, x.url, x.res_id, x.grp
  FROM idx_reference x JOIN search_key k ON k.tenant = x.tenant AND k.type = x.type AND k.param = x.param;
DROP TABLE idx_reference;
ALTER TABLE idx_reference_new RENAME TO idx_reference;
CREATE INDEX idx_reference_res ON idx_reference (res_id, key);

CREATE TABLE idx_date_new (
  key INTEGER NOT NULL,
  start INTEGER NOT NULL, end INTEGER NOT NULL,
  res_id TEXT NOT NULL,
  grp INTEGER NOT NULL,
  PRIMARY KEY (key, start, end, res_id, grp)
) WITHOUT ROWID;
INSERT INTO idx_date_new SELECT k.key, x.start, x.end, x.res_id, x.grp
  FROM idx_date x JOIN search_key k ON k.tenant = x.tenant AND k.type = x.type AND k.param = x.param;
DROP TABLE idx_date;
ALTER TABLE idx_date_new RENAME TO idx_date;
CREATE INDEX idx_date_res ON idx_date (res_id, key);

CREATE TABLE idx_number_new (
  key INTEGER NOT NULL,
  value REAL NOT NULL,
  res_id TEXT NOT NULL,
  grp INTEGER NOT NULL,
  low REAL NOT NULL, high REAL NOT NULL,
  PRIMARY KEY (key, value, res_id, grp)
) WITHOUT ROWID;
INSERT INTO idx_number_new SELECT k.key, x.value, x.res_id, x.grp, x.low, x.high
  FROM idx_number x JOIN search_key k ON k.tenant = x.tenant AND k.type = x.type AND k.param = x.param;
DROP TABLE idx_number;
ALTER TABLE idx_number_new RENAME TO idx_number;
CREATE INDEX idx_number_res ON idx_number (res_id, key);

CREATE TABLE idx_quantity_new (
  key INTEGER NOT NULL,
  code TEXT NOT NULL, value REAL NOT NULL, system TEXT NOT NULL,
  res_id TEXT NOT NULL,
  grp INTEGER NOT NULL,
  low REAL NOT NULL, high REAL NOT NULL,
  PRIMARY KEY (key, code, value, system, res_id, grp)
) WITHOUT ROWID;
INSERT INTO idx_quantity_new SELECT k.key, x.code, x.value, x.system, x.res_id, x.grp, x.low, x.high
  FROM idx_quantity x JOIN search_key k ON k.tenant = x.tenant AND k.type = x.type AND k.param = x.param;
DROP TABLE idx_quantity;
ALTER TABLE idx_quantity_new RENAME TO idx_quantity;
CREATE INDEX idx_quantity_res ON idx_quantity (res_id, key);

CREATE TABLE idx_uri_new (
  key INTEGER NOT NULL,
  uri TEXT NOT NULL,
  res_id TEXT NOT NULL,
  grp INTEGER NOT NULL,
  PRIMARY KEY (key, uri, res_id, grp)
) WITHOUT ROWID;
INSERT INTO idx_uri_new SELECT k.key, x.uri, x.res_id, x.grp
  FROM idx_uri x JOIN search_key k ON k.tenant = x.tenant AND k.type = x.type AND k.param = x.param;
DROP TABLE idx_uri;
ALTER TABLE idx_uri_new RENAME TO idx_uri;
CREATE INDEX idx_uri_res ON idx_uri (res_id, key);

CREATE INDEX idx_reference_url ON idx_reference (key, url) WHERE url <> '';
