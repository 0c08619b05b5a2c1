#include "rest/write.h"

#include "rest/authorize.h"
#include "rest/definitions.h"
#include "rest/labels.h"
#include "rest/outcome.h"
#include "rest/query.h"
#include "rest/respond.h"

namespace kiln::rest {

namespace {

// Concurrent writers of one resource each retry this often before giving up with 409.
constexpr int kMaxAttempts = 8;

Error PreconditionFailed(std::string message) {
  return Error::Make(Issue::kConflict, std::move(message), 412);
}

Error NotKnown(const std::string& type, const std::string& id) {
  return Error::Make(Issue::kNotFound, "Resource " + type + "/" + id + " is not known");
}

Result<store::Version> ReadCurrent(const Call& call, const std::string& type, const std::string& id) {
  if (const CurrentVersions* ahead = call.read_ahead) {
    if (auto it = ahead->versions.find(store::ResourceRef{type, id}); it != ahead->versions.end()) {
      if (it->second) return *it->second;
      return NotKnown(type, id);
    }
  }
  return call.ctx.store.ReadCurrent(call.req.tenant, type, id);
}

// The current version number, 0 when the resource never existed.
Result<store::Version> CurrentOrNone(const Call& call, const std::string& type, const std::string& id) {
  auto cur = ReadCurrent(call, type, id);
  if (!cur && cur.error().issue == Issue::kNotFound) return store::Version{};
  // Security labels: a resource the access may not see is not there for it, and not replaced.
  if (cur && !cur->deleted() && HiddenByLabel(call.access, *cur)) return NotKnown(type, id);
  return cur;
}

Result<Ok> CheckPinned(std::optional<int64_t> pinned, const store::Version& cur, const std::string& type,
                       const std::string& id) {
  if (pinned && *pinned != cur.version) {
    return PreconditionFailed("If-Match " + ETag(*pinned) + " does not match the current version " +
                              ETag(cur.version) + " of " + type + "/" + id);
  }
  return Ok{};
}

// A version of `in` as stored, with the op that stores it on top of `base_version`.
PlannedWrite Planned(const Call& call, const IncomingResource& in, const std::string& id,
                     store::Change change, int64_t base_version, Micros now) {
  PlannedWrite w;
  store::Version& v = w.version;
  v.type = std::string(in.type.name());
  v.id = id;
  v.version = base_version + 1;
  v.last_updated = now;
  v.change = change;
  v.json = StoredJson(in, id, v.version, now);
  w.op = store::WriteOp{
      change,    v.type,
      id,        base_version,
      v.version, now,
      v.json,    search::Extract(call.ctx.registry, call.ctx.model, in.type, in.doc, call.req.base_url),
      false};
  return w;
}

// Commits one planned write, as a single interaction does.
Response CommitOne(const Call& call, const std::function<Result<PlannedWrite>()>& plan) {
  auto done = CommitPlanned(call, [&]() -> Expected<std::vector<PlannedWrite>, Errors> {
    auto w = plan();
    if (!w) return Errors::Of(std::move(w).error());
    std::vector<PlannedWrite> out;
    out.push_back(std::move(w).value());
    return out;
  });
  if (!done) return ErrorResponse(done.error(), call.format);
  return PlannedResponse(call, done->front());
}

Result<std::optional<int64_t>> IfMatchHeader(const Request& req) {
  return ParseIfMatch(req.Header("If-Match"));
}

}  // namespace

Result<CurrentVersions> CurrentVersions::Read(store::Store& store, const store::TenantId& tenant,
                                              std::vector<store::ResourceRef> refs) {
  CurrentVersions out;
  KILN_TRY_ASSIGN(std::vector<store::Version> versions, store.ReadMany(tenant, refs, true));
  for (store::ResourceRef& ref : refs) out.versions.emplace(std::move(ref), std::nullopt);
  for (store::Version& v : versions) out.versions[store::ResourceRef{v.type, v.id}] = std::move(v);
  return out;
}

Result<std::optional<int64_t>> ParseIfMatch(std::string_view etag) {
  if (etag.empty()) return std::optional<int64_t>();
  auto v = ParseETag(etag);
  if (!v) return Error::Make(Issue::kInvalid, "If-Match must be a version ETag such as W/\"3\"");
  return std::optional<int64_t>(*v);
}

Result<PlannedWrite> PlanCreate(const Call& call, const IncomingResource& in, const std::string& id,
                                Micros now) {
  KILN_TRY(CheckDefinition(call, in));
  PlannedWrite w = Planned(call, in, id, store::Change::kCreate, 0, now);
  KILN_TRY(CheckWrittenContent(call, Permission::kCreate, *w.op));  // auth
  w.status = 201;
  w.what = "Created";
  return w;
}

Result<PlannedWrite> PlanUpdate(const Call& call, const IncomingResource& in, const std::string& id,
                                std::optional<int64_t> pinned, Micros now) {
  KILN_TRY(CheckDefinition(call, in));
  std::string type(in.type.name());
  KILN_TRY_ASSIGN(store::Version cur, CurrentOrNone(call, type, id));
  KILN_TRY(CheckPinned(pinned, cur, type, id));
  // Recorded as the PUT it was, even when it creates.
  PlannedWrite w =
      Planned(call, in, id, store::Change::kUpdate, cur.version, std::max(now, cur.last_updated + 1));
  KILN_TRY(CheckWrittenContent(call, Permission::kUpdate, *w.op));  // auth
  bool created = cur.version == 0 || cur.deleted();
  w.status = created ? 201 : 200;
  w.what = created ? "Created" : "Updated";
  return w;
}

Result<PlannedWrite> PlanDelete(const Call& call, const std::string& type, const std::string& id,
                                std::optional<int64_t> pinned, Micros now) {
  KILN_TRY_ASSIGN(store::Version cur, CurrentOrNone(call, type, id));
  KILN_TRY(CheckPinned(pinned, cur, type, id));
  PlannedWrite w;
  w.status = 204;
  w.what = "Deleted";
  w.version = cur;
  w.version.type = type;
  w.version.id = id;
  // Nothing to delete: the spec's "or if the resource does not exist at all".
  if (cur.version == 0 || cur.deleted()) return w;
  w.version.version = cur.version + 1;
  w.version.last_updated = std::max(now, cur.last_updated + 1);
  w.version.change = store::Change::kDelete;
  w.version.json.clear();
  w.op = store::WriteOp{store::Change::kDelete, type, id, cur.version, w.version.version,
                        w.version.last_updated, "",   {}, false};
  return w;
}

Expected<std::vector<PlannedWrite>, Errors> CommitPlanned(const Call& call, const Planner& plan) {
  // In flight from before `plan` reads the clock for lastUpdated until the commit has returned,
  // so that an export's transactionTime is never set between the two (write_fence.h).
  WriteFence::Ticket in_flight = call.ctx.writes.Begin();
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    auto planned = plan();
    if (!planned) return std::move(planned).error();
    // The ops move to the store: what answers the request is each write's version, and a retry
    // plans them anew.
    std::vector<store::WriteOp> ops;
    for (PlannedWrite& w : *planned) {
      if (w.op) ops.push_back(std::move(*w.op));
    }
    if (ops.empty()) return planned;
    std::set<std::string> types;
    for (const auto& op : ops) types.insert(op.type);
    auto done = call.ctx.store.Commit(call.req.tenant, std::move(ops));
    if (done) {
      for (const std::string& type : types) DefinitionChanged(call, type);
      return planned;
    }
    if (done.error().issue != Issue::kConflict) return Errors::Of(std::move(done).error());
  }
  return Errors::Of(Error::Make(Issue::kConflict, "Too many concurrent updates of the same resources"));
}

