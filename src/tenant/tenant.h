// Tenants (docs/tenants.md): isolated FHIR record spaces, each of kind organization or person,
// with a base URL of its own. This module holds the rules for making and removing them, shared by
// the CLI (`kiln tenant`) and the admin API (`/admin/tenants`), which it serves. The registry
// itself is in the store; routing a request to its tenant is http/'s, serving it rest/'s.
//
// Thread-safety: everything here may be called concurrently.
#pragma once

#include <functional>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/time.h"
#include "rest/rest.h"
#include "store/store.h"

namespace kiln::tenant {

// The names no tenant may take, because they are (or may become) hosts or paths of the server
// itself: www, api, admin, auth, fhir, t, default, ... (listed in docs/tenants.md).
const std::vector<std::string_view>& ReservedNames();
// kInvalid unless `name` is a DNS label (1 to 63 lower-case letters, digits and hyphens, neither
// starting nor ending with a hyphen) and not reserved.
Result<Ok> CheckName(std::string_view name);

// Makes tenant `name` of `kind` ("organization" or "person"). kInvalid for a bad name or kind,
// kConflict when the name is taken.
Result<store::TenantInfo> Create(store::Store& store, const Clock& clock, std::string_view name,
                                 std::string_view kind);
// Removes tenant `name` and all of its data. kNotFound when there is no such tenant, kInvalid
// for the default tenant.
Result<Ok> Delete(store::Store& store, std::string_view name);

// The tenants part of the admin API, JSON in and out, errors as OperationOutcome:
//   POST   tenants         {"name": ..., "kind": ...}  201, the tenant, Location
//   GET    tenants         200 {"tenants": [...]}
//   GET    tenants/{name}  200 the tenant
//   DELETE tenants/{name}  204
// A tenant is {"name", "kind", "created" (instant), "status" ("active" or "deleting")}.
// Every request needs an administrator's access token (rest::Authorizer::AuthorizeAdmin): 401
// without a valid one, 403 without the grant. Handle is the one place that checks it, for the
// other parts of the admin API too (auth's clients and users), which it hands every path outside
// `tenants` once the check passed.
class AdminApi {
 public:
  using Part = std::function<rest::Response(const rest::Request&)>;

  // Borrows all of them; `api` is told of deletions, so that it stops serving a tenant at once.
  // `authorizer` null: no token needed (`kiln serve --no-auth`, development only). `others`
  // serves the paths outside `tenants`; null: they are 404.
  AdminApi(store::Store& store, const rest::Api& api, const Clock& clock, const rest::Authorizer* authorizer,
           Part others = nullptr);
  AdminApi(const AdminApi&) = delete;
  AdminApi& operator=(const AdminApi&) = delete;

  // `request.path` is below the admin base, e.g. "tenants/jane".
  rest::Response Handle(const rest::Request& request) const;

 private:
  rest::Response Route(const rest::Request& request) const;

  store::Store& store_;
  const rest::Api& api_;
  const Clock& clock_;
  const rest::Authorizer* authorizer_;  // null: authorization is off
  const Part others_;
};

}  // namespace kiln::tenant
