#include "rest/export_jobs.h"

#include <openssl/rand.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <unordered_set>

#include "core/json.h"
#include "core/log.h"
#include "rest/export_files.h"
#include "rest/labels.h"
#include "rest/outcome.h"
#include "rest/subset.h"
#include "rest/type_filter.h"

namespace kiln::rest {

namespace fs = std::filesystem;

namespace {

constexpr const char* kJobFile = "job.json";
constexpr const char* kManifestFile = "manifest.json";
constexpr const char* kErrorFile = "error.json";

Result<std::string> NewJobId() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    return Error::Make(Issue::kException, "No random bytes for an export job id");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (unsigned char b : bytes) {
    id.push_back(kHex[b >> 4]);
    id.push_back(kHex[b & 0xf]);
  }
  return id;
}

bool IsJobId(std::string_view id) {
  return id.size() == 32 && id.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

// "Observation-12.ndjson": the only names NdjsonOutput gives its files.
bool IsOutputName(std::string_view name) {
  constexpr std::string_view kSuffix = ".ndjson";
  if (!name.ends_with(kSuffix)) return false;
  name.remove_suffix(kSuffix.size());
  size_t dash = name.rfind('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 == name.size()) return false;
  std::string_view type = name.substr(0, dash), number = name.substr(dash + 1);
  auto letter = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); };
  return std::all_of(type.begin(), type.end(), letter) &&
         number.find_first_not_of("0123456789") == std::string_view::npos;
}

// The worker deletes expired jobs at least this often, when no request does it first.
constexpr auto kExpirySweep = std::chrono::seconds(60);

// When a file was last written, on the system clock (a finished job's files are not written again).
Micros WrittenAt(const std::string& path) {
  std::error_code ec;
  auto t = fs::last_write_time(path, ec);
  if (ec) return 0;
  auto sys = std::chrono::file_clock::to_sys(t);
  return std::chrono::duration_cast<std::chrono::microseconds>(sys.time_since_epoch()).count();
}

// `,"key":["a","b"]`
void AppendStrings(std::string& out, std::string_view key, const std::vector<std::string>& values) {
  out += ",";
  json::AppendQuoted(out, key);
  out += ":[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out.push_back(',');
    json::AppendQuoted(out, values[i]);
  }
  out += "]";
}

// The strings of array `key` of `doc`; nullopt when there is no such array.
std::optional<std::vector<std::string>> ReadStrings(const json::Value& doc, std::string_view key) {
  const json::Value* array = json::Find(doc, key);
  if (array == nullptr || !array->IsArray()) return std::nullopt;
  std::vector<std::string> values;
  for (const json::Value& v : array->GetArray()) {
    if (v.IsString()) values.emplace_back(v.GetString(), v.GetStringLength());
  }
  return values;
}

std::string JobJson(const ExportRequest& r, Micros submitted) {
  std::string out = R"({"request":)";
  json::AppendQuoted(out, r.request_url);
  out += R"(,"base":)";
  json::AppendQuoted(out, r.base_url);
  if (!r.group.empty()) {
    out += R"(,"level":"group","group":)";
    json::AppendQuoted(out, r.group);
  } else {
    out += r.patient_level ? R"(,"level":"patient")" : R"(,"level":"system")";
  }
  AppendStrings(out, "patients", r.patients);
  AppendStrings(out, "types", r.types);
  AppendStrings(out, "elements", r.elements);
  AppendStrings(out, "typeFilters", r.type_filters);
  if (r.relevant_provenance) out += R"(,"associatedData":["RelevantProvenanceResources"])";
  if (r.since) out += R"(,"since":)" + std::to_string(*r.since);
  out += R"(,"tenant":)";
  json::AppendQuoted(out, r.tenant.value);
  out += R"(,"requester":)";
  json::AppendQuoted(out, r.requester);
  out += R"(,"requesterUser":)";
  json::AppendQuoted(out, r.requester_user);
  AppendStrings(out, "hiddenLabels", r.hidden_labels);
  out += R"(,"submitted":)" + std::to_string(submitted) + "}";
  return out;
}

