#include "support/export_client.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace kiln::testing {

namespace {

const Headers kAsync = {{"Prefer", "respond-async"}, {"Accept", "application/fhir+json"}};

}  // namespace

ExportManifest ManifestOf(const HttpResponse& res) {
  ExportManifest m;
  auto doc = res.Json();
  m.transaction_time = std::string(json::GetString(doc, "transactionTime"));
  m.request = std::string(json::GetString(doc, "request"));
  if (const json::Value* t = json::Find(doc, "requiresAccessToken"); t && t->IsBool())
    m.requires_access_token = t->GetBool();
  if (const json::Value* out = json::Find(doc, "output"); out && out->IsArray()) {
    for (const auto& f : out->GetArray()) {
      const json::Value* count = json::Find(f, "count");
      m.output.push_back({std::string(json::GetString(f, "type")), std::string(json::GetString(f, "url")),
                          count && count->IsInt64() ? count->GetInt64() : -1});
    }
  }
  if (const json::Value* err = json::Find(doc, "error"); err && err->IsArray())
    m.errors = err->GetArray().Size();
  return m;
}

std::vector<std::string> SplitLines(const std::string& body) {
  std::vector<std::string> lines;
  for (size_t pos = 0; pos < body.size();) {
    size_t nl = body.find('\n', pos);
    EXPECT_NE(nl, std::string::npos) << "the last line has no newline";
    if (nl == std::string::npos) nl = body.size();
    lines.push_back(body.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return lines;
}

std::string ExportClient::PathOf(const std::string& url) const {
  EXPECT_TRUE(url.starts_with(base_url_ + "/")) << url;
  return url.substr(std::min(url.size(), base_url_.size() + 1));
}

std::string ExportClient::KickOff(const std::string& path, const std::string& body) const {
  HttpResponse res = body.empty() ? client_.Get(path, kAsync) : client_.Post(path, body, kAsync);
  EXPECT_EQ(res.status, 202) << path << " -> " << res.body;
  std::string location = res.Header("Content-Location");
  EXPECT_TRUE(location.starts_with(base_url_ + "/_export/")) << location;
  return PathOf(location);
}

ExportManifest ExportClient::Complete(const std::string& status_path) const {
  for (int i = 0; i < 3000; ++i) {
    HttpResponse res = client_.Get(status_path);
    if (res.status == 202) {
      EXPECT_FALSE(res.Header("X-Progress").empty());
      EXPECT_LT(res.Header("X-Progress").size(), 100u);
      EXPECT_FALSE(res.Header("Retry-After").empty());
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    EXPECT_EQ(res.status, 200) << res.body;
    EXPECT_EQ(res.Header("Content-Type"), "application/json");
    return ManifestOf(res);
  }
  ADD_FAILURE() << "the export did not complete: " << status_path;
  return {};
}

std::map<std::string, ExportLines> ExportClient::Download(const ExportManifest& m) const {
  std::map<std::string, ExportLines> out;
  for (const ExportOutputFile& f : m.output) {
    HttpResponse res = client_.Get(PathOf(f.url));
    EXPECT_EQ(res.status, 200) << f.url;
    EXPECT_EQ(res.Header("Content-Type"), "application/fhir+ndjson");
    std::vector<std::string> lines = SplitLines(res.body);
    for (const std::string& line : lines) {
      auto doc = json::Parse(line);
      EXPECT_TRUE(doc) << line;
      if (!doc) continue;
      EXPECT_EQ(json::GetString(*doc, "resourceType"), f.type) << line;
      std::string id(json::GetString(*doc, "id"));
      EXPECT_TRUE(out[f.type].emplace(id, line).second) << f.type << "/" << id << " exported twice";
    }
    EXPECT_EQ(static_cast<int64_t>(lines.size()), f.count) << f.url;
  }
  return out;
}

std::set<std::string> IdsOf(const ExportLines& lines) {
  std::set<std::string> ids;
  for (const auto& [id, line] : lines) ids.insert(id);
  return ids;
}

std::string LastUpdatedOf(const FhirClient& client, const std::string& type, const std::string& id) {
  auto doc = client.Get(type + "/" + id).Json();
  const json::Value* meta = json::Find(doc, "meta");
  EXPECT_NE(meta, nullptr) << type << "/" << id;
  return meta == nullptr ? std::string() : std::string(json::GetString(*meta, "lastUpdated"));
}

std::set<std::string> TypesOf(const ExportManifest& m) {
  std::set<std::string> types;
  for (const ExportOutputFile& f : m.output) types.insert(f.type);
  return types;
}

}  // namespace kiln::testing
