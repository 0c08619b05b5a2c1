// PgStore::Commit: one transaction in two round trips (pipelined: BEGIN, lock, sequence
// numbers; then one write statement and COMMIT), shared by the small commits that arrive
// together, each of which is checked, and fails, on its own. Correct with several Kiln
// processes on one database: the current rows of the resources written are locked (FOR UPDATE,
// in one order, so two commits cannot deadlock on them) before their versions are checked, and a
// resource created by two commits at once breaks a unique key for one of them (kConflict). The
// rest layer then reads the new current version and tries again, or answers 412 (If-Match).
#include <algorithm>
#include <unordered_map>

#include "store/postgres/index_rows.h"
#include "store/postgres/pg_store.h"

namespace kiln::store::postgres {

namespace {

struct Current {
  int64_t version = 0;  // 0: the resource was never written
  int64_t rid = 0;
};

std::string Name(std::string_view type, std::string_view id) {
  std::string n(type);
  n.push_back('/');
  n.append(id);
  return n;
}

// The statement that locks the current rows of the resources `writes` name until the
// transaction ends. One resource (a single interaction) is a prepared key lookup. More travel as
// two arrays of (type, id), planned for each commit: an IN list of row values took the planner
// ~50 ms for 500 pairs, and a generic plan of the join, made while the table was nearly empty,
// would go on scanning it after it grew.
class LockStatement {
 public:
  LockStatement(const TenantId& tenant, const std::vector<const WriteOp*>& writes) {
    static const std::string one =
        "SELECT type, id, version, rid FROM resource_current WHERE tenant = $1 AND type = $2 AND id = $3"
        " FOR UPDATE";
    static const std::string many =
        "SELECT c.type, c.id, c.version, c.rid FROM resource_current c"
        " JOIN unnest($2::text[], $3::text[]) AS w(type, id) ON c.type = w.type AND c.id = w.id"
        " WHERE c.tenant = $1 ORDER BY c.type, c.id FOR UPDATE OF c";
    size_t distinct = 0;
    std::unordered_map<std::string, bool> seen;
    for (const WriteOp* w : writes) {
      if (!seen.emplace(Name(w->type, w->id), true).second) continue;
      types_.Text(w->type);
      ids_.Text(w->id);
      ++distinct;
    }
    params_.Text(tenant.value);
    if (distinct == 1) {
      params_.Text(writes.front()->type);
      params_.Text(writes.front()->id);
    } else {
      params_.Array("text", types_.Done());
      params_.Array("text", ids_.Done());
    }
    statement_ = {distinct == 1 ? &one : &many, &params_, distinct == 1};
  }
  LockStatement(const LockStatement&) = delete;
  LockStatement& operator=(const LockStatement&) = delete;

  const Connection::Statement& statement() const { return statement_; }

  // The rows it locked, by "Type/id".
  static std::unordered_map<std::string, Current> Locked(const Rows& rows) {
    std::unordered_map<std::string, Current> out;
    for (int r = 0; r < rows.size(); ++r)
      out[Name(rows.View(r, 0), rows.View(r, 1))] = {rows.Int(r, 2), rows.Int(r, 3)};
    return out;
  }