Result<ExportRequest> ParseJobJson(std::string_view text, Micros& submitted) {
  KILN_TRY_ASSIGN(json::Document doc, json::Parse(text));
  ExportRequest r;
  r.request_url = std::string(json::GetString(doc, "request"));
  r.base_url = std::string(json::GetString(doc, "base"));
  std::string_view level = json::GetString(doc, "level");
  r.patient_level = level == "patient" || level == "group";
  if (level == "group") {
    r.group = std::string(json::GetString(doc, "group"));
    if (r.group.empty()) return Error::Make(Issue::kInvalid, "job.json of a Group export names no Group");
  }
  std::optional<std::vector<std::string>> types = ReadStrings(doc, "types");
  if (!types) return Error::Make(Issue::kInvalid, "job.json has no types");
  r.types = std::move(*types);
  // Jobs written before `patient`, `_elements` and `_typeFilter` existed have none of them.
  r.patients = ReadStrings(doc, "patients").value_or(std::vector<std::string>{});
  r.elements = ReadStrings(doc, "elements").value_or(std::vector<std::string>{});
  r.type_filters = ReadStrings(doc, "typeFilters").value_or(std::vector<std::string>{});
  std::vector<std::string> associated =
      ReadStrings(doc, "associatedData").value_or(std::vector<std::string>{});
  r.relevant_provenance =
      std::find(associated.begin(), associated.end(), "RelevantProvenanceResources") != associated.end();
  if (const json::Value* since = json::Find(doc, "since"); since != nullptr && since->IsInt64())
    r.since = since->GetInt64();
  r.tenant = store::TenantId{std::string(json::GetString(doc, "tenant"))};
  r.requester = std::string(json::GetString(doc, "requester"));
  r.requester_user = std::string(json::GetString(doc, "requesterUser"));
  // A job written before security labels existed hides both, rather than show what it should not.
  r.hidden_labels = ReadStrings(doc, "hiddenLabels").value_or(std::vector<std::string>{"R", "V"});
  const json::Value* at = json::Find(doc, "submitted");
  submitted = at != nullptr && at->IsInt64() ? at->GetInt64() : 0;
  return r;
}

// What an error.json (an OperationOutcome) says, as the error it was written from.
Error ErrorFromOutcome(std::string_view text) {
  Error e = Error::Make(Issue::kException, "The export failed");
  auto doc = json::Parse(text);
  if (!doc) return e;
  const json::Value* issues = json::Find(*doc, "issue");
  if (issues != nullptr && issues->IsArray() && !issues->GetArray().Empty()) {
    std::string_view diagnostics = json::GetString(issues->GetArray()[0], "diagnostics");
    if (!diagnostics.empty()) e.diagnostics = std::string(diagnostics);
  }
  return e;
}

std::string ManifestJson(const ExportRequest& r, const std::string& id, Micros transaction_time,
                         const std::vector<NdjsonOutput::File>& files, bool requires_access_token) {
  std::string out = R"({"transactionTime":)";
  json::AppendQuoted(out, FormatInstant(transaction_time));
  out += R"(,"request":)";
  json::AppendQuoted(out, r.request_url);
  out += requires_access_token ? R"(,"requiresAccessToken":true,"output":[)"
                               : R"(,"requiresAccessToken":false,"output":[)";
  std::string files_url = ExportStatusUrl(r.base_url, id) + "/";
  for (size_t i = 0; i < files.size(); ++i) {
    if (i > 0) out.push_back(',');
    out += R"({"type":)";
    json::AppendQuoted(out, files[i].type);
    out += R"(,"url":)";
    json::AppendQuoted(out, files_url + files[i].name);
    out += R"(,"count":)" + std::to_string(files[i].count) + "}";
  }
  out += R"(],"error":[]})";
  return out;
}

Error UnknownJob(std::string_view id) {
  return Error::Make(Issue::kNotFound, "No export job '" + std::string(id) + "' (it may have been deleted)");
}

// Removes what a run of the job wrote, keeping what describes the job.
void RemoveOutput(const std::string& dir) {
  std::error_code ec;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name != kJobFile && name != kErrorFile) fs::remove(it->path(), ec);
  }
}

}  // namespace

// Evaluated by the store in the export's snapshot, so the membership is the one of the Group
// version current at transactionTime, and a Patient that does not exist (or was deleted) matches
// nothing.
std::shared_ptr<const store::IndexQuery> ChosenPatients(const ExportRequest& request) {
  if (request.group.empty() && request.patients.empty()) return nullptr;
  auto patients = std::make_shared<store::IndexQuery>();
  patients->type = "Patient";
  patients->ids = request.patients;
  if (!request.group.empty()) {
    auto in_group = std::make_shared<store::IndexQuery>();
    in_group->type = "Group";
    in_group->ids = {request.group};
    patients->has.push_back(store::ReverseChain{"Group", "member", std::move(in_group)});
  }
  return patients;
}

