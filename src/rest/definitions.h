// Resources that configure the server as well as being data: a SearchParameter written through
// the API becomes a custom search parameter (hl7.org/fhir/R4/searchparameter.html). This file
// is where such resource types hook into the write path.
#pragma once

#include "rest/context.h"
#include "rest/resource_body.h"

namespace kiln::rest {

// Checks a resource about to be stored for its configuration role (400 when unusable).
Result<Ok> CheckDefinition(const Call& call, const IncomingResource& in);
// After a write or delete of `type`, brings the server's configuration up to date.
void DefinitionChanged(const Call& call, std::string_view type);
// Loads the custom search parameters stored in `tenant` into `registry` (that tenant's).
Result<Ok> LoadCustomSearchParameters(store::Store& store, const search::Registry& registry,
                                      const store::TenantId& tenant);

}  // namespace kiln::rest
