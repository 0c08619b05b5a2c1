// The storage interface: the only store header included outside src/store/. Backends (SQLite,
// PostgreSQL) implement it; OpenStore picks one from a URL.
//
// Thread-safety: a Store is shared by all request threads; every method may be called
// concurrently. Durability: when Commit returns success the writes survive a crash of the process.
// Errors: kNotFound for a missing resource or version, kConflict when a WriteOp's base_version
// no longer matches, kTransient when the database is unavailable, kException otherwise.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"
#include "store/auth_types.h"
#include "store/types.h"

namespace kiln::store {

class Store {
 public:
  virtual ~Store() = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Applies all writes atomically: all are stored, or none.
  virtual Result<CommitInfo> Commit(const TenantId& tenant, std::vector<WriteOp> writes) = 0;

  // The current version of a resource (which may be a deletion); kNotFound if it never existed.
  virtual Result<Version> ReadCurrent(const TenantId& tenant, const std::string& type,
                                      const std::string& id) = 0;
  // A specific version; kNotFound if that version does not exist.
  virtual Result<Version> ReadVersion(const TenantId& tenant, const std::string& type, const std::string& id,
                                      int64_t version) = 0;

  // ---- auth: the authorization server's records (auth_types.h, docs/security.md) ----
  // Other processes (the `kiln client` CLI) may change them at any time.
  //
  // Clients: kConflict when the id is taken, kNotFound for an unknown id. List is by id. Deleting
  // a client deletes its authorization codes and refresh tokens.
  virtual Result<Ok> CreateClient(const ClientRecord& client) = 0;
  virtual Result<ClientRecord> GetClient(const std::string& id) = 0;
  virtual Result<std::vector<ClientRecord>> ListClients() = 0;
  virtual Result<Ok> DeleteClient(const std::string& id) = 0;
  // Signing keys, newest first. Adding one retires (as of its `created`) every key still signing.
  virtual Result<Ok> AddSigningKey(const SigningKeyRecord& key) = 0;
  virtual Result<std::vector<SigningKeyRecord>> SigningKeys() = 0;
  // Records that `client_id` used the assertion `jti`, which expires at `expires`; kConflict when
  // it was used before and has not expired by `now`. Forgets assertions expired by `now`.
  virtual Result<Ok> UseAssertion(const std::string& client_id, const std::string& jti, Micros expires,
                                  Micros now) = 0;
  // Revoked access tokens by jti, remembered until they expire (those expired by `now` are forgotten).
  virtual Result<Ok> RevokeToken(const std::string& jti, Micros expires, Micros now) = 0;
  virtual Result<bool> IsTokenRevoked(const std::string& jti) = 0;
  //
  // Users with their memberships: kConflict when the id is taken, kNotFound for an unknown id.
  // List is by id. Deleting a user deletes its memberships, authorization codes and refresh tokens.
  virtual Result<Ok> CreateUser(const UserRecord& user) = 0;
  virtual Result<UserRecord> GetUser(const std::string& id) = 0;
  virtual Result<std::vector<UserRecord>> ListUsers() = 0;
  virtual Result<Ok> DeleteUser(const std::string& id) = 0;
  // Replaces all of the user's memberships by `memberships` at once (kNotFound for an unknown id).
  virtual Result<Ok> SetMemberships(const std::string& user, const std::vector<Membership>& memberships) = 0;
  // Authorization codes and refresh tokens by hash (adding one forgets those expired by `now`).
  // Use* marks one used and returns it as it was: `used` set when it had been used before.
  // kNotFound when there is none of that hash, or it expired by `now`.
  virtual Result<Ok> AddAuthCode(const AuthCodeRecord& code, Micros now) = 0;
  virtual Result<AuthCodeRecord> UseAuthCode(const std::string& code_hash, Micros now) = 0;
  virtual Result<Ok> AddRefreshToken(const RefreshTokenRecord& token, Micros now) = 0;
  virtual Result<RefreshTokenRecord> UseRefreshToken(const std::string& token_hash, Micros now) = 0;
  // Forgets every refresh token of the grant (codes expire within a minute anyway).
  virtual Result<Ok> RevokeGrant(const std::string& grant_id) = 0;

