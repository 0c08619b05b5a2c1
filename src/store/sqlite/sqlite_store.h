// The embedded SQLite backend: one database file in WAL mode, a pool of read connections, and
// one writer thread that group-commits: writes that arrive while a commit is being fsynced are
// applied together in the next transaction, each in its own savepoint so that one conflict
// fails only its own commit. This is what makes durable commits cheap under concurrency.
#pragma once

#include <condition_variable>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "store/sqlite/checkpointer.h"
#include "store/sqlite/connection.h"
#include "store/sqlite/durability.h"
#include "store/sqlite/index_sql.h"
#include "store/sqlite/search_keys.h"
#include "store/store.h"

namespace kiln::store::sqlite {

// How the writer batches commits and how much it caches.
struct WriterTuning {
  // The writer's page cache, which holds the index pages that writes touch.
  int cache_kib = 32 * 1024;
  // A transaction takes the commits queued meanwhile until it holds this many writes. Small
  // enough by default that two clients' large transactions do not get answered together and
  // then prepare their next ones together while the writer waits (bench/README.md, "Group
  // commit held big transactions back").
  size_t max_group_writes = 256;

  // For one client loading in large commits (StoreOptions::bulk_load). Each commit rewrites
  // every index page it touched, and a load's values land all over the value indexes, so a
  // commit of two chunks writes hardly more pages than a commit of one: the writer takes two
  // 5,000-resource chunks of `kiln import` at once (more, and the importer's threads wait
  // together and then parse together while the writer idles), and caches 256 MB of pages so
  // that fewer are read back from the OS between commits (bench/README.md, "Bulk load").
  static WriterTuning Bulk() { return {.cache_kib = 256 * 1024, .max_group_writes = 10000}; }
};

class SqliteStore final : public Store {
 public:
  // Opens or creates the database at `path` and brings its schema up to date.
  static Result<std::unique_ptr<SqliteStore>> Open(const std::string& path, int read_connections,
                                                   WriterTuning tuning = {});
  ~SqliteStore() override;

  Result<CommitInfo> Commit(const TenantId& tenant, std::vector<WriteOp> writes) override;
  Result<Version> ReadCurrent(const TenantId& tenant, const std::string& type,
                              const std::string& id) override;
  Result<Version> ReadVersion(const TenantId& tenant, const std::string& type, const std::string& id,
                              int64_t version) override;
  // auth: in auth.cc. Writes use a connection of their own, so they never wait behind the write
  // queue (and behave as another process's would).
  Result<Ok> CreateClient(const ClientRecord& client) override;
  Result<ClientRecord> GetClient(const std::string& id) override;
  Result<std::vector<ClientRecord>> ListClients() override;
  Result<Ok> DeleteClient(const std::string& id) override;
  Result<Ok> AddSigningKey(const SigningKeyRecord& key) override;
  Result<std::vector<SigningKeyRecord>> SigningKeys() override;
  Result<Ok> UseAssertion(const std::string& client_id, const std::string& jti, Micros expires,
                          Micros now) override;
  Result<Ok> RevokeToken(const std::string& jti, Micros expires, Micros now) override;
  Result<bool> IsTokenRevoked(const std::string& jti) override;
  Result<Ok> CreateUser(const UserRecord& user) override;  // auth_users.cc
  Result<UserRecord> GetUser(const std::string& id) override;
  Result<std::vector<UserRecord>> ListUsers() override;
  Result<Ok> DeleteUser(const std::string& id) override;
  Result<Ok> SetMemberships(const std::string& user, const std::vector<Membership>& memberships) override;
  Result<Ok> AddAuthCode(const AuthCodeRecord& code, Micros now) override;
  Result<AuthCodeRecord> UseAuthCode(const std::string& code_hash, Micros now) override;
  Result<Ok> AddRefreshToken(const RefreshTokenRecord& token, Micros now) override;
  Result<RefreshTokenRecord> UseRefreshToken(const std::string& token_hash, Micros now) override;
  Result<Ok> RevokeGrant(const std::string& grant_id) override;
  Result<ListPage> List(const TenantId& tenant, const ListQuery& query) override;
  Result<HistoryPage> History(const TenantId& tenant, const HistoryQuery& query) override;
  Result<> Scan(const TenantId& tenant, const std::vector<ScanQuery>& queries, const ScanVisitor& visit,
                const std::function<void()>& snapshot_taken) override;
  Result<std::vector<ResourceRef>> References(const TenantId& tenant, const std::string& type,
                                              const std::vector<std::string>& ids,
                                              const std::vector<std::string>& params) override;
  Result<std::vector<Version>> ReadMany(const TenantId& tenant, const std::vector<ResourceRef>& refs,
                                        bool with_deleted) override;
  // In tenants.cc. Registry writes use a connection of their own (as another process would), so
  // they never wait behind the write queue, and a deletion lets queued commits in between.
  Result<TenantInfo> CreateTenant(const TenantInfo& tenant) override;
  Result<TenantInfo> GetTenant(const TenantId& tenant) override;
  Result<std::vector<TenantInfo>> ListTenants() override;
  Result<Ok> DeleteTenant(const TenantId& tenant) override;

