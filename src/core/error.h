// Kiln's one error type: everything an OperationOutcome.issue needs, and nothing about HTTP
// except an optional status override. Modules return Error values; only rest/outcome.cc turns
// them into HTTP responses (style guide, rule 3).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace kiln {

// Categories, after the FHIR IssueType codes they render as (hl7.org/fhir/R4/valueset-issue-type.html).
enum class Issue {
  kInvalid,       // "invalid": malformed or non-conformant input -> 400
  kStructure,     // "structure": JSON that is not FHIR (unknown element, wrong shape) -> 400
  kRequired,      // "required": a min=1 element is missing -> 400
  kValue,         // "value": a primitive with the wrong format -> 400
  kNotFound,      // "not-found" -> 404
  kDeleted,       // "deleted" -> 410
  kConflict,      // "conflict" -> 409 (412 when a precondition failed; set http_status)
  kDuplicate,     // "duplicate" -> 412 for conditional operations with several matches
  kNotSupported,  // "not-supported" -> 400/405/415
  kTooLong,       // "too-long" -> 413
  kForbidden,     // "forbidden" -> 403
  kLogin,         // "login": no valid credentials (a missing or bad access token) -> 401
  kTransient,     // "transient" -> 503
  kException,     // "exception": a bug or an unexpected library failure -> 500
};

struct Error {
  Issue issue = Issue::kException;
  std::string diagnostics;              // shown to clients: no SQL, no secrets
  std::vector<std::string> expression;  // FHIRPath locations, e.g. "Patient.birthDate"
  int http_status = 0;                  // 0 = derive from issue

  static Error Make(Issue issue, std::string diagnostics, int http_status = 0) {
    Error e;
    e.issue = issue;
    e.diagnostics = std::move(diagnostics);
    e.http_status = http_status;
    return e;
  }
  static Error At(Issue issue, std::string expression, std::string diagnostics) {
    Error e = Make(issue, std::move(diagnostics));
    e.expression.push_back(std::move(expression));
    return e;
  }
};

// Several problems found at once (validation reports all of them, not just the first).
struct Errors {
  std::vector<Error> items;

  static Errors Of(Error e) { return Errors{{std::move(e)}}; }
};

}  // namespace kiln
