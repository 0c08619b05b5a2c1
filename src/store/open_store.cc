#include <filesystem>

#include "store/postgres/pg_store.h"
#include "store/sqlite/schema.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"

namespace kiln::store {

namespace {

// The SQLite database file a URL names, creating the data directory when it is one.
Result<std::string> SqlitePath(std::string_view url) {
  if (url.starts_with("sqlite:")) return std::string(url.substr(7));
  if (url.find("://") != std::string_view::npos) {
    return Error::Make(
        Issue::kNotSupported,
        "Unsupported store URL '" + std::string(url) +
            "' (supported: a directory, sqlite:/path/to/file.db, postgresql://user@host:port/db)");
  }
  // A plain directory: the default embedded layout, <dir>/kiln.db.
  std::error_code ec;
  std::filesystem::create_directories(url, ec);
  if (ec)
    return Error::Make(Issue::kException,
                       "Cannot create data directory " + std::string(url) + ": " + ec.message());
  return (std::filesystem::path(url) / "kiln.db").string();
}

}  // namespace

bool IsPostgresUrl(std::string_view url) {
  return url.starts_with("postgresql://") || url.starts_with("postgres://");
}

Result<std::unique_ptr<Store>> OpenStore(const StoreOptions& options) {
  if (IsPostgresUrl(options.url)) {
    KILN_TRY_ASSIGN(auto store,
                    postgres::PgStore::Open(options.url, options.read_connections, options.bulk_load));
    return std::unique_ptr<Store>(std::move(store));
  }
  KILN_TRY_ASSIGN(std::string path, SqlitePath(options.url));
  KILN_TRY_ASSIGN(auto store, sqlite::SqliteStore::Open(
                                  path, options.read_connections,
                                  options.bulk_load ? sqlite::WriterTuning::Bulk() : sqlite::WriterTuning{}));
  return std::unique_ptr<Store>(std::move(store));
}

Result<int> MigrateStore(const StoreOptions& options) {
  if (IsPostgresUrl(options.url)) return postgres::PgStore::Migrate(options.url);
  KILN_TRY_ASSIGN(std::string path, SqlitePath(options.url));
  KILN_TRY(sqlite::SqliteStore::Open(path, 1));  // SQLite migrates as it opens
  return sqlite::CurrentSchemaVersion();
}

}  // namespace kiln::store
