#include "store/sqlite/durability.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/log.h"
#include "core/thread.h"

namespace kiln::store::sqlite {

WalSyncer::WalSyncer(std::string wal_path, std::function<void()> on_idle)
    : wal_path_(std::move(wal_path)), on_idle_(std::move(on_idle)) {
  thread_ = std::thread([this] {
    SetThreadName("kiln-sync");
    Loop();
  });
}

WalSyncer::~WalSyncer() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
  if (fd_ >= 0) ::close(fd_);
}

void WalSyncer::Submit(Ack ack) {
  {
    std::lock_guard lock(mu_);
    waiting_.push_back(std::move(ack));
    busy_.store(true, std::memory_order_release);
  }
  cv_.notify_one();
}

void WalSyncer::Loop() {
  std::vector<Ack> batch;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !waiting_.empty(); });
      if (waiting_.empty()) return;  // stopping, and nothing left to acknowledge
      batch.swap(waiting_);
    }
    Result<> synced = Sync();
    for (Ack& ack : batch) ack(synced);
    batch.clear();
    bool idle = false;
    {
      std::lock_guard lock(mu_);
      if (waiting_.empty()) {
        busy_.store(false, std::memory_order_release);
        idle = true;
      }
    }
    if (idle && on_idle_) on_idle_();
  }
}

Result<> WalSyncer::Sync() {
  // fdatasync on any descriptor of a file flushes all of the file's written data, so a
  // descriptor of our own serves. SQLite keeps the same WAL file while the writer's connection
  // is open, but check the inode so that a replaced file can never be "synced" by mistake.
  struct stat by_path {};
  if (::stat(wal_path_.c_str(), &by_path) != 0) {
    return Error::Make(Issue::kException,
                       "The write-ahead log " + wal_path_ + " is missing: " + std::strerror(errno));
  }
  struct stat by_fd {};
  if (fd_ >= 0 &&
      (::fstat(fd_, &by_fd) != 0 || by_fd.st_ino != by_path.st_ino || by_fd.st_dev != by_path.st_dev)) {
    ::close(fd_);
    fd_ = -1;
  }
  if (fd_ < 0) {
    fd_ = ::open(wal_path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) {
      return Error::Make(Issue::kException,
                         "Cannot open the write-ahead log " + wal_path_ + ": " + std::strerror(errno));
    }
  }
  if (::fdatasync(fd_) != 0) {
    std::string why = std::strerror(errno);
    log::Err("fdatasync of the write-ahead log failed", {{"path", wal_path_}, {"error", why}});
    return Error::Make(Issue::kException, "Could not make the write durable: " + why);
  }
  return Ok{};
}

}  // namespace kiln::store::sqlite
