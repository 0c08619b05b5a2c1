// create: hl7.org/fhir/R4/http.html#create, with conditional create (If-None-Exist,
// hl7.org/fhir/R4/http.html#ccreate): no match creates, one match returns it (200), more is 412.
#include "rest/interaction/interactions.h"
#include "rest/outcome.h"
#include "rest/query.h"
#include "rest/respond.h"
#include "rest/write.h"

namespace kiln::rest::interaction {

Response Create(const Call& call) {
  auto in = ParseResource(call.ctx, call.req, *call.route.type, "");
  if (!in) return ErrorResponse(in.error(), call.format);

  if (std::string_view criteria = call.req.Header("If-None-Exist"); !criteria.empty()) {
    auto match = MatchOne(call, *call.route.type, ParseIfNoneExist(criteria), "If-None-Exist");
    if (!match) return ErrorResponse(match.error(), call.format);
    if (*match) {
      auto existing =
          call.ctx.store.ReadCurrent(call.req.tenant, std::string(call.route.type->name()), **match);
      if (!existing) return ErrorResponse(existing.error(), call.format);
      return WriteResponse(call, 200, *existing, "Found existing");
    }
  }
  return CreateResource(call, *in);
}

}  // namespace kiln::rest::interaction
