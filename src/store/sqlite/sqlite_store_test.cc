#include "store/sqlite/sqlite_store.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <sqlite3.h>

#include <filesystem>
#include <thread>

#include "store/sqlite/schema_sql.h"

namespace kiln::store::sqlite {
namespace {

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "kiln-store-XXXXXX").string();
    dir_ = mkdtemp(tmpl.data());
    auto s = SqliteStore::Open(dir_ + "/kiln.db", 4);
    ASSERT_TRUE(s) << s.error().diagnostics;
    store_ = std::move(s).value();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  WriteOp Op(Change change, std::string id, int64_t base, Micros t, std::string json = "{}") {
    return WriteOp{change, "Patient", std::move(id), base, base + 1, t, std::move(json), {}, false};
  }
  // A new active tenant in the registry (commits into unknown tenants are refused).
  TenantId MakeTenant(const std::string& name) {
    auto made = store_->CreateTenant(TenantInfo{TenantId{name}, TenantKind::kPerson, 100});
    EXPECT_TRUE(made) << made.error().diagnostics;
    return TenantId{name};
  }
  TenantId tenant = DefaultTenant();
  std::string dir_;
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(SqliteStoreTest, CommitAndReadVersions) {
  ASSERT_TRUE(store_->Commit(tenant, {Op(Change::kCreate, "a", 0, 100, "v1")}));
  ASSERT_TRUE(store_->Commit(tenant, {Op(Change::kUpdate, "a", 1, 200, "v2")}));
  auto cur = store_->ReadCurrent(tenant, "Patient", "a");
  ASSERT_TRUE(cur);
  EXPECT_EQ(cur->version, 2);
  EXPECT_EQ(cur->json, "v2");
  EXPECT_EQ(store_->ReadVersion(tenant, "Patient", "a", 1)->json, "v1");
  EXPECT_EQ(store_->ReadVersion(tenant, "Patient", "a", 3).error().issue, Issue::kNotFound);
  EXPECT_EQ(store_->ReadCurrent(tenant, "Patient", "b").error().issue, Issue::kNotFound);
}

TEST_F(SqliteStoreTest, StaleBaseVersionConflictsAndChangesNothing) {
  ASSERT_TRUE(store_->Commit(tenant, {Op(Change::kCreate, "a", 0, 100)}));
  auto conflict =
      store_->Commit(tenant, {Op(Change::kCreate, "b", 0, 150), Op(Change::kUpdate, "a", 0, 200)});
  ASSERT_FALSE(conflict);
  EXPECT_EQ(conflict.error().issue, Issue::kConflict);
  EXPECT_EQ(store_->ReadCurrent(tenant, "Patient", "b").error().issue, Issue::kNotFound) << "all or nothing";
  EXPECT_EQ(store_->ReadCurrent(tenant, "Patient", "a")->version, 1);
}

TEST_F(SqliteStoreTest, TenantsDoNotSeeEachOther) {
  TenantId other = MakeTenant("other");
  ASSERT_TRUE(store_->Commit(tenant, {Op(Change::kCreate, "a", 0, 100, "mine")}));
  EXPECT_EQ(store_->ReadCurrent(other, "Patient", "a").error().issue, Issue::kNotFound);
  ASSERT_TRUE(store_->Commit(other, {Op(Change::kCreate, "a", 0, 100, "theirs")}));
  EXPECT_EQ(store_->ReadCurrent(tenant, "Patient", "a")->json, "mine");
  EXPECT_EQ(store_->History(other, HistoryQuery{})->total, 1);
}

TEST_F(SqliteStoreTest, ConcurrentCommitsAreGroupedAndAllDurable) {
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        if (store_->Commit(tenant,
                           {Op(Change::kCreate, std::to_string(t) + "-" + std::to_string(i), 0, 100)}))
          ++ok;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 800);
  ListQuery q;
  q.type = "Patient";
  q.count = 0;
  EXPECT_EQ(store_->List(tenant, q)->total, 800);
}

