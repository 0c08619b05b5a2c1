// What kind of FHIR interaction a request is, for its AuditEvent (the codes of
// hl7.org/fhir/R4/codesystem-restful-interaction.html and AuditEvent.action), and whether it
// touches patient data. Private to src/audit/.
#pragma once

#include <string>
#include <string_view>

#include "search/search.h"

namespace kiln::audit {

struct Interaction {
  std::string code;   // restful-interaction: read, vread, create, search-type, operation, ...
  char action = 'E';  // C, R, U, D or E (AuditEvent.action)
  std::string type;   // the resource type the path names, if any
  std::string id;     // the instance, if any
  std::string version;
  std::string compartment_member;  // Patient/[id]/[type] searches
  std::string operation;           // "$everything", "$export", ...
  bool search = false;             // a query: its entity is the query (role 24)
  // Whether to audit it: it may touch patient data (docs/audit.md says which).
  bool audited = false;
  // Reads and searches of the audit trail itself: audited, but their events name no patient, so
  // they do not show up as accesses to anyone's record.
  bool audit_trail = false;
};

// REQUIRES: `path` is below the FHIR base, as rest::Request::path.
Interaction Classify(const search::Registry& registry, std::string_view method, std::string_view path,
                     bool has_query);

// Whether resources of `type` are patient data: Patient itself and every type in the Patient
// compartment (CompartmentDefinition Patient).
bool IsPatientData(const search::Registry& registry, std::string_view type);

}  // namespace kiln::audit
