// vread: hl7.org/fhir/R4/http.html#vread
#include <charconv>

#include "rest/interaction/interactions.h"
#include "rest/labels.h"
#include "rest/outcome.h"
#include "rest/respond.h"

namespace kiln::rest::interaction {

Response VRead(const Call& call) {
  const std::string& vid = call.route.version;
  int64_t version = 0;
  auto [end, ec] = std::from_chars(vid.data(), vid.data() + vid.size(), version);
  std::string type(call.route.type->name());
  if (ec != std::errc() || end != vid.data() + vid.size() || version < 1) {
    return ErrorResponse(
        Error::Make(Issue::kNotFound, "Version '" + vid + "' of " + type + "/" + call.route.id +
                                          " is not known (versions are positive integers)"),
        call.format);
  }
  auto v = call.ctx.store.ReadVersion(call.req.tenant, type, call.route.id, version);
  if (!v) return ErrorResponse(v.error(), call.format);
  if (v->deleted()) {
    Response res = ErrorResponse(Error::Make(Issue::kDeleted, "Version " + vid + " of " + type + "/" +
                                                                  call.route.id + " is a deletion"),
                                 call.format);
    res.SetHeader("ETag", ETag(v->version));
    return res;
  }
  // Security labels: neither a labelled version nor any version of a labelled resource.
  auto current = call.ctx.store.ReadCurrent(call.req.tenant, type, call.route.id);
  if (HiddenByLabel(call.access, *v) || (current && HiddenByLabel(call.access, *current))) {
    return ErrorResponse(Error::Make(Issue::kNotFound, "Version " + vid + " of " + type + "/" +
                                                           call.route.id + " is not known"),
                         call.format);
  }
  return ReadResponse(call, *v);
}

}  // namespace kiln::rest::interaction
