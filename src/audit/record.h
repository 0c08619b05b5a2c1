// One request as the audit writer needs it, copied on the request thread (audit_log.cc), and the
// AuditEvent made of it (event_json.cc). Private to src/audit/.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "audit/classify.h"
#include "core/time.h"
#include "store/types.h"

namespace kiln::audit {

struct Captured {
  store::TenantId tenant = store::DefaultTenant();
  Micros recorded = 0;
  Interaction interaction;
  std::string method;
  std::string path;
  std::string query;  // as sent (re-encoded from the decoded pairs), with a POST _search's form
  std::vector<std::pair<std::string, std::string>> params;  // the decoded query
  std::string base_url;
  std::string request_id;
  int status = 0;
  bool authenticated = false;  // false: the credentials were refused
  std::string client_id;
  std::string user;
  std::optional<std::string> patient_context;
  std::string location;   // the response's Location (creates)
  std::string etag;       // the response's ETag (the version read or written)
  std::string body;       // the response body, for errors and searches only
  std::string attempted;  // a failed create's or update's request body: what it would have written
};

// What the writer found out about a record before writing it.
struct Findings {
  std::vector<std::string> patients;  // ids of the patients whose data it touched
  std::string outcome_text;           // the first issue's diagnostics, for a failure
};

// The AuditEvent (R4 JSON, as stored: id and meta first) for `c`.
std::string EventJson(const Captured& c, const Findings& f, const std::string& id,
                      const std::string& observer);

}  // namespace kiln::audit
