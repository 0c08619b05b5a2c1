// The router (rest/api.cc) as a function of a Call whose format is already negotiated: for
// Api::Handle, and for the GET entries of batches and transactions, which are requests in
// their own right.
#pragma once

#include <string_view>
#include <vector>

#include "rest/context.h"

namespace kiln::rest {

// Picks the interaction for `call.req` (method and path below the base) and runs it, once
// Permit (rest/authorize.h) found the route allowed.
Response RouteRequest(const Call& call);

// A path below the base split at '/', without empty segments ("Patient/1" -> Patient, 1).
std::vector<std::string_view> Segments(std::string_view path);

}  // namespace kiln::rest
