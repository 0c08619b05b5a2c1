#include "store/postgres/pool.h"

#include <algorithm>

namespace kiln::store::postgres {

Pool::Pool(std::string conninfo, int max_connections)
    : conninfo_(std::move(conninfo)), max_(std::max(1, max_connections)) {}

Result<Pool::Lease> Pool::Borrow() {
  std::unique_lock lock(mu_);
  for (;;) {
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      if (!conn->broken()) return Lease(*this, std::move(conn), false);
      --open_;
      continue;
    }
    if (open_ < max_) {
      ++open_;
      lock.unlock();
      auto conn = Connection::Open(conninfo_);
      if (!conn) {
        std::lock_guard relock(mu_);
        --open_;
        cv_.notify_one();
        return conn.error();
      }
      return Lease(*this, std::move(conn).value(), true);
    }
    cv_.wait(lock);
  }
}

void Pool::Return(std::unique_ptr<Connection> conn) {
  std::vector<std::unique_ptr<Connection>> dropped;
  {
    std::lock_guard lock(mu_);
    if (conn->broken()) {
      // The server went away: the idle connections are most likely dead too.
      dropped = std::move(idle_);
      idle_.clear();
      open_ -= static_cast<int>(dropped.size()) + 1;
      dropped.push_back(std::move(conn));
    } else {
      idle_.push_back(std::move(conn));
    }
  }
  cv_.notify_all();
}

}  // namespace kiln::store::postgres
