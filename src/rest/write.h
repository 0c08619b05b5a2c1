// The write paths shared by create, update, their conditional forms and delete: assigning the
// next version, building the stored bytes, committing, and retrying when another request
// wrote the same resource in between (unless the client pinned a version with If-Match).
#pragma once

#include <string>

#include "rest/context.h"
#include "rest/resource_body.h"

namespace kiln::rest {

// Stores `in` as a new resource with a server-assigned id (201).
Response CreateResource(const Call& call, const IncomingResource& in);
// Stores `in` as the next version of `id`, creating it if it does not exist (200 or 201).
// Honours If-Match (412 on a version mismatch).
Response UpdateResource(const Call& call, const IncomingResource& in, const std::string& id);
// Logically deletes `id` (204); deleting a missing or deleted resource is also 204.
Response DeleteResource(const Call& call, const std::string& type, const std::string& id);

}  // namespace kiln::rest
