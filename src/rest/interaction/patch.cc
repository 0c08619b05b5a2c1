// patch: hl7.org/fhir/R4/http.html#patch, with conditional patch (PATCH [type]?criteria). The
// body is a JSON Patch (application/json-patch+json) or a FHIRPath Patch Parameters resource
// (application/fhir+json, hl7.org/fhir/R4/fhirpatch.html). The patched resource is checked and
// stored like an update; a result that is not a valid resource of the same type and id is 422.
#include <optional>

#include "core/json.h"
#include "core/patch.h"
#include "rest/interaction/interactions.h"
#include "rest/outcome.h"
#include "rest/query.h"
#include "rest/write.h"

namespace kiln::rest::interaction {

namespace {

enum class PatchFormat { kJsonPatch, kFhirPathPatch };

// The patch document, parsed and checked for its kind before any resource is read.
struct PatchBody {
  PatchFormat format;
  json::Document doc;
};

Errors One(Error e) { return Errors{{std::move(e)}}; }

Expected<PatchBody, Errors> ReadPatchBody(const Call& call) {
  std::string_view ct = call.req.Header("Content-Type");
  PatchFormat format;
  if (IsJsonPatchContentType(ct)) {
    format = PatchFormat::kJsonPatch;
  } else if (IsFhirJsonContentType(ct)) {
    format = PatchFormat::kFhirPathPatch;
  } else {
    std::string shown = ct.empty() ? std::string("(none)") : std::string(ct);
    return One(Error::Make(Issue::kNotSupported,
                           "Unsupported Content-Type " + shown +
                               " for PATCH: send application/json-patch+json (JSON Patch) or "
                               "application/fhir+json (a FHIRPath Patch Parameters resource)",
                           415));
  }
  if (call.req.body.empty()) {
    return One(Error::Make(Issue::kInvalid, "The request body is empty; a patch is required"));
  }
  auto parsed = json::Parse(call.req.body);
  if (!parsed) return One(parsed.error());
  if (format == PatchFormat::kJsonPatch) return PatchBody{format, std::move(parsed).value()};
  // A FHIRPath Patch is a resource like any other body: it must be a valid Parameters.
  auto parameters = call.ctx.model.FindResourceType("Parameters");
  if (!parameters) return One(parameters.error());
  auto checked = CheckResource(call.ctx, *parameters, std::move(parsed).value(), call.req.body);
  if (!checked) return std::move(checked).error();
  return PatchBody{format, std::move(checked->doc)};
}

// A patched resource that is not valid is not a bad request but an unprocessable one.
Errors Unprocessable(Errors errors) {
  for (Error& e : errors.items) e.http_status = core::kPatchNotApplicable;
  return errors;
}

Response PatchResource(const Call& call, const PatchBody& patch, const std::string& id) {
  std::string type(call.route.type->name());
  std::optional<IncomingResource> patched;
  auto next = [&](const store::Version& cur) -> Expected<const IncomingResource*, Errors> {
    auto parsed = json::Parse(cur.json);
    if (!parsed) return One(parsed.error());
    json::Document doc = std::move(parsed).value();
    auto applied = patch.format == PatchFormat::kJsonPatch
                       ? core::ApplyJsonPatch(patch.doc, doc)
                       : core::ApplyFhirPathPatch(call.ctx.model, patch.doc, doc);
    if (!applied) return One(std::move(applied).error());
    if (!doc.IsObject() || json::GetString(doc, "resourceType") != type) {
      return Unprocessable(One(Error::At(Issue::kInvalid, "resourceType",
                                         "A patch cannot change the resource type of " + type + "/" + id)));
    }
    if (json::GetString(doc, "id") != id) {
      return Unprocessable(One(Error::At(Issue::kInvalid, type + ".id",
                                         "A patch cannot change or remove the id of " + type + "/" + id)));
    }
    // The patch rewrites the JSON; numbers keep the digits the client sent (FHIR decimals).
    std::string text = json::WriteKeepingNumbers(doc, {cur.json, call.req.body});
    auto checked = CheckResource(call.ctx, *call.route.type, std::move(doc), std::move(text));
    if (!checked) return Unprocessable(std::move(checked).error());
    patched = std::move(checked).value();
    return &*patched;
  };
  return WriteNextVersion(call, type, id, next, {.must_exist = true, .what = "Patched"});
}

}  // namespace

Response Patch(const Call& call) {
  auto body = ReadPatchBody(call);
  if (!body) return ErrorResponse(body.error(), call.format);
  return PatchResource(call, *body, call.route.id);
}

Response ConditionalPatch(const Call& call) {
  auto body = ReadPatchBody(call);
  if (!body) return ErrorResponse(body.error(), call.format);
  std::string type(call.route.type->name());
  auto matches = MatchIds(call, *call.route.type, call.req.query, 2);
  if (!matches) return ErrorResponse(matches.error(), call.format);
  if (matches->empty()) {
    return ErrorResponse(Error::Make(Issue::kNotFound, "The criteria matched no " + type), call.format);
  }
  if (matches->size() > 1) {
    return ErrorResponse(Error::Make(Issue::kDuplicate, "The criteria matched more than one " + type),
                         call.format);
  }
  return PatchResource(call, *body, matches->front());
}

}  // namespace kiln::rest::interaction