// Without _sort, results come in the order resources were first stored, also after updates.
TEST_F(SqliteStoreTest, ListPagesInStoredOrderAndSkipsDeleted) {
  for (const char* id : {"c", "a", "b", "d"})
    ASSERT_TRUE(store_->Commit(tenant, {Op(Change::kCreate, id, 0, 100)}));
  ASSERT_TRUE(store_->Commit(tenant, {Op(Change::kDelete, "d", 1, 200, "")}));
  ASSERT_TRUE(store_->Commit(tenant, {Op(Change::kUpdate, "c", 1, 300)}));
  ListQuery q;
  q.type = "Patient";
  q.count = 2;
  auto page = store_->List(tenant, q);
  ASSERT_TRUE(page);
  EXPECT_EQ(*page->total, 3);
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[0].id, "c");
  EXPECT_EQ(page->items[1].id, "a");
  ASSERT_TRUE(page->next_cursor);
  q.cursor = page->next_cursor;
  auto rest = store_->List(tenant, q);
  ASSERT_EQ(rest->items.size(), 1u);
  EXPECT_EQ(rest->items[0].id, "b");
  EXPECT_FALSE(rest->next_cursor);
}

TEST_F(SqliteStoreTest, ReopenKeepsDataAndSchema) {
  ASSERT_TRUE(store_->Commit(tenant, {Op(Change::kCreate, "a", 0, 100, "x")}));
  store_.reset();
  auto again = SqliteStore::Open(dir_ + "/kiln.db", 2);
  ASSERT_TRUE(again);
  EXPECT_EQ((*again)->ReadCurrent(tenant, "Patient", "a")->json, "x");
}

// The WAL is written through the batching VFS (wal_batching_vfs.h): a transaction far larger
// than what it gathers at once, and many small ones, must reach the file exactly, as a plain
// SQLite connection with the default VFS reads it, before and after a reopen.
TEST_F(SqliteStoreTest, LargeAndSmallTransactionsReachTheWalIntact) {
  std::vector<WriteOp> big;
  for (int i = 0; i < 400; ++i) {  // ~16 MB: past the 8 MiB gathered at once, and many 64 KiB writes
    big.push_back(Op(Change::kCreate, "big-" + std::to_string(i), 0, 100, std::string(40000, 'a' + i % 26)));
  }
  ASSERT_TRUE(store_->Commit(tenant, big));
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 40; ++i) {
        auto done = store_->Commit(
            tenant, {Op(Change::kCreate, "small-" + std::to_string(t) + "-" + std::to_string(i), 0, 200,
                        std::string(100 + i * 37, 'x'))});
        EXPECT_TRUE(done) << done.error().diagnostics;
      }
    });
  }
  for (auto& th : threads) th.join();

  auto check = [this](const char* when) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2((dir_ + "/kiln.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    auto text = [db](const std::string& sql) {
      sqlite3_stmt* st = nullptr;
      EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sql;
      std::string out =
          sqlite3_step(st) == SQLITE_ROW ? reinterpret_cast<const char*>(sqlite3_column_text(st, 0)) : "";
      sqlite3_finalize(st);
      return out;
    };
    EXPECT_EQ(text("PRAGMA integrity_check"), "ok") << when;
    EXPECT_EQ(text("SELECT count(*) FROM resource_current"), "720") << when;
    EXPECT_EQ(text("SELECT sum(length(json)) FROM resource_version"),
              std::to_string(400 * 40000 + 8 * (40 * 100 + 37 * 780)))
        << when;
    sqlite3_close(db);
  };
  check("while the store is open");
  store_.reset();
  check("after the store closed");
  auto again = SqliteStore::Open(dir_ + "/kiln.db", 2);
  ASSERT_TRUE(again);
  EXPECT_EQ((*again)->ReadCurrent(tenant, "Patient", "big-399")->json, std::string(40000, 'a' + 399 % 26));
  EXPECT_EQ((*again)->ReadCurrent(tenant, "Patient", "small-7-39")->json, std::string(100 + 39 * 37, 'x'));
}

// A token clause "param = code" for List.
ListQuery TokenQuery(const std::string& param, const std::string& code) {
  ListQuery q;
  q.type = "Patient";
  Predicate p;
  p.kind = IndexKind::kToken;
  p.param = param;
  p.code = code;
  q.index.all_of.push_back(Clause{{p}, false});
  return q;
}

