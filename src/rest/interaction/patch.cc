// patch: hl7.org/fhir/R4/http.html#patch, with conditional patch (PATCH [type]?criteria). The
// body is a JSON Patch (application/json-patch+json) or a FHIRPath Patch Parameters resource
// (application/fhir+json, hl7.org/fhir/R4/fhirpatch.html). The patched resource is checked and
// stored like an update; a result that is not a valid resource of the same type and id is 422.
#include <optional>

#include "rest/interaction/interactions.h"
#include "rest/outcome.h"
#include "rest/patch.h"
#include "rest/query.h"
#include "rest/respond.h"

namespace kiln::rest::interaction {

namespace {

Response PatchResource(const Call& call, const PatchBody& patch, const std::string& id) {
  auto pinned = ParseIfMatch(call.req.Header("If-Match"));
  if (!pinned) return ErrorResponse(pinned.error(), call.format);
  std::optional<store::Version> deleted;
  auto done = CommitPlanned(call, [&]() -> Expected<std::vector<PlannedWrite>, Errors> {
    auto w = PlanPatch(call, *call.route.type, id, patch, *pinned, call.ctx.clock.Now(), &deleted);
    if (!w) return std::move(w).error();
    std::vector<PlannedWrite> out;
    out.push_back(std::move(w).value());
    return out;
  });
  if (deleted) return DeletedResponse(call, *deleted);
  if (!done) return ErrorResponse(done.error(), call.format);
  const PlannedWrite& w = done->front();
  return WriteResponse(call, w.status, w.version, w.what, /*location=*/true);
}

}  // namespace

Response Patch(const Call& call) {
  auto body = ReadPatchBody(call.ctx, call.req.Header("Content-Type"), call.req.body);
  if (!body) return ErrorResponse(body.error(), call.format);
  return PatchResource(call, *body, call.route.id);
}

Response ConditionalPatch(const Call& call) {
  auto body = ReadPatchBody(call.ctx, call.req.Header("Content-Type"), call.req.body);
  if (!body) return ErrorResponse(body.error(), call.format);
  std::string type(call.route.type->name());
  auto matches = MatchIds(call, *call.route.type, call.req.query, 2);
  if (!matches) return ErrorResponse(matches.error(), call.format);
  if (matches->empty()) {
    return ErrorResponse(Error::Make(Issue::kNotFound, "The criteria matched no " + type), call.format);
  }
  if (matches->size() > 1) {
    return ErrorResponse(Error::Make(Issue::kDuplicate, "The criteria matched more than one " + type),
                         call.format);
  }
  return PatchResource(call, *body, matches->front());
}

}  // namespace kiln::rest::interaction