Response PlannedResponse(const Call& call, const PlannedWrite& w) {
  if (w.status != 204) return WriteResponse(call, w.status, w.version, w.what);
  Response res;
  res.status = 204;
  if (w.version.version != 0) res.SetHeader("ETag", ETag(w.version.version));
  return res;
}

Result<std::string> ConditionalUpdateTarget(const Call& call, const core::ResourceType& type,
                                            const search::Params& criteria, std::string_view body_id,
                                            const std::set<std::string>& exclude) {
  KILN_TRY_ASSIGN(std::optional<std::string> match, MatchOne(call, type, criteria, "The criteria", exclude));
  if (!match) return std::string(body_id);  // update as create, or a create when empty
  if (!body_id.empty() && body_id != *match) {
    return Error::At(Issue::kInvalid, std::string(type.name()) + ".id",
                     "The id in the body ('" + std::string(body_id) +
                         "') differs from the matching resource ('" + *match + "')");
  }
  return *match;
}

Response CreateResource(const Call& call, const IncomingResource& in) {
  return CommitOne(call, [&]() -> Result<PlannedWrite> {
    Micros now = call.ctx.clock.Now();
    return PlanCreate(call, in, NewResourceId(now), now);
  });
}

Response UpdateResource(const Call& call, const IncomingResource& in, const std::string& id) {
  auto pinned = IfMatchHeader(call.req);
  if (!pinned) return ErrorResponse(pinned.error(), call.format);
  return CommitOne(call, [&] { return PlanUpdate(call, in, id, *pinned, call.ctx.clock.Now()); });
}

Expected<PlannedWrite, Errors> PlanNextVersion(const Call& call, const std::string& type,
                                               const std::string& id, std::optional<int64_t> pinned,
                                               Micros now, store::Change change, std::string_view what,
                                               const NextContent& next,
                                               std::optional<store::Version>* deleted) {
  auto cur = CurrentOrNone(call, type, id);
  if (!cur) return Errors::Of(std::move(cur).error());
  if (cur->version == 0) {
    return Errors::Of(Error::Make(Issue::kNotFound, "Resource " + type + "/" + id + " is not known"));
  }
  if (cur->deleted()) {
    if (deleted != nullptr) *deleted = *cur;
    return Errors::Of(Error::Make(Issue::kNotFound, "Resource " + type + "/" + id + " was deleted", 410));
  }
  if (auto ok = CheckPinned(pinned, *cur, type, id); !ok) return Errors::Of(std::move(ok).error());
  auto in = next(*cur);
  if (!in) return std::move(in).error();
  if (auto usable = CheckDefinition(call, *in); !usable) return Errors::Of(std::move(usable).error());
  PlannedWrite w = Planned(call, *in, id, change, cur->version, std::max(now, cur->last_updated + 1));
  if (auto allowed = CheckWrittenContent(call, Permission::kUpdate, *w.op); !allowed)  // auth
    return Errors::Of(std::move(allowed).error());
  w.status = 200;
  w.what = std::string(what);
  return w;
}

Response DeleteResource(const Call& call, const std::string& type, const std::string& id) {
  auto pinned = IfMatchHeader(call.req);
  if (!pinned) return ErrorResponse(pinned.error(), call.format);
  return CommitOne(call, [&] { return PlanDelete(call, type, id, *pinned, call.ctx.clock.Now()); });
}

}  // namespace kiln::rest
