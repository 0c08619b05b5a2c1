#include <filesystem>

#include "store/sqlite/sqlite_store.h"
#include "store/store.h"

namespace kiln::store {

Result<std::unique_ptr<Store>> OpenStore(const StoreOptions& options) {
  std::string_view url = options.url;
  std::string path;
  if (url.starts_with("sqlite:")) {
    path = std::string(url.substr(7));
  } else if (url.find("://") == std::string_view::npos) {
    // A plain directory: the default embedded layout, <dir>/kiln.db.
    std::error_code ec;
    std::filesystem::create_directories(url, ec);
    if (ec)
      return Error::Make(Issue::kException,
                         "Cannot create data directory " + std::string(url) + ": " + ec.message());
    path = (std::filesystem::path(url) / "kiln.db").string();
  } else {
    return Error::Make(Issue::kNotSupported, "Unsupported store URL '" + std::string(url) +
                                                 "' (supported: a directory, or sqlite:/path/to/file.db)");
  }
  KILN_TRY_ASSIGN(auto store, sqlite::SqliteStore::Open(path, options.read_connections));
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace kiln::store