std::string ExportStatusUrl(std::string_view base_url, std::string_view id) {
  return std::string(base_url) + "/_export/" + std::string(id);
}

ExportJobs::ExportJobs(const core::Model& model, const search::Registry& registry, store::Store& store,
                       const Clock& clock, WriteFence& fence, ExportOptions options)
    : model_(model),
      registry_(registry),
      store_(store),
      clock_(clock),
      fence_(fence),
      options_(std::move(options)) {
  Recover();
  RemoveExpired();
  worker_ = std::thread([this] { WorkerLoop(); });
}

ExportJobs::~ExportJobs() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  stop_now_ = true;
  wake_.notify_all();
  worker_.join();
}

void ExportJobs::Recover() {
  std::error_code ec;
  fs::create_directories(options_.dir, ec);
  if (ec) {
    log::Err("cannot create the export directory", {{"dir", options_.dir}, {"error", ec.message()}});
    return;
  }
  std::vector<std::shared_ptr<Job>> interrupted;
  for (auto it = fs::directory_iterator(options_.dir, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    std::string id = it->path().filename().string();
    if (!IsJobId(id) || !it->is_directory()) continue;
    std::string dir = JobDir(id);
    auto text = ReadSmallFile(dir + "/" + kJobFile);
    auto job = std::make_shared<Job>();
    job->id = id;
    auto request = text ? ParseJobJson(*text, job->submitted) : Result<ExportRequest>(text.error());
    if (!request) {
      Remove(id);  // deleted, or never fully created
      continue;
    }
    job->request = std::move(request).value();
    if (auto manifest = ReadSmallFile(dir + "/" + kManifestFile)) {
      job->state = ExportJobStatus::State::kComplete;
      job->manifest = std::move(manifest).value();
      job->finished = WrittenAt(dir + "/" + kManifestFile);
    } else if (auto error = ReadSmallFile(dir + "/" + kErrorFile)) {
      job->state = ExportJobStatus::State::kFailed;
      job->error = ErrorFromOutcome(*error);
      job->finished = WrittenAt(dir + "/" + kErrorFile);
    } else {
      RemoveOutput(dir);
      interrupted.push_back(job);
    }
    jobs_[id] = std::move(job);
  }
  std::sort(interrupted.begin(), interrupted.end(),
            [](const auto& a, const auto& b) { return a->submitted < b->submitted; });
  for (auto& job : interrupted) {
    log::Info("export job interrupted by a restart: running it again", {{"job", job->id}});
    queue_.push_back(std::move(job));
  }
}

void ExportJobs::Remove(const std::string& id) const {
  std::string dir = JobDir(id);
  std::error_code ec;
  fs::remove(dir + "/" + kJobFile, ec);
  fs::remove_all(dir, ec);
  if (ec) log::Warn("cannot remove an export job's files", {{"job", id}, {"error", ec.message()}});
}

void ExportJobs::RemoveExpired() {
  std::vector<std::string> expired;
  {
    std::lock_guard lock(mu_);
    Micros now = clock_.Now();
    for (auto it = jobs_.begin(); it != jobs_.end();) {
      const Job& job = *it->second;
      bool finished =
          job.state == ExportJobStatus::State::kComplete || job.state == ExportJobStatus::State::kFailed;
      if (finished && ExpiresAt(job) <= now) {
        expired.push_back(it->first);
        it = jobs_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (const std::string& id : expired) {
    log::Info("export job expired: its files are deleted", {{"job", id}});
    Remove(id);
  }
}

Result<std::string> ExportJobs::Submit(ExportRequest request) {
  RemoveExpired();
  {
    std::lock_guard lock(mu_);
    size_t active = std::count_if(jobs_.begin(), jobs_.end(), [](const auto& entry) {
      auto state = entry.second->state;
      return state == ExportJobStatus::State::kQueued || state == ExportJobStatus::State::kRunning;
    });
    if (static_cast<int>(active) >= options_.max_jobs) {
      return Error::Make(Issue::kTransient,
                         std::to_string(active) + " exports are already queued or running; try again later",
                         429);
    }
  }
  KILN_TRY_ASSIGN(std::string id, NewJobId());
  auto job = std::make_shared<Job>();
  job->id = id;
  job->request = std::move(request);
  job->submitted = clock_.Now();
  std::error_code ec;
  fs::create_directories(JobDir(id), ec);
  if (ec) return Error::Make(Issue::kException, "Cannot create the export job's directory: " + ec.message());
  // Not fsynced: a GET kick-off runs on an I/O thread, which must not wait for the disk. A job
  // whose job.json a power loss takes is forgotten (its status is 404) and must be asked again.
  std::string job_json = JobJson(job->request, job->submitted);
  if (auto written = WriteFileAtomically(JobDir(id) + "/" + kJobFile, job_json, /*sync=*/false); !written) {
    Remove(id);
    return written.error();
  }
  {
    std::lock_guard lock(mu_);
    jobs_[id] = job;
    queue_.push_back(std::move(job));
  }
  wake_.notify_all();
  return id;
}

// Another requester's job (the spec: a server "MAY additionally restrict Bulk Data Status Request
// and Bulk Data Output File Requests by limiting them to the client that originated the export")
// is answered exactly as an unknown id is, 404 with the same OperationOutcome, rather than 403:
// RFC 9110 15.5.5 lets a server hide a forbidden resource's existence behind 404, and a 403 would
// tell another client that the job id it tried is real, the id being the job's only secret. The
// same holds for DELETE: another client cannot cancel or remove the job. Jobs kicked off without
// authorization have an empty requester, and so does every request then.
std::shared_ptr<ExportJobs::Job> ExportJobs::Find(std::string_view id, const Request& req,
                                                  const Access& access) const {
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return nullptr;
  const ExportRequest& r = it->second->request;
  if (r.tenant != req.tenant || r.requester != access.ClientId() || r.requester_user != access.UserId())
    return nullptr;
  return it->second;
}

Result<ExportJobStatus> ExportJobs::Status(std::string_view id, const Request& req, const Access& access) {
  RemoveExpired();
  std::lock_guard lock(mu_);
  std::shared_ptr<Job> job = Find(id, req, access);
  if (!job) return UnknownJob(id);
  ExportJobStatus status;
  status.state = job->state;
  status.expires = ExpiresAt(*job);
  switch (job->state) {
    case ExportJobStatus::State::kQueued:
      status.progress = "queued";
      break;
    case ExportJobStatus::State::kRunning: {
      // Associated Provenance is scanned after the types, as part of the last.
      size_t type = std::min(job->type_index.load(), std::max<size_t>(job->request.types.size(), 1) - 1);
      status.progress = "in progress: " + std::to_string(job->exported.load()) + " resources, type " +
                        std::to_string(type + 1) + " of " + std::to_string(job->request.types.size());
      break;
    }
    case ExportJobStatus::State::kComplete:
      status.manifest = job->manifest;
      break;
    case ExportJobStatus::State::kFailed:
      status.error = job->error;
      break;
  }
  return status;
}

Result<> ExportJobs::Delete(std::string_view id, const Request& req, const Access& access) {
  RemoveExpired();
  bool remove_now = false;
  {
    std::lock_guard lock(mu_);
    std::shared_ptr<Job> job = Find(id, req, access);
    if (!job) return UnknownJob(id);
    jobs_.erase(job->id);
    job->cancelled = true;
    std::erase(queue_, job);
    remove_now = job->state != ExportJobStatus::State::kRunning;  // else the worker removes it when it stops
  }
  if (remove_now) {
    Remove(std::string(id));
  } else {
    std::error_code ec;  // without job.json the job is gone for good, even after a crash
    fs::remove(JobDir(std::string(id)) + "/" + kJobFile, ec);
  }
  return Ok{};
}

Result<ExportFileInfo> ExportJobs::File(std::string_view id, std::string_view name, const Request& req,
                                        const Access& access) {
  RemoveExpired();
  Micros expires = 0;
  {
    std::lock_guard lock(mu_);
    std::shared_ptr<Job> job = Find(id, req, access);
    if (!job) return UnknownJob(id);
    if (job->state != ExportJobStatus::State::kComplete) {
      return Error::Make(Issue::kNotFound, "Export job '" + std::string(id) + "' has no files (yet)");
    }
    expires = ExpiresAt(*job);
  }
  std::string path = JobDir(std::string(id)) + "/" + std::string(name);
  std::error_code ec;
  if (!IsOutputName(name) || !fs::is_regular_file(path, ec)) {
    return Error::Make(Issue::kNotFound,
                       "Export job '" + std::string(id) + "' has no file '" + std::string(name) + "'");
  }
  return ExportFileInfo{std::move(path), expires};
}

namespace {

// What `_elements` keeps of resources of `type`: the elements named without a type and those
// named for it. nullopt: the type is exported whole (`_elements` names other types only, or
// nothing).
std::optional<Subset> ElementsOf(const std::vector<std::string>& elements, const std::string& type) {
  if (elements.empty()) return std::nullopt;
  Subset subset{Subset::Mode::kElements, {}};
  bool for_type = false, untyped = false;
  for (const std::string& e : elements) {
    size_t dot = e.find('.');
    if (dot == std::string::npos) {
      subset.elements.insert(e);
      untyped = true;
    } else if (std::string_view(e).substr(0, dot) == type) {
      subset.elements.insert(e.substr(dot + 1));
      for_type = true;
    }
  }
  if (!for_type && !untyped) return std::nullopt;
  return subset;
}

// `base` narrowed by `filter`: its clauses too, and of its ids those the filter names. nullopt
// when no id is left.
std::optional<store::ScanQuery> Filtered(store::ScanQuery base, const TypeFilter& filter) {
  store::IndexQuery& index = base.index;
  index.all_of.insert(index.all_of.end(), filter.index.all_of.begin(), filter.index.all_of.end());
  index.has.insert(index.has.end(), filter.index.has.begin(), filter.index.has.end());
  if (!filter.index.ids.empty()) {
    if (index.ids.empty()) {
      index.ids = filter.index.ids;
    } else {
      std::erase_if(index.ids, [&](const std::string& id) {
        return std::find(filter.index.ids.begin(), filter.index.ids.end(), id) == filter.index.ids.end();
      });
      if (index.ids.empty()) return std::nullopt;
    }
  }
  base.last_updated.insert(base.last_updated.end(), filter.last_updated.begin(), filter.last_updated.end());
  return base;
}

}  // namespace

Result<std::vector<store::ScanQuery>> ExportJobs::Queries(const ExportRequest& request) const {
  std::vector<TypeFilter> filters;
  for (const std::string& f : request.type_filters) {
    KILN_TRY_ASSIGN(TypeFilter filter, ParseTypeFilter(model_, registry_, f));
    filters.push_back(std::move(filter));
  }
  std::vector<store::ScanQuery> queries;
  std::shared_ptr<const store::IndexQuery> chosen = ChosenPatients(request);
  for (const std::string& type : request.types) {
    store::ScanQuery q{type, {}, request.since, {}};
    if (chosen && type == "Patient") q.index = *chosen;
    if (request.patient_level && type != "Patient") {
      search::ParsedSearch members;
      members.query.type = type;
      // Types without a usable compartment parameter have no members.
      if (!search::AddCompartment(registry_, "Patient", "", members)) continue;
      if (members.query.index.all_of.empty() || members.query.index.all_of.back().any_of.empty()) continue;
      // The compartments of the chosen patients only (a chained reference).
      if (chosen) {
        for (store::Predicate& p : members.query.index.all_of.back().any_of) p.chain = chosen;
      }
      q.index = std::move(members.query.index);
    }
    HideConfidentiality(request.hidden_labels, type, q.index);  // security labels
    bool filtered = false;
    for (const TypeFilter& filter : filters) {
      if (filter.type != type) continue;
      filtered = true;
      if (auto narrowed = Filtered(q, filter)) queries.push_back(std::move(*narrowed));
    }
    if (!filtered) queries.push_back(std::move(q));
  }
  if (request.relevant_provenance) KILN_TRY(AddRelevantProvenance(request, queries));
  return queries;
}

Result<> ExportJobs::AddRelevantProvenance(const ExportRequest& request,
                                           std::vector<store::ScanQuery>& queries) const {
  const search::ParamDef* target = registry_.Find("Provenance", "target");
  if (target == nullptr || !target->compiled) {
    return Error::Make(Issue::kNotSupported, "Provenance.target is not indexed on this server");
  }
  // Provenance whose target is one of the resources the queries export (a chained reference
  // per query): relevant to the export, whatever compartment the Provenance is in.
  store::Clause targets;
  for (const store::ScanQuery& q : queries) {
    if (q.type == "Provenance") continue;
    auto exported = std::make_shared<store::IndexQuery>(q.index);
    exported->type = q.type;
    store::Predicate p;
    p.kind = store::IndexKind::kReference;
    p.param = "target";
    p.chain = std::move(exported);
    targets.any_of.push_back(std::move(p));
  }
  if (targets.any_of.empty()) return Ok{};
  store::ScanQuery provenance{"Provenance", {}, request.since, {}};
  provenance.index.all_of.push_back(std::move(targets));
  HideConfidentiality(request.hidden_labels, "Provenance", provenance.index);  // security labels
  // Next to the export's own Provenance queries, if any: a Provenance both match is written once.
  auto last = std::find_if(queries.rbegin(), queries.rend(),
                           [](const store::ScanQuery& q) { return q.type == "Provenance"; });
  queries.insert(last == queries.rend() ? queries.end() : last.base(), std::move(provenance));
  return Ok{};
}

Result<std::string> ExportJobs::Run(Job& job) {
  const ExportRequest& request = job.request;
  KILN_TRY_ASSIGN(std::vector<store::ScanQuery> queries, Queries(request));
  NdjsonOutput output(JobDir(job.id), options_.resources_per_file);
  std::string current_type;
  std::vector<std::optional<Subset>> subsets;
  for (const store::ScanQuery& q : queries) subsets.push_back(ElementsOf(request.elements, q.type));
  // A resource that matches several `_typeFilter`s of its type is exported once: the ids of the
  // type so far, kept for types scanned by more than one query only.
  std::unordered_set<std::string> seen;
  auto several = [&](size_t q) {
    return (q > 0 && queries[q - 1].type == queries[q].type) ||
           (q + 1 < queries.size() && queries[q + 1].type == queries[q].type);
  };
  // transactionTime: the snapshot holds every write of this process with lastUpdated up to it,
  // and none after (rest/write_fence.h); writes wait from here until the snapshot is fixed.
  WriteFence::Settled settled = fence_.Settle();
  Micros transaction_time = settled.time();
  auto visit = [&](size_t q, const store::ScannedResource& r) -> Result<> {
    if (job.cancelled.load(std::memory_order_relaxed) || stop_now_.load(std::memory_order_relaxed)) {
      return Error::Make(Issue::kTransient, "The export was stopped");
    }
    if (queries[q].type != current_type) {
      current_type = queries[q].type;
      KILN_TRY(output.StartType(current_type));
      seen.clear();
      size_t index =
          std::find(request.types.begin(), request.types.end(), current_type) - request.types.begin();
      job.type_index.store(index, std::memory_order_relaxed);
    }
    if (several(q) && !seen.emplace(r.id).second) return Ok{};
    job.exported.fetch_add(1, std::memory_order_relaxed);
    if (subsets[q]) return output.Add(ApplySubset(model_, r.json, *subsets[q]));
    return output.Add(r.json);
  };
  KILN_TRY(store_.Scan(request.tenant, queries, visit, [&] { settled.Open(); }));
  KILN_TRY(output.Finish());
  std::string manifest =
      ManifestJson(request, job.id, transaction_time, output.files(), options_.requires_access_token);
  KILN_TRY(WriteFileAtomically(JobDir(job.id) + "/" + kManifestFile, manifest));
  return manifest;
}

void ExportJobs::WorkerLoop() {
  for (;;) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock lock(mu_);
      if (!wake_.wait_for(lock, kExpirySweep, [this] { return stopping_ || !queue_.empty(); })) {
        lock.unlock();
        RemoveExpired();
        continue;
      }
      if (stopping_) return;
      job = queue_.front();
      queue_.pop_front();
      job->state = ExportJobStatus::State::kRunning;
    }
    Micros started = clock_.Now();
    Result<std::string> manifest = Run(*job);
    bool stopped = job->cancelled || stop_now_;
    if (!manifest && !stopped) {
      // No half-written files stay behind a failure, and the failure survives a restart.
      RemoveOutput(JobDir(job->id));
      (void)WriteFileAtomically(JobDir(job->id) + "/" + kErrorFile, OperationOutcomeJson({manifest.error()}));
      log::Warn("export failed", {{"job", job->id}, {"error", manifest.error().diagnostics}});
    }
    bool remove = false, complete = false;
    {
      std::lock_guard lock(mu_);
      if (job->cancelled) {
        remove = true;
      } else if (manifest) {
        job->state = ExportJobStatus::State::kComplete;
        job->manifest = std::move(manifest).value();
        job->finished = clock_.Now();
        complete = true;
      } else if (!stop_now_) {
        job->state = ExportJobStatus::State::kFailed;
        job->error = manifest.error();
        job->finished = clock_.Now();
      }
    }
    if (remove) Remove(job->id);
    if (complete) {
      log::Info("export complete", {{"job", job->id},
                                    {"resources", job->exported.load()},
                                    {"seconds", static_cast<double>(clock_.Now() - started) / 1e6}});
    }
  }
}

}  // namespace kiln::rest
