#include "store/postgres/pg_store.h"

#include <map>

#include "store/postgres/schema.h"
#include "store/sql/history_sql.h"
#include "store/sql/index_query.h"
#include "store/sql/page_total.h"
#include "store/sql/sort_plan.h"

namespace kiln::store::postgres {

namespace {

// Rows a scan fetches from its cursor at a time.
constexpr int kScanBatch = 500;

#define KILN_VERSION_COLUMNS "v.type, v.id, v.version, v.last_updated, v.change, v.json"
constexpr const char* kVersionColumns = KILN_VERSION_COLUMNS;
const std::string kReadCurrentSql = "SELECT " KILN_VERSION_COLUMNS
                                    " FROM resource_current c JOIN resource_version v"
                                    " ON v.tenant = c.tenant AND v.seq = c.seq"
                                    " WHERE c.tenant = ? AND c.type = ? AND c.id = ?";
const std::string kReadVersionSql = "SELECT " KILN_VERSION_COLUMNS
                                    " FROM resource_version v"
                                    " WHERE v.tenant = ? AND v.type = ? AND v.id = ? AND v.version = ?";
#undef KILN_VERSION_COLUMNS

Version VersionFromRow(const Rows& rows, int r, int first) {
  Version v;
  v.type = rows.Text(r, first);
  v.id = rows.Text(r, first + 1);
  v.version = rows.Int(r, first + 2);
  v.last_updated = rows.Int(r, first + 3);
  v.change = static_cast<Change>(rows.Int(r, first + 4));
  v.json = rows.Text(r, first + 5);
  return v;
}

// Searches, history pages and reference lookups: planned for their values every time. A prepared
// statement's generic plan is made once per connection, from the statistics of that moment, and
// kept: it cannot use a LIKE prefix for an index range (Patient?name=smi took 13.6 ms instead of
// 0.14), and one made while the tables were nearly empty goes on scanning them after they grew.
Result<Rows> Run(Connection& conn, const sql::SqlText& q) { return conn.ExecOnce(q.sql, Params(q.params)); }

}  // namespace

Result<std::unique_ptr<PgStore>> PgStore::Open(const std::string& url, int connections, bool bulk_load) {
  auto store = std::unique_ptr<PgStore>(new PgStore(url, connections, bulk_load));
  KILN_TRY_ASSIGN(auto lease, store->pool_.Borrow());
  KILN_TRY(CheckSchema(*lease));
  return store;
}

Result<int> PgStore::Migrate(const std::string& url) {
  KILN_TRY_ASSIGN(auto conn, Connection::Open(url));
  return postgres::Migrate(*conn);
}

Result<Version> PgStore::ReadCurrent(const TenantId& tenant, const std::string& type, const std::string& id) {
  KILN_TRY_ASSIGN(Rows rows, pool_.WithRetry([&](Connection& conn) {
    Params p;
    p.Text(tenant.value);
    p.Text(type);
    p.Text(id);
    return conn.Exec(kReadCurrentSql, p);
  }));
  if (rows.size() == 0) return Error::Make(Issue::kNotFound, "Resource " + type + "/" + id + " is not known");
  return VersionFromRow(rows, 0, 0);
}

Result<Version> PgStore::ReadVersion(const TenantId& tenant, const std::string& type, const std::string& id,
                                     int64_t version) {
  KILN_TRY_ASSIGN(Rows rows, pool_.WithRetry([&](Connection& conn) {
    Params p;
    p.Text(tenant.value);
    p.Text(type);
    p.Text(id);
    p.Int(version);
    return conn.Exec(kReadVersionSql, p);
  }));
  if (rows.size() == 0) {
    return Error::Make(Issue::kNotFound,
                       "Version " + std::to_string(version) + " of " + type + "/" + id + " is not known");
  }
  return VersionFromRow(rows, 0, 0);
}

Result<ListPage> PgStore::List(const TenantId& tenant, const ListQuery& query) {
  return pool_.WithRetry([&](Connection& conn) -> Result<ListPage> {
    sql::SqlText filter;
    int next_alias = 1;
    IndexQuery index = query.index;
    index.type = query.type;
    KeyLookup keys(keys_, conn, tenant);
    filter.sql = " WHERE ";
    KILN_TRY(sql::AppendMatching(filter, keys, index, "c", next_alias));
    if (!query.ids.empty()) {
      filter.sql += " AND c.id IN (";
      for (size_t i = 0; i < query.ids.size(); ++i) filter.Add(i == 0 ? "?" : ", ?", query.ids[i]);
      filter.sql += ")";
    }
    sql::AddTimeIntervals(filter, "c.last_updated", query.last_updated);
    ListPage page;
    if (query.count > 0) {
      KILN_TRY_ASSIGN(sql::SortPlan sort, sql::SortPlan::Make(query.sort, keys, query.type));
      // The page's rows first, then their versions: PostgreSQL, estimating few matches, joined
      // every match's version (its JSON) before it sorted and cut the page, e.g. all 308
      // Encounters of a Location for a page of 50.
      sql::SqlText select = filter;
      if (query.cursor) KILN_TRY(sort.AppendAfter(select, *query.cursor));
      select.sql = "SELECT c.tenant, c.seq, c.rid" + sort.SelectColumns() + " FROM resource_current c" +
                   select.sql + sort.OrderBy();
      select.Add(" LIMIT ?", int64_t{query.count} + 1);
      select.sql = std::string("SELECT ") + kVersionColumns + ", c.rid" + sort.SelectedColumns("c") +
                   " FROM (" + select.sql +
                   ") c JOIN resource_version v ON v.tenant = c.tenant AND v.seq = c.seq" + sort.OrderBy();
      KILN_TRY_ASSIGN(Rows rows, Run(conn, select));
      for (int r = 0; r < rows.size(); ++r) {
        if (r == query.count) {
          page.next_cursor = sort.Cursor(rows[r - 1], 7, rows.Int(r - 1, 6));
          break;
        }
        page.items.push_back(VersionFromRow(rows, r, 0));
      }
    }
    if (query.with_total) {
      if (sql::PageIsTheWholeResult(query, page)) {
        page.total = static_cast<int64_t>(page.items.size());
      } else {
        sql::SqlText count = filter;
        count.sql = "SELECT count(*) FROM resource_current c" + count.sql;
        KILN_TRY_ASSIGN(Rows rows, Run(conn, count));
        page.total = rows.size() ? rows.Int(0, 0) : 0;
      }
    }
    return page;
  });
}

Result<std::vector<ResourceRef>> PgStore::References(const TenantId& tenant, const std::string& type,
                                                     const std::vector<std::string>& ids,
                                                     const std::vector<std::string>& params) {
  std::vector<ResourceRef> refs;
  if (ids.empty()) return refs;
  return pool_.WithRetry([&](Connection& conn) -> Result<std::vector<ResourceRef>> {
    sql::SqlText q;
    q.Add("SELECT DISTINCT target_type, target_id FROM idx_reference WHERE tenant = ?", tenant.value);
    q.sql += " AND target_id <> '' AND rid IN (SELECT rid FROM resource_current";
    q.Add(" WHERE tenant = ?", tenant.value);
    q.Add(" AND type = ?", type);
    q.sql += " AND id IN (";
    for (size_t i = 0; i < ids.size(); ++i) q.Add(i == 0 ? "?" : ", ?", ids[i]);
    q.sql += "))";
    if (!params.empty()) {
      KeyLookup keys(keys_, conn, tenant);
      q.sql += " AND key IN (";
      for (size_t i = 0; i < params.size(); ++i) {
        KILN_TRY_ASSIGN(int64_t key, keys(type, params[i]));
        q.Add(i == 0 ? "?" : ", ?", key);
      }
      q.sql += ")";
    }
    q.sql += " ORDER BY target_type, target_id";
    KILN_TRY_ASSIGN(Rows rows, Run(conn, q));
    std::vector<ResourceRef> out;
    for (int r = 0; r < rows.size(); ++r) out.push_back(ResourceRef{rows.Text(r, 0), rows.Text(r, 1)});
    return out;
  });
}

Result<std::vector<Version>> PgStore::ReadMany(const TenantId& tenant, const std::vector<ResourceRef>& refs,
                                               bool with_deleted) {
  std::vector<Version> out;
  if (refs.empty()) return out;
  // The refs travel as two arrays: an IN list of row values took the planner ~50 ms for 500.
  // Planned for each call, as Run's statements are: their number varies from 2 to thousands.
  static const std::string kSql =
      std::string("SELECT ") + kVersionColumns +
      " FROM resource_current c JOIN resource_version v ON v.tenant = c.tenant AND"
      " v.seq = c.seq JOIN unnest($2::text[], $3::text[]) AS w(type, id)"
      " ON c.type = w.type AND c.id = w.id WHERE c.tenant = $1";
  static const std::string kSqlLive = kSql + " AND c.deleted = 0";
  ArrayText types, ids;
  for (const ResourceRef& r : refs) {
    types.Text(r.type);
    ids.Text(r.id);
  }
  Params p;
  p.Text(tenant.value);
  p.Array("text", types.Done());
  p.Array("text", ids.Done());
  return pool_.WithRetry([&](Connection& conn) -> Result<std::vector<Version>> {
    KILN_TRY_ASSIGN(Rows rows, conn.ExecOnce(with_deleted ? kSql : kSqlLive, p));
    std::map<ResourceRef, Version> found;
    for (int r = 0; r < rows.size(); ++r) {
      Version v = VersionFromRow(rows, r, 0);
      ResourceRef ref{v.type, v.id};
      found.emplace(std::move(ref), std::move(v));
    }
    std::vector<Version> ordered;
    for (const ResourceRef& r : refs) {
      auto it = found.find(r);
      if (it != found.end()) ordered.push_back(it->second);
    }
    return ordered;
  });
}

Result<HistoryPage> PgStore::History(const TenantId& tenant, const HistoryQuery& query) {
  sql::SqlText filter = sql::HistoryFilter(tenant, query);
  return pool_.WithRetry([&](Connection& conn) -> Result<HistoryPage> {
    HistoryPage page;
    {
      sql::SqlText count = filter;
      count.sql = "SELECT count(*) FROM resource_version v" + count.sql;
      KILN_TRY_ASSIGN(Rows rows, Run(conn, count));
      page.total = rows.size() ? rows.Int(0, 0) : 0;
    }
    sql::SqlText select = filter;
    select.sql = std::string("SELECT v.seq, ") + kVersionColumns + " FROM resource_version v" + select.sql;
    if (query.before_sequence) select.Add(" AND v.seq < ?", *query.before_sequence);
    select.Add(" ORDER BY v.seq DESC LIMIT ?", int64_t{std::max(query.count, 0)} + 1);
    KILN_TRY_ASSIGN(Rows rows, Run(conn, select));
    for (int r = 0; r < rows.size(); ++r) {
      if (r == query.count) {
        page.next_before_sequence = rows.Int(r - 1, 0);
        break;
      }
      page.items.push_back(VersionFromRow(rows, r, 1));
    }
    return page;
  });
}

Result<> PgStore::Scan(const TenantId& tenant, const std::vector<ScanQuery>& queries,
                       const ScanVisitor& visit, const std::function<void()>& snapshot_taken) {
  KILN_TRY_ASSIGN(auto lease, pool_.Borrow());
  Connection& conn = *lease;
  // One snapshot for every query; ended on every path, so the connection goes back without it.
  KILN_TRY(conn.Run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
  struct EndRead {
    Connection& conn;
    ~EndRead() {
      if (!conn.broken()) (void)conn.Run("ROLLBACK");
    }
  } end_read{conn};
  // A REPEATABLE READ transaction takes its snapshot at its first statement, not at BEGIN.
  KILN_TRY(conn.Exec("SELECT 1"));
  if (snapshot_taken) snapshot_taken();
  KeyLookup keys(keys_, conn, tenant);
  for (size_t i = 0; i < queries.size(); ++i) {
    const ScanQuery& query = queries[i];
    sql::SqlText select;
    select.sql =
        "DECLARE kiln_scan NO SCROLL CURSOR FOR SELECT c.id, c.last_updated, v.json FROM resource_current c"
        " JOIN resource_version v ON v.tenant = c.tenant AND v.seq = c.seq WHERE ";
    IndexQuery index = query.index;
    index.type = query.type;
    int next_alias = 1;
    KILN_TRY(sql::AppendMatching(select, keys, index, "c", next_alias));
    if (query.since) select.Add(" AND c.last_updated > ?", *query.since);
    sql::AddTimeIntervals(select, "c.last_updated", query.last_updated);
    select.sql += " ORDER BY c.rid";
    KILN_TRY(conn.ExecOnce(select.sql, Params(select.params)));
    for (;;) {
      KILN_TRY_ASSIGN(Rows rows, conn.Exec("FETCH " + std::to_string(kScanBatch) + " FROM kiln_scan"));
      for (int r = 0; r < rows.size(); ++r)
        KILN_TRY(visit(i, ScannedResource{rows.View(r, 0), rows.Int(r, 1), rows.View(r, 2)}));
      if (rows.size() < kScanBatch) break;
    }
    KILN_TRY(conn.Run("CLOSE kiln_scan"));
  }
  return Ok{};
}

}  // namespace kiln::store::postgres
