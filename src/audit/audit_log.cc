// The audit queue and its writers (audit.h): request threads copy what an AuditEvent needs and
// queue it; writer threads find the patients concerned, build the events and store them a batch
// at a time, one commit per tenant. Two writers by default, so that one builds a batch while the
// other waits for its commit's fsync.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "audit/audit.h"
#include "audit/classify.h"
#include "audit/record.h"
#include "core/json.h"
#include "core/log.h"
#include "core/thread.h"
#include "rest/resource_body.h"

namespace kiln::audit {

namespace {

constexpr std::string_view kPatient = "Patient";
constexpr int kCommitAttempts = 5;             // for kTransient failures (the database busy or unavailable)
constexpr size_t kMaxResultsLooked = 1000;     // search results whose patients an event names
constexpr size_t kMaxAttemptedBody = 1 << 20;  // a failed write's body looked at for its patients

// Percent-encodes what a query component may not hold as it is (RFC 3986 section 3.4).
void AppendEncoded(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned char ch : s) {
    if (std::isalnum(ch) ||
        std::string_view("-._~:/|,$*").find(static_cast<char>(ch)) != std::string_view::npos) {
      out.push_back(static_cast<char>(ch));
    } else {
      out.push_back('%');
      out.push_back(kHex[ch >> 4]);
      out.push_back(kHex[ch & 15]);
    }
  }
}

std::string QueryOf(const rest::Request& req, const Interaction& in) {
  std::string q;
  for (const auto& [k, v] : req.query) {
    if (!q.empty()) q += '&';
    AppendEncoded(q, k);
    q += '=';
    AppendEncoded(q, v);
  }
  // POST [type]/_search carries its parameters as a form.
  if (in.search && req.method == "POST" && !req.body.empty()) q += (q.empty() ? "" : "&") + req.body;
  return q;
}

std::string HeaderOf(const rest::Response& res, std::string_view name) {
  for (const rest::HeaderField& h : res.headers) {
    if (h.name.size() == name.size() &&
        std::equal(h.name.begin(), h.name.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
        })) {
      return h.value;
    }
  }
  return {};
}

// "Patient/123", "http://host/fhir/Patient/123" or "123" (as a `patient` parameter's value) as
// the id of a patient; empty when it names another type.
std::string PatientIdIn(std::string_view value, bool bare_id_is_patient) {
  if (size_t slash = value.rfind('/'); slash != std::string_view::npos) {
    std::string_view before = value.substr(0, slash);
    if (!before.ends_with(kPatient)) return {};
    size_t start = before.size() - kPatient.size();
    if (start != 0 && before[start - 1] != '/') return {};
    return std::string(value.substr(slash + 1));
  }
  return bare_id_is_patient ? std::string(value) : std::string();
}

}  // namespace

struct AuditLog::State {
  const core::Model& model;
  const search::Registry& registry;
  store::Store& store;
  const Clock& clock;
  const AuditOptions options;
  std::optional<core::ResourceType> audit_type;

  mutable std::mutex mu;
  std::condition_variable room;  // the queue has room, or stop
  std::condition_variable work;  // the queue has records, or stop
  std::condition_variable done;  // `stored` moved on
  std::deque<Captured> queue;    // GUARDED_BY(mu)
  uint64_t queued = 0;           // GUARDED_BY(mu): records ever queued
  uint64_t taken = 0;            // GUARDED_BY(mu): records ever taken by a writer
  std::set<uint64_t> in_flight;  // GUARDED_BY(mu): the first record of each batch being written
  bool stop = false;             // GUARDED_BY(mu)
  std::vector<std::thread> writers;

  State(const core::Model& m, const search::Registry& r, store::Store& s, const Clock& c, AuditOptions o)
      : model(m), registry(r), store(s), clock(c), options(std::move(o)) {
    if (auto t = model.FindResourceType("AuditEvent")) audit_type = *t;
  }