std::vector<std::string> Ids(const Result<ListPage>& page) {
  std::vector<std::string> ids;
  if (page) {
    for (const Version& v : page->items) ids.push_back(v.id);
  }
  return ids;
}

TEST_F(SqliteStoreTest, TenantRegistry) {
  auto tenants = store_->ListTenants();
  ASSERT_TRUE(tenants);
  ASSERT_EQ(tenants->size(), 1u);
  EXPECT_EQ((*tenants)[0].id, DefaultTenant()) << "the default tenant is always there";
  TenantId jane = MakeTenant("jane");
  auto again = store_->CreateTenant(TenantInfo{jane, TenantKind::kOrganization, 200});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().issue, Issue::kConflict);
  auto got = store_->GetTenant(jane);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->kind, TenantKind::kPerson);
  EXPECT_EQ(got->created, 100);
  EXPECT_EQ(got->status, TenantStatus::kActive);
  EXPECT_EQ(store_->ListTenants()->size(), 2u);
  EXPECT_EQ(store_->GetTenant(TenantId{"nobody"}).error().issue, Issue::kNotFound);
  EXPECT_EQ(store_->DeleteTenant(TenantId{"nobody"}).error().issue, Issue::kNotFound);
  EXPECT_EQ(store_->DeleteTenant(DefaultTenant()).error().issue, Issue::kInvalid);
  EXPECT_EQ(store_->Commit(TenantId{"nobody"}, {Op(Change::kCreate, "a", 0, 100)}).error().issue,
            Issue::kNotFound)
      << "no commit into a tenant that does not exist";
}

TEST_F(SqliteStoreTest, DeletingATenantRemovesAllItsRowsAndNoOneElses) {
  TenantId jane = MakeTenant("jane");
  // More resources than one deletion batch, each with an index row; one has two versions.
  std::vector<WriteOp> ops;
  for (int i = 0; i < 1200; ++i) {
    std::string id(1, 'p');
    id.append(std::to_string(i));  // not "p" + ...: GCC 12 misreports that under -Wrestrict
    WriteOp op = Op(Change::kCreate, id, 0, 100, "jane's");
    op.index.emplace_back("gender", TokenValue{"", "female", ""});
    ops.push_back(std::move(op));
  }
  ASSERT_TRUE(store_->Commit(jane, ops));
  ASSERT_TRUE(store_->Commit(jane, {Op(Change::kUpdate, "p1", 1, 200, "jane's v2")}));
  WriteOp mine = Op(Change::kCreate, "p1", 0, 100, "mine");
  mine.index.emplace_back("gender", TokenValue{"", "female", ""});
  ASSERT_TRUE(store_->Commit(tenant, {mine}));

  ASSERT_TRUE(store_->DeleteTenant(jane));
  EXPECT_EQ(store_->GetTenant(jane).error().issue, Issue::kNotFound);
  EXPECT_EQ(store_->ListTenants()->size(), 1u);
  EXPECT_EQ(store_->Commit(jane, {Op(Change::kCreate, "x", 0, 100)}).error().issue, Issue::kNotFound);
  EXPECT_EQ(store_->ReadCurrent(tenant, "Patient", "p1")->json, "mine");
  EXPECT_EQ(Ids(store_->List(tenant, TokenQuery("gender", "female"))), std::vector<std::string>{"p1"});

  // Nothing of the old tenant comes back with a new one of the same name.
  TenantId reborn = MakeTenant("jane");
  EXPECT_EQ(store_->ReadCurrent(reborn, "Patient", "p1").error().issue, Issue::kNotFound);
  EXPECT_EQ(store_->ReadVersion(reborn, "Patient", "p1", 1).error().issue, Issue::kNotFound);
  EXPECT_EQ(store_->History(reborn, HistoryQuery{})->total, 0);
  EXPECT_TRUE(Ids(store_->List(reborn, TokenQuery("gender", "female"))).empty());
  ListQuery all;
  all.type = "Patient";
  all.count = 0;
  EXPECT_EQ(*store_->List(reborn, all)->total, 0);
  // Its search keys still work for new rows.
  WriteOp fresh = Op(Change::kCreate, "p1", 0, 300, "new jane");
  fresh.index.emplace_back("gender", TokenValue{"", "female", ""});
  ASSERT_TRUE(store_->Commit(reborn, {fresh}));
  EXPECT_EQ(Ids(store_->List(reborn, TokenQuery("gender", "female"))), std::vector<std::string>{"p1"});

  // And no row of the deleted tenant is left in any table (the index tables hold keys).
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ + "/kiln.db").c_str(), &db), SQLITE_OK);
  auto count = [db](const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sql;
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    return n;
  };
  EXPECT_EQ(count("SELECT count(*) FROM resource_version WHERE tenant = 'jane'"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM resource_current WHERE tenant = 'jane'"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM idx_token WHERE key IN (SELECT key FROM search_key WHERE tenant = "
                  "'jane')"),
            1);
  sqlite3_close(db);
}

