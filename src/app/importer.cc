#include "app/importer.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <functional>
#include <mutex>
#include <optional>
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

// Calls `emit` with each resource of `file` in order: an ndjson file is streamed line by line,
// any other file is read whole (a Bundle's entries, or one resource).
void ForEachItem(const std::string& file, const std::function<void(Item&&)>& emit) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    log::Err("cannot open file", {{"file", file}});
    return;
  }
  if (file.ends_with(".ndjson")) {
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
      if (line.find_first_not_of(" \t\r") != std::string::npos) emit({file + ":" + std::to_string(n), line});
    }
    return;
  }
  std::stringstream buf;
  buf << in.rdbuf();
  std::string text = buf.str();
  auto doc = json::Parse(text);
  if (doc && json::GetString(*doc, "resourceType") == "Bundle") {
    std::string_view type = json::GetString(*doc, "type");
    if (type == "transaction" || type == "batch" || type == "collection" || type == "searchset" ||
        type == "history") {
      std::vector<Item> items;
      CollectBundle(file, std::move(text), items);
      for (Item& item : items) emit(std::move(item));
      return;
    }
  }
  emit({file, std::move(text)});
}

// Where an item is stored: PUT Type/id when it has an id, else POST Type. nullopt when it is not
// a JSON object with a resourceType (the single request then reports why).
struct Target {
  std::string type;
  std::string id;
};
std::optional<Target> TargetOf(const Item& item) {
  auto doc = json::Parse(item.json);
  if (!doc || !doc->IsObject()) return std::nullopt;
  Target t{std::string(json::GetString(*doc, "resourceType")), std::string(json::GetString(*doc, "id"))};
  if (t.type.empty()) return std::nullopt;
  return t;
}

rest::Request ImportRequest(std::string method, std::string path, std::string body) {
  rest::Request req;
  req.headers.push_back({"Content-Type", "application/fhir+json"});
  req.headers.push_back({"Prefer", "return=minimal"});
  req.base_url = "kiln-import";
  req.request_id = "import";
  req.method = std::move(method);
  req.path = std::move(path);
  req.body = std::move(body);
  return req;
}

rest::Request RequestFor(const Item& item) {
  std::optional<Target> t = TargetOf(item);
  std::string type = t ? t->type : std::string();
  if (t && !t->id.empty()) return ImportRequest("PUT", type + "/" + t->id, item.json);
  return ImportRequest("POST", type, item.json);
}

// The items of a chunk as one transaction Bundle, or nullopt when one of them cannot be an entry.
std::optional<rest::Request> TransactionFor(const std::vector<Item>& chunk) {
  std::string body = R"({"resourceType":"Bundle","type":"transaction","entry":[)";
  for (size_t i = 0; i < chunk.size(); ++i) {
    std::optional<Target> t = TargetOf(chunk[i]);
    if (!t) return std::nullopt;
    if (i > 0) body.push_back(',');
    body += R"({"resource":)";
    body += chunk[i].json;
    body += t->id.empty() ? R"(,"request":{"method":"POST","url":)" : R"(,"request":{"method":"PUT","url":)";
    json::AppendQuoted(body, t->id.empty() ? t->type : t->type + "/" + t->id);
    body += "}}";
  }
  body += "]}";
  return ImportRequest("POST", "", std::move(body));
}

// Resources travel in chunks from the reader to the importing threads; a bounded queue keeps
// memory flat however large the input is.
class ChunkQueue {
 public:
  explicit ChunkQueue(size_t capacity) : capacity_(capacity) {}
  void Push(std::vector<Item> chunk) {
    std::unique_lock lock(mu_);
    not_full_.wait(lock, [&] { return chunks_.size() < capacity_; });
    chunks_.push_back(std::move(chunk));
    not_empty_.notify_one();
  }
  void Close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    not_empty_.notify_all();
  }
  // False once the queue is closed and empty.
  bool Pop(std::vector<Item>& chunk) {
    std::unique_lock lock(mu_);
    not_empty_.wait(lock, [&] { return closed_ || !chunks_.empty(); });
    if (chunks_.empty()) return false;
    chunk = std::move(chunks_.front());
    chunks_.pop_front();
    not_full_.notify_one();
    return true;
  }

 private:
  const size_t capacity_;
  std::mutex mu_;
  std::condition_variable not_empty_, not_full_;
  std::deque<std::vector<Item>> chunks_;  // GUARDED_BY(mu_)
  bool closed_ = false;                   // GUARDED_BY(mu_)
};

// A chunk is at most this many resources or bytes: large enough that one commit writes each
// index page it touches once for thousands of resources (bench/README.md: 20 % faster at 1M than
// 500), small enough to keep the importer under 0.5 GB and to retry one by one when it fails.
constexpr size_t kChunkResources = 5000;
constexpr size_t kChunkBytes = 32 << 20;

// Stores one chunk as a transaction: one validation pass and one commit for all of it. When the
// transaction fails (an invalid resource, the same resource twice), every resource goes in as a
// request of its own instead, so each failure is reported and the others are stored.
void ImportChunk(const rest::Api& api, const std::vector<Item>& chunk, std::atomic<int64_t>& stored,
                 std::atomic<int64_t>& failed) {
  if (auto tx = TransactionFor(chunk); tx && chunk.size() > 1) {
    rest::Response res = api.Handle(*tx);
    if (res.status == 200) {
      stored += static_cast<int64_t>(chunk.size());
      return;
    }
  }
  for (const Item& item : chunk) {
    rest::Response res = api.Handle(RequestFor(item));
    if (res.status == 200 || res.status == 201) {
      ++stored;
    } else {
      ++failed;
      log::Err("import failed", {{"source", item.source}, {"status", res.status}, {"outcome", res.body}});
    }
  }
}

}  // namespace

ImportStats ImportFiles(const rest::Api& api, const std::vector<std::string>& files, int threads) {
  int workers = std::max(1, threads);
  ChunkQueue queue(static_cast<size_t>(workers) * 2);
  std::atomic<int64_t> stored{0}, failed{0};
  // Several chunks at once: while one commits, the next is parsed, validated and indexed.
  std::vector<std::thread> pool;
  for (int t = 0; t < workers; ++t) {
    pool.emplace_back([&] {
      std::vector<Item> chunk;
      while (queue.Pop(chunk)) ImportChunk(api, chunk, stored, failed);
    });
  }
  std::vector<Item> chunk;
  size_t bytes = 0;
  for (const auto& f : files) {
    ForEachItem(f, [&](Item&& item) {
      bytes += item.json.size();
      chunk.push_back(std::move(item));
      if (chunk.size() >= kChunkResources || bytes >= kChunkBytes) {
        queue.Push(std::move(chunk));
        chunk.clear();
        bytes = 0;
      }
    });
  }
  if (!chunk.empty()) queue.Push(std::move(chunk));
  queue.Close();
  for (auto& t : pool) t.join();
  return ImportStats{stored.load(), failed.load()};
}

}  // namespace kiln::app
