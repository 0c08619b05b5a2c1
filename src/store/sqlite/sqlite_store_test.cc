#include "store/sqlite/sqlite_store.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <thread>

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
  TenantId other{"other"};
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

TEST_F(SqliteStoreTest, ListPagesByIdAndSkipsDeleted) {
  for (const char* id : {"c", "a", "b", "d"})
    ASSERT_TRUE(store_->Commit(tenant, {Op(Change::kCreate, id, 0, 100)}));
  ASSERT_TRUE(store_->Commit(tenant, {Op(Change::kDelete, "d", 1, 200, "")}));
  ListQuery q;
  q.type = "Patient";
  q.count = 2;
  auto page = store_->List(tenant, q);
  ASSERT_TRUE(page);
  EXPECT_EQ(*page->total, 3);
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[0].id, "a");
  ASSERT_TRUE(page->next_cursor);
  q.cursor = page->next_cursor;
  auto rest = store_->List(tenant, q);
  ASSERT_EQ(rest->items.size(), 1u);
  EXPECT_EQ(rest->items[0].id, "c");
  EXPECT_FALSE(rest->next_cursor);
}

TEST_F(SqliteStoreTest, ReopenKeepsDataAndSchema) {
  ASSERT_TRUE(store_->Commit(tenant, {Op(Change::kCreate, "a", 0, 100, "x")}));
  store_.reset();
  auto again = SqliteStore::Open(dir_ + "/kiln.db", 2);
  ASSERT_TRUE(again);
  EXPECT_EQ((*again)->ReadCurrent(tenant, "Patient", "a")->json, "x");
}

}  // namespace
}  // namespace kiln::store::sqlite
