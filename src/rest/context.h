// What every interaction handler receives: the server's parts and the parsed request route.
// Private to src/rest/.
#pragma once

#include <optional>
#include <string>

#include "core/model.h"
#include "rest/format.h"
#include "rest/rest.h"
#include "search/search.h"
#include "store/store.h"

namespace kiln::rest {

struct Context {
  const core::Model& model;
  const search::Registry& registry;
  store::Store& store;
  const Clock& clock;
  const ApiOptions& options;
  Micros started;
  ExportJobs* exports = nullptr;  // bulk export jobs; null when $export is not offered
  WriteFence& writes;             // every write holds a ticket while in flight (write_fence.h)
};

// The parts of the URL below the base, checked: `type` is a known concrete resource type.
struct Route {
  std::optional<core::ResourceType> type;
  std::string id;
  std::string version;
  std::optional<core::ResourceType> compartment_member;  // [type]/[id]/[member type] searches
  std::string file;                                      // _export/[job]/[file]: an export's file
};

struct CurrentVersions;  // write.h

// Everything an interaction needs to know about the request.
struct Call {
  const Context& ctx;
  const Request& req;
  Route route;
  Negotiated format;     // output format, _pretty, Prefer: return=
  const Access& access;  // what the request may do (rest/authorize.h checks it)
  // A transaction's current versions, read ahead in one store call; null: each is read when needed.
  const CurrentVersions* read_ahead;
};

}  // namespace kiln::rest
