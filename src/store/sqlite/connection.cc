#include "store/sqlite/connection.h"

#include "store/sqlite/wal_batching_vfs.h"

namespace kiln::store::sqlite {

namespace {
constexpr size_t kMaxCachedStatements = 256;
}  // namespace

Error SqliteError(sqlite3* db, int rc, std::string_view what) {
  int primary = rc & 0xff;
  bool transient = primary == SQLITE_BUSY || primary == SQLITE_LOCKED || primary == SQLITE_IOERR ||
                   primary == SQLITE_FULL || primary == SQLITE_CANTOPEN;
  std::string msg = "Storage error while " + std::string(what) + ": " + sqlite3_errstr(rc);
  if (db != nullptr && primary != SQLITE_OK) msg += std::string(" (") + sqlite3_errmsg(db) + ")";
  return Error::Make(transient ? Issue::kTransient : Issue::kException, std::move(msg));
}

Result<bool> Statement::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(sqlite3_db_handle(stmt_), rc, "running a statement");
}

Result<> Statement::Run() {
  for (;;) {
    KILN_TRY_ASSIGN(bool row, Step());
    if (!row) return Ok{};
  }
}

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path, int cache_kib) {
  // SQLite counts every allocation under one process-wide mutex unless memory statistics are
  // off; Kiln never reads them, and that mutex is taken by every connection on every statement.
  // Configuration must precede SQLite's initialization, so it happens once, before any open.
  static const bool kConfigured = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK;
  (void)kConfigured;
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, WalBatchingVfs());
  if (rc != SQLITE_OK) {
    Error e = SqliteError(db, rc, "opening the database");
    sqlite3_close(db);
    return e;
  }
  std::unique_ptr<Connection> conn(new Connection(db));
  sqlite3_busy_timeout(db, 10000);
  // WAL lets readers run while the writer commits; synchronous=FULL makes every acknowledged
  // commit durable (the WAL is fsynced at each commit, which group commit amortizes).
  // No mmap: the OS page cache serves reads either way, and mapped pages would count against the
  // server's resident memory as the database grows.
  KILN_TRY(
      conn->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=OFF;"
                 "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-" +
                 std::to_string(cache_kib) + ";"));
  return conn;
}

Connection::~Connection() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

Result<std::unique_ptr<Statement>> Connection::Prepare(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return std::make_unique<Statement>(it->second);
  if (cache_.size() >= kMaxCachedStatements) {
    // Search SQL varies with the query's shape; keep the cache bounded.
    for (auto& [text, cached] : cache_) sqlite3_finalize(cached);
    cache_.clear();
  }
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                              &stmt, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db_, rc, "preparing a statement");
  cache_.emplace(sql, stmt);
  return std::make_unique<Statement>(stmt);
}

Result<> Connection::Run(const std::string& sql) {
  KILN_TRY_ASSIGN(auto stmt, Prepare(sql));
  return stmt->Run();
}

Result<> Connection::Exec(std::string_view sql) {
  char* err = nullptr;
  std::string text(sql);
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  sqlite3_free(err);
  if (rc != SQLITE_OK) return SqliteError(db_, rc, "executing a statement");
  return Ok{};
}

}  // namespace kiln::store::sqlite
