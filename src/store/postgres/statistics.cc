// PgStore::KeepStatisticsFresh. PostgreSQL plans by its statistics of the tables, and has none
// for a table until it is analyzed: autovacuum does that about a minute after the table
// changed enough. Until then, a lookup by (tenant, type, id) is planned on the index of
// (tenant, type, rid), the smaller one, with the id as a filter: every read, and every commit's
// lock of the resource it writes, scans all resources of the type. On a new database under
// load that made single creates slower the more there were. So the store analyzes its tables
// itself while they are young (after 1,000 versions written by this process, then 4,000, 16,000,
// up to 4 million; autovacuum keeps up from there), on a thread of its own. ANALYZE reads a sample of at most
// 30,000 rows per table (default_statistics_target 100), so each takes a bounded time, and PostgreSQL replans
// the prepared statements on the tables it changed.
//
// A bulk load (`kiln import`) ends with an ANALYZE too, as the PostgreSQL manual advises after
// loading data ("Populating a Database"): its last threshold may lie far behind, and the types it
// loaded after it were estimated at one row each. The search benchmark imports its files in name
// order, Patient.ndjson last, after the ANALYZE at 64,000 versions: right after it,
// Patient?name&birthdate took 20 ms instead of 0.9 (bench/README.md, "Figures of 2026-12-04").
#include "core/log.h"
#include "store/postgres/pg_store.h"
#include "store/sql/index_query.h"

namespace kiln::store::postgres {

namespace {

constexpr int64_t kGrowth = 4;
constexpr int64_t kLastAnalyze = 4'096'000;

const std::string& AnalyzeSql() {
  static const std::string sql = [] {
    std::string out = "ANALYZE resource_current, resource_version";
    for (const char* table : sql::kIndexTables) out.append(", ").append(table);
    return out;
  }();
  return sql;
}

}  // namespace

void PgStore::KeepStatisticsFresh(int64_t stored) {
  int64_t written = written_.fetch_add(stored) + stored;
  int64_t due = next_analyze_.load();
  if (due > kLastAnalyze || written < due) return;
  // One thread per threshold: the one that moves it on. No request waits for the ANALYZE (up to
  // a second at 16,000 resources on the 2-core machine).
  if (!next_analyze_.compare_exchange_strong(due, due * kGrowth)) return;
  std::lock_guard lock(analyze_mu_);
  if (analyzer_.joinable()) analyzer_.join();  // long done: the thresholds are 4x apart
  analyzer_ = std::thread([this] {
    if (Result<> analyzed = Analyze(); !analyzed)
      log::Warn("ANALYZE of the resource tables failed", {{"error", analyzed.error().diagnostics}});
  });
}

Result<> PgStore::Analyze() {
  KILN_TRY_ASSIGN(auto lease, pool_.Borrow());
  return lease->Run(AnalyzeSql());
}

PgStore::~PgStore() {
  std::lock_guard lock(analyze_mu_);
  if (analyzer_.joinable()) analyzer_.join();
  if (bulk_load_ && written_.load() > 0) {
    if (Result<> analyzed = Analyze(); !analyzed)
      log::Warn("ANALYZE after the bulk load failed", {{"error", analyzed.error().diagnostics}});
  }
}

}  // namespace kiln::store::postgres