TEST_F(SqliteStoreTest, IndexKeysAreTenantScoped) {
  TenantId other = MakeTenant("other");
  WriteOp mine = Op(Change::kCreate, "a", 0, 100);
  mine.index.emplace_back("gender", TokenValue{"", "female", ""});
  WriteOp theirs = Op(Change::kCreate, "a", 0, 100);
  theirs.index.emplace_back("gender", TokenValue{"", "male", ""});
  ASSERT_TRUE(store_->Commit(tenant, {mine}));
  ASSERT_TRUE(store_->Commit(other, {theirs}));
  EXPECT_EQ(Ids(store_->List(tenant, TokenQuery("gender", "female"))), std::vector<std::string>{"a"});
  EXPECT_TRUE(Ids(store_->List(tenant, TokenQuery("gender", "male"))).empty());
  EXPECT_EQ(Ids(store_->List(other, TokenQuery("gender", "male"))), std::vector<std::string>{"a"});
  // A parameter no resource ever had matches nothing, and :missing=true matches everything.
  EXPECT_TRUE(Ids(store_->List(tenant, TokenQuery("never-indexed", "x"))).empty());
  ListQuery missing = TokenQuery("never-indexed", "x");
  missing.index.all_of[0].any_of[0].missing = true;
  EXPECT_EQ(Ids(store_->List(tenant, missing)), std::vector<std::string>{"a"});
  ListQuery negated = TokenQuery("never-indexed", "x");
  negated.index.all_of[0].negate = true;
  EXPECT_EQ(Ids(store_->List(tenant, negated)), std::vector<std::string>{"a"}) << "NOT (nothing) holds";
  ListQuery either = TokenQuery("never-indexed", "x");
  Predicate female;
  female.kind = IndexKind::kToken;
  female.param = "gender";
  female.code = "female";
  either.index.all_of[0].any_of.push_back(female);
  EXPECT_EQ(Ids(store_->List(tenant, either)), std::vector<std::string>{"a"}) << "x OR female";
}

// Scan results as "query:id=json" strings.
std::vector<std::string> Scanned(SqliteStore& store, const std::vector<ScanQuery>& queries,
                                 const std::function<void()>& during = {},
                                 const std::function<void()>& snapshot_taken = {}) {
  std::vector<std::string> out;
  auto done = store.Scan(
      DefaultTenant(), queries,
      [&](size_t q, const ScannedResource& r) -> Result<> {
        if (out.empty() && during) during();
        out.push_back(std::to_string(q) + ":" + std::string(r.id) + "=" + std::string(r.json));
        return Ok{};
      },
      snapshot_taken);
  EXPECT_TRUE(done) << done.error().diagnostics;
  return out;
}

