// The write paths shared by create, update, their conditional forms and delete: assigning the
// next version, building the stored bytes, committing, and retrying when another request
// wrote the same resource in between (unless the client pinned a version with If-Match).
#pragma once

#include <functional>
#include <string>

#include "rest/context.h"
#include "rest/resource_body.h"

namespace kiln::rest {

// Stores `in` as a new resource with a server-assigned id (201).
Response CreateResource(const Call& call, const IncomingResource& in);
// Stores `in` as the next version of `id`, creating it if it does not exist (200 or 201).
// Honours If-Match (412 on a version mismatch).
Response UpdateResource(const Call& call, const IncomingResource& in, const std::string& id);
// How a write of the next version of an existing id behaves (update and patch share it).
struct NextVersionWrite {
  // Patch: the resource must exist (404 when it never did, 410 when it was deleted), a 200
  // carries Location too, and history records a PATCH. Update: a missing or deleted resource
  // is (re)created (201).
  bool must_exist = false;
  std::string_view what = "Updated";  // for Prefer: return=OperationOutcome
};

// Makes the resource to store from the current version (version 0 when there is none). It is
// called again when a concurrent write forces a retry, so a patch is re-applied to what is then
// current; the resource it points to must live until the next call or the end of the write.
using NextContent = std::function<Expected<const IncomingResource*, Errors>(const store::Version& current)>;

// Stores what `next` makes as the next version of `type`/`id`. Honours If-Match (412 on a version
// mismatch, checked before `next` runs).
Response WriteNextVersion(const Call& call, const std::string& type, const std::string& id,
                          const NextContent& next, const NextVersionWrite& how);

// Logically deletes `id` (204); deleting a missing or deleted resource is also 204.
Response DeleteResource(const Call& call, const std::string& type, const std::string& id);

}  // namespace kiln::rest
