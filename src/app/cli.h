// What the store-administering commands (`kiln tenant`, `kiln client`, `kiln key`) share.
#pragma once

#include <CLI/CLI.hpp>

#include <iostream>
#include <string>
#include <string_view>

#include "core/error.h"

namespace kiln::app {

// --data-dir (also --store): a directory or a store URL; KILN_DATA_DIR.
inline void AddDataDirOption(CLI::App& cmd, std::string& data_dir) {
  cmd.add_option("--data-dir,--store", data_dir, "Where the database lives (a directory or a store URL)")
      ->envname("KILN_DATA_DIR")
      ->capture_default_str();
}

// Prints "kiln COMMAND: diagnostics" on stderr; the exit status of a failed command.
inline int CommandFailed(std::string_view command, const Error& e) {
  std::cerr << "kiln " << command << ": " << e.diagnostics << "\n";
  return 1;
}

}  // namespace kiln::app