TEST_F(SqliteStoreTest, ScanStreamsCurrentVersionsInStoredOrderFromOneSnapshot) {
  for (const char* id : {"c", "a", "b", "d"})
    ASSERT_TRUE(store_->Commit(tenant, {Op(Change::kCreate, id, 0, 100, std::string("v1") + id)}));
  ASSERT_TRUE(store_->Commit(tenant, {Op(Change::kUpdate, "b", 1, 300, "v2b")}));
  ASSERT_TRUE(store_->Commit(tenant, {Op(Change::kDelete, "d", 1, 300, "")}));
  WriteOp obs{Change::kCreate, "Observation", "o", 0, 1, 100, "obs", {}, false};
  obs.index.emplace_back("status", TokenValue{"", "final", ""});
  ASSERT_TRUE(store_->Commit(tenant, {obs}));

  ScanQuery patients{"Patient", {}, {}, {}};
  ScanQuery observations{"Observation", {}, {}, {}};
  EXPECT_EQ(Scanned(*store_, {patients, observations}),
            (std::vector<std::string>{"0:c=v1c", "0:a=v1a", "0:b=v2b", "1:o=obs"}));
  ScanQuery since = patients;
  since.since = 100;
  EXPECT_EQ(Scanned(*store_, {since}), std::vector<std::string>{"0:b=v2b"}) << "strictly after";
  ScanQuery updated_in = patients;  // _lastUpdated intervals: [start, end), and outside one
  updated_in.last_updated = {TimeInterval{100, 101, false}};
  EXPECT_EQ(Scanned(*store_, {updated_in}), (std::vector<std::string>{"0:c=v1c", "0:a=v1a"}));
  updated_in.last_updated.push_back(TimeInterval{0, 100, true});
  EXPECT_EQ(Scanned(*store_, {updated_in}), (std::vector<std::string>{"0:c=v1c", "0:a=v1a"}));
  updated_in.last_updated.back().negate = false;
  EXPECT_TRUE(Scanned(*store_, {updated_in}).empty());
  ScanQuery final_only = observations;
  final_only.index = TokenQuery("status", "final").index;
  EXPECT_EQ(Scanned(*store_, {final_only}).size(), 1u);
  final_only.index = TokenQuery("status", "draft").index;
  EXPECT_TRUE(Scanned(*store_, {final_only}).empty());

  // Writes committed while a scan runs are not seen by it, in any of its queries.
  auto seen = Scanned(*store_, {patients, observations}, [&] {
    ASSERT_TRUE(store_->Commit(tenant, {Op(Change::kUpdate, "c", 1, 400, "v2c")}));
    ASSERT_TRUE(store_->Commit(tenant, {Op(Change::kDelete, "a", 1, 400, "")}));
    ASSERT_TRUE(
        store_->Commit(tenant, {WriteOp{Change::kCreate, "Observation", "p", 0, 1, 400, "new", {}, false}}));
  });
  EXPECT_EQ(seen, (std::vector<std::string>{"0:c=v1c", "0:a=v1a", "0:b=v2b", "1:o=obs"}));
  EXPECT_EQ(Scanned(*store_, {patients, observations}),
            (std::vector<std::string>{"0:c=v2c", "0:b=v2b", "1:o=obs", "1:p=new"}));

  // The snapshot is fixed when snapshot_taken is called, even when the first query finds nothing
  // (bulk export opens its write gate there: rest/write_fence.h).
  ScanQuery none{"Condition", {}, {}, {}};
  bool told = false;
  auto fixed = Scanned(*store_, {none, patients}, {}, [&] {
    told = true;
    ASSERT_TRUE(store_->Commit(tenant, {Op(Change::kUpdate, "b", 2, 500, "v3b")}));
  });
  EXPECT_TRUE(told);
  EXPECT_EQ(fixed, (std::vector<std::string>{"1:c=v2c", "1:b=v2b"}));
  EXPECT_EQ(Scanned(*store_, {patients}), (std::vector<std::string>{"0:c=v2c", "0:b=v3b"}));

  // The visitor's error stops the scan, and the connection is usable again afterwards.
  int visits = 0;
  auto stopped = store_->Scan(tenant, {patients},
                              [&](size_t, const ScannedResource&) -> Result<> {
                                ++visits;
                                return Error::Make(Issue::kConflict, "stop");
                              },
                              {});
  ASSERT_FALSE(stopped);
  EXPECT_EQ(stopped.error().diagnostics, "stop");
  EXPECT_EQ(visits, 1);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(Scanned(*store_, {patients}).size(), 2u);
}

