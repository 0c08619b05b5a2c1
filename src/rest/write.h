// The write paths shared by create, update, their conditional forms, delete, and the entries
// of batches and transactions: planning a write (assigning the next version, building the
// stored bytes and index rows, checking If-Match), committing planned writes together, and
// planning again when another request wrote one of the same resources in between.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "rest/context.h"
#include "rest/resource_body.h"

namespace kiln::rest {

// One write ready to commit, and what to answer once it is committed.
struct PlannedWrite {
  // nullopt: nothing to write (deleting what is not there). CommitPlanned moves it to the store.
  std::optional<store::WriteOp> op;
  store::Version version;  // the version written; for nothing written, the current one
  int status = 200;        // 201 created, 200 updated, 204 deleted or nothing to delete
  std::string what;        // "Created", "Updated", ... for Prefer: return=OperationOutcome
};

// Current versions read ahead (Call::read_ahead): a transaction reads those of all the resources
// its entries update, patch or delete in one store call rather than one round trip each. Only a
// head start: the commit still checks every base version, and a retry reads ahead again.
struct CurrentVersions {
  // Each resource looked up: its current version (a deletion too), nullopt if it never existed.
  std::map<store::ResourceRef, std::optional<store::Version>> versions;

  // Reads the current versions of `refs` (of `tenant`) into a new CurrentVersions.
  static Result<CurrentVersions> Read(store::Store& store, const store::TenantId& tenant,
                                      std::vector<store::ResourceRef> refs);
};

// The version an If-Match header or a Bundle entry's request.ifMatch pins, if any (400 when it is
// not a version ETag).
Result<std::optional<int64_t>> ParseIfMatch(std::string_view etag);

// A create of `in` under the new id `id`, stored at `now`.
Result<PlannedWrite> PlanCreate(const Call& call, const IncomingResource& in, const std::string& id,
                                Micros now);
// The next version of `id` (creating it if it does not exist); 412 when `pinned` is not current.
Result<PlannedWrite> PlanUpdate(const Call& call, const IncomingResource& in, const std::string& id,
                                std::optional<int64_t> pinned, Micros now);
// A logical delete of `id`; nothing to write when it does not exist or is deleted already.
Result<PlannedWrite> PlanDelete(const Call& call, const std::string& type, const std::string& id,
                                std::optional<int64_t> pinned, Micros now);

// Plans with `plan` and commits every write it planned in one store commit (all or nothing).
// When another request wrote one of the resources between planning and committing, plans again,
// since the plan was built on versions that are no longer current; after a few attempts, 409.
using Planner = std::function<Expected<std::vector<PlannedWrite>, Errors>()>;
Expected<std::vector<PlannedWrite>, Errors> CommitPlanned(const Call& call, const Planner& plan);

// The response a single interaction gives for a committed write (status, ETag, Location, body).
Response PlannedResponse(const Call& call, const PlannedWrite& w);

// The id a conditional update writes to: the one current match of `criteria`, else the body's
// id (update as create), else "" (a create with a server-assigned id). 412 for several matches,
// 400 when the body's id differs from the match. Ids in `exclude` do not match.
Result<std::string> ConditionalUpdateTarget(const Call& call, const core::ResourceType& type,
                                            const search::Params& criteria, std::string_view body_id,
                                            const std::set<std::string>& exclude = {});

// Stores `in` as a new resource with a server-assigned id (201).
Response CreateResource(const Call& call, const IncomingResource& in);
// Stores `in` as the next version of `id`, creating it if it does not exist (200 or 201).
// Honours If-Match (412 on a version mismatch).
Response UpdateResource(const Call& call, const IncomingResource& in, const std::string& id);
// Makes the next version's content from the current version. Called again when a concurrent
// write forces a retry, so a patch is re-applied to what is then current.
using NextContent = std::function<Expected<IncomingResource, Errors>(const store::Version& current)>;

// The next version of the existing `type`/`id`, made by `next` and recorded as `change` (a
// patch). 404 when it never existed, 410 when it is deleted (then `deleted`, if given, holds the
// deletion), 412 when `pinned` is not current (checked before `next` runs).
Expected<PlannedWrite, Errors> PlanNextVersion(const Call& call, const std::string& type,
                                               const std::string& id, std::optional<int64_t> pinned,
                                               Micros now, store::Change change, std::string_view what,
                                               const NextContent& next,
                                               std::optional<store::Version>* deleted = nullptr);

// Logically deletes `id` (204); deleting a missing or deleted resource is also 204.
Response DeleteResource(const Call& call, const std::string& type, const std::string& id);

}  // namespace kiln::rest
