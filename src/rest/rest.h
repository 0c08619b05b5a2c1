// The FHIR RESTful API (hl7.org/fhir/R4/http.html) as a function from Request to Response.
// It knows nothing about sockets: http/ turns bytes into a Request and writes the Response.
//
// Thread-safety: Api::Handle may be called from many threads at once. Api borrows the model,
// store and clock, which must outlive it.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/model.h"
#include "core/time.h"
#include "rest/hooks.h"
#include "rest/write_fence.h"
#include "search/search.h"
#include "store/store.h"

namespace kiln::rest {

struct HeaderField {
  std::string name;
  std::string value;
};

struct Request {
  std::string method;                                      // "GET", "POST", ...
  std::string path;                                        // below the FHIR base, e.g. "Patient/1"
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
  std::vector<HeaderField> headers;
  std::string body;
  // The tenant's base, e.g. "http://localhost:8080/t/jane/fhir", for fullUrl, Location and links
  // (http/translate.cc computes it, for every tenant, in one place).
  std::string base_url;
  store::TenantId tenant = store::DefaultTenant();
  std::string request_id;

  // First header of that name (case-insensitive), or "" if absent.
  std::string_view Header(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::vector<HeaderField> headers;
  std::string content_type;  // empty when there is no body
  std::string body;
  // Set instead of `body` for large downloads (bulk export files): the body is this file's
  // content, which http/ streams from disk rather than holding it in memory.
  std::string body_file;

  void SetHeader(std::string name, std::string value) {
    headers.push_back({std::move(name), std::move(value)});
  }
};

struct ApiOptions {
  std::string software_version = "0.1.0";
  // auth: checks every request's credentials (docs/security.md); null: everything is allowed.
  const Authorizer* authorizer = nullptr;
  // audit: told of every request answered (docs/audit.md); null: nothing is audited.
  const AuditSink* audit = nullptr;
  int default_page_size = 50;
  int max_page_size = 1000;
  // Bulk Data $export: the directory its jobs' files live in (empty: no $export, as for
  // `kiln import`), resources per ndjson file, and how many jobs may be queued or running at
  // once (a kick-off beyond is 429).
  std::string export_dir = {};
  int64_t export_resources_per_file = 100'000;
  int export_max_jobs = 4;
  // How long a finished export job and its files are kept (its Expires header), then deleted.
  int64_t export_retention_seconds = 24 * 3600;
  // The writes in flight that an export's transactionTime waits for (write_fence.h). Shared with
  // the other writers of the process (audit); null: the Api makes its own.
  WriteFence* write_fence = nullptr;
};

class ExportJobs;

// An error as an HTTP response with an OperationOutcome body, for errors that arise outside the
// API itself (request too large, path outside the FHIR base, a failure in the HTTP layer).
Response ErrorResponseFor(const Error& error);
// 405 with an OperationOutcome and `Allow` (the admin API's endpoints).
Response MethodNotAllowedFor(const Request& request, std::string allow);
// auth: an Authorizer's refusal (kLogin 401, kForbidden 403) as its response, with the RFC 6750
// Bearer challenge for `request`'s base.
Response AuthErrorResponseFor(const Error& error, const Request& request);

class TenantDirectory;

// Serves every tenant of the store (docs/tenants.md): a request names its tenant, unknown tenants
// get a 404, and each tenant searches with `registry`'s core parameters plus its own custom ones.
class Api {
 public:
  // `registry` is the default tenant's; other tenants get overlays of it. With
  // options.export_dir set, starts the thread that runs bulk export jobs (and resumes the jobs an
  // earlier run left unfinished).
  Api(const core::Model& model, const search::Registry& registry, store::Store& store, const Clock& clock,
      ApiOptions options);
  ~Api();  // stops the export thread
  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;

  Response Handle(const Request& request) const;

  // Loads what stored resources configure (custom SearchParameters) for `tenant`; call at start
  // for the default tenant (other tenants are loaded on their first request).
  Result<Ok> LoadDefinitions(const store::TenantId& tenant) const;
  // Stops serving `tenant` at once, after it was deleted (otherwise that takes up to a second).
  void ForgetTenant(const store::TenantId& tenant) const;

 private:
  const core::Model& model_;
  store::Store& store_;
  const Clock& clock_;
  const ApiOptions options_;
  const Micros started_;
  const std::unique_ptr<TenantDirectory> tenants_;  // synchronized internally
  const std::unique_ptr<WriteFence> own_fence_;     // when options.write_fence is null
  WriteFence& fence_;
  std::unique_ptr<ExportJobs> exports_;  // null without options.export_dir; destroyed first
};

}  // namespace kiln::rest
