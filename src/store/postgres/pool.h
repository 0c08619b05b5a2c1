// A pool of libpq connections shared by the request threads. A lost connection is dropped
// instead of returned, and so are the idle ones (after a server restart every one of them is
// dead), so the next Borrow connects anew: the store reconnects by itself, and while the server
// is down each request fails fast with kTransient (connection refused) instead of waiting.
// Thread-safe.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/postgres/connection.h"

namespace kiln::store::postgres {

class Pool {
 public:
  Pool(std::string conninfo, int max_connections);

  // Borrows a connection for the lifetime of the lease; `fresh()` tells whether it was just
  // opened (a reused one may turn out dead at its first statement).
  class Lease {
   public:
    Lease(Pool& pool, std::unique_ptr<Connection> conn, bool fresh)
        : pool_(&pool), conn_(std::move(conn)), fresh_(fresh) {}
    Lease(Lease&& other) noexcept = default;
    ~Lease() {
      if (pool_ && conn_) pool_->Return(std::move(conn_));
    }
    Connection& operator*() { return *conn_; }
    Connection* operator->() { return conn_.get(); }
    bool fresh() const { return fresh_; }

   private:
    Pool* pool_;
    std::unique_ptr<Connection> conn_;
    bool fresh_;
  };
  Result<Lease> Borrow();

  // Runs `body` on a borrowed connection; when it fails with kTransient on a reused connection
  // (which the server may have dropped while it was idle), once more on a fresh one. Only for
  // work that is safe to repeat: reads, or a transaction that did not get as far as COMMIT.
  template <class F>
  auto WithRetry(F&& body) -> decltype(body(std::declval<Connection&>())) {
    for (int attempt = 0;; ++attempt) {
      KILN_TRY_ASSIGN(auto lease, Borrow());
      auto result = body(*lease);
      if (result || result.error().issue != Issue::kTransient || lease.fresh() || attempt > 0) return result;
    }
  }

  const std::string& conninfo() const { return conninfo_; }

 private:
  void Return(std::unique_ptr<Connection> conn);

  const std::string conninfo_;
  const int max_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> idle_;  // GUARDED_BY(mu_)
  int open_ = 0;                                   // GUARDED_BY(mu_)
};

}  // namespace kiln::store::postgres
