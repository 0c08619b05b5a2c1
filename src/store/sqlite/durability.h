// Pipelined durability for the writer: the writer commits with synchronous=NORMAL (SQLite
// writes the WAL frames but does not fsync them), and hands each committed group's
// acknowledgements to a syncer thread, which fdatasyncs the WAL and only then acknowledges.
// So the writer applies the next group while the previous one reaches the disk, and one fsync
// covers every group committed meanwhile. An acknowledged write is on disk, as with
// synchronous=FULL; readers may see a commit a moment before it is acknowledged.
// Private to src/store/sqlite/.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/result.h"

namespace kiln::store::sqlite {

class WalSyncer {
 public:
  // Called with Ok once the commit it belongs to is durable, or with the error that prevented it.
  using Ack = std::function<void(const Result<>&)>;

  // `wal_path` is the database's write-ahead log ("<db>-wal"). `on_idle` is called (on the
  // syncer's thread) whenever it has acknowledged everything submitted.
  WalSyncer(std::string wal_path, std::function<void()> on_idle);
  // Syncs and acknowledges everything submitted, then stops.
  ~WalSyncer();
  WalSyncer(const WalSyncer&) = delete;
  WalSyncer& operator=(const WalSyncer&) = delete;

  // Calls `ack` after the WAL has been synced past everything written before this call.
  void Submit(Ack ack);
  // True from a Submit until everything submitted is acknowledged.
  bool Busy() const { return busy_.load(std::memory_order_acquire); }

 private:
  void Loop();
  Result<> Sync();

  const std::string wal_path_;
  const std::function<void()> on_idle_;
  std::atomic<bool> busy_ = false;  // written under mu_
  int fd_ = -1;                     // syncer thread only
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Ack> waiting_;  // GUARDED_BY(mu_)
  bool stopping_ = false;     // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace kiln::store::sqlite
