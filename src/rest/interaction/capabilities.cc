// capabilities: hl7.org/fhir/R4/http.html#capabilities. The CapabilityStatement is generated
// from the model and from what this build's router really serves.
#include "core/json.h"
#include "rest/authorize.h"
#include "rest/interaction/interactions.h"
#include "rest/respond.h"

namespace kiln::rest::interaction {

namespace {

constexpr const char* kTypeInteractions[] = {"read",       "vread",  "update",           "patch",
                                             "delete",     "create", "history-instance", "history-type",
                                             "search-type"};

constexpr const char* kTypeNames[] = {"string",   "token", "reference", "date",   "number",
                                      "quantity", "uri",   "composite", "special"};

// The parameters this server can really search on for `type`.
void AppendSearchParams(std::string& out, const search::Registry& registry, std::string_view type) {
  out += R"("searchParam":[)";
  bool first = true;
  for (const search::ParamDef* def : registry.All(type)) {
    bool searchable = def->compiled.has_value() || def->code == "_id" || def->code == "_lastUpdated" ||
                      registry.TextSearchable(*def);
    if (!searchable) continue;
    if (!first) out.push_back(',');
    first = false;
    out += R"({"name":)";
    json::AppendQuoted(out, def->code);
    out += R"(,"definition":)";
    json::AppendQuoted(out, def->url);
    out += R"(,"type":")";
    out += kTypeNames[static_cast<int>(def->type)];
    out += "\"}";
  }
  out += "]";
}

constexpr const char* kBulkData = "http://hl7.org/fhir/uv/bulkdata/";

void AppendResource(std::string& out, const search::Registry& registry, std::string_view type, bool exports) {
  out += R"({"type":)";
  json::AppendQuoted(out, type);
  out += R"(,"interaction":[)";
  bool first = true;
  bool append_only = IsAppendOnly(type);  // AuditEvent: read and searched only
  for (const char* code : kTypeInteractions) {
    std::string_view c = code;
    if (append_only && (c == "update" || c == "patch" || c == "delete" || c == "create")) continue;
    if (!first) out.push_back(',');
    first = false;
    out += R"({"code":")";
    out += code;
    out += "\"}";
  }
  if (append_only) {
    out +=
        R"(],"versioning":"versioned","readHistory":true,"updateCreate":false,"conditionalCreate":false,)"
        R"("conditionalRead":"full-support","conditionalUpdate":false,"conditionalDelete":"not-supported",)";
  } else {
    out += R"(],"versioning":"versioned","readHistory":true,"updateCreate":true,"conditionalCreate":true,)"
           R"("conditionalRead":"full-support","conditionalUpdate":true,"conditionalDelete":"single",)";
  }
  AppendSearchParams(out, registry, type);
  if (type == "Patient") {
    out += R"(,"operation":[{"name":"everything",)"
           R"("definition":"http://hl7.org/fhir/OperationDefinition/Patient-everything"})";
    if (exports) {
      out += R"(,{"name":"export","definition":")";
      out += kBulkData;
      out += R"(OperationDefinition/patient-export"})";
    }
    out += "]";
  }
  if (type == "Group" && exports) {
    out += R"(,"operation":[{"name":"export","definition":")";
    out += kBulkData;
    out += R"(OperationDefinition/group-export"}])";
  }
  out.push_back('}');
}

// auth: rest.security, the SMART on FHIR service and where its OAuth endpoints are
// (hl7.org/fhir/smart-app-launch/conformance.html#using-cors).
void AppendSecurity(std::string& out, const OAuthUris& uris) {
  out +=
      R"("security":{"extension":[{"url":"http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",)"
      R"("extension":[)";
  const std::pair<const char*, const std::string*> members[] = {
      {"token", &uris.token}, {"introspect", &uris.introspect}, {"revoke", &uris.revoke}};
  for (size_t i = 0; i < std::size(members); ++i) {
    if (i > 0) out.push_back(',');
    out += R"({"url":")";
    out += members[i].first;
    out += R"(","valueUri":)";
    json::AppendQuoted(out, *members[i].second);
    out.push_back('}');
  }
  out +=
      R"(]}],"service":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/restful-security-service",)"
      R"x("code":"SMART-on-FHIR"}],"text":"OAuth2 using SMART-on-FHIR profile (see http://docs.smarthealthit.org)"}]},)x";
}

}  // namespace

Response Capabilities(const Call& call) {
  std::string out = R"({"resourceType":"CapabilityStatement","status":"active","date":)";
  json::AppendQuoted(out, FormatInstant(call.ctx.started).substr(0, 10));
  out += R"(,"publisher":"Kiln","kind":"instance","software":{"name":"Kiln","version":)";
  json::AppendQuoted(out, call.ctx.options.software_version);
  out += R"(},"implementation":{"description":"Kiln FHIR R4 server","url":)";
  json::AppendQuoted(out, call.req.base_url);
  out += "}";
  bool exports = call.ctx.exports != nullptr;
  if (exports) {
    out += R"(,"instantiates":[")";
    out += kBulkData;
    out += R"(CapabilityStatement/bulk-data"])";
  }
  out += R"(,"fhirVersion":"4.0.1","format":["application/fhir+json","json"],)"
         R"("rest":[{"mode":"server",)";
  if (call.ctx.options.authorizer != nullptr)
    AppendSecurity(out, call.ctx.options.authorizer->Uris(call.req));
  out += R"("resource":[)";
  bool first = true;
  for (const std::string& type : call.ctx.model.ResourceTypeNames()) {
    if (!first) out.push_back(',');
    first = false;
    AppendResource(out, call.ctx.registry, type, exports);
  }
  out += R"(],"interaction":[{"code":"transaction"},{"code":"batch"},{"code":"search-system"},)"
         R"({"code":"history-system"}])";
  if (exports) {
    out += R"(,"operation":[{"name":"export","definition":")";
    out += kBulkData;
    out += R"(OperationDefinition/export"}])";
  }
  out += "}]}";
  Response res;
  SetJsonBody(res, call.format, std::move(out));
  return res;
}

}  // namespace kiln::rest::interaction