  void Run();
  // Records before this one are all stored (or failed). REQUIRES: mu held.
  uint64_t StoredThrough() const { return in_flight.empty() ? taken : *in_flight.begin(); }
  void WriteBatch(std::vector<Captured>& batch);
  Findings Find(const Captured& c);
  void AddPatientsOf(const store::TenantId& tenant, const std::string& type,
                     const std::vector<std::string>& ids, std::set<std::string>& out);
  bool AddPatientsIn(const json::Value& resource, const std::string& base_url, std::set<std::string>& out);
};

// The patients whose compartment holds `ids` (all of `type`), by their stored references.
void AuditLog::State::AddPatientsOf(const store::TenantId& tenant, const std::string& type,
                                    const std::vector<std::string>& ids, std::set<std::string>& out) {
  if (type == kPatient) {
    out.insert(ids.begin(), ids.end());
    return;
  }
  const std::vector<std::string>* params = registry.CompartmentParams(kPatient, type);
  if (params == nullptr || params->empty() || ids.empty()) return;
  auto refs = store.References(tenant, type, ids, *params);
  if (!refs) {
    log::Warn("audit: cannot look up the patients of an event", {{"error", refs.error().diagnostics}});
    return;
  }
  for (const store::ResourceRef& r : *refs) {
    if (r.type == kPatient) out.insert(r.id);
  }
}

// The patients whose compartment holds `resource` (JSON, as served): its own content, as the
// request saw it, rather than what the store holds by the time the writer looks. False when it is
// not a resource of a known type.
bool AuditLog::State::AddPatientsIn(const json::Value& resource, const std::string& base_url,
                                    std::set<std::string>& out) {
  if (!resource.IsObject()) return false;
  std::string_view type_name = json::GetString(resource, "resourceType");
  auto type = model.FindResourceType(type_name);
  if (!type) return false;
  if (type_name == kPatient) {
    out.emplace(json::GetString(resource, "id"));
    return true;
  }
  const std::vector<std::string>* params = registry.CompartmentParams(kPatient, type_name);
  if (params == nullptr) return true;
  for (const store::IndexEntry& e :
       search::ExtractParams(registry, model, *type, resource, base_url, *params)) {
    const auto* ref = std::get_if<store::ReferenceValue>(&e.value);
    if (ref != nullptr && ref->target_type == kPatient && !ref->target_id.empty()) out.insert(ref->target_id);
  }
  return true;
}

