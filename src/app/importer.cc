#include "app/importer.h"

#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/json.h"
#include "core/log.h"
#include "rest/reference_rewrite.h"

namespace kiln::app {

namespace {

// One resource to store, as the REST request that stores it.
struct Item {
  std::string source;  // "file:line" or "file#entry", for error messages
  std::string json;
};

// Bundle entries with "urn:uuid:" fullUrls reference each other by those URNs. Each such
// resource is stored under the UUID as its id (a transaction would assign new ids; importing the
// same files twice updates the same resources), and references are rewritten to "Type/uuid".
void CollectBundle(const std::string& file, std::string text, std::vector<Item>& out) {
  rest::LocalUrls urls;
  std::vector<std::string> entry_uuid;  // per entry: the UUID of its urn:uuid fullUrl, or ""
  for (const auto& m : json::TopLevelMembers(text)) {
    if (m.key != "entry") continue;
    for (std::string_view entry : json::ArrayElements(m.raw)) {
      std::string_view full_url, resource;
      for (const auto& em : json::TopLevelMembers(entry)) {
        if (em.key == "fullUrl") full_url = em.raw;
        if (em.key == "resource") resource = em.raw;
      }
      entry_uuid.emplace_back();
      if (!full_url.starts_with("\"urn:uuid:") || resource.empty()) continue;
      auto doc = json::Parse(resource);
      if (!doc) continue;
      std::string type(json::GetString(*doc, "resourceType"));
      entry_uuid.back() = std::string(full_url.substr(10, full_url.size() - 11));
      urls[std::string(full_url.substr(1, full_url.size() - 2))] = type + "/" + entry_uuid.back();
    }
  }
  // The same rewriting as a transaction's (references, uri elements and narrative links).
  text = rest::RewriteLocalUrls(text, urls);
  for (const auto& m : json::TopLevelMembers(text)) {
    if (m.key != "entry") continue;
    size_t index = 0;
    for (std::string_view entry : json::ArrayElements(m.raw)) {
      std::string resource;
      for (const auto& em : json::TopLevelMembers(entry)) {
        if (em.key == "resource") resource = std::string(em.raw);
      }
      bool has_id = false;
      for (const auto& rm : json::TopLevelMembers(resource)) has_id = has_id || rm.key == "id";
      if (!resource.empty() && !has_id && index < entry_uuid.size() && !entry_uuid[index].empty()) {
        // Give the resource its UUID as id, in front of its other members.
        resource =
            "{\"id\":" + json::Quote(entry_uuid[index]) + "," + resource.substr(resource.find('{') + 1);
      }
      if (!resource.empty()) out.push_back({file + "#entry" + std::to_string(index), std::move(resource)});
      ++index;
    }
  }
}

std::vector<Item> Collect(const std::string& file) {
  std::vector<Item> items;
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    log::Err("cannot open file", {{"file", file}});
    return items;
  }
  if (file.ends_with(".ndjson")) {
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
      if (line.find_first_not_of(" \t\r") != std::string::npos)
        items.push_back({file + ":" + std::to_string(n), line});
    }
    return items;
  }
  std::stringstream buf;
  buf << in.rdbuf();
  std::string text = buf.str();
  auto doc = json::Parse(text);
  if (doc && json::GetString(*doc, "resourceType") == "Bundle") {
    std::string_view type = json::GetString(*doc, "type");
    if (type == "transaction" || type == "batch" || type == "collection" || type == "searchset" ||
        type == "history") {
      CollectBundle(file, std::move(text), items);
      return items;
    }
  }
  items.push_back({file, std::move(text)});
  return items;
}

rest::Request RequestFor(const Item& item) {
  rest::Request req;
  req.headers.push_back({"Content-Type", "application/fhir+json"});
  req.headers.push_back({"Prefer", "return=minimal"});
  req.base_url = "kiln-import";
  req.request_id = "import";
  auto doc = json::Parse(item.json);
  std::string type = doc ? std::string(json::GetString(*doc, "resourceType")) : std::string();
  std::string id = doc ? std::string(json::GetString(*doc, "id")) : std::string();
  req.method = id.empty() ? "POST" : "PUT";
  req.path = id.empty() ? type : type + "/" + id;
  req.body = item.json;
  return req;
}

}  // namespace

ImportStats ImportFiles(const rest::Api& api, const std::vector<std::string>& files, int threads) {
  std::vector<Item> items;
  for (const auto& f : files) {
    auto more = Collect(f);
    std::move(more.begin(), more.end(), std::back_inserter(items));
  }
  std::atomic<size_t> next{0};
  std::atomic<int64_t> stored{0}, failed{0};
  // Several requests at once, so the store's group commit can batch their fsyncs.
  std::vector<std::thread> pool;
  for (int t = 0; t < std::max(1, threads); ++t) {
    pool.emplace_back([&] {
      for (size_t i = next++; i < items.size(); i = next++) {
        rest::Response res = api.Handle(RequestFor(items[i]));
        if (res.status == 200 || res.status == 201) {
          ++stored;
        } else {
          ++failed;
          log::Err("import failed",
                   {{"source", items[i].source}, {"status", res.status}, {"outcome", res.body}});
        }
      }
    });
  }
  for (auto& t : pool) t.join();
  return ImportStats{stored.load(), failed.load()};
}

}  // namespace kiln::app
