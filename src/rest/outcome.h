// The one place that maps Kiln errors to HTTP statuses and OperationOutcome resources
// (hl7.org/fhir/R4/operationoutcome.html).
#pragma once

#include <string>
#include <vector>

#include "core/error.h"
#include "rest/format.h"
#include "rest/rest.h"

namespace kiln::rest {

int HttpStatus(const Error& error);
const char* IssueCode(Issue issue);

// OperationOutcome JSON with one issue per error, severity "error" (or "fatal" for exceptions).
std::string OperationOutcomeJson(const std::vector<Error>& errors);
// OperationOutcome JSON with one informational issue, for success under Prefer: return=OperationOutcome.
std::string InformationOutcomeJson(std::string_view diagnostics);

Response ErrorResponse(const Error& error, const Negotiated& format = {});
// Several errors at once (validation): the status of the first.
Response ErrorResponse(const Errors& errors, const Negotiated& format = {});

}  // namespace kiln::rest
