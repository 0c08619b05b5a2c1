// Thin RAII wrappers over the SQLite C API: a connection that caches prepared statements by
// SQL text, and a statement cursor. Not thread-safe: one thread uses a connection at a time.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/result.h"

namespace kiln::store::sqlite {

class Statement {
 public:
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~Statement() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Parameters are 1-based, as in SQLite. Text and blobs are copied (SQLITE_TRANSIENT) unless
  // the caller keeps them alive until the statement is done (Static variants).
  void Bind(int i, int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  void Bind(int i, double v) { sqlite3_bind_double(stmt_, i, v); }
  void Bind(int i, int v) = delete;  // say int64_t or double: an int would convert silently
  void Bind(int i, std::string_view v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void BindStatic(int i, std::string_view v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  }
  void BindBlobStatic(int i, std::string_view v) {
    sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  }

  // Steps once: true with a row, false when done; an error becomes kException/kTransient.
  Result<bool> Step();
  // Runs to completion, for statements without results.
  Result<> Run();

  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  double Real(int col) const { return sqlite3_column_double(stmt_, col); }
  std::string Text(int col) const { return std::string(View(col)); }
  // The column's bytes without a copy: valid until the next Step (or the Statement's end).
  std::string_view View(int col) const {
    auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, col));
    return p ? std::string_view(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string_view();
  }

 private:
  sqlite3_stmt* stmt_;
};

class Connection {
 public:
  // Opens (creating if needed) the database file and applies Kiln's pragmas, with a page cache
  // of at most `cache_kib` KiB for this connection.
  static Result<std::unique_ptr<Connection>> Open(const std::string& path, int cache_kib);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // A cached prepared statement for `sql`; valid until the Statement goes out of scope.
  Result<std::unique_ptr<Statement>> Prepare(const std::string& sql);
  // Runs one or more statements without parameters.
  Result<> Exec(std::string_view sql);
  // Runs one statement without parameters through the statement cache (BEGIN, COMMIT, ...).
  Result<> Run(const std::string& sql);
  sqlite3* handle() const { return db_; }
  int64_t LastInsertRowid() const { return sqlite3_last_insert_rowid(db_); }
  // Rows the last INSERT, UPDATE or DELETE changed.
  int64_t Changes() const { return sqlite3_changes64(db_); }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

// Maps a SQLite result code to a Kiln error (busy/locked/IO -> kTransient). No SQL in messages.
Error SqliteError(sqlite3* db, int rc, std::string_view what);

}  // namespace kiln::store::sqlite
