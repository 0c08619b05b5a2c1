// One function per FHIR interaction (hl7.org/fhir/R4/http.html), each in its own file.
// The router (rest/api.cc) picks one from the method and the shape of the URL.
#pragma once

#include "rest/context.h"
#include "rest/rest.h"

namespace kiln::rest::interaction {

Response Read(const Call& call);               // GET [type]/[id]
Response VRead(const Call& call);              // GET [type]/[id]/_history/[vid]
Response Create(const Call& call);             // POST [type]
Response Update(const Call& call);             // PUT [type]/[id]
Response ConditionalUpdate(const Call& call);  // PUT [type]?[criteria]
Response Patch(const Call& call);              // PATCH [type]/[id]
Response ConditionalPatch(const Call& call);   // PATCH [type]?[criteria]
Response Delete(const Call& call);             // DELETE [type]/[id]
Response ConditionalDelete(const Call& call);  // DELETE [type]?[criteria]
Response History(const Call& call);            // GET [type]/[id]/_history, [type]/_history, _history
Response SearchType(const Call& call);         // GET [type]?..., POST [type]/_search
Response SearchCompartment(const Call& call);  // GET [compartment type]/[id]/[type]?...
Response SearchSystem(const Call& call);       // GET [base]?..., POST [base]/_search
Response Capabilities(const Call& call);       // GET metadata
Response Reindex(const Call& call);            // POST [type]/$reindex, POST $reindex
Response Everything(const Call& call);         // GET|POST Patient/[id]/$everything
Response BundlePost(const Call& call);         // POST [base]: batch or transaction
Response Export(const Call& call);             // GET|POST [base]/$export, Patient/$export, Group/[id]/$export
Response ExportStatus(const Call& call);       // GET|DELETE [base]/_export/[job]
Response ExportFile(const Call& call);         // GET [base]/_export/[job]/[file]

}  // namespace kiln::rest::interaction
