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
    if (criteria.find('?') != std::string_view::npos) criteria.remove_prefix(criteria.find('?') + 1);
    std::string type(call.route.type->name());
    auto matches = MatchIds(call, *call.route.type, ParseQueryString(criteria), 2);
    if (!matches) return ErrorResponse(matches.error(), call.format);
    if (matches->size() > 1) {
      return ErrorResponse(Error::Make(Issue::kDuplicate, "If-None-Exist matched more than one " + type),
                           call.format);
    }
    if (matches->size() == 1) {
      auto existing = call.ctx.store.ReadCurrent(call.req.tenant, type, matches->front());
      if (!existing) return ErrorResponse(existing.error(), call.format);
      return WriteResponse(call, 200, *existing, "Found existing");
    }
  }
  return CreateResource(call, *in);
}

}  // namespace kiln::rest::interaction
