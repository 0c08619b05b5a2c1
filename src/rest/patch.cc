#include "rest/patch.h"

#include "core/base64.h"
#include "core/patch.h"
#include "rest/format.h"

namespace kiln::rest {

namespace {

Expected<PatchBody, Errors> FhirPathPatch(const Context& ctx, json::Document parsed,
                                          const std::string& text) {
  // A FHIRPath Patch is a resource like any other body: it must be a valid Parameters.
  auto parameters = ctx.model.FindResourceType("Parameters");
  if (!parameters) return Errors::Of(parameters.error());
  auto checked = CheckResource(ctx, *parameters, std::move(parsed), text);
  if (!checked) return std::move(checked).error();
  return PatchBody{PatchFormat::kFhirPathPatch, std::move(checked->doc), text};
}

Expected<PatchBody, Errors> JsonPatch(const std::string& text) {
  auto parsed = json::Parse(text);
  if (!parsed) return Errors::Of(parsed.error());
  return PatchBody{PatchFormat::kJsonPatch, std::move(parsed).value(), text};
}

// A patched resource that is not valid is not a bad request but an unprocessable one.
Errors Unprocessable(Errors errors) {
  for (Error& e : errors.items) e.http_status = core::kPatchNotApplicable;
  return errors;
}

}  // namespace

Expected<PatchBody, Errors> ReadPatchBody(const Context& ctx, std::string_view content_type,
                                          const std::string& body) {
  bool json_patch = IsJsonPatchContentType(content_type);
  if (!json_patch && !IsFhirJsonContentType(content_type)) {
    std::string shown = content_type.empty() ? std::string("(none)") : std::string(content_type);
    return Errors::Of(Error::Make(Issue::kNotSupported,
                                  "Unsupported Content-Type " + shown +
                                      " for PATCH: send application/json-patch+json (JSON Patch) or "
                                      "application/fhir+json (a FHIRPath Patch Parameters resource)",
                                  415));
  }
  if (body.empty()) {
    return Errors::Of(Error::Make(Issue::kInvalid, "The request body is empty; a patch is required"));
  }
  if (json_patch) return JsonPatch(body);
  auto parsed = json::Parse(body);
  if (!parsed) return Errors::Of(parsed.error());
  return FhirPathPatch(ctx, std::move(parsed).value(), body);
}

Expected<PatchBody, Errors> ReadEntryPatch(const Context& ctx, const std::string& resource_json) {
  auto parsed = json::Parse(resource_json);
  if (!parsed) return Errors::Of(parsed.error());
  std::string_view type = json::GetString(*parsed, "resourceType");
  if (type == "Parameters") return FhirPathPatch(ctx, std::move(parsed).value(), resource_json);
  if (type != "Binary") {
    return Errors::Of(Error::At(Issue::kInvalid, "resource",
                                "A PATCH entry carries a Parameters resource (FHIRPath Patch) or a Binary "
                                "holding a JSON Patch, not a " +
                                    std::string(type)));
  }
  std::string_view content_type = json::GetString(*parsed, "contentType");
  if (!IsJsonPatchContentType(content_type)) {
    return Errors::Of(Error::At(Issue::kNotSupported, "Binary.contentType",
                                "A Binary in a PATCH entry must be application/json-patch+json, not '" +
                                    std::string(content_type) + "'"));
  }
  std::optional<std::string> patch = Base64Decode(json::GetString(*parsed, "data"));
  if (!patch || patch->empty()) {
    return Errors::Of(
        Error::At(Issue::kInvalid, "Binary.data", "The Binary's data is not a base64 JSON Patch"));
  }
  return JsonPatch(*patch);
}

Expected<PlannedWrite, Errors> PlanPatch(const Call& call, const core::ResourceType& type,
                                         const std::string& id, const PatchBody& patch,
                                         std::optional<int64_t> pinned, Micros now,
                                         std::optional<store::Version>* deleted) {
  std::string name(type.name());
  auto next = [&](const store::Version& cur) -> Expected<IncomingResource, Errors> {
    auto parsed = json::Parse(cur.json);
    if (!parsed) return Errors::Of(parsed.error());
    json::Document doc = std::move(parsed).value();
    auto applied = patch.format == PatchFormat::kJsonPatch
                       ? core::ApplyJsonPatch(patch.doc, doc)
                       : core::ApplyFhirPathPatch(call.ctx.model, patch.doc, doc);
    if (!applied) return Errors::Of(std::move(applied).error());
    if (!doc.IsObject() || json::GetString(doc, "resourceType") != name) {
      return Unprocessable(Errors::Of(Error::At(
          Issue::kInvalid, "resourceType", "A patch cannot change the resource type of " + name + "/" + id)));
    }
    if (json::GetString(doc, "id") != id) {
      return Unprocessable(Errors::Of(Error::At(
          Issue::kInvalid, name + ".id", "A patch cannot change or remove the id of " + name + "/" + id)));
    }
    // The patch rewrites the JSON; numbers keep the digits the client sent (FHIR decimals).
    std::string text = json::WriteKeepingNumbers(doc, {cur.json, patch.text});
    auto checked = CheckResource(call.ctx, type, std::move(doc), std::move(text));
    if (!checked) return Unprocessable(std::move(checked).error());
    return std::move(checked).value();
  };
  return PlanNextVersion(call, name, id, pinned, now, store::Change::kPatch, "Patched", next, deleted);
}

}  // namespace kiln::rest
