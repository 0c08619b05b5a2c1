#include "rest/outcome.h"

#include "core/json.h"

namespace kiln::rest {

int HttpStatus(const Error& error) {
  if (error.http_status != 0) return error.http_status;
  switch (error.issue) {
    case Issue::kInvalid:
    case Issue::kStructure:
    case Issue::kRequired:
    case Issue::kValue:
    case Issue::kNotSupported:
      return 400;
    case Issue::kNotFound:
      return 404;
    case Issue::kDeleted:
      return 410;
    case Issue::kConflict:
      return 409;
    case Issue::kDuplicate:
      return 412;
    case Issue::kTooLong:
      return 413;
    case Issue::kForbidden:
      return 403;
    case Issue::kLogin:
      return 401;
    case Issue::kTransient:
      return 503;
    case Issue::kException:
      return 500;
  }
  return 500;
}

const char* IssueCode(Issue issue) {
  switch (issue) {
    case Issue::kInvalid:
      return "invalid";
    case Issue::kStructure:
      return "structure";
    case Issue::kRequired:
      return "required";
    case Issue::kValue:
      return "value";
    case Issue::kNotFound:
      return "not-found";
    case Issue::kDeleted:
      return "deleted";
    case Issue::kConflict:
      return "conflict";
    case Issue::kDuplicate:
      return "duplicate";
    case Issue::kNotSupported:
      return "not-supported";
    case Issue::kTooLong:
      return "too-long";
    case Issue::kForbidden:
      return "forbidden";
    case Issue::kLogin:
      return "login";
    case Issue::kTransient:
      return "transient";
    case Issue::kException:
      return "exception";
  }
  return "exception";
}

std::string OperationOutcomeJson(const std::vector<Error>& errors) {
  std::string out = R"({"resourceType":"OperationOutcome","issue":[)";
  for (size_t i = 0; i < errors.size(); ++i) {
    const Error& e = errors[i];
    if (i > 0) out.push_back(',');
    out += R"({"severity":")";
    out += e.issue == Issue::kException ? "fatal" : "error";
    out += R"(","code":")";
    out += IssueCode(e.issue);
    out += R"(","diagnostics":)";
    json::AppendQuoted(out, e.diagnostics);
    if (!e.expression.empty()) {
      out += R"(,"expression":[)";
      for (size_t j = 0; j < e.expression.size(); ++j) {
        if (j > 0) out.push_back(',');
        json::AppendQuoted(out, e.expression[j]);
      }
      out.push_back(']');
    }
    out.push_back('}');
  }
  out += "]}";
  return out;
}

std::string InformationOutcomeJson(std::string_view diagnostics) {
  std::string out =
      R"({"resourceType":"OperationOutcome","issue":[{"severity":"information","code":"informational","diagnostics":)";
  json::AppendQuoted(out, diagnostics);
  out += "}]}";
  return out;
}

Response ErrorResponse(const Error& error, const Negotiated& format) {
  Response res;
  res.status = HttpStatus(error);
  SetJsonBody(res, format, OperationOutcomeJson({error}));
  return res;
}

Response ErrorResponseFor(const Error& error) { return ErrorResponse(error); }

Response MethodNotAllowedFor(const Request& request, std::string allow) {
  Response res = ErrorResponse(Error::Make(
      Issue::kNotSupported, "Method " + request.method + " is not allowed on /" + request.path, 405));
  res.SetHeader("Allow", std::move(allow));
  return res;
}

Response ErrorResponse(const Errors& errors, const Negotiated& format) {
  Response res;
  res.status = errors.items.empty() ? 500 : HttpStatus(errors.items.front());
  SetJsonBody(res, format, OperationOutcomeJson(errors.items));
  return res;
}

}  // namespace kiln::rest
