// Batch and transaction processing (hl7.org/fhir/R4/http.html#transaction).
//
// A transaction is resolved completely before anything is written: conditional creates,
// updates, deletes and references are evaluated, ids assigned, fullUrls rewritten, resources
// validated and versions checked, in the R4 order (DELETE, POST, PUT, then GET and HEAD). Then
// all its writes go to the store in one commit, so a failure anywhere leaves storage as it was.
// Its GET and HEAD entries run after that commit and see its writes; they cannot be undone, so a
// read that fails is answered in its entry rather than failing the transaction.
//
// A batch runs each entry on its own, as a transaction of one entry would: a failing entry is
// answered in its own response entry and changes nothing else.
#pragma once

#include "rest/bundle_request.h"
#include "rest/context.h"

namespace kiln::rest {

// All or nothing: 200 with a transaction-response Bundle, or the failing entry's status with an
// OperationOutcome naming it.
Response ProcessTransaction(const Call& call, const BundleRequest& bundle);
// 200 with a batch-response Bundle: one response entry per request entry, in request order.
Response ProcessBatch(const Call& call, const BundleRequest& bundle);

}  // namespace kiln::rest