TEST_F(SqliteStoreTest, UpdateReplacesIndexRowsAndOneCommitMayWriteAResourceTwice) {
  WriteOp v1 = Op(Change::kCreate, "a", 0, 100);
  v1.index.emplace_back("gender", TokenValue{"", "female", ""});
  WriteOp v2 = Op(Change::kUpdate, "a", 1, 200);
  v2.index.emplace_back("gender", TokenValue{"", "male", ""});
  ASSERT_TRUE(store_->Commit(tenant, {v1, v2}));
  EXPECT_EQ(store_->ReadCurrent(tenant, "Patient", "a")->version, 2);
  EXPECT_TRUE(Ids(store_->List(tenant, TokenQuery("gender", "female"))).empty());
  EXPECT_EQ(Ids(store_->List(tenant, TokenQuery("gender", "male"))), std::vector<std::string>{"a"});
}

// A commit's index rows are inserted at its end, sorted across its writes: of a resource written
// several times in one commit only the last write's rows stay, whether it was stored before or
// not, and a reindex after an update in the same commit replaces the update's rows.
TEST_F(SqliteStoreTest, OnlyTheLastWriteOfAResourceInOneCommitKeepsItsIndexRows) {
  auto gender = [](WriteOp w, const std::string& code) {
    w.index.emplace_back("gender", TokenValue{"", code, ""});
    return w;
  };
  ASSERT_TRUE(store_->Commit(tenant, {gender(Op(Change::kCreate, "a", 0, 100), "female"),
                                      gender(Op(Change::kCreate, "b", 0, 100), "female")}));
  WriteOp reindex = gender(Op(Change::kUpdate, "b", 2, 300), "unknown");
  reindex.index_only = true;
  ASSERT_TRUE(store_->Commit(tenant, {gender(Op(Change::kUpdate, "a", 1, 200), "male"),
                                      gender(Op(Change::kUpdate, "b", 1, 200), "male"),
                                      gender(Op(Change::kUpdate, "a", 2, 300), "other"), reindex,
                                      gender(Op(Change::kCreate, "c", 0, 300), "male")}));
  EXPECT_EQ(store_->ReadCurrent(tenant, "Patient", "a")->version, 3);
  EXPECT_EQ(store_->ReadCurrent(tenant, "Patient", "b")->version, 2);
  EXPECT_TRUE(Ids(store_->List(tenant, TokenQuery("gender", "female"))).empty());
  EXPECT_EQ(Ids(store_->List(tenant, TokenQuery("gender", "male"))), std::vector<std::string>{"c"});
  EXPECT_EQ(Ids(store_->List(tenant, TokenQuery("gender", "other"))), std::vector<std::string>{"a"});
  EXPECT_EQ(Ids(store_->List(tenant, TokenQuery("gender", "unknown"))), std::vector<std::string>{"b"});
}

// Rows of one table go in statements of several rows: more rows than one statement takes are
// all stored and found, and a duplicate row does not fail the commit.
TEST_F(SqliteStoreTest, ManyIndexRowsOfOneTableAreAllStored) {
  WriteOp w = Op(Change::kCreate, "a", 0, 100);
  for (int i = 0; i < 19; ++i) w.index.emplace_back("code", TokenValue{"s", "c" + std::to_string(i), ""});
  w.index.emplace_back("code", TokenValue{"s", "c3", ""});  // the same row again
  w.index.emplace_back("gender", TokenValue{"", "female", ""});
  ASSERT_TRUE(store_->Commit(tenant, {w}));
  for (int i = 0; i < 19; ++i) {
    EXPECT_EQ(Ids(store_->List(tenant, TokenQuery("code", "c" + std::to_string(i)))),
              std::vector<std::string>{"a"})
        << i;
  }
  EXPECT_EQ(Ids(store_->List(tenant, TokenQuery("gender", "female"))), std::vector<std::string>{"a"});
  EXPECT_TRUE(Ids(store_->List(tenant, TokenQuery("code", "c19"))).empty());
}

