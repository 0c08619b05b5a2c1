// Bulk Data kick-off (hl7.org/fhir/uv/bulkdata/export.html#bulk-data-kick-off-request), v2:
// `[base]/$export` (every resource), `Patient/$export` (the compartments of all patients) and
// `Group/[id]/$export` (the compartments of the Group's patient members), by GET with query
// parameters or POST with a Parameters resource. `Prefer: respond-async` is required. The answer
// is 202 with Content-Location: the job's status URL (export_status.cc). Supported parameters:
// `_outputFormat` (ndjson), `_type`, `_since`, `patient` (Patient and Group level), `_elements`,
// `_typeFilter` and `includeAssociatedData=RelevantProvenanceResources`.
#include <algorithm>
#include <set>

#include "core/json.h"
#include "rest/bundle.h"
#include "rest/export_jobs.h"
#include "rest/interaction/interactions.h"
#include "rest/labels.h"
#include "rest/outcome.h"
#include "rest/query.h"
#include "rest/resource_body.h"
#include "rest/respond.h"
#include "rest/subset.h"
#include "rest/type_filter.h"

namespace kiln::rest::interaction {

namespace {

// A query string decodes '+' as a space, and clients seldom escape the '+' of
// "application/fhir+ndjson" or of a "+01:00" offset; neither value can hold a real space.
std::string Unspaced(std::string value) {
  std::replace(value.begin(), value.end(), ' ', '+');
  return value;
}

// The parameters of a POST kick-off's Parameters resource as name/value pairs (a reference
// by its `reference`), after the URL's own.
Expected<Params, Errors> KickOffParams(const Call& call) {
  Params params = call.req.query;
  if (call.req.method != "POST" || call.req.body.empty()) return params;
  auto parameters_type = call.ctx.model.FindResourceType("Parameters");
  if (!parameters_type) return Errors::Of(parameters_type.error());
  auto body = ParseResource(call.ctx, call.req, *parameters_type, "");
  if (!body) return std::move(body).error();
  const json::Value* list = json::Find(body->doc, "parameter");
  if (list == nullptr || !list->IsArray()) return params;
  for (const json::Value& p : list->GetArray()) {
    std::string name(json::GetString(p, "name"));
    std::string value;
    for (auto m = p.MemberBegin(); m != p.MemberEnd(); ++m) {
      std::string_view key(m->name.GetString(), m->name.GetStringLength());
      if (!key.starts_with("value")) continue;
      if (m->value.IsString()) value.assign(m->value.GetString(), m->value.GetStringLength());
      if (m->value.IsObject()) value = std::string(json::GetString(m->value, "reference"));
    }
    params.emplace_back(std::move(name), std::move(value));
  }
  return params;
}

// "a,b,,c" -> a, b, "", c: the empty items too, for the caller to reject.
std::vector<std::string> CommaList(std::string_view value) {
  std::vector<std::string> items;
  for (size_t start = 0; start <= value.size();) {
    size_t comma = std::min(value.find(',', start), value.size());
    items.emplace_back(value.substr(start, comma - start));
    start = comma + 1;
  }
  return items;
}

bool InPatientCompartment(const Call& call, const std::string& type) {
  return type == "Patient" || call.ctx.registry.CompartmentParams("Patient", type) != nullptr;
}

// The id of a `patient` parameter's reference: "Patient/[id]", or the same as an absolute URL
// on this server's base.
Result<std::string> PatientId(const Call& call, std::string_view reference) {
  std::string_view local = reference;
  if (std::string_view base = call.req.base_url;
      local.starts_with(base) && local.size() > base.size() && local[base.size()] == '/') {
    local.remove_prefix(base.size() + 1);
  }
  std::string_view id = local.starts_with("Patient/") ? local.substr(8) : std::string_view();
  if (!IsValidId(id)) {
    return Error::At(
        Issue::kInvalid, "patient",
        "The parameter patient takes references to Patients of this server ('Patient/[id]'), not '" +
            std::string(reference) + "'");
  }
  return std::string(id);
}

// `_elements` (hl7.org/fhir/uv/bulkdata/export.html#query-parameters): top-level elements, each
// either "[type].[element]" or "[element]" for every exported type that has it.
Result<> CheckElements(const Call& call, const ExportRequest& r) {
  for (const std::string& e : r.elements) {
    size_t dot = e.find('.');
    std::string_view type = dot == std::string::npos ? "" : std::string_view(e).substr(0, dot);
    std::string_view element =
        dot == std::string::npos ? std::string_view(e) : std::string_view(e).substr(dot + 1);
    bool known = false;
    for (const std::string& t : r.types) {
      if (type.empty() || type == t) known = known || HasTopLevelElement(call.ctx.model, t, element);
    }
    if (!known) {
      return Error::At(Issue::kInvalid, "_elements",
                       "_elements '" + e + "' names no top-level element of an exported resource type");
    }
  }
  return Ok{};
}

// `includeAssociatedData` (comma lists, may repeat): RelevantProvenanceResources only.
Result<> ParseAssociatedData(std::string_view value, ExportRequest& r) {
  for (const std::string& v : CommaList(value)) {
    if (v != "RelevantProvenanceResources") {
      return Error::At(Issue::kNotSupported, "includeAssociatedData",
                       "includeAssociatedData '" + v +
                           "' is not supported; this server supports RelevantProvenanceResources");
    }
    r.relevant_provenance = true;
  }
  return Ok{};
}

// `_typeFilter`: queries the job can run (it parses them again), each for an exported type.
Result<> CheckTypeFilters(const Call& call, const ExportRequest& r) {
  for (const std::string& f : r.type_filters) {
    KILN_TRY_ASSIGN(TypeFilter filter, ParseTypeFilter(call.ctx.model, call.ctx.registry, f));
    if (!std::binary_search(r.types.begin(), r.types.end(), filter.type)) {
      return Error::At(
          Issue::kInvalid, "_typeFilter",
          "_typeFilter '" + f + "' is for " + filter.type + ", which this export does not include");
    }
  }
  return Ok{};
}

// The kick-off's `patient` references, checked as the spec asks (an error for "patients who are
// not present on the server, or in the case of a group level export, who are not members of
// the group"): each must be a Patient a read would serve the requester, and a member of the Group.
Result<> CheckPatients(const Call& call, const ExportRequest& r) {
  for (const std::string& id : r.patients) {
    auto v = call.ctx.store.ReadCurrent(call.req.tenant, "Patient", id);
    if (!v && v.error().issue != Issue::kNotFound) return std::move(v).error();
    if (!v || v->deleted() || HiddenByLabel(call.access, *v)) {
      return Error::At(Issue::kInvalid, "patient", "Patient/" + id + " is not known");
    }
  }
  if (r.patients.empty() || r.group.empty()) return Ok{};
  store::ListQuery members;
  members.type = "Patient";
  members.index = *ChosenPatients(r);
  members.count = static_cast<int>(r.patients.size());
  members.with_total = false;
  KILN_TRY_ASSIGN(store::ListPage page, call.ctx.store.List(call.req.tenant, members));
  std::set<std::string> found;
  for (const store::Version& v : page.items) found.insert(v.id);
  for (const std::string& id : r.patients) {
    if (!found.contains(id)) {
      return Error::At(Issue::kInvalid, "patient", "Patient/" + id + " is not a member of Group/" + r.group);
    }
  }
  return Ok{};
}

// The kick-off's parameters (hl7.org/fhir/uv/bulkdata/export.html#query-parameters) as a job.
// Parameters this server does not support are a 400, as the spec advises for a server that
// does not honour them.
Result<ExportRequest> ParseKickOff(const Call& call, const Params& params) {
  ExportRequest r;
  r.patient_level = call.route.type.has_value();
  std::set<std::string> types;
  for (const auto& [name, raw] : params) {
    if (name == "_outputFormat") {
      std::string format = Unspaced(raw);
      if (format != "application/fhir+ndjson" && format != "application/ndjson" && format != "ndjson") {
        return Error::At(Issue::kNotSupported, "_outputFormat",
                         "_outputFormat '" + format + "' is not supported; use application/fhir+ndjson");
      }
    } else if (name == "_type") {
      KILN_TRY_ASSIGN(std::vector<std::string> listed, ParseTypeList(call.ctx.model, raw));
      types.insert(listed.begin(), listed.end());
    } else if (name == "_since") {
      auto since = ParseFhirDateTime(Unspaced(raw));
      if (!since) return Error::At(Issue::kInvalid, "_since", "_since '" + raw + "' is not a FHIR instant");
      r.since = since->start;
    } else if (name == "patient") {
      KILN_TRY_ASSIGN(std::string id, PatientId(call, raw));
      r.patients.push_back(std::move(id));
    } else if (name == "_elements") {
      for (std::string& e : CommaList(raw)) r.elements.push_back(std::move(e));
    } else if (name == "_typeFilter") {
      for (std::string& f : SplitTypeFilters(call.ctx.model, raw)) r.type_filters.push_back(std::move(f));
    } else if (name == "includeAssociatedData") {
      KILN_TRY(ParseAssociatedData(raw, r));
    } else if (name != "_format" && name != "_pretty") {
      return Error::At(Issue::kNotSupported, name, "$export does not take the parameter '" + name + "'");
    }
  }
  for (const std::string& t : call.ctx.model.ResourceTypeNames()) {
    bool wanted = types.empty() ? !r.patient_level || InPatientCompartment(call, t) : types.contains(t);
    if (wanted) r.types.push_back(t);
  }
  std::sort(r.types.begin(), r.types.end());
  if (r.patient_level) {
    for (const std::string& t : types) {
      if (!InPatientCompartment(call, t))
        return Error::At(Issue::kInvalid, "_type", t + " is not in the Patient compartment");
    }
  }
  // Group/[id]/$export: which patients the job reads its members from (export_jobs.cc).
  if (r.patient_level && call.route.type->name() == "Group") r.group = call.route.id;
  if (!r.patients.empty() && !r.patient_level) {
    return Error::At(Issue::kInvalid, "patient",
                     "The parameter patient applies to Patient/$export and Group/[id]/$export only");
  }
  std::sort(r.patients.begin(), r.patients.end());
  r.patients.erase(std::unique(r.patients.begin(), r.patients.end()), r.patients.end());
  KILN_TRY(CheckElements(call, r));
  KILN_TRY(CheckTypeFilters(call, r));
  r.request_url = call.req.base_url + "/" + call.req.path;
  if (!call.req.query.empty()) r.request_url += "?" + EncodeQuery(call.req.query);
  r.base_url = call.req.base_url;
  r.tenant = call.req.tenant;
  r.hidden_labels = HiddenConfidentiality(call.access);  // security labels
  // Only this requester may poll, cancel and download the job (export_jobs.cc, Find).
  r.requester = call.access.ClientId();
  r.requester_user = call.access.UserId();
  return r;
}

}  // namespace

Response Export(const Call& call) {
  if (call.ctx.exports == nullptr) {
    return ErrorResponse(Error::Make(Issue::kNotSupported, "Bulk export is not enabled on this server", 501),
                         call.format);
  }
  if (!call.format.respond_async) {
    return ErrorResponse(
        Error::Make(Issue::kInvalid, "$export runs asynchronously: send the header 'Prefer: respond-async'"),
        call.format);
  }
  // The Group must be one a read would serve this requester: unknown or hidden by a security
  // label is 404, deleted is 410. Its members are read when the job runs, in its snapshot.
  if (call.route.type && call.route.type->name() == "Group") {
    if (auto group = ReadVisible(call, "Group", call.route.id); !group) return std::move(group).error();
  }
  auto params = KickOffParams(call);
  if (!params) return ErrorResponse(params.error(), call.format);
  auto request = ParseKickOff(call, *params);
  if (!request) return ErrorResponse(request.error(), call.format);
  if (auto patients = CheckPatients(call, *request); !patients)
    return ErrorResponse(patients.error(), call.format);
  auto id = call.ctx.exports->Submit(std::move(request).value());
  if (!id) {
    Response busy = ErrorResponse(id.error(), call.format);
    if (busy.status == 429) busy.SetHeader("Retry-After", "10");
    return busy;
  }
  Response res;
  res.status = 202;
  res.SetHeader("Content-Location", ExportStatusUrl(call.req.base_url, *id));
  SetJsonBody(res, call.format, InformationOutcomeJson("Export job " + *id + " accepted"));
  return res;
}

}  // namespace kiln::rest::interaction
