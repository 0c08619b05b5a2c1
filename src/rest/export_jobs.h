// Bulk Data export jobs (hl7.org/fhir/uv/bulkdata/export.html): what each kick-off asked for,
// the worker thread that writes the jobs' ndjson files, and the jobs' state on disk, so that a
// restart neither forgets a job nor serves half-written files. Private to src/rest/.
//
// On disk, below the export directory, one directory per job, named by its id:
//   job.json           what to export, written at kick-off (a directory without it is removed)
//   <Type>-<n>.ndjson  the output files
//   manifest.json      the completion manifest, written last: the job is complete
//   error.json         an OperationOutcome: the job failed
// A job with neither manifest.json nor error.json when the server starts was interrupted: its
// files are removed and it runs again from the start.
//
// Retention: a finished (complete or failed) job expires `retention_seconds` after it finished
// (the time of its manifest.json or error.json); the complete status and the files say when in
// their Expires header. An expired job is deleted, files and all, by the first request to any job
// after that instant, or by the worker within a minute, and from then on it is 404 as a deleted
// one is. A download already under way goes on to its end: its file is open, and unlinking it
// does not cut it short (the spec: do not delete files a client is downloading).
//
// Access: a job belongs to the tenant and the requester (OAuth client, and user if any) that
// kicked it off; to anybody else it does not exist (see Find).
//
// Thread-safety: every method may be called from any thread. One worker thread runs the jobs,
// one at a time, in the order they came. The registry, store, clock and fence must outlive the
// ExportJobs.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/result.h"
#include "core/time.h"
#include "rest/rest.h"
#include "rest/write_fence.h"
#include "search/search.h"
#include "store/store.h"

namespace kiln::rest {

// What a kick-off asked for; kept as job.json.
struct ExportRequest {
  std::string request_url;     // the kick-off's URL, the manifest's `request`
  std::string base_url;        // the FHIR base the status and file URLs are under
  bool patient_level = false;  // Patient/$export: resources in the compartment of any patient
  // Group/[id]/$export (with patient_level): the Group's id. The patients are then only those
  // its `member` search parameter references (Group.member.entity), in the export's snapshot.
  std::string group;
  // `patient` (with patient_level): only the compartments of these Patients (ids, sorted); empty:
  // of every patient (of the Group's members, for a Group export).
  std::vector<std::string> patients;
  std::vector<std::string> types;     // resource types, in the order they are exported
  std::vector<std::string> elements;  // `_elements`, as given: "[type].[element]" or "[element]"
  // `_typeFilter`: "[type]?[query]" each (rest/type_filter.h), checked at kick-off.
  std::vector<std::string> type_filters;
  // `includeAssociatedData=RelevantProvenanceResources`: also the Provenance resources whose
  // `target` references a resource of the export, scanned after the types.
  bool relevant_provenance = false;
  std::optional<Micros> since;  // only resources changed after this instant
  store::TenantId tenant = store::DefaultTenant();
  // Who may poll, cancel and download the job: the OAuth client that kicked it off, and the user
  // it acted for (empty without one). Both empty without authorization (`--no-auth`), where the
  // unguessable job id is the only protection.
  std::string requester;
  std::string requester_user;
  // Security labels: the confidentiality codes the requester may not see, left out of the export.
  std::vector<std::string> hidden_labels;
};

struct ExportJobStatus {
  enum class State { kQueued, kRunning, kComplete, kFailed };
  State state = State::kQueued;
  std::string progress;  // queued and running: a short text for X-Progress
  std::string manifest;  // complete: the manifest JSON
  Error error;           // failed: why
  Micros expires = 0;    // complete and failed: when the job and its files are deleted
};

// An output file of a complete job, as a download serves it.
struct ExportFileInfo {
  std::string path;
  Micros expires = 0;
};

struct ExportOptions {
  std::string dir;  // the export directory (created if missing)
  int64_t resources_per_file = 100'000;
  int max_jobs = 4;                       // queued or running at once; more is 429
  bool requires_access_token = false;     // the manifest's requiresAccessToken: true with auth
  int64_t retention_seconds = 24 * 3600;  // a finished job is deleted this long after it finished
};

class ExportJobs {
 public:
  // Recovers the jobs of an earlier run from `options.dir` and starts the worker thread.
  // Problems with the directory are logged; kick-offs then fail with kException.
  ExportJobs(const core::Model& model, const search::Registry& registry, store::Store& store,
             const Clock& clock, WriteFence& fence, ExportOptions options);
  // Stops the worker. A job it was running stays on disk without a manifest and runs again at
  // the next start.
  ~ExportJobs();
  ExportJobs(const ExportJobs&) = delete;
  ExportJobs& operator=(const ExportJobs&) = delete;