TEST_F(SqliteStoreTest, ConflictingCommitsInOneGroupFailAloneAndKeepNoIndexRows) {
  ASSERT_TRUE(store_->Commit(tenant, {Op(Change::kCreate, "a", 0, 100)}));
  // Many threads at once, so that the writer groups them: half conflict (stale base version).
  std::vector<std::thread> threads;
  std::atomic<int> ok = 0, conflicts = 0;
  for (int i = 0; i < 64; ++i) {
    threads.emplace_back([&, i] {
      WriteOp w = Op(Change::kCreate, "n" + std::to_string(i), i % 2 == 0 ? 0 : 7, 200 + i);
      w.new_version = 1;
      w.index.emplace_back("param-" + std::to_string(i), TokenValue{"", "v", ""});
      auto done = store_->Commit(tenant, {w});
      (done ? ok : conflicts)++;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, 32);
  EXPECT_EQ(conflicts, 32);
  for (int i = 0; i < 64; ++i) {
    auto found = Ids(store_->List(tenant, TokenQuery("param-" + std::to_string(i), "v")));
    if (i % 2 == 0) {
      EXPECT_EQ(found, std::vector<std::string>{"n" + std::to_string(i)});
    } else {
      EXPECT_TRUE(found.empty()) << i;
    }
  }
}

// With the bulk-load tuning the writer puts several large commits into one transaction; each
// still gets its own outcome, and a conflicting one leaves nothing behind.
TEST_F(SqliteStoreTest, BulkTunedWriterGroupsLargeCommitsAndEachGetsItsOwnOutcome) {
  store_.reset();
  auto reopened = SqliteStore::Open(dir_ + "/kiln.db", 4, WriterTuning::Bulk());
  ASSERT_TRUE(reopened) << reopened.error().diagnostics;
  store_ = std::move(reopened).value();
  ASSERT_TRUE(store_->Commit(tenant, {Op(Change::kCreate, "a", 0, 100)}));
  constexpr int kThreads = 6, kCommits = 4, kWrites = 400;
  // Every third commit also updates "a" from a version it never had.
  auto stale = [](int t, int c) { return (t + c) % 3 == 0; };
  std::vector<std::thread> threads;
  std::atomic<int> ok = 0, conflicts = 0;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int c = 0; c < kCommits; ++c) {
        std::string name = std::to_string(t) + "-" + std::to_string(c);
        std::vector<WriteOp> writes;
        for (int i = 0; i < kWrites; ++i) {
          WriteOp w = Op(Change::kCreate, name + "-" + std::to_string(i), 0, 200);
          w.index.emplace_back("commit", TokenValue{"", name, ""});
          writes.push_back(std::move(w));
        }
        if (stale(t, c)) writes.push_back(Op(Change::kUpdate, "a", 5, 200));
        (store_->Commit(tenant, std::move(writes)) ? ok : conflicts)++;
      }
    });
  }
  for (auto& th : threads) th.join();
  int conflicting = 0;
  for (int t = 0; t < kThreads; ++t) {
    for (int c = 0; c < kCommits; ++c) {
      std::string name = std::to_string(t) + "-" + std::to_string(c);
      ListQuery by_commit = TokenQuery("commit", name);
      by_commit.count = 0;  // only the total
      int64_t found = store_->List(tenant, by_commit)->total.value_or(-1);
      if (stale(t, c)) {
        ++conflicting;
        EXPECT_EQ(found, 0) << name;
        EXPECT_EQ(store_->ReadCurrent(tenant, "Patient", name + "-0").error().issue, Issue::kNotFound);
      } else {
        EXPECT_EQ(found, kWrites) << name;
      }
    }
  }
  EXPECT_EQ(conflicts, conflicting);
  EXPECT_EQ(ok, kThreads * kCommits - conflicting);
  ListQuery q;
  q.type = "Patient";
  q.count = 0;
  EXPECT_EQ(store_->List(tenant, q)->total, 1 + ok * kWrites);
  EXPECT_EQ(store_->ReadCurrent(tenant, "Patient", "a")->version, 1);
}

