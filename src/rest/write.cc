#include "rest/write.h"

#include "rest/definitions.h"
#include "rest/outcome.h"
#include "rest/respond.h"

namespace kiln::rest {

namespace {

// Concurrent writers of one resource each retry this often before giving up with 409.
constexpr int kMaxAttempts = 8;

Error PreconditionFailed(std::string message) {
  return Error::Make(Issue::kConflict, std::move(message), 412);
}

// The version If-Match pins, if any. An unparseable If-Match is a 400.
Result<std::optional<int64_t>> IfMatch(const Request& req) {
  std::string_view h = req.Header("If-Match");
  if (h.empty()) return std::optional<int64_t>();
  auto v = ParseETag(h);
  if (!v) return Error::Make(Issue::kInvalid, "If-Match must be a version ETag such as W/\"3\"");
  return std::optional<int64_t>(*v);
}

// The current version number, 0 when the resource never existed.
Result<store::Version> CurrentOrNone(const Call& call, const std::string& type, const std::string& id) {
  auto cur = call.ctx.store.ReadCurrent(call.req.tenant, type, id);
  if (!cur && cur.error().issue == Issue::kNotFound) return store::Version{};
  return cur;
}

// The search index rows of the version being written.
std::vector<store::IndexEntry> IndexRows(const Call& call, const IncomingResource& in) {
  return search::Extract(call.ctx.registry, call.ctx.model, in.type, in.doc, call.req.base_url);
}

}  // namespace

Response CreateResource(const Call& call, const IncomingResource& in) {
  if (auto usable = CheckDefinition(call, in); !usable) return ErrorResponse(usable.error(), call.format);
  store::Version v;
  v.type = std::string(in.type.name());
  v.last_updated = call.ctx.clock.Now();
  v.id = NewResourceId(v.last_updated);
  v.version = 1;
  v.change = store::Change::kCreate;
  v.json = StoredJson(in, v.id, v.version, v.last_updated);
  store::WriteOp op{store::Change::kCreate, v.type, v.id, 0, 1, v.last_updated, v.json,
                    IndexRows(call, in),    false};
  auto done = call.ctx.store.Commit(call.req.tenant, {std::move(op)});
  if (!done) return ErrorResponse(done.error(), call.format);
  DefinitionChanged(call, v.type);
  return WriteResponse(call, 201, v, "Created");
}

Response UpdateResource(const Call& call, const IncomingResource& in, const std::string& id) {
  return WriteNextVersion(
      call, std::string(in.type.name()), id,
      [&in](const store::Version&) -> Expected<const IncomingResource*, Errors> { return &in; }, {});
}

Response WriteNextVersion(const Call& call, const std::string& type, const std::string& id,
                          const NextContent& next, const NextVersionWrite& how) {
  auto pinned = IfMatch(call.req);
  if (!pinned) return ErrorResponse(pinned.error(), call.format);
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    auto cur = CurrentOrNone(call, type, id);
    if (!cur) return ErrorResponse(cur.error(), call.format);
    bool created = cur->version == 0 || cur->deleted();
    if (how.must_exist && cur->version == 0) {
      return ErrorResponse(Error::Make(Issue::kNotFound, "Resource " + type + "/" + id + " is not known"),
                           call.format);
    }
    if (how.must_exist && cur->deleted()) return DeletedResponse(call, *cur);
    if (*pinned && **pinned != cur->version) {
      return ErrorResponse(
          PreconditionFailed("If-Match " + ETag(**pinned) + " does not match the current version " +
                             ETag(cur->version) + " of " + type + "/" + id),
          call.format);
    }
    auto made = next(*cur);
    if (!made) return ErrorResponse(made.error(), call.format);
    const IncomingResource& in = **made;
    if (auto usable = CheckDefinition(call, in); !usable) return ErrorResponse(usable.error(), call.format);
    store::Version v;
    v.type = type;
    v.id = id;
    v.version = cur->version + 1;
    v.last_updated = std::max(call.ctx.clock.Now(), cur->last_updated + 1);
    // Recorded as the PUT or PATCH it was, even when a PUT creates.
    v.change = how.must_exist ? store::Change::kPatch : store::Change::kUpdate;
    v.json = StoredJson(in, id, v.version, v.last_updated);
    store::WriteOp op{
        v.change, type, id, cur->version, v.version, v.last_updated, v.json, IndexRows(call, in), false};
    auto done = call.ctx.store.Commit(call.req.tenant, {std::move(op)});
    if (done) {
      DefinitionChanged(call, type);
      return WriteResponse(call, created ? 201 : 200, v, created ? "Created" : how.what, how.must_exist);
    }
    if (done.error().issue != Issue::kConflict) return ErrorResponse(done.error(), call.format);
    if (*pinned) return ErrorResponse(PreconditionFailed(done.error().diagnostics), call.format);
  }
  return ErrorResponse(Error::Make(Issue::kConflict, "Too many concurrent updates of " + type + "/" + id),
                       call.format);
}

Response DeleteResource(const Call& call, const std::string& type, const std::string& id) {
  auto pinned = IfMatch(call.req);
  if (!pinned) return ErrorResponse(pinned.error(), call.format);
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    auto cur = CurrentOrNone(call, type, id);
    if (!cur) return ErrorResponse(cur.error(), call.format);
    if (*pinned && **pinned != cur->version) {
      return ErrorResponse(PreconditionFailed("If-Match " + ETag(**pinned) +
                                              " does not match the current version of " + type + "/" + id),
                           call.format);
    }
    Response res;
    res.status = 204;
    if (cur->version == 0 || cur->deleted()) {
      if (cur->version != 0) res.SetHeader("ETag", ETag(cur->version));
      return res;  // nothing to delete: the spec's "or if the resource does not exist at all"
    }
    Micros now = std::max(call.ctx.clock.Now(), cur->last_updated + 1);
    store::WriteOp op{store::Change::kDelete, type, id, cur->version, cur->version + 1, now, "", {}, false};
    auto done = call.ctx.store.Commit(call.req.tenant, {std::move(op)});
    if (done) {
      DefinitionChanged(call, type);
      res.SetHeader("ETag", ETag(cur->version + 1));
      return res;
    }
    if (done.error().issue != Issue::kConflict) return ErrorResponse(done.error(), call.format);
    if (*pinned) return ErrorResponse(PreconditionFailed(done.error().diagnostics), call.format);
  }
  return ErrorResponse(Error::Make(Issue::kConflict, "Too many concurrent updates of " + type + "/" + id),
                       call.format);
}

}  // namespace kiln::rest
