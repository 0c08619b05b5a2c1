// The PostgreSQL backend: the same tables as SQLite's (src/store/README.md), each keyed by tenant
// first so that Citus can distribute them by tenant (docs/postgres.md), on a pool of libpq
// connections. Several Kiln processes may share one database: version checks take row locks
// (SELECT ... FOR UPDATE) and unique keys catch concurrent creates, so every version number is
// issued once and a lost race is kConflict. A commit is one transaction of a few multi-row
// statements; it is durable when COMMIT returns (synchronous_commit). Commits run on the calling
// thread; small ones arriving together share a transaction (commit.cc).
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

#include <memory>
#include <string>
#include <vector>

#include "store/postgres/pool.h"
#include "store/postgres/search_keys.h"
#include "store/store.h"

namespace kiln::store::postgres {

class PgStore final : public Store {
 public:
  // Connects to `url` (a libpq URL, postgresql://...) and checks that the database has the
  // schema this binary knows (`kiln migrate` makes it so); kTransient when unreachable.
  // `bulk_load` (StoreOptions::bulk_load): the store analyzes its tables as it closes.
  static Result<std::unique_ptr<PgStore>> Open(const std::string& url, int connections,
                                               bool bulk_load = false);
  ~PgStore() override;
  // Applies the missing migrations; the schema version reached.
  static Result<int> Migrate(const std::string& url);

  Result<CommitInfo> Commit(const TenantId& tenant, std::vector<WriteOp> writes) override;
  Result<Version> ReadCurrent(const TenantId& tenant, const std::string& type,
                              const std::string& id) override;
  Result<Version> ReadVersion(const TenantId& tenant, const std::string& type, const std::string& id,
                              int64_t version) override;
  // auth: in auth.cc.
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
  // In auth_users.cc.
  Result<Ok> CreateUser(const UserRecord& user) override;
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
  // In tenants.cc.
  Result<TenantInfo> CreateTenant(const TenantInfo& tenant) override;
  Result<TenantInfo> GetTenant(const TenantId& tenant) override;
  Result<std::vector<TenantInfo>> ListTenants() override;
  Result<Ok> DeleteTenant(const TenantId& tenant) override;

 private:
  PgStore(const std::string& url, int connections, bool bulk_load)
      : pool_(url, connections), bulk_load_(bulk_load) {}
  // One commit of those applied together in one transaction (commit.cc).
  struct Member {
    const TenantId* tenant;
    const std::vector<WriteOp>* writes;
    std::optional<Result<CommitInfo>> result;  // set (under group_mu_ when queued) once decided
  };
  // Queues a small commit and returns once it is decided, having led the groups it had to.
  void CommitQueued(Member& me);
  // Commits `group` (one tenant's) in one transaction and sets each member's result: a member
  // that fails its checks fails alone.
  void CommitGroup(std::vector<Member*>& group);
  // CommitOn, retried once on a new connection when a reused one turns out dead before COMMIT.
  Result<> CommitRetrying(const std::vector<Member*>& group, std::vector<Result<CommitInfo>>& results);
  // One attempt on `conn`: a transaction-level failure, or each member's result in `results`.
  // `commit_sent` tells whether COMMIT went out, after which a lost connection leaves the
  // outcome unknown and the commit must not be retried.
  Result<> CommitOn(Connection& conn, const std::vector<Member*>& group,
                    std::vector<Result<CommitInfo>>& results, bool& commit_sent);
  // The statement (one parameter: the tenant) whose result TenantActive checks: kNotFound unless
  // the tenant is in the registry and active. Inside a transaction, it also keeps the tenant's
  // deletion from starting until that transaction ends (tenants.cc).
  static const std::string& TenantStatusSql();
  static Result<> TenantActive(const Rows& status, const TenantId& tenant);

  // After a commit that stored `stored` versions: ANALYZE the resource tables, on a thread of
  // its own, once this process has written 1,000, 4,000, 16,000 ... of them (statistics.cc).
  void KeepStatisticsFresh(int64_t stored);
  // ANALYZE of the resource and index tables, now, on this thread (statistics.cc).
  Result<> Analyze();

  Pool pool_;
  const bool bulk_load_;
  SearchKeys keys_;
  std::atomic<int64_t> written_{0};          // versions this process has committed
  std::atomic<int64_t> next_analyze_{1000};  // written_ at which to ANALYZE next
  std::mutex analyze_mu_;
  std::thread analyzer_;  // GUARDED_BY(analyze_mu_); the last ANALYZE, joined by the destructor
  std::mutex group_mu_;
  std::condition_variable group_cv_;
  std::deque<Member*> queued_;  // GUARDED_BY(group_mu_); small commits waiting for a group
  int groups_in_flight_ = 0;    // GUARDED_BY(group_mu_)
};

}  // namespace kiln::store::postgres
