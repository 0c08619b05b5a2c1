// batch and transaction: hl7.org/fhir/R4/http.html#transaction. POST [base] with a Bundle whose
// type picks the processing (rest/transaction.h).
#include "rest/bundle_request.h"
#include "rest/interaction/interactions.h"
#include "rest/outcome.h"
#include "rest/transaction.h"

namespace kiln::rest::interaction {

Response BundlePost(const Call& call) {
  auto bundle = ReadBundleRequest(call);
  if (!bundle) return ErrorResponse(bundle.error(), call.format);
  return bundle->transaction ? ProcessTransaction(call, *bundle) : ProcessBatch(call, *bundle);
}

}  // namespace kiln::rest::interaction
