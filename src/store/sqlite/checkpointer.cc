#include "store/sqlite/checkpointer.h"

#include "core/log.h"
#include "core/thread.h"

namespace kiln::store::sqlite {

Checkpointer::Checkpointer(const std::string& path, Connection& writer) : path_(path) {
  sqlite3_wal_hook(writer.handle(), &Checkpointer::OnCommit, this);
  thread_ = std::thread([this] {
    SetThreadName("kiln-checkpoint");
    Loop();
  });
}

Checkpointer::~Checkpointer() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

int Checkpointer::OnCommit(void* self, sqlite3* db, const char* schema, int wal_pages) {
  auto* c = static_cast<Checkpointer*>(self);
  if (wal_pages >= kInlinePages) {
    int rc = sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) log::Warn("checkpoint failed", {{"error", sqlite3_errstr(rc)}});
    return SQLITE_OK;
  }
  if (wal_pages < c->nudged_at_) c->nudged_at_ = 0;  // the log restarted
  // Every kBackgroundPages new frames, so that a page that many commits wrote meanwhile is
  // copied into the database file once, not once per commit.
  if (wal_pages - c->nudged_at_ >= kBackgroundPages) {
    c->nudged_at_ = wal_pages;
    {
      std::lock_guard lock(c->mu_);
      c->wanted_ = true;
    }
    c->cv_.notify_one();
  }
  return SQLITE_OK;
}

void Checkpointer::Loop() {
  std::unique_ptr<Connection> conn;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || wanted_; });
      if (stopping_) return;
      wanted_ = false;
    }
    if (!conn) {
      auto opened = Connection::Open(path_, 1024);
      if (!opened) {
        log::Warn("checkpoint connection failed", {{"error", opened.error().diagnostics}});
        continue;
      }
      conn = std::move(opened).value();
    }
    int rc = sqlite3_wal_checkpoint_v2(conn->handle(), "main", SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) log::Warn("checkpoint failed", {{"error", sqlite3_errstr(rc)}});
  }
}

}  // namespace kiln::store::sqlite
