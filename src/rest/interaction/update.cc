// update: hl7.org/fhir/R4/http.html#update (update-as-create allowed, version-aware with
// If-Match) and conditional update (hl7.org/fhir/R4/http.html#cond-update).
#include "core/json.h"
#include "rest/interaction/interactions.h"
#include "rest/outcome.h"
#include "rest/query.h"
#include "rest/write.h"

namespace kiln::rest::interaction {

Response Update(const Call& call) {
  const std::string& id = call.route.id;
  if (!IsValidId(id)) {
    return ErrorResponse(
        Error::Make(Issue::kInvalid, "'" + id + "' is not a valid resource id ([A-Za-z0-9-.]{1,64})"),
        call.format);
  }
  auto in = ParseResource(call.ctx, call.req, *call.route.type, id);
  if (!in) return ErrorResponse(in.error(), call.format);
  if (auto same = CheckBodyId(*in, id); !same) return ErrorResponse(same.error(), call.format);
  return UpdateResource(call, *in, id);
}

Response ConditionalUpdate(const Call& call) {
  auto in = ParseResource(call.ctx, call.req, *call.route.type, "");
  if (!in) return ErrorResponse(in.error(), call.format);
  auto target =
      ConditionalUpdateTarget(call, *call.route.type, call.req.query, json::GetString(in->doc, "id"));
  if (!target) return ErrorResponse(target.error(), call.format);
  if (target->empty()) return CreateResource(call, *in);
  return UpdateResource(call, *in, *target);
}

}  // namespace kiln::rest::interaction
