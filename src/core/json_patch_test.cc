#include <gtest/gtest.h>

#include "core/patch.h"

namespace kiln::core {
namespace {

// Applies `patch` to `doc` and returns the result as compact JSON, or "error <status>: ...".
std::string Apply(std::string_view doc, std::string_view patch) {
  auto d = json::Parse(doc);
  auto p = json::Parse(patch);
  EXPECT_TRUE(d && p);
  json::Document out = std::move(d).value();
  auto done = ApplyJsonPatch(*p, out);
  if (!done) return "error " + std::to_string(done.error().http_status) + ": " + done.error().diagnostics;
  return json::Write(out);
}

bool IsError(const std::string& s, int status) {
  return s.starts_with("error " + std::to_string(status) + ":");
}

TEST(JsonPatch, Add) {
  EXPECT_EQ(Apply(R"({"a":1})", R"([{"op":"add","path":"/b","value":[2]}])"), R"({"a":1,"b":[2]})");
  EXPECT_EQ(Apply(R"({"a":[1,3]})", R"([{"op":"add","path":"/a/1","value":2}])"), R"({"a":[1,2,3]})");
  EXPECT_EQ(Apply(R"({"a":[1]})", R"([{"op":"add","path":"/a/-","value":2}])"), R"({"a":[1,2]})");
  EXPECT_EQ(Apply(R"({"a":[1]})", R"([{"op":"add","path":"/a/1","value":2}])"), R"({"a":[1,2]})");
  EXPECT_EQ(Apply(R"({"a":1})", R"([{"op":"add","path":"/a","value":5}])"), R"({"a":5})");
  EXPECT_EQ(Apply(R"({"a":1})", R"([{"op":"add","path":"","value":{"z":0}}])"), R"({"z":0})");
  EXPECT_TRUE(IsError(Apply(R"({"a":[1]})", R"([{"op":"add","path":"/a/2","value":2}])"), 422));
  EXPECT_TRUE(IsError(Apply(R"({"a":[1]})", R"([{"op":"add","path":"/a/01","value":2}])"), 422));
  EXPECT_TRUE(IsError(Apply(R"({"a":1})", R"([{"op":"add","path":"/x/y","value":2}])"), 422));
}

TEST(JsonPatch, RemoveAndReplace) {
  EXPECT_EQ(Apply(R"({"a":1,"b":2})", R"([{"op":"remove","path":"/a"}])"), R"({"b":2})");
  EXPECT_EQ(Apply(R"({"a":[1,2,3]})", R"([{"op":"remove","path":"/a/0"}])"), R"({"a":[2,3]})");
  EXPECT_TRUE(IsError(Apply(R"({"a":1})", R"([{"op":"remove","path":"/b"}])"), 422));
  EXPECT_EQ(Apply(R"({"a":{"b":1}})", R"([{"op":"replace","path":"/a/b","value":"x"}])"),
            R"({"a":{"b":"x"}})");
  EXPECT_TRUE(IsError(Apply(R"({"a":1})", R"([{"op":"replace","path":"/b","value":1}])"), 422));
}

TEST(JsonPatch, MoveAndCopy) {
  EXPECT_EQ(Apply(R"({"a":1,"b":{}})", R"([{"op":"move","from":"/a","path":"/b/c"}])"), R"({"b":{"c":1}})");
  EXPECT_EQ(Apply(R"({"a":[1,2,3]})", R"([{"op":"move","from":"/a/0","path":"/a/-"}])"), R"({"a":[2,3,1]})");
  EXPECT_EQ(Apply(R"({"a":{"x":[1]}})", R"([{"op":"copy","from":"/a/x","path":"/b"}])"),
            R"({"a":{"x":[1]},"b":[1]})");
  EXPECT_TRUE(IsError(Apply(R"({"a":{"b":1}})", R"([{"op":"move","from":"/a","path":"/a/b/c"}])"), 422));
  EXPECT_TRUE(IsError(Apply(R"({"a":1})", R"([{"op":"copy","from":"/nope","path":"/b"}])"), 422));
}

TEST(JsonPatch, TestComparesByValue) {
  EXPECT_EQ(
      Apply(R"({"a":{"x":1,"y":[1.0,"s"]}})", R"([{"op":"test","path":"/a","value":{"y":[1,"s"],"x":1}}])"),
      R"({"a":{"x":1,"y":[1.0,"s"]}})");
  EXPECT_TRUE(IsError(Apply(R"({"a":1})", R"([{"op":"test","path":"/a","value":"1"}])"), 422));
  EXPECT_TRUE(IsError(Apply(R"({"a":null})", R"([{"op":"test","path":"/a","value":false}])"), 422));
  // A failed test stops the patch: nothing after it applies.
  EXPECT_TRUE(IsError(
      Apply(R"({"a":1})", R"([{"op":"test","path":"/a","value":2},{"op":"add","path":"/b","value":1}])"),
      422));
}

TEST(JsonPatch, PointerEscapes) {
  EXPECT_EQ(
      Apply(R"({"a/b":1,"m~n":2})", R"([{"op":"remove","path":"/a~1b"},{"op":"remove","path":"/m~0n"}])"),
      "{}");
  EXPECT_EQ(Apply(R"({"~1":1})", R"([{"op":"test","path":"/~01","value":1}])"), R"({"~1":1})");
  EXPECT_TRUE(IsError(Apply(R"({"a":1})", R"([{"op":"remove","path":"/a~2"}])"), 0));
}

TEST(JsonPatch, MalformedDocumentsAre400BeforeAnythingApplies) {
  for (const char* bad : {R"({"op":"add"})", R"([{"path":"/a"}])", R"([{"op":"add","path":"/a"}])",
                          R"([{"op":"move","path":"/a"}])", R"([{"op":"delete","path":"/a"}])",
                          R"([{"op":"remove","path":"a"}])", R"([1])",
                          R"([{"op":"remove","path":"/nope"},{"op":"frob","path":"/a"}])"}) {
    std::string got = Apply(R"({"a":1})", bad);
    EXPECT_TRUE(IsError(got, 0)) << bad << " -> " << got;
  }
}

}  // namespace
}  // namespace kiln::core
