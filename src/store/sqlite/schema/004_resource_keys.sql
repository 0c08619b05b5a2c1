-- Resources get a store-wide integer key, `rid` (the seq of their first version), and index rows
-- name their resource by it instead of by its id (see src/store/README.md). An id is up to 64
-- bytes (36 for the server's UUIDs), and each index row carried it twice: in its table and in
-- the per-resource index. A rid is a varint of a few bytes, and since it grows with every new
-- resource, the per-resource index (rid, key) and each value's run of rows are appended to at
-- their end instead of at random places. rid is unique across tenants and types, so deleting
-- a resource's rows needs no tenant or type test. Existing rows are carried over.

CREATE TABLE resource_current_new (
  tenant       TEXT    NOT NULL,
  type         TEXT    NOT NULL,
  id           TEXT    NOT NULL,
  version      INTEGER NOT NULL,
  seq          INTEGER NOT NULL,
  last_updated INTEGER NOT NULL,
  deleted      INTEGER NOT NULL,
  rid          INTEGER NOT NULL,  -- the seq of the resource's first version
  PRIMARY KEY (tenant, type, id)
) WITHOUT ROWID;
INSERT INTO resource_current_new
  SELECT c.tenant, c.type, c.id, c.version, c.seq, c.last_updated, c.deleted,
    (SELECT min(v.seq) FROM resource_version v WHERE v.tenant = c.tenant AND v.type = c.type AND v.id = c.id)
  FROM resource_current c;
DROP TABLE resource_current;
ALTER TABLE resource_current_new RENAME TO resource_current;
-- Candidates of a search come by rid, in rid order (the default order of results).
CREATE UNIQUE INDEX resource_current_rid ON resource_current (tenant, type, rid);

CREATE TABLE idx_string_new (
  key INTEGER NOT NULL,
  norm TEXT NOT NULL, exact TEXT NOT NULL,
  rid INTEGER NOT NULL,
  grp INTEGER NOT NULL,
  PRIMARY KEY (key, norm, exact, rid, grp)
) WITHOUT ROWID;
INSERT INTO idx_string_new SELECT x.key, x.norm, x.exact, c.rid, x.grp
  FROM idx_string x JOIN search_key k ON k.key = x.key
  JOIN resource_current c ON c.tenant = k.tenant AND c.type = k.type AND c.id = x.res_id;
DROP TABLE idx_string;
ALTER TABLE idx_string_new RENAME TO idx_string;
CREATE INDEX idx_string_res ON idx_string (rid, key);

CREATE TABLE idx_token_new (
  key INTEGER NOT NULL,
  code TEXT NOT NULL, system TEXT NOT NULL,
  rid INTEGER NOT NULL,
  grp INTEGER NOT NULL,
  text TEXT NOT NULL,
  PRIMARY KEY (key, code, system, rid, grp)
) WITHOUT ROWID;
INSERT INTO idx_token_new SELECT x.key, x.code, x.system, c.rid, x.grp, x.text
  FROM idx_token x JOIN search_key k ON k.key = x.key
  JOIN resource_current c ON c.tenant = k.tenant AND c.type = k.type AND c.id = x.res_id;
DROP TABLE idx_token;
ALTER TABLE idx_token_new RENAME TO idx_token;
CREATE INDEX idx_token_res ON idx_token (rid, key);

CREATE TABLE idx_reference_new (
  key INTEGER NOT NULL,
  target_id TEXT NOT NULL, target_type TEXT NOT NULL, url TEXT NOT NULL,
  rid INTEGER NOT NULL,
  grp INTEGER NOT NULL,
  PRIMARY KEY (key, target_id, target_type, url, rid, grp)
) WITHOUT ROWID;
INSERT INTO idx_reference_new SELECT x.key, x.target_id, x.target_type, x.url, c.rid, x.grp
  FROM idx_reference x JOIN search_key k ON k.key = x.key
  JOIN resource_current c ON c.tenant = k.tenant AND c.type = k.type AND c.id = x.res_id;
DROP TABLE idx_reference;
ALTER TABLE idx_reference_new RENAME TO idx_reference;
CREATE INDEX idx_reference_res ON idx_reference (rid, key);

CREATE TABLE idx_date_new (
  key INTEGER NOT NULL,
  start INTEGER NOT NULL, end INTEGER NOT NULL,
  rid INTEGER NOT NULL,
  grp INTEGER NOT NULL,
  PRIMARY KEY (key, start, end, rid, grp)
) WITHOUT ROWID;
INSERT INTO idx_date_new SELECT x.key, x.start, x.end, c.rid, x.grp
  FROM idx_date x JOIN search_key k ON k.key = x.key
  JOIN resource_current c ON c.tenant = k.tenant AND c.type = k.type AND c.id = x.res_id;
DROP TABLE idx_date;
ALTER TABLE idx_date_new RENAME TO idx_date;
CREATE INDEX idx_date_res ON idx_date (rid, key);

CREATE TABLE idx_number_new (
  key INTEGER NOT NULL,
  value REAL NOT NULL,
  rid INTEGER NOT NULL,
  grp INTEGER NOT NULL,
  low REAL NOT NULL, high REAL NOT NULL,
  PRIMARY KEY (key, value, rid, grp)
) WITHOUT ROWID;
INSERT INTO idx_number_new SELECT x.key, x.value, c.rid, x.grp, x.low, x.high
  FROM idx_number x JOIN search_key k ON k.key = x.key
  JOIN resource_current c ON c.tenant = k.tenant AND c.type = k.type AND c.id = x.res_id;
DROP TABLE idx_number;
ALTER TABLE idx_number_new RENAME TO idx_number;
CREATE INDEX idx_number_res ON idx_number (rid, key);

CREATE TABLE idx_quantity_new (
  key INTEGER NOT NULL,
  code TEXT NOT NULL, value REAL NOT NULL, system TEXT NOT NULL,
  rid INTEGER NOT NULL,
  grp INTEGER NOT NULL,
  low REAL NOT NULL, high REAL NOT NULL,
  PRIMARY KEY (key, code, value, system, rid, grp)
) WITHOUT ROWID;
INSERT INTO idx_quantity_new SELECT x.key, x.code, x.value, x.system, c.rid, x.grp, x.low, x.high
  FROM idx_quantity x JOIN search_key k ON k.key = x.key
  JOIN resource_current c ON c.tenant = k.tenant AND c.type = k.type AND c.id = x.res_id;
DROP TABLE idx_quantity;
ALTER TABLE idx_quantity_new RENAME TO idx_quantity;
CREATE INDEX idx_quantity_res ON idx_quantity (rid, key);

CREATE TABLE idx_uri_new (
  key INTEGER NOT NULL,
  uri TEXT NOT NULL,
  rid INTEGER NOT NULL,
  grp INTEGER NOT NULL,
  PRIMARY KEY (key, uri, rid, grp)
) WITHOUT ROWID;
INSERT INTO idx_uri_new SELECT x.key, x.uri, c.rid, x.grp
  FROM idx_uri x JOIN search_key k ON k.key = x.key
  JOIN resource_current c ON c.tenant = k.tenant AND c.type = k.type AND c.id = x.res_id;
DROP TABLE idx_uri;
ALTER TABLE idx_uri_new RENAME TO idx_uri;
CREATE INDEX idx_uri_res ON idx_uri (rid, key);

CREATE INDEX idx_reference_url ON idx_reference (key, url) WHERE url <> '';

-- Fixed planner statistics for resource_current (sqlite.org/optoverview.html#manual_control_of_query_plans_using_sqlite_stat_tables).
-- Without any, SQLite takes "tenant = ? AND type = ?" for selective, and would answer a search
-- by scanning every resource of the type and testing each against the driving clause's rid
-- list. These say what holds in a real store: a type has many resources, a rid names one.
ANALYZE sqlite_schema;
DELETE FROM sqlite_stat1 WHERE tbl = 'resource_current';
INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES
  ('resource_current', 'resource_current', '1000000 100000 10000 1'),
  ('resource_current', 'resource_current_rid', '1000000 100000 10000 1');
