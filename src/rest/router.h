// The router (rest/api.cc) as a function of a Call whose format is already negotiated: for
// Api::Handle, and for the GET entries of batches and transactions, which are requests in
// their own right.
#pragma once

#include "rest/context.h"

namespace kiln::rest {

// Picks the interaction for `call.req` (method and path below the base) and runs it.
Response RouteRequest(const Call& call);

}  // namespace kiln::rest