// A database written by schema version 2 (index rows naming tenant, type and parameter) is
// migrated with its index rows intact.
TEST(SqliteMigrationTest, SchemaTwoIndexRowsSurviveTheKeyMigration) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "kiln-migrate-XXXXXX").string();
  std::string dir = mkdtemp(tmpl.data());
  std::string path = dir + "/kiln.db";
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    std::string sql =
        std::string("CREATE TABLE kiln_schema (version INTEGER NOT NULL);") + kMigrations[0] +
        kMigrations[1] +
        "INSERT INTO kiln_schema VALUES (1), (2);"
        "INSERT INTO resource_version VALUES (1, 'default', 'Patient', 'p1', 1, 10, 0, '{}');"
        "INSERT INTO resource_current VALUES ('default', 'Patient', 'p1', 1, 1, 10, 0);"
        "INSERT INTO idx_token VALUES ('default', 'Patient', 'gender', 'female', '', 'p1', 0, '');"
        "INSERT INTO idx_token VALUES ('other', 'Patient', 'gender', 'male', '', 'p1', 0, '');";
    char* err = nullptr;
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
    sqlite3_close(db);
  }
  {
    auto store = SqliteStore::Open(path, 2);
    ASSERT_TRUE(store) << store.error().diagnostics;
    TenantId tenant = DefaultTenant();
    EXPECT_EQ(Ids((*store)->List(tenant, TokenQuery("gender", "female"))), std::vector<std::string>{"p1"});
    EXPECT_TRUE(Ids((*store)->List(tenant, TokenQuery("gender", "male"))).empty());
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace kiln::store::sqlite

// auth: the authorization server's records (007_auth.sql).
namespace kiln::store::sqlite {
namespace {

TEST_F(SqliteStoreTest, ClientsAreCreatedListedAndDeletedByTheirId) {
  ClientRecord c{"app", TenantId{"jane"}, "$argon2id$h", "v1.sealed", "system/*.rs", "", 42};
  ASSERT_TRUE(store_->CreateClient(c));
  EXPECT_EQ(store_->CreateClient(c).error().issue, Issue::kConflict);
  auto got = store_->GetClient("app");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->tenant.value, "jane");
  EXPECT_EQ(got->secret_hash, "$argon2id$h");
  EXPECT_EQ(got->scope, "system/*.rs");
  EXPECT_EQ(got->created, 42);
  ASSERT_TRUE(store_->CreateClient(ClientRecord{"backend", DefaultTenant(), "", "", "system/*.r", "{}", 1}));
  auto all = store_->ListClients();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, "app");
  EXPECT_EQ((*all)[1].jwks, "{}");
  ASSERT_TRUE(store_->DeleteClient("app"));
  EXPECT_EQ(store_->GetClient("app").error().issue, Issue::kNotFound);
  EXPECT_EQ(store_->DeleteClient("app").error().issue, Issue::kNotFound);
}

TEST_F(SqliteStoreTest, ANewSigningKeyRetiresTheOnesBefore) {
  ASSERT_TRUE(store_->AddSigningKey(SigningKeyRecord{"k1", "ES256", "sealed1", 100, 0}));
  ASSERT_TRUE(store_->AddSigningKey(SigningKeyRecord{"k2", "ES256", "sealed2", 200, 0}));
  auto keys = store_->SigningKeys();
  ASSERT_TRUE(keys);
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].kid, "k2");  // newest first
  EXPECT_EQ((*keys)[0].retired, 0);
  EXPECT_EQ((*keys)[1].kid, "k1");
  EXPECT_EQ((*keys)[1].retired, 200);
}

TEST_F(SqliteStoreTest, AnAssertionIsUsedOnceUntilItExpires) {
  ASSERT_TRUE(store_->UseAssertion("app", "j1", 1000, 500));
  EXPECT_EQ(store_->UseAssertion("app", "j1", 1000, 600).error().issue, Issue::kConflict);
  EXPECT_TRUE(store_->UseAssertion("other", "j1", 1000, 600)) << "per client";
  EXPECT_TRUE(store_->UseAssertion("app", "j1", 2000, 1000)) << "forgotten once expired";
}

TEST_F(SqliteStoreTest, RevokedTokensAreRememberedUntilTheyExpire) {
  EXPECT_FALSE(*store_->IsTokenRevoked("t1"));
  ASSERT_TRUE(store_->RevokeToken("t1", 1000, 500));
  EXPECT_TRUE(*store_->IsTokenRevoked("t1"));
  ASSERT_TRUE(store_->RevokeToken("t2", 3000, 1000));  // forgets t1, expired by then
  EXPECT_FALSE(*store_->IsTokenRevoked("t1"));
  EXPECT_TRUE(*store_->IsTokenRevoked("t2"));
}

}  // namespace
}  // namespace kiln::store::sqlite