 private:
  struct PendingCommit {
    const TenantId* tenant;
    std::vector<WriteOp>* writes;
    SortedIndexRows rows;  // of `writes`
    std::promise<Result<CommitInfo>> done;
  };

  // Borrows a read connection for the lifetime of the lease.
  class Lease {
   public:
    Lease(SqliteStore& store, std::unique_ptr<Connection> conn) : store_(store), conn_(std::move(conn)) {}
    Lease(Lease&&) = default;
    ~Lease() { store_.Return(std::move(conn_)); }
    Connection& operator*() { return *conn_; }
    Connection* operator->() { return conn_.get(); }

   private:
    SqliteStore& store_;
    std::unique_ptr<Connection> conn_;
  };

  SqliteStore(std::string path, int read_connections, WriterTuning tuning,
              std::unique_ptr<Connection> writer);
  Result<Lease> Borrow();
  void Return(std::unique_ptr<Connection> conn);

  void WriterLoop();
  // Applies queued commits in one transaction, commits it, and hands it to the syncer.
  void CommitGroup(std::vector<PendingCommit*>& group);
  // Moves queued commits to `group` (up to its limit); false when there were none.
  bool TakeQueued(std::vector<PendingCommit*>& group);
  // Begins the transaction; false (and the error pushed to `results`) when it could not.
  bool Begin(std::vector<Result<CommitInfo>>& results);
  // Applies the commits group[from..] in the open transaction, each in a savepoint if asked.
  // False when the transaction had to be rolled back (then `results` ends with the error).
  bool ApplyCommits(std::vector<PendingCommit*>& group, size_t from, bool savepoints,
                    std::vector<Result<CommitInfo>>& results);
  // Applies one commit; `wrote` tells whether it got as far as writing (and so, on failure,
  // left something that must be rolled back).
  Result<CommitInfo> Apply(const TenantId& tenant, const std::vector<WriteOp>& writes,
                           const SortedIndexRows& rows, bool& wrote);
  // kNotFound unless `tenant` is in the registry and active (tenants.cc).
  static Result<> CheckActive(Connection& conn, const TenantId& tenant);

  const std::string path_;
  const int max_readers_;
  const WriterTuning tuning_;

  std::mutex pool_mu_;
  std::condition_variable pool_cv_;
  std::vector<std::unique_ptr<Connection>> idle_readers_;  // GUARDED_BY(pool_mu_)
  int open_readers_ = 0;                                   // GUARDED_BY(pool_mu_)

  SearchKeys keys_;
  std::unique_ptr<Connection> writer_;  // used only by writer_thread_
  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<PendingCommit*> queue_;  // GUARDED_BY(queue_mu_)
  bool stopping_ = false;             // GUARDED_BY(queue_mu_)
  std::unique_ptr<WalSyncer> syncer_;
  std::unique_ptr<Checkpointer> checkpointer_;
  std::thread writer_thread_;
};

}  // namespace kiln::store::sqlite