  virtual Result<ListPage> List(const TenantId& tenant, const ListQuery& query) = 0;

  // The local references held by the current versions of `ids` (all of `type`) in the reference
  // parameters `params` (any parameter when empty), without duplicates.
  virtual Result<std::vector<ResourceRef>> References(const TenantId& tenant, const std::string& type,
                                                      const std::vector<std::string>& ids,
                                                      const std::vector<std::string>& params) = 0;
  // The current versions of `refs` that exist, in the order given: only those not deleted, or
  // deletions too when `with_deleted` (a writer planning the next versions needs those as well).
  virtual Result<std::vector<Version>> ReadMany(const TenantId& tenant, const std::vector<ResourceRef>& refs,
                                                bool with_deleted) = 0;
  virtual Result<HistoryPage> History(const TenantId& tenant, const HistoryQuery& query) = 0;

  // The tenant registry (docs/tenants.md). The store checks no naming rules (the caller does),
  // but it refuses commits into a tenant that is not active (kNotFound), and it never deletes the
  // default tenant. Other processes may change the registry at any time (the CLI does).
  //
  // Adds an active tenant; kConflict when the name is taken, also by a tenant being deleted.
  virtual Result<TenantInfo> CreateTenant(const TenantInfo& tenant) = 0;
  // The tenant, whatever its status; kNotFound if there is none of that name.
  virtual Result<TenantInfo> GetTenant(const TenantId& tenant) = 0;
  // Every tenant, the default one included, by name.
  virtual Result<std::vector<TenantInfo>> ListTenants() = 0;
  // Marks the tenant kDeleting (from then on it takes no commits), removes all of its rows a few
  // hundred resources per transaction, then the tenant itself. kNotFound if there is none of that
  // name; kInvalid for the default tenant. Resumes an interrupted deletion when called again.
  virtual Result<Ok> DeleteTenant(const TenantId& tenant) = 0;

  // Streams what `queries` select to `visit` (with the index of the query), each query's
  // resources in stored order (as List) and the queries one after another, without holding them in memory:
  // for bulk export. All of it is read from one snapshot, as of the start of the scan, so
  // commits made meanwhile are not seen; a backend may read in pages internally. The first error
  // `visit` returns stops the scan and is returned. `snapshot_taken` (when set) is called once the
  // snapshot is fixed, before the first resource is read: commits after it are not seen.
  using ScanVisitor = std::function<Result<>(size_t query, const ScannedResource& resource)>;
  virtual Result<> Scan(const TenantId& tenant, const std::vector<ScanQuery>& queries,
                        const ScanVisitor& visit, const std::function<void()>& snapshot_taken) = 0;

 protected:
  Store() = default;
};

struct StoreOptions {
  // "sqlite:/path/to/kiln.db", "sqlite::memory:" (tests), or a directory for SQLite;
  // "postgresql://user@host:port/db" (any libpq URL) for PostgreSQL (docs/postgres.md).
  std::string url;
  int read_connections = 8;  // PostgreSQL: the size of the connection pool
  // One client loads a lot of data in large commits (`kiln import`). SQLite then gives its
  // writer a page cache that holds the index pages a load keeps touching, and applies queued
  // commits together in larger transactions; PostgreSQL analyzes its tables when the store
  // closes, so that the planner knows what was loaded. Nothing about what is stored changes.
  bool bulk_load = false;
};
// Opens the store. SQLite brings its schema up to date; PostgreSQL refuses a database whose
// schema is not the one this binary knows (kException, saying to run `kiln migrate`).
Result<std::unique_ptr<Store>> OpenStore(const StoreOptions& options);
// Brings the store's schema up to date (`kiln migrate`); the schema version reached.
Result<int> MigrateStore(const StoreOptions& options);
// Whether `url` names a PostgreSQL database (postgresql:// or postgres://).
bool IsPostgresUrl(std::string_view url);

}  // namespace kiln::store
