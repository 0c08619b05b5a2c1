// update: hl7.org/fhir/R4/http.html#update (update-as-create allowed, version-aware with
// If-Match) and conditional update (hl7.org/fhir/R4/http.html#cond-update).
#include "core/json.h"
#include "rest/interaction/interactions.h"
#include "rest/outcome.h"
#include "rest/query.h"
#include "rest/write.h"

namespace kiln::rest::interaction {

namespace {

std::string_view BodyId(const IncomingResource& in) { return json::GetString(in.doc, "id"); }

}  // namespace

Response Update(const Call& call) {
  const std::string& id = call.route.id;
  std::string type(call.route.type->name());
  if (!IsValidId(id)) {
    return ErrorResponse(
        Error::Make(Issue::kInvalid, "'" + id + "' is not a valid resource id ([A-Za-z0-9-.]{1,64})"),
        call.format);
  }
  auto in = ParseResource(call.ctx, call.req, *call.route.type, id);
  if (!in) return ErrorResponse(in.error(), call.format);
  std::string_view body_id = BodyId(*in);
  if (body_id.empty()) {
    return ErrorResponse(
        Error::At(Issue::kRequired, type + ".id", "An update must carry the resource id in the body"),
        call.format);
  }
  if (body_id != id) {
    return ErrorResponse(
        Error::At(Issue::kInvalid, type + ".id",
                  "The id in the body ('" + std::string(body_id) + "') differs from the URL ('" + id + "')"),
        call.format);
  }
  return UpdateResource(call, *in, id);
}

Response ConditionalUpdate(const Call& call) {
  std::string type(call.route.type->name());
  auto in = ParseResource(call.ctx, call.req, *call.route.type, "");
  if (!in) return ErrorResponse(in.error(), call.format);
  auto matches = MatchIds(call, *call.route.type, call.req.query, 2);
  if (!matches) return ErrorResponse(matches.error(), call.format);
  std::string_view body_id = BodyId(*in);
  if (matches->size() > 1) {
    return ErrorResponse(Error::Make(Issue::kDuplicate, "The criteria matched more than one " + type),
                         call.format);
  }
  if (matches->size() == 1) {
    const std::string& match = matches->front();
    if (!body_id.empty() && body_id != match) {
      return ErrorResponse(Error::At(Issue::kInvalid, type + ".id",
                                     "The id in the body ('" + std::string(body_id) +
                                         "') differs from the matching resource ('" + match + "')"),
                           call.format);
    }
    return UpdateResource(call, *in, match);
  }
  if (!body_id.empty()) return UpdateResource(call, *in, std::string(body_id));  // update as create
  return CreateResource(call, *in);
}

}  // namespace kiln::rest::interaction
