// Bulk Data status, delete and output file requests (hl7.org/fhir/uv/bulkdata/export.html#bulk-
// data-status-request), v2, at the URLs a kick-off (export.cc) hands out:
//   GET [base]/_export/[job]           202 with X-Progress while the job runs, 200 with the
//                                      manifest and Expires when complete, the job's error when
//                                      it failed
//   DELETE [base]/_export/[job]        202: the job is cancelled, or its files removed; later
//                                      requests for it are 404
//   GET [base]/_export/[job]/[file]    an output file, application/fhir+ndjson, with Expires
// Only the tenant and requester that kicked the job off see it; to others, and once it expired
// (export_jobs.h), it is 404 like a job that never existed.
#include "rest/export_jobs.h"
#include "rest/interaction/interactions.h"
#include "rest/outcome.h"

namespace kiln::rest::interaction {

namespace {

Response Disabled(const Call& call) {
  return ErrorResponse(Error::Make(Issue::kNotFound, "Bulk export is not enabled on this server"),
                       call.format);
}

}  // namespace

Response ExportStatus(const Call& call) {
  if (call.ctx.exports == nullptr) return Disabled(call);
  if (call.req.method == "DELETE") {
    if (auto deleted = call.ctx.exports->Delete(call.route.id, call.req, call.access); !deleted) {
      return ErrorResponse(deleted.error(), call.format);
    }
    Response res;
    res.status = 202;
    SetJsonBody(res, call.format, InformationOutcomeJson("Export job " + call.route.id + " deleted"));
    return res;
  }
  auto status = call.ctx.exports->Status(call.route.id, call.req, call.access);
  if (!status) return ErrorResponse(status.error(), call.format);
  Response res;
  switch (status->state) {
    case ExportJobStatus::State::kQueued:
    case ExportJobStatus::State::kRunning:
      res.status = 202;
      res.SetHeader("X-Progress", status->progress);
      res.SetHeader("Retry-After", "1");
      return res;
    case ExportJobStatus::State::kComplete:
      // "The server SHOULD return an Expires header indicating when the files listed will no
      // longer be available for access."
      res.SetHeader("Expires", FormatHttpDate(status->expires));
      res.content_type = "application/json";
      res.body = std::move(status->manifest);
      return res;
    case ExportJobStatus::State::kFailed:
      break;
  }
  return ErrorResponse(status->error, call.format);
}

Response ExportFile(const Call& call) {
  if (call.ctx.exports == nullptr) return Disabled(call);
  auto file = call.ctx.exports->File(call.route.id, call.route.file, call.req, call.access);
  if (!file) return ErrorResponse(file.error(), call.format);
  Response res;
  res.SetHeader("Expires", FormatHttpDate(file->expires));
  res.content_type = "application/fhir+ndjson";
  res.body_file = std::move(file->path);
  return res;
}

}  // namespace kiln::rest::interaction
