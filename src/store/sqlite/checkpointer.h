// Background WAL checkpoints. SQLite's automatic checkpoint runs inside the writer's COMMIT:
// copying pages into the database file and fsyncing it stalls every write queued behind it.
// Here the writer's WAL hook only nudges a thread of its own connection, which checkpoints
// (PASSIVE: it never blocks the writer or readers). Under a steady load that checkpoint never
// catches up with the end of the WAL, so the log could not restart and would grow without end;
// past a hard limit the writer therefore checkpoints itself (cheap, since little is left),
// after which its next transaction restarts the log. Private to src/store/sqlite/.
#pragma once

#include <sqlite3.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "store/sqlite/connection.h"

namespace kiln::store::sqlite {

class Checkpointer {
 public:
  // Takes over checkpointing of `writer` (its WAL hook), using a connection of its own to `path`.
  Checkpointer(const std::string& path, Connection& writer);
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // WAL sizes, in pages: a background checkpoint starts each time the log grew by the first;
  // the writer checkpoints in line past the second (a log of at most 128 MiB). Index writes
  // touch the same leaf pages again and again, and a checkpoint copies each page once however
  // often it was written: measured with bench/wrk/create_observation.lua, 8,000 pages between
  // checkpoints wrote 55 kB per create against 63 kB with 1,000, and created 18 % more per second.
  static constexpr int kBackgroundPages = 8000;
  static constexpr int kInlinePages = 32000;

 private:
  static int OnCommit(void* self, sqlite3* db, const char* schema, int wal_pages);
  void Loop();

  const std::string path_;
  int nudged_at_ = 0;  // writer thread only: the WAL size at the last nudge
  std::mutex mu_;
  std::condition_variable cv_;
  bool wanted_ = false;    // GUARDED_BY(mu_)
  bool stopping_ = false;  // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace kiln::store::sqlite
