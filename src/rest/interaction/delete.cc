// delete: hl7.org/fhir/R4/http.html#delete (logical: later reads are 410 Gone) and conditional
// delete (hl7.org/fhir/R4/http.html#3.1.0.7.1): one match at most, several is 412.
#include "rest/interaction/interactions.h"
#include "rest/outcome.h"
#include "rest/query.h"
#include "rest/write.h"

namespace kiln::rest::interaction {

Response Delete(const Call& call) {
  return DeleteResource(call, std::string(call.route.type->name()), call.route.id);
}

Response ConditionalDelete(const Call& call) {
  std::string type(call.route.type->name());
  auto match = MatchOne(call, *call.route.type, call.req.query,
                        "The criteria of a conditional delete (which removes one resource at most)");
  if (!match) return ErrorResponse(match.error(), call.format);
  if (!*match) {
    Response res;
    res.status = 204;
    return res;
  }
  return DeleteResource(call, type, **match);
}

}  // namespace kiln::rest::interaction
