// What the store-administering commands (`kiln tenant`, `kiln client`, `kiln key`) share.
#pragma once

#include <CLI/CLI.hpp>

#include <iostream>
#include <string>
#include <string_view>

#include "app/config.h"
#include "core/error.h"

namespace kiln::app {

// --data-dir (KILN_DATA_DIR) and --store (KILN_STORE): where the data lives (config.h).
inline void AddDataDirOption(CLI::App& cmd, StoreConfig& cfg) {
  cmd.add_option("--data-dir", cfg.data_dir,
                 "Where Kiln keeps its data (and the SQLite database unless --store)")
      ->envname("KILN_DATA_DIR")
      ->capture_default_str();
  cmd.add_option("--store", cfg.store,
                 "The database: a directory, sqlite:/path/kiln.db or postgresql://user@host:port/db "
                 "(default: the data directory)")
      ->envname("KILN_STORE");
}

// Prints "kiln COMMAND: diagnostics" on stderr; the exit status of a failed command.
inline int CommandFailed(std::string_view command, const Error& e) {
  std::cerr << "kiln " << command << ": " << e.diagnostics << "\n";
  return 1;
}

}  // namespace kiln::app
