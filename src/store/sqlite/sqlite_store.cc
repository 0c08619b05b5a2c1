#include "store/sqlite/sqlite_store.h"

#include <cstdint>
#include <unordered_map>
#include <variant>

#include "core/thread.h"
#include "store/sql/history_sql.h"
#include "store/sql/page_total.h"
#include "store/sql/sort_plan.h"
#include "store/sqlite/index_sql.h"
#include "store/sqlite/schema.h"

namespace kiln::store::sqlite {

namespace {

// Commits that arrive while one is in flight share the next transaction, up to this many (and
// up to WriterTuning::max_group_writes writes).
constexpr size_t kMaxGroup = 512;

// Readers share the OS page cache, so a small cache each keeps memory flat as connections are
// added.
constexpr int kReaderCacheKib = 8 * 1024;

Version VersionFromRow(Statement& s, int first) {
  Version v;
  v.type = s.Text(first);
  v.id = s.Text(first + 1);
  v.version = s.Int(first + 2);
  v.last_updated = s.Int(first + 3);
  v.change = static_cast<Change>(s.Int(first + 4));
  v.json = s.Text(first + 5);
  return v;
}

#define KILN_VERSION_COLUMNS "v.type, v.id, v.version, v.last_updated, v.change, v.json"
constexpr const char* kVersionColumns = KILN_VERSION_COLUMNS;
// The hot single-row statements, as constants so that no SQL text is built per request.
const std::string kReadCurrentSql = "SELECT " KILN_VERSION_COLUMNS
                                    " FROM resource_current c JOIN resource_version v ON v.seq = c.seq"
                                    " WHERE c.tenant = ? AND c.type = ? AND c.id = ?";
const std::string kReadVersionSql = "SELECT " KILN_VERSION_COLUMNS
                                    " FROM resource_version v"
                                    " WHERE v.tenant = ? AND v.type = ? AND v.id = ? AND v.version = ?";
const std::string kCurrentVersionSql =
    "SELECT version, rid FROM resource_current WHERE tenant = ? AND type = ? AND id = ?";
const std::string kInsertVersionSql =
    "INSERT INTO resource_version (tenant, type, id, version, last_updated, change, json) VALUES (?, ?, ?, "
    "?, ?, ?, ?)";
// A resource's rid is the seq of its first version, kept by every later one: unique, and growing
// with every new resource, which keeps index appends at the ends of their b-trees. Apply knows
// from its checks whether the row exists, so it inserts or updates; an upsert with RETURNING
// would cost an ephemeral table and a statement journal per write.
const std::string kInsertCurrentSql =
    "INSERT INTO resource_current (tenant, type, id, version, seq, last_updated, deleted, rid)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?5)";
const std::string kUpdateCurrentSql =
    "UPDATE resource_current SET version = ?4, seq = ?5, last_updated = ?6, deleted = ?7"
    " WHERE tenant = ?1 AND type = ?2 AND id = ?3";
#undef KILN_VERSION_COLUMNS
const std::string kBeginSql = "BEGIN IMMEDIATE";
const std::string kBeginReadSql = "BEGIN";
const std::string kFixSnapshotSql = "SELECT 1 FROM resource_current LIMIT 1";
const std::string kRollbackSql = "ROLLBACK";
const std::string kCommitSql = "COMMIT";
const std::string kSavepointSql = "SAVEPOINT kiln_commit";
const std::string kRollbackToSql = "ROLLBACK TO kiln_commit";
const std::string kReleaseSql = "RELEASE kiln_commit";

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path, int read_connections,
                                                       WriterTuning tuning) {
  KILN_TRY_ASSIGN(auto writer, Connection::Open(path, tuning.cache_kib));
  KILN_TRY(Migrate(*writer));
  // The WAL syncer makes commits durable (durability.h); SQLite itself need not fsync them.
  KILN_TRY(writer->Exec("PRAGMA synchronous=NORMAL"));
  return std::unique_ptr<SqliteStore>(new SqliteStore(path, read_connections, tuning, std::move(writer)));
}

SqliteStore::SqliteStore(std::string path, int read_connections, WriterTuning tuning,
                         std::unique_ptr<Connection> writer)
    : path_(std::move(path)),
      max_readers_(std::max(1, read_connections)),
      tuning_(tuning),
      writer_(std::move(writer)),
      syncer_(std::make_unique<WalSyncer>(path_ + "-wal",
                                          [this] {
                                            // The writer may be holding a commit until the syncer is free.
                                            std::lock_guard lock(queue_mu_);
                                            queue_cv_.notify_all();
                                          })),
      checkpointer_(std::make_unique<Checkpointer>(path_, *writer_)) {
  writer_thread_ = std::thread([this] {
    SetThreadName("kiln-writer");
    WriterLoop();
  });
}

SqliteStore::~SqliteStore() {
  {
    std::lock_guard lock(queue_mu_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  writer_thread_.join();
  syncer_.reset();  // acknowledges what the writer committed last
  checkpointer_.reset();
}

Result<SqliteStore::Lease> SqliteStore::Borrow() {
  std::unique_lock lock(pool_mu_);
  for (;;) {
    if (!idle_readers_.empty()) {
      auto conn = std::move(idle_readers_.back());
      idle_readers_.pop_back();
      return Lease(*this, std::move(conn));
    }
    if (open_readers_ < max_readers_) {
      ++open_readers_;
      lock.unlock();
      auto conn = Connection::Open(path_, kReaderCacheKib);
      if (!conn) {
        std::lock_guard relock(pool_mu_);
        --open_readers_;
        return conn.error();
      }
      return Lease(*this, std::move(conn).value());
    }
    pool_cv_.wait(lock);
  }
}

void SqliteStore::Return(std::unique_ptr<Connection> conn) {
  if (!conn) return;
  {
    std::lock_guard lock(pool_mu_);
    idle_readers_.push_back(std::move(conn));
  }
  pool_cv_.notify_one();
}

Result<CommitInfo> SqliteStore::Commit(const TenantId& tenant, std::vector<WriteOp> writes) {
  // Sorted here, on the committing thread: the writer is the one thread all commits wait for.
  PendingCommit pending{&tenant, &writes, SortedIndexRows(writes), {}};
  auto future = pending.done.get_future();
  {
    std::lock_guard lock(queue_mu_);
    queue_.push_back(&pending);
  }
  queue_cv_.notify_one();
  return future.get();
}

void SqliteStore::WriterLoop() {
  std::vector<PendingCommit*> group;
  for (;;) {
    {
      std::unique_lock lock(queue_mu_);
      queue_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left to write
    }
    CommitGroup(group);
    group.clear();
  }
}

bool SqliteStore::TakeQueued(std::vector<PendingCommit*>& group) {
  std::lock_guard lock(queue_mu_);
  bool took = false;
  while (!queue_.empty() && group.size() < kMaxGroup) {
    group.push_back(queue_.front());
    queue_.pop_front();
    took = true;
  }
  return took;
}

void SqliteStore::CommitGroup(std::vector<PendingCommit*>& group) {
  auto results = std::make_shared<std::vector<Result<CommitInfo>>>();
  // Fast path: one transaction, no savepoints. Conflicts are found before a commit writes
  // anything, so only a storage error can leave a commit half applied; then the whole group is
  // rolled back and applied again with a savepoint per commit, failing just the commits that fail.
  bool savepoints = false;
  bool applied = Begin(*results);
  size_t writes = 0;
  while (applied) {
    size_t from = group.size();
    TakeQueued(group);
    applied = ApplyCommits(group, from, savepoints, *results);
    if (!applied && !savepoints) {
      results->clear();
      savepoints = true;
      applied = Begin(*results) && ApplyCommits(group, 0, savepoints, *results);
    }
    for (size_t i = from; i < group.size(); ++i) writes += group[i]->writes->size();
    if (!applied || group.size() >= kMaxGroup || writes >= tuning_.max_group_writes) break;
    // While the previous commit is still being synced, a commit now would wait for the next
    // fdatasync anyway: keep applying what arrives into this transaction until the syncer is
    // free. Each commit rewrites every index page it touched, so fewer, larger commits write
    // far fewer pages per resource, and the next sync covers them all at once.
    std::unique_lock lock(queue_mu_);
    queue_cv_.wait(lock, [this] { return stopping_ || !queue_.empty() || !syncer_->Busy(); });
    if (queue_.empty()) break;
  }
  Result<> committed = applied ? writer_->Run(kCommitSql) : Result<>(results->back().error());
  if (!committed) {
    (void)writer_->Exec("ROLLBACK");
    keys_.Discard();
    for (PendingCommit* p : group) p->done.set_value(committed.error());
    return;
  }
  keys_.Publish();
  // Acknowledged once the WAL is on disk; the next group is applied meanwhile.
  syncer_->Submit([group = group, results](const Result<>& synced) {
    for (size_t i = 0; i < group.size(); ++i) {
      if (synced) {
        group[i]->done.set_value(std::move((*results)[i]));
      } else {
        group[i]->done.set_value(synced.error());
      }
    }
  });
}

bool SqliteStore::Begin(std::vector<Result<CommitInfo>>& results) {
  if (auto begun = writer_->Run(kBeginSql); !begun) {
    results.push_back(begun.error());
    return false;
  }
  return true;
}

bool SqliteStore::ApplyCommits(std::vector<PendingCommit*>& group, size_t from, bool savepoints,
                               std::vector<Result<CommitInfo>>& results) {
  for (size_t i = from; i < group.size(); ++i) {
    PendingCommit* p = group[i];
    if (savepoints) (void)writer_->Run(kSavepointSql);
    size_t keys_mark = keys_.Mark();
    bool wrote = false;
    results.push_back(Apply(*p->tenant, *p->writes, p->rows, wrote));
    if (!results.back() && wrote) {
      if (!savepoints) {
        (void)writer_->Exec("ROLLBACK");
        keys_.Discard();
        return false;
      }
      (void)writer_->Run(kRollbackToSql);
    }
    if (!results.back()) keys_.RollbackTo(keys_mark);
    if (savepoints) (void)writer_->Run(kReleaseSql);
  }
  return true;
}

Result<CommitInfo> SqliteStore::Apply(const TenantId& tenant, const std::vector<WriteOp>& writes,
                                      const SortedIndexRows& rows, bool& wrote) {
  // Every check first: a conflict fails the commit before any of its writes happened. The
  // default tenant always exists; another must still be active in this very transaction, so no
  // commit lands in a tenant once its deletion began.
  if (tenant != DefaultTenant()) KILN_TRY(CheckActive(*writer_, tenant));
  struct Current {
    int64_t version = 0;        // 0: the resource was never written
    int64_t rid = 0;            // 0: not stored yet
    size_t earlier = SIZE_MAX;  // an earlier write of the same resource in `writes`, if any
  };
  std::vector<Current> current(writes.size());
  std::unordered_map<std::string, size_t> written;  // "Type/id" -> the last write of it in `writes`
  for (size_t i = 0; i < writes.size(); ++i) {
    const WriteOp& w = writes[i];
    KILN_TRY_ASSIGN(auto s, writer_->Prepare(kCurrentVersionSql));
    s->BindStatic(1, tenant.value);
    s->BindStatic(2, w.type);
    s->BindStatic(3, w.id);
    KILN_TRY_ASSIGN(bool row, s->Step());
    if (row) current[i] = {s->Int(0), s->Int(1)};
    // A commit may write one resource twice (in order): the later write builds on the earlier.
    if (writes.size() > 1) {
      std::string name = w.type + '/' + w.id;
      if (auto it = written.find(name); it != written.end()) {
        current[i].version = writes[it->second].new_version;
        current[i].earlier = it->second;
      }
      if (!w.index_only) written[std::move(name)] = i;
    }
    if (!w.index_only && current[i].version != w.base_version) {
      return Error::Make(Issue::kConflict, "Resource " + w.type + "/" + w.id +
                                               " was changed concurrently (now at version " +
                                               std::to_string(current[i].version) + ")");
    }
  }
  wrote = true;
  CommitInfo info;
  std::vector<int64_t> rids(writes.size(), 0);  // whose index rows to insert, as what resource
  for (size_t i = 0; i < writes.size(); ++i) {
    const WriteOp& w = writes[i];
    // The rows of write i replace those of an earlier write of its resource in this commit.
    auto replace_earlier = [&] {
      if (current[i].earlier != SIZE_MAX) rids[current[i].earlier] = 0;
    };
    if (w.index_only) {
      if (current[i].version == w.base_version && current[i].rid != 0) {
        KILN_TRY(RemoveIndexRows(*writer_, current[i].rid));
        rids[i] = current[i].rid;
        replace_earlier();
      }
      continue;
    }
    replace_earlier();
    {
      KILN_TRY_ASSIGN(auto s, writer_->Prepare(kInsertVersionSql));
      s->BindStatic(1, tenant.value);
      s->BindStatic(2, w.type);
      s->BindStatic(3, w.id);
      s->Bind(4, w.new_version);
      s->Bind(5, w.last_updated);
      s->Bind(6, static_cast<int64_t>(w.change));
      s->BindBlobStatic(7, w.json);
      KILN_TRY(s->Run());
    }
    info.sequence = writer_->LastInsertRowid();
    int64_t rid = current[i].earlier != SIZE_MAX ? current[current[i].earlier].rid : current[i].rid;
    KILN_TRY_ASSIGN(auto s, writer_->Prepare(rid == 0 ? kInsertCurrentSql : kUpdateCurrentSql));
    s->BindStatic(1, tenant.value);
    s->BindStatic(2, w.type);
    s->BindStatic(3, w.id);
    s->Bind(4, w.new_version);
    s->Bind(5, info.sequence);
    s->Bind(6, w.last_updated);
    s->Bind(7, int64_t{w.change == Change::kDelete});
    KILN_TRY(s->Run());
    if (writer_->Changes() != 1)
      return Error::Make(Issue::kException, "Storing " + w.type + "/" + w.id + " changed no current row");
    if (rid == 0) rid = info.sequence;
    current[i].rid = rid;  // for a later write of the same resource in this commit
    // Rows to replace: the resource was stored before this commit (its own earlier writes' rows
    // are not inserted at all).
    if (current[i].version != 0 && current[i].earlier == SIZE_MAX) KILN_TRY(RemoveIndexRows(*writer_, rid));
    rids[i] = rid;
  }
  KILN_TRY(InsertIndexRows(*writer_, keys_, tenant, writes, rows, rids));
  return info;
}

Result<Version> SqliteStore::ReadCurrent(const TenantId& tenant, const std::string& type,
                                         const std::string& id) {
  KILN_TRY_ASSIGN(auto conn, Borrow());
  KILN_TRY_ASSIGN(auto s, conn->Prepare(kReadCurrentSql));
  s->BindStatic(1, tenant.value);
  s->BindStatic(2, type);
  s->BindStatic(3, id);
  KILN_TRY_ASSIGN(bool row, s->Step());
  if (!row) return Error::Make(Issue::kNotFound, "Resource " + type + "/" + id + " is not known");
  return VersionFromRow(*s, 0);
}

Result<Version> SqliteStore::ReadVersion(const TenantId& tenant, const std::string& type,
                                         const std::string& id, int64_t version) {
  KILN_TRY_ASSIGN(auto conn, Borrow());
  KILN_TRY_ASSIGN(auto s, conn->Prepare(kReadVersionSql));
  s->BindStatic(1, tenant.value);
  s->BindStatic(2, type);
  s->BindStatic(3, id);
  s->Bind(4, version);
  KILN_TRY_ASSIGN(bool row, s->Step());
  if (!row) {
    return Error::Make(Issue::kNotFound,
                       "Version " + std::to_string(version) + " of " + type + "/" + id + " is not known");
  }
  return VersionFromRow(*s, 0);
}

Result<ListPage> SqliteStore::List(const TenantId& tenant, const ListQuery& query) {
  SqlText filter;
  int next_alias = 1;
  IndexQuery index = query.index;
  index.type = query.type;
  KILN_TRY_ASSIGN(auto conn, Borrow());
  KeyLookup keys(keys_, *conn, tenant);
  filter.sql = " WHERE ";
  KILN_TRY(AppendMatching(filter, keys, index, "c", next_alias));
  if (!query.ids.empty()) {
    filter.sql += " AND c.id IN (";
    for (size_t i = 0; i < query.ids.size(); ++i) filter.Add(i == 0 ? "?" : ", ?", query.ids[i]);
    filter.sql += ")";
  }
  sql::AddTimeIntervals(filter, "c.last_updated", query.last_updated);
  ListPage page;
  if (query.count > 0) {
    // Ordered by the sort keys, then id; the cursor is the last row's position in that order.
    KILN_TRY_ASSIGN(sql::SortPlan sort, sql::SortPlan::Make(query.sort, keys, query.type));
    SqlText select = filter;
    select.sql = std::string("SELECT ") + kVersionColumns + ", c.rid" + sort.SelectColumns() +
                 " FROM resource_current c JOIN resource_version v ON v.seq = c.seq" + select.sql;
    if (query.cursor) KILN_TRY(sort.AppendAfter(select, *query.cursor));
    select.sql += sort.OrderBy();
    select.Add(" LIMIT ?", int64_t{query.count} + 1);
    KILN_TRY_ASSIGN(auto s, PrepareWith(*conn, select));
    std::string last_cursor;
    for (;;) {
      KILN_TRY_ASSIGN(bool row, s->Step());
      if (!row) break;
      if (static_cast<int>(page.items.size()) == query.count) {
        page.next_cursor = last_cursor;
        break;
      }
      page.items.push_back(VersionFromRow(*s, 0));
      last_cursor = sort.Cursor(*s, 7, s->Int(6));
    }
  }
  if (query.with_total) {
    if (sql::PageIsTheWholeResult(query, page)) {
      page.total = static_cast<int64_t>(page.items.size());
    } else {
      SqlText count = filter;
      count.sql = "SELECT count(*) FROM resource_current c" + count.sql;
      KILN_TRY_ASSIGN(auto s, PrepareWith(*conn, count));
      KILN_TRY_ASSIGN(bool row, s->Step());
      page.total = row ? s->Int(0) : 0;
    }
  }
  return page;
}

Result<std::vector<ResourceRef>> SqliteStore::References(const TenantId& tenant, const std::string& type,
                                                         const std::vector<std::string>& ids,
                                                         const std::vector<std::string>& params) {
  std::vector<ResourceRef> refs;
  if (ids.empty()) return refs;
  KILN_TRY_ASSIGN(auto conn, Borrow());
  SqlText q;
  // Through the per-resource index: with a long id list and one parameter the planner would
  // otherwise scan every row of that parameter.
  q.sql =
      "SELECT DISTINCT target_type, target_id FROM idx_reference INDEXED BY idx_reference_res"
      " WHERE target_id <> '' AND rid IN (SELECT rid FROM resource_current";
  q.Add(" WHERE tenant = ?", tenant.value);
  q.Add(" AND type = ?", type);
  q.sql += " AND id IN (";
  for (size_t i = 0; i < ids.size(); ++i) q.Add(i == 0 ? "?" : ", ?", ids[i]);
  q.sql += "))";
  if (!params.empty()) {  // else every reference parameter (a rid is one resource of `type`)
    KeyLookup keys(keys_, *conn, tenant);
    q.sql += " AND key IN (";
    for (size_t i = 0; i < params.size(); ++i) {
      KILN_TRY_ASSIGN(int64_t key, keys(type, params[i]));
      q.Add(i == 0 ? "?" : ", ?", key);
    }
    q.sql += ")";
  }
  KILN_TRY_ASSIGN(auto s, PrepareWith(*conn, q));
  for (;;) {
    KILN_TRY_ASSIGN(bool row, s->Step());
    if (!row) break;
    refs.push_back(ResourceRef{s->Text(0), s->Text(1)});
  }
  return refs;
}

Result<std::vector<Version>> SqliteStore::ReadMany(const TenantId& tenant,
                                                   const std::vector<ResourceRef>& refs, bool with_deleted) {
  std::vector<Version> out;
  KILN_TRY_ASSIGN(auto conn, Borrow());
  for (const ResourceRef& r : refs) {
    KILN_TRY_ASSIGN(auto s, conn->Prepare(kReadCurrentSql));
    s->BindStatic(1, tenant.value);
    s->BindStatic(2, r.type);
    s->BindStatic(3, r.id);
    KILN_TRY_ASSIGN(bool row, s->Step());
    if (!row) continue;
    Version v = VersionFromRow(*s, 0);
    if (with_deleted || !v.deleted()) out.push_back(std::move(v));
  }
  return out;
}

Result<HistoryPage> SqliteStore::History(const TenantId& tenant, const HistoryQuery& query) {
  SqlText filter = sql::HistoryFilter(tenant, query);

  KILN_TRY_ASSIGN(auto conn, Borrow());
  HistoryPage page;
  {
    SqlText count = filter;
    count.sql = "SELECT count(*) FROM resource_version v" + count.sql;
    KILN_TRY_ASSIGN(auto s, PrepareWith(*conn, count));
    KILN_TRY_ASSIGN(bool row, s->Step());
    page.total = row ? s->Int(0) : 0;
  }
  SqlText select = filter;
  select.sql = std::string("SELECT v.seq, ") + kVersionColumns + " FROM resource_version v" + select.sql;
  if (query.before_sequence) select.Add(" AND v.seq < ?", *query.before_sequence);
  select.Add(" ORDER BY v.seq DESC LIMIT ?", int64_t{std::max(query.count, 0)} + 1);
  KILN_TRY_ASSIGN(auto s, PrepareWith(*conn, select));
  int64_t last_seq = 0;
  for (;;) {
    KILN_TRY_ASSIGN(bool row, s->Step());
    if (!row) break;
    if (static_cast<int>(page.items.size()) == query.count) {
      page.next_before_sequence = last_seq;
      break;
    }
    last_seq = s->Int(0);
    page.items.push_back(VersionFromRow(*s, 1));
  }
  return page;
}

Result<> SqliteStore::Scan(const TenantId& tenant, const std::vector<ScanQuery>& queries,
                           const ScanVisitor& visit, const std::function<void()>& snapshot_taken) {
  KILN_TRY_ASSIGN(auto conn, Borrow());
  // One read transaction: every query sees the snapshot its first step took. Ended on every path,
  // so the connection goes back to the pool without it.
  KILN_TRY(conn->Run(kBeginReadSql));
  struct EndRead {
    Connection& conn;
    ~EndRead() { (void)conn.Run(kRollbackSql); }
  } end_read{*conn};
  // A WAL read transaction takes its snapshot at its first read, not at BEGIN.
  KILN_TRY(conn->Run(kFixSnapshotSql));
  if (snapshot_taken) snapshot_taken();
  KeyLookup keys(keys_, *conn, tenant);
  for (size_t i = 0; i < queries.size(); ++i) {
    const ScanQuery& query = queries[i];
    SqlText select;
    select.sql =
        "SELECT c.id, c.last_updated, v.json FROM resource_current c JOIN resource_version v ON v.seq = "
        "c.seq WHERE ";
    IndexQuery index = query.index;
    index.type = query.type;
    int next_alias = 1;
    KILN_TRY(AppendMatching(select, keys, index, "c", next_alias));
    if (query.since) select.Add(" AND c.last_updated > ?", *query.since);
    sql::AddTimeIntervals(select, "c.last_updated", query.last_updated);
    select.sql += " ORDER BY c.rid";
    KILN_TRY_ASSIGN(auto s, PrepareWith(*conn, select));
    for (;;) {
      KILN_TRY_ASSIGN(bool row, s->Step());
      if (!row) break;
      KILN_TRY(visit(i, ScannedResource{s->View(0), s->Int(1), s->View(2)}));
    }
  }
  return Ok{};
}

}  // namespace kiln::store::sqlite