  // Queues a job and returns its id: 32 hex digits, 128 random bits. kTransient with HTTP status
  // 429 when max_jobs are queued or running already.
  Result<std::string> Submit(ExportRequest request);
  // The job's state. kNotFound for an id that is unknown, deleted, expired, or not the caller's
  // (`access` of another requester, `req` of another tenant).
  Result<ExportJobStatus> Status(std::string_view id, const Request& req, const Access& access);
  // Cancels a queued or running job, or removes a finished one, files and all. kNotFound as Status.
  Result<> Delete(std::string_view id, const Request& req, const Access& access);
  // Output file `name` of a complete job. kNotFound as Status, and for a file the job does not
  // have.
  Result<ExportFileInfo> File(std::string_view id, std::string_view name, const Request& req,
                              const Access& access);

 private:
  struct Job {
    std::string id;
    ExportRequest request;
    Micros submitted = 0;
    ExportJobStatus::State state = ExportJobStatus::State::kQueued;  // GUARDED_BY(mu_)
    std::string manifest;                                            // GUARDED_BY(mu_)
    Error error;                                                     // GUARDED_BY(mu_)
    Micros finished = 0;  // complete or failed: when; GUARDED_BY(mu_)
    std::atomic<bool> cancelled{false};
    std::atomic<int64_t> exported{0};   // resources written so far
    std::atomic<size_t> type_index{0};  // in request.types, of the type being written
  };

  std::string JobDir(const std::string& id) const { return options_.dir + "/" + id; }
  void Recover();
  // The job, if it exists and `req` with `access` may see it. REQUIRES: mu_ held.
  std::shared_ptr<Job> Find(std::string_view id, const Request& req, const Access& access) const;
  Micros ExpiresAt(const Job& job) const { return job.finished + options_.retention_seconds * 1'000'000; }
  // Deletes the finished jobs that have expired by now, files and all.
  void RemoveExpired();
  void WorkerLoop();
  // Runs one job to its end: its manifest, or the error that stopped it.
  Result<std::string> Run(Job& job);
  // What the store scans for `request`: per type that can have members, one query, or one per
  // `_typeFilter` of the type (in a row).
  Result<std::vector<store::ScanQuery>> Queries(const ExportRequest& request) const;
  // includeAssociatedData=RelevantProvenanceResources: the Provenance query for `queries`.
  Result<> AddRelevantProvenance(const ExportRequest& request, std::vector<store::ScanQuery>& queries) const;
  // Removes a job's directory, job.json first so that a crash midway cannot bring it back.
  void Remove(const std::string& id) const;

  const core::Model& model_;
  const search::Registry& registry_;
  store::Store& store_;
  const Clock& clock_;
  WriteFence& fence_;
  const ExportOptions options_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::map<std::string, std::shared_ptr<Job>, std::less<>> jobs_;  // GUARDED_BY(mu_)
  std::deque<std::shared_ptr<Job>> queue_;                         // GUARDED_BY(mu_)
  bool stopping_ = false;                                          // GUARDED_BY(mu_)
  std::atomic<bool> stop_now_{false};                              // read by the running job
  std::thread worker_;
};

// The Patients a patient-level export is limited to, or nullptr for every patient: those named
// by `patient`, and of a Group export those that the Group's `member` parameter references
// (Group.member.entity).
std::shared_ptr<const store::IndexQuery> ChosenPatients(const ExportRequest& request);

// "[base]/_export/[id]": where a job's status is polled; its files are below it.
std::string ExportStatusUrl(std::string_view base_url, std::string_view id);

}  // namespace kiln::rest