 private:
  ArrayText types_, ids_;  // borrowed by params_
  Params params_;
  Connection::Statement statement_;
};

// New seq numbers: as many as the parameter says; Seqs reads them from its rows, ascending.
const std::string kNextSeqsSql = "SELECT nextval('resource_seq') FROM generate_series(1, ?)";
std::vector<int64_t> Seqs(const Rows& rows) {
  std::vector<int64_t> seqs;
  for (int r = 0; r < rows.size(); ++r) seqs.push_back(rows.Int(r, 0));
  std::sort(seqs.begin(), seqs.end());
  return seqs;
}

struct CurrentRow {
  const WriteOp* write;
  int64_t seq;
  int64_t rid;
};

// The commit's one write statement: its versions, current rows and index rows, all parts of one
// WITH (each part runs once, on the statement's snapshot, so a resource's old index rows are
// deleted and its new ones inserted side by side). Columns travel as arrays, so its text is the
// same for any commit and it is prepared once per connection. Two forms: a commit that replaces
// no resource's rows (creates) runs none of the deletions, which cost a lookup in every index
// table.
std::string MakeWriteSql(bool replacing) {
  int next = 2;  // $1: the tenant
  auto param = [&next](const char* type) { return ArrayPlaceholder(next++, type); };
  std::string out =
      "WITH v AS (INSERT INTO resource_version (tenant, seq, type, id, version, last_updated, change, json)"
      " SELECT $1, * FROM unnest(";
  for (const char* t : {"int8", "text", "text", "int8", "int8", "int2"}) out += param(t) + ", ";
  out += param("bytea") +
         ")), c AS (INSERT INTO resource_current (tenant, type, id, version, seq, last_updated, deleted, rid)"
         " SELECT $1, * FROM unnest(";
  for (const char* t : {"text", "text", "int8", "int8", "int8", "int2"}) out += param(t) + ", ";
  out += param("int8") +
         ") ON CONFLICT (tenant, type, id) DO UPDATE SET version = excluded.version, seq = excluded.seq,"
         " last_updated = excluded.last_updated, deleted = excluded.deleted), ";
  out += IndexRows::Sql("$1", next, replacing) + " SELECT 1";
  return out;
}

const std::string& WriteSql(bool replacing) {
  static const std::string creating = MakeWriteSql(false), replacing_too = MakeWriteSql(true);
  return replacing ? replacing_too : creating;
}

void BindVersions(Params& p, const std::vector<const WriteOp*>& stored, const std::vector<int64_t>& seqs) {
  ArrayText seq, type, id, version, last_updated, change, json;
  for (size_t i = 0; i < stored.size(); ++i) {
    const WriteOp& w = *stored[i];
    seq.Int(seqs[i]);
    type.Text(w.type);
    id.Text(w.id);
    version.Int(w.new_version);
    last_updated.Int(w.last_updated);
    change.Int(static_cast<int64_t>(w.change));
    json.Bytes(w.json);
  }
  for (auto [a, t] : {std::pair{&seq, "int8"},
                      {&type, "text"},
                      {&id, "text"},
                      {&version, "int8"},
                      {&last_updated, "int8"},
                      {&change, "int2"},
                      {&json, "bytea"}})
    p.Array(t, a->Done());
}

void BindCurrent(Params& p, const std::vector<CurrentRow>& rows) {
  ArrayText type, id, version, seq, last_updated, deleted, rid;
  for (const CurrentRow& r : rows) {
    type.Text(r.write->type);
    id.Text(r.write->id);
    version.Int(r.write->new_version);
    seq.Int(r.seq);
    last_updated.Int(r.write->last_updated);
    deleted.Int(int64_t{r.write->change == Change::kDelete});
    rid.Int(r.rid);
  }
  for (auto [a, t] : {std::pair{&type, "text"},
                      {&id, "text"},
                      {&version, "int8"},
                      {&seq, "int8"},
                      {&last_updated, "int8"},
                      {&deleted, "int2"},
                      {&rid, "int8"}})
    p.Array(t, a->Done());
}

// Checks the commits of a group, of `sizes` writes each, in turn: against the rows `locked` and
// the commits before them that passed. Fills `results` (a conflict for each commit that fails),
// `written` ("Type/id" -> the last write of it that passed) and says which writes passed.
std::vector<bool> CheckCommits(const std::vector<const WriteOp*>& writes, const std::vector<size_t>& sizes,
                               const std::unordered_map<std::string, Current>& locked,
                               std::vector<Result<CommitInfo>>& results,
                               std::unordered_map<std::string, size_t>& written) {
  results.assign(sizes.size(), Result<CommitInfo>(CommitInfo{}));
  std::vector<bool> passed(writes.size(), false);
  for (size_t m = 0, begin = 0; m < sizes.size(); begin += sizes[m++]) {
    std::unordered_map<std::string, size_t> mine;  // as `written`, for this commit's writes
    for (size_t i = begin; i < begin + sizes[m] && results[m]; ++i) {
      const WriteOp& w = *writes[i];
      std::string name = Name(w.type, w.id);
      int64_t version = 0;
      if (auto it = locked.find(name); it != locked.end()) version = it->second.version;
      if (auto it = written.find(name); it != written.end()) version = writes[it->second]->new_version;
      if (auto it = mine.find(name); it != mine.end()) version = writes[it->second]->new_version;
      if (w.index_only) continue;
      if (version != w.base_version) {
        results[m] = Error::Make(Issue::kConflict, "Resource " + w.type + "/" + w.id +
                                                       " was changed concurrently (now at version " +
                                                       std::to_string(version) + ")");
      } else {
        mine[name] = i;
      }
    }
    if (!results[m]) continue;
    for (auto& [name, write] : mine) written[name] = write;
    std::fill(passed.begin() + static_cast<std::ptrdiff_t>(begin),
              passed.begin() + static_cast<std::ptrdiff_t>(begin + sizes[m]), true);
  }
  return passed;
}

}  // namespace

// Small commits (single interactions) that arrive while others are being committed share one
// transaction: a create alone is five statements and a WAL flush, and 32 clients at once kept
// PostgreSQL's backends busy with those rather than with the rows (62% of the CPU, no hotspot).
// Up to this many groups are in flight at once, each on a connection of its own: one gave
// 3,035-3,603 creates/s (bench/postgres/creates.sh, wrk -c32), two 2,762-3,389, four
// 2,277-2,344, eight 2,004-2,039 (fewer, larger transactions cost PostgreSQL less) ...
constexpr int kMaxGroupsInFlight = 1;
// ... of commits of up to this many writes, up to this many writes in all.
constexpr size_t kMaxGroupedCommit = 16;
constexpr size_t kMaxGroupWrites = 256;

Result<CommitInfo> PgStore::Commit(const TenantId& tenant, std::vector<WriteOp> writes) {
  Member me{&tenant, &writes, std::nullopt};
  bool groupable = writes.size() <= kMaxGroupedCommit &&
                   std::none_of(writes.begin(), writes.end(), [](const WriteOp& w) { return w.index_only; });
  if (groupable) {
    CommitQueued(me);
  } else {
    std::vector<Member*> alone{&me};
    CommitGroup(alone);
  }
  if (*me.result) {
    KeepStatisticsFresh(
        std::count_if(writes.begin(), writes.end(), [](const WriteOp& w) { return !w.index_only; }));
  }
  return std::move(*me.result);
}

void PgStore::CommitQueued(Member& me) {
  std::unique_lock lock(group_mu_);
  queued_.push_back(&me);
  for (;;) {
    group_cv_.wait(lock,
                   [&] { return me.result || (groups_in_flight_ < kMaxGroupsInFlight && !queued_.empty()); });
    if (me.result) return;
    // Lead a group: the oldest commit and those of its tenant queued after it.
    std::vector<Member*> group;
    size_t writes = 0;
    const TenantId& tenant = *queued_.front()->tenant;
    for (auto it = queued_.begin(); it != queued_.end() && writes < kMaxGroupWrites;) {
      if (*(*it)->tenant != tenant) {
        ++it;
        continue;
      }
      writes += (*it)->writes->size();
      group.push_back(*it);
      it = queued_.erase(it);
    }
    ++groups_in_flight_;
    lock.unlock();
    CommitGroup(group);  // sets each member's result; the members are read under group_mu_ only
    lock.lock();
    --groups_in_flight_;
    group_cv_.notify_all();
  }
}

void PgStore::CommitGroup(std::vector<Member*>& group) {
  std::vector<Result<CommitInfo>> results;
  Result<> done = CommitRetrying(group, results);
  if (!done && done.error().issue == Issue::kConflict && group.size() > 1) {
    // A unique key broken by another process's create of the same resource fails the whole
    // transaction without saying whose write broke it: then each commit goes again alone.
    for (Member* m : group) {
      std::vector<Member*> alone{m};
      CommitGroup(alone);
    }
    return;
  }
  std::lock_guard lock(group_mu_);
  for (size_t i = 0; i < group.size(); ++i) {
    if (!done) {
      group[i]->result = done.error();
    } else {
      group[i]->result = std::move(results[i]);
    }
  }
}

Result<> PgStore::CommitRetrying(const std::vector<Member*>& group,
                                 std::vector<Result<CommitInfo>>& results) {
  for (int attempt = 0;; ++attempt) {
    KILN_TRY_ASSIGN(auto lease, pool_.Borrow());
    bool commit_sent = false;
    Result<> done = CommitOn(*lease, group, results, commit_sent);
    if (!done && !lease->broken()) (void)lease->Run("ROLLBACK");
    // A connection the server dropped while it sat idle fails before COMMIT: safe to repeat.
    bool retry =
        !done && done.error().issue == Issue::kTransient && !commit_sent && !lease.fresh() && attempt == 0;
    if (!retry) return done;
  }
}

Result<> PgStore::CommitOn(Connection& conn, const std::vector<Member*>& group,
                           std::vector<Result<CommitInfo>>& results, bool& commit_sent) {
  const TenantId& tenant = *group.front()->tenant;
  // The group's writes in order, and whose each one is.
  std::vector<const WriteOp*> writes;
  std::vector<size_t> member_of;
  for (size_t m = 0; m < group.size(); ++m) {
    for (const WriteOp& w : *group[m]->writes) {
      writes.push_back(&w);
      member_of.push_back(m);
    }
  }
  // Search keys first, each committed on its own: a commit that fails later leaves a key that
  // names no rows, which is harmless, and the transaction below takes no lock on search_key.
  std::vector<std::vector<int64_t>> keys(writes.size());
  for (size_t i = 0; i < writes.size(); ++i) {
    const std::string* last_param = nullptr;
    int64_t key = sql::kNoKey;
    for (const IndexEntry& e : writes[i]->index) {
      if (std::holds_alternative<TextValue>(e.value)) {
        keys[i].push_back(sql::kNoKey);
        continue;
      }
      if (last_param == nullptr || *last_param != e.param) {
        KILN_TRY_ASSIGN(key, keys_.Ensure(conn, tenant, writes[i]->type, e.param));
        last_param = &e.param;
      }
      keys[i].push_back(key);
    }
  }

  // One round trip up to the checks: BEGIN, the tenant's status, the locks and the new seq
  // numbers (for every write that stores a version; drawn before the checks, so a commit that
  // fails them leaves a gap, as any rollback does).
  static const std::string begin = "BEGIN";
  const Params none;
  LockStatement lock(tenant, writes);
  Params tenant_param{tenant.value};
  int64_t storing =
      std::count_if(writes.begin(), writes.end(), [](const WriteOp* w) { return !w->index_only; });
  Params seq_count{storing};
  std::vector<Connection::Statement> first{{&begin, &none}};
  bool check_tenant = tenant != DefaultTenant();
  if (check_tenant) first.push_back({&TenantStatusSql(), &tenant_param});
  first.push_back(lock.statement());
  if (storing > 0) first.push_back({&kNextSeqsSql, &seq_count});
  KILN_TRY_ASSIGN(std::vector<Rows> answers, conn.Pipeline(first));
  if (check_tenant) KILN_TRY(TenantActive(answers[1], tenant));
  auto locked = LockStatement::Locked(answers[check_tenant ? 2 : 1]);
  std::vector<int64_t> seqs = storing > 0 ? Seqs(answers.back()) : std::vector<int64_t>{};

  // Every check before any write, as on SQLite, commit by commit: one that fails them fails
  // alone, and the ones after it build on the commits before it. A commit may write one
  // resource twice (in order): the later write builds on the earlier.
  std::vector<size_t> sizes;
  for (const Member* m : group) sizes.push_back(m->writes->size());
  std::unordered_map<std::string, size_t> written;  // "Type/id" -> its last stored write
  std::vector<bool> passed = CheckCommits(writes, sizes, locked, results, written);

  // The final state of each resource: its current row and index rows come from its last write.
  std::unordered_map<std::string, int64_t> rids;  // a new resource's rid: the seq of its first version
  std::vector<const WriteOp*> stored;
  std::vector<int64_t> stored_seqs;
  std::vector<CurrentRow> rows;
  std::vector<int64_t> replaced;
  IndexRows index;
  auto add_index = [&](size_t i, int64_t rid) {
    const std::string* narrative = nullptr;
    const std::string* content = nullptr;
    for (size_t e = 0; e < writes[i]->index.size(); ++e) {
      const IndexEntry& entry = writes[i]->index[e];
      if (const auto* text = std::get_if<TextValue>(&entry.value)) {
        (entry.param == "_text" ? narrative : content) = &text->text;
      } else {
        index.Add(keys[i][e], rid, entry);
      }
    }
    if (narrative || content) index.AddText(rid, narrative, content);
  };
  size_t next_seq = 0;
  for (size_t i = 0; i < writes.size(); ++i) {
    const WriteOp& w = *writes[i];
    int64_t seq = w.index_only ? 0 : seqs[next_seq++];
    if (!passed[i]) continue;
    std::string name = Name(w.type, w.id);
    auto existing = locked.find(name);
    if (w.index_only) {
      // Reindexing a version the resource has since left is skipped (it was indexed anew).
      bool moved =
          written.contains(name) || existing == locked.end() || existing->second.version != w.base_version;
      if (!moved) {
        replaced.push_back(existing->second.rid);
        add_index(i, existing->second.rid);
      }
      continue;
    }
    stored.push_back(&w);
    stored_seqs.push_back(seq);
    results[member_of[i]]->sequence = seq;  // a commit's sequence: that of its last version
    int64_t rid = existing != locked.end() ? existing->second.rid : rids.emplace(name, seq).first->second;
    if (written[name] != i) continue;  // a later write of this group has the final state
    rows.push_back(CurrentRow{&w, seq, rid});
    if (existing != locked.end()) replaced.push_back(rid);
    add_index(i, rid);
  }
  if (std::none_of(results.begin(), results.end(), [](const auto& r) { return r.has_value(); }))
    return conn.Run("ROLLBACK");  // every commit failed its checks
  std::sort(replaced.begin(), replaced.end());
  replaced.erase(std::unique(replaced.begin(), replaced.end()), replaced.end());
  Params p;
  p.Text(tenant.value);
  BindVersions(p, stored, stored_seqs);
  BindCurrent(p, rows);
  index.Bind(p, replaced);
  // And one more: the write statement and COMMIT (which does not run if the write fails).
  static const std::string commit = "COMMIT";
  commit_sent = true;
  KILN_TRY(conn.Pipeline({{&WriteSql(!replaced.empty()), &p}, {&commit, &none}}));
  return Ok{};
}

}  // namespace kiln::store::postgres