Findings AuditLog::State::Find(const Captured& c) {
  Findings f;
  const Interaction& in = c.interaction;
  std::set<std::string> patients;
  if (c.patient_context && c.status >= 400) patients.insert(*c.patient_context);  // denied in their name
  if (!in.audit_trail) {
    if (in.type == kPatient && !in.id.empty()) patients.insert(in.id);
    // The patients a search or operation names in its parameters.
    if (in.search || !in.operation.empty()) {
      for (const auto& [key, value] : c.params) {
        std::string_view k = key;
        k = k.substr(0, k.find(':'));
        if (k == "patient" || k == "subject" || k == "_id" || k == "beneficiary") {
          bool bare = k == "patient" || (k == "_id" && in.type == kPatient) || key == "subject:Patient";
          for (size_t start = 0; start <= value.size();) {
            size_t comma = value.find(',', start);
            std::string one =
                value.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
            if (std::string id = PatientIdIn(one, bare); !id.empty()) patients.insert(id);
            if (comma == std::string::npos) break;
            start = comma + 1;
          }
        }
      }
    }
    if (c.status >= 400) {
      // A failed or denied attempt concerns the patients it would have touched: those the
      // resource it sent names, and those of the stored resource it named by id.
      if (!c.attempted.empty()) {
        if (auto sent = json::Parse(c.attempted); sent) AddPatientsIn(*sent, c.base_url, patients);
      }
      if (!in.id.empty() && !in.search && in.operation.empty())
        AddPatientsOf(c.tenant, in.type, {in.id}, patients);
    }
    if (c.status < 300) {
      // The resource read or written (as served), or the resources a search or operation returned.
      std::optional<json::Document> doc;
      if (!c.body.empty()) {
        if (auto parsed = json::Parse(c.body); parsed && parsed->IsObject()) doc = std::move(parsed).value();
      }
      if (doc && json::GetString(*doc, "resourceType") == "Bundle" && (in.search || !in.operation.empty())) {
        size_t looked = 0;
        if (const json::Value* entries = json::Find(*doc, "entry"); entries && entries->IsArray()) {
          for (const json::Value& e : entries->GetArray()) {
            const json::Value* r = json::Find(e, "resource");
            if (r != nullptr && ++looked <= kMaxResultsLooked) AddPatientsIn(*r, c.base_url, patients);
          }
        }
      } else if (!in.search && in.operation.empty() && in.code != "delete") {
        // Without a body (Prefer: return=minimal, raw Binary content), by the stored references.
        // (Prefer: return=OperationOutcome answers with an outcome, not the resource.)
        if (!doc || json::GetString(*doc, "resourceType") != in.type ||
            !AddPatientsIn(*doc, c.base_url, patients)) {
          std::string id = in.id;
          if (!c.location.empty()) {
            std::string_view loc = c.location;
            if (size_t h = loc.find("/_history/"); h != std::string_view::npos) loc = loc.substr(0, h);
            id = std::string(loc.substr(loc.rfind('/') + 1));
          }
          if (!id.empty()) AddPatientsOf(c.tenant, in.type, {id}, patients);
        }
      }
    }
  }
  f.patients.assign(patients.begin(), patients.end());
  std::erase(f.patients, std::string());
  if (c.status >= 400 && !c.body.empty()) {
    if (auto doc = json::Parse(c.body); doc && doc->IsObject()) {
      if (const json::Value* issues = json::Find(*doc, "issue");
          issues && issues->IsArray() && !issues->Empty()) {
        f.outcome_text = std::string(json::GetString((*issues)[0], "diagnostics"));
      }
    }
  }
  return f;
}

void AuditLog::State::WriteBatch(std::vector<Captured>& batch) {
  std::map<store::TenantId, std::vector<store::WriteOp>> by_tenant;
  // In flight from before the clock gives lastUpdated until the commits returned (write_fence.h).
  std::optional<rest::WriteFence::Ticket> in_flight;
  if (options.fence != nullptr) in_flight.emplace(options.fence->Begin());
  Micros now = clock.Now();
  for (Captured& c : batch) {
    Findings f = Find(c);
    store::WriteOp op;
    op.change = store::Change::kCreate;
    op.type = "AuditEvent";
    op.base_version = 0;
    op.new_version = 1;
    op.last_updated = std::max(now, c.recorded);
    // Time-ordered (UUIDv7) like the server's other ids: a random one put each event's rows at
    // a random place in the version and current-resource indexes, a page written per event.
    op.id = rest::NewResourceId(op.last_updated);
    c.recorded = op.last_updated;  // meta.lastUpdated and recorded agree
    op.json = EventJson(c, f, op.id, options.observer);
    auto doc = json::Parse(op.json);
    if (!doc || !audit_type) {
      log::Err("audit: an AuditEvent could not be built", {{"request_id", c.request_id}});
      continue;
    }
    op.index = search::Extract(registry, model, *audit_type, *doc, c.base_url);
    by_tenant[c.tenant].push_back(std::move(op));
  }
  for (auto& [tenant, ops] : by_tenant) {
    size_t n = ops.size();
    for (int attempt = 1;; ++attempt) {
      auto committed = store.Commit(tenant, ops);
      if (committed) break;
      if (committed.error().issue == Issue::kTransient && attempt < kCommitAttempts) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50 * attempt));
        continue;
      }
      // Not silent: an event that cannot be stored (its tenant was deleted meanwhile, the disk
      // is full) is logged as an error, with how many were lost.
      log::Err("audit: AuditEvents could not be stored",
               {{"tenant", tenant.value}, {"events", n}, {"error", committed.error().diagnostics}});
      break;
    }
  }
}

