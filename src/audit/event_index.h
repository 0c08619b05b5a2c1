// The index rows of the AuditEvents a writer stores (audit_log.cc), without evaluating every
// AuditEvent search parameter's FHIRPath for each one. Events of the same request shape (the
// same interaction, agents, entities and outcome) differ only in their id, meta.lastUpdated,
// recorded and request-id extension; the rows of the parameters that read none of those members
// (by their expression's members, search::ParamDef::reads) are the same for every such event,
// so they are computed once per shape and reused; the parameters that do read them (date, _id,
// _lastUpdated, ...) are evaluated per event. The rows are exactly those search::Extract gives.
// Private to src/audit/; one per writer thread (not thread-safe).
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "core/json.h"
#include "core/model.h"
#include "search/search.h"
#include "store/index_types.h"

namespace kiln::audit {

class EventIndexer {
 public:
  EventIndexer(const core::Model& model, const search::Registry& registry, core::ResourceType type)
      : model_(model), registry_(registry), type_(type) {}

  // The index rows of `event` (an AuditEvent as EventJson built it); `shape` is the event as
  // EventJson builds it with a blank id, recorded time and request id.
  std::vector<store::IndexEntry> Rows(const json::Value& event, const std::string& shape,
                                      std::string_view base_url);

 private:
  // Looks at the registry's AuditEvent parameters again if they changed (custom ones).
  void Refresh();

  const core::Model& model_;
  const search::Registry& registry_;
  const core::ResourceType type_;
  std::vector<const search::ParamDef*> defs_;  // the parameters the cache was made for
  bool cacheable_ = false;                     // false: every event is indexed in full
  std::vector<std::string> per_event_;         // codes evaluated for every event
  // The rows of the other parameters, by shape and base URL.
  std::unordered_map<std::string, std::vector<store::IndexEntry>> by_shape_;
};

}  // namespace kiln::audit