void AuditLog::State::Run() {
  SetThreadName("kiln-audit");
  std::unique_lock lock(mu);
  for (;;) {
    work.wait(lock, [&] { return stop || !queue.empty(); });
    if (queue.empty()) return;  // stopped, and everything is stored
    std::vector<Captured> batch;
    size_t n = std::min(queue.size(), options.batch_size);
    batch.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      batch.push_back(std::move(queue.front()));
      queue.pop_front();
    }
    uint64_t first = taken;
    taken += n;
    in_flight.insert(first);
    room.notify_all();
    lock.unlock();
    WriteBatch(batch);
    lock.lock();
    in_flight.erase(first);
    done.notify_all();
  }
}

AuditLog::AuditLog(const core::Model& model, const search::Registry& registry, store::Store& store,
                   const Clock& clock, AuditOptions options)
    : state_(std::make_unique<State>(model, registry, store, clock, std::move(options))) {
  for (int i = 0; i < std::max(1, state_->options.writers); ++i) {
    state_->writers.emplace_back([s = state_.get()] { s->Run(); });
  }
}

AuditLog::~AuditLog() {
  {
    std::lock_guard lock(state_->mu);
    state_->stop = true;
  }
  state_->work.notify_all();
  for (std::thread& t : state_->writers) t.join();
}

void AuditLog::Record(const rest::Request& req, const rest::Response& res, const rest::Access* access) const {
  Interaction in = Classify(state_->registry, req.method, req.path, !req.query.empty());
  if (!in.audited) return;
  Captured c;
  c.tenant = req.tenant;
  c.recorded = state_->clock.Now();
  c.method = req.method;
  c.path = req.path;
  c.query = QueryOf(req, in);
  c.params = req.query;
  if (in.code == "transaction" && req.body.find("\"batch\"") != std::string::npos) in.code = "batch";
  c.interaction = std::move(in);
  c.base_url = req.base_url;
  c.request_id = req.request_id;
  c.status = res.status;
  c.authenticated = access != nullptr;
  if (access != nullptr) {
    c.client_id = access->ClientId();
    c.user = access->UserId();
    c.patient_context = access->PatientContext();
  }
  c.location = HeaderOf(res, "Location");
  c.etag = HeaderOf(res, "ETag");
  // The body: an error's OperationOutcome; what was read, written or found, for the patients it
  // concerns (the audit trail's own reads name none).
  // (A patient named by the path is the patient concerned: its body tells no more.)
  const Interaction& done_as = c.interaction;
  bool named_patient =
      done_as.type == kPatient && !done_as.id.empty() && !done_as.search && done_as.operation.empty();
  bool about_patients = !done_as.audit_trail && !named_patient && res.status < 300;
  if (res.status >= 400 || (about_patients && res.body_file.empty())) c.body = res.body;
  bool writes_resource = done_as.code == "create" || done_as.code == "update";
  if (res.status >= 400 && writes_resource && !done_as.audit_trail && req.body.size() <= kMaxAttemptedBody)
    c.attempted = req.body;

  State& s = *state_;
  std::unique_lock lock(s.mu);
  // Back-pressure: wait for the writer rather than drop the record.
  s.room.wait(lock, [&] { return s.stop || s.queue.size() < s.options.queue_capacity; });
  s.queue.push_back(std::move(c));
  ++s.queued;
  lock.unlock();
  s.work.notify_one();
}

void AuditLog::Flush() const {
  State& s = *state_;
  std::unique_lock lock(s.mu);
  uint64_t target = s.queued;
  s.done.wait(lock, [&] { return s.StoredThrough() >= target; });
}

}  // namespace kiln::audit
