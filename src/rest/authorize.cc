// Authorization checks (docs/security.md). Permissions follow SMART on FHIR v2
// (hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html); patient-context grants are
// limited to the patient's compartment (hl7.org/fhir/R4/compartmentdefinition-patient.html).
#include "rest/authorize.h"

#include <algorithm>
#include <bit>
#include <cctype>
#include <map>
#include <set>

#include "core/json.h"
#include "rest/labels.h"
#include "rest/outcome.h"

namespace kiln::rest {

namespace {

constexpr std::string_view kPatient = "Patient";

constexpr Permission kAllPermissions[] = {Permission::kCreate, Permission::kRead, Permission::kUpdate,
                                          Permission::kDelete, Permission::kSearch};

uint8_t Bit(Permission p) { return static_cast<uint8_t>(p); }

// An export reads every resource of its types, and may be asked for all of them.
constexpr uint8_t kExport =
    static_cast<uint8_t>(Permission::kRead) | static_cast<uint8_t>(Permission::kSearch);

// The SMART letter of a permission: its bit's position in "cruds".
char Letter(Permission p) { return "cruds"[std::countr_zero(Bit(p))]; }

class Unrestricted final : public Access {
 public:
  bool Allows(std::string_view, Permission) const override { return true; }
  bool AllowsEveryType(Permission) const override { return true; }
  std::optional<std::string> PatientLimit(std::string_view, Permission) const override { return {}; }
  bool SeesConfidentiality(std::string_view) const override { return true; }
};

Error Forbidden(std::string message) { return Error::Make(Issue::kForbidden, std::move(message)); }

// What a route needs: nothing (public, or checked inside the interaction), permissions on one
// type, or on every type.
struct Need {
  enum class Kind { kNothing, kType, kEveryType };
  Kind kind = Kind::kNothing;
  std::string_view type;
  uint8_t permissions = 0;
  std::string_view id;        // the instance the route acts on, if any
  bool type_history = false;  // [type]/_history
};

Need On(std::string_view type, Permission p, std::string_view id = {}) {
  Need need;
  need.kind = Need::Kind::kType;
  need.type = type;
  need.permissions = Bit(p);
  need.id = id;
  return need;
}
Need Every(uint8_t permissions) {
  Need need;
  need.kind = Need::Kind::kEveryType;
  need.permissions = permissions;
  return need;
}

// The permission of an interaction on a type, by method: POST creates, PUT and PATCH update,
// DELETE deletes, GET reads (`read`: r on an instance, s on a type).
std::optional<Permission> ByMethod(std::string_view method, Permission read) {
  if (method == "GET" || method == "HEAD") return read;
  if (method == "POST") return Permission::kCreate;
  if (method == "PUT" || method == "PATCH") return Permission::kUpdate;
  if (method == "DELETE") return Permission::kDelete;
  return std::nullopt;
}

// The table of docs/security.md, by the shapes rest/api.cc routes.
Need NeedOf(const core::Model& model, std::string_view method, const std::vector<std::string_view>& seg) {
  bool read = method == "GET" || method == "HEAD";
  // What this table does not know may touch anything: reads need r and s, writes everything.
  uint8_t unknown = read ? Bit(Permission::kRead) | Bit(Permission::kSearch) : 0x1f;
  if (seg.empty() || !std::isupper(static_cast<unsigned char>(seg[0][0]))) {
    // System search and batch/transaction check each type and entry themselves.
    if (seg.empty() || (seg.size() == 1 && seg[0] == "_search")) return {};
    if (seg.size() == 1 && seg[0] == "metadata") return {};
    if (seg.size() == 2 && seg[0] == ".well-known") return {};
    if (seg.size() == 1 && seg[0] == "_history") return Every(Bit(Permission::kSearch));
    if (seg.size() == 1 && seg[0] == "$reindex") return Every(Bit(Permission::kUpdate));
    // Bulk Data (SMART Backend Services: system/*.rs): kick-off, status, cancel and files.
    if ((seg.size() == 1 && seg[0] == "$export") || seg[0] == "_export") return Every(kExport);
    return Every(unknown);
  }
  if (!model.FindResourceType(seg[0])) return {};  // 404
  std::string_view type = seg[0];
  if (seg.size() == 1) {
    auto p = ByMethod(method, Permission::kSearch);
    return p ? On(type, *p) : Need{};
  }
  if (seg.size() == 2 && seg[1] == "_search") return On(type, Permission::kSearch);
  if (seg.size() == 2 && seg[1] == "_history") {
    Need need = On(type, Permission::kSearch);
    need.type_history = true;
    return need;
  }
  if (seg.size() == 2 && seg[1] == "$reindex") return On(type, Permission::kUpdate);
  if (seg.size() == 3 && seg[2] == "$everything" && type == kPatient)
    return On(type, Permission::kRead, seg[1]);
  if (seg.back() == "$export") return Every(kExport);  // Patient/$export, Group/[id]/$export
  if (seg[1].starts_with("$") || (seg.size() > 2 && seg[2].starts_with("$"))) return Every(unknown);
  if (seg.size() == 2) {
    auto p = ByMethod(method, Permission::kRead);
    return p ? On(type, *p, seg[1]) : Need{};
  }
  if (seg.size() == 3 && std::isupper(static_cast<unsigned char>(seg[2][0]))) {
    // [type]/[id]/[member]: a search of the member type (its limits are LimitSearch's).
    if (!model.FindResourceType(seg[2])) return {};
    return On(seg[2], Permission::kSearch);
  }
  if (seg[2] == "_history" && (seg.size() == 3 || seg.size() == 4))
    return On(type, Permission::kRead, seg[1]);
  return {};
}

// Restricts `parsed` to the compartment of Patient/`patient`; the Patient type to that patient
// itself. 403 for a type no patient's compartment holds.
Result<Ok> LimitToPatient(const Call& call, const std::string& patient, search::ParsedSearch& parsed) {
  std::vector<std::string>& ids = parsed.query.ids;
  if (parsed.query.type == kPatient) {
    bool asked = ids.empty() || std::find(ids.begin(), ids.end(), patient) != ids.end();
    // "" is no resource's id: asked for other patients only, the search matches nothing.
    ids = {asked ? patient : std::string()};
    return Ok{};
  }
  if (call.ctx.registry.CompartmentParams(kPatient, parsed.query.type) == nullptr) {
    return Forbidden(parsed.query.type +
                     " resources are in no patient's compartment, to which patient/ scopes are limited");
  }
  return search::AddCompartment(call.ctx.registry, kPatient, patient, parsed);
}

// Which of `ids` (all of `type`) are current resources in the compartment of Patient/`patient`.
Result<std::set<std::string>> InCompartment(const Call& call, const std::string& type,
                                            const std::vector<std::string>& ids, const std::string& patient) {
  std::set<std::string> out;
  if (type == kPatient) {
    if (std::find(ids.begin(), ids.end(), patient) != ids.end()) out.insert(patient);
    return out;
  }
  if (call.ctx.registry.CompartmentParams(kPatient, type) == nullptr) return out;
  search::ParsedSearch s;
  s.query.type = type;
  s.query.index.type = type;
  s.query.ids = ids;
  s.query.count = static_cast<int>(ids.size());
  s.query.with_total = false;
  KILN_TRY(search::AddCompartment(call.ctx.registry, kPatient, patient, s));
  KILN_TRY_ASSIGN(store::ListPage page, call.ctx.store.List(call.req.tenant, s.query));
  for (const store::Version& v : page.items) out.insert(v.id);
  return out;
}

// Under a patient-context grant of `p`, the instance a route names must be in the patient's
// compartment. An update or delete of what does not exist is left to the write's own checks
// (CheckWrittenContent; deleting nothing changes nothing).
Result<Ok> CheckInstance(const Call& call, std::string_view type, std::string_view id, Permission p) {
  std::optional<std::string> patient = call.access.PatientLimit(type, p);
  if (!patient) return Ok{};
  std::string type_name(type), id_text(id);
  KILN_TRY_ASSIGN(std::set<std::string> in, InCompartment(call, type_name, {id_text}, *patient));
  if (!in.empty()) return Ok{};
  if (p == Permission::kUpdate || p == Permission::kDelete) {
    auto current = call.ctx.store.ReadCurrent(call.req.tenant, type_name, id_text);
    if (!current && current.error().issue == Issue::kNotFound) return Ok{};
    if (current && current->deleted()) return Ok{};
  }
  return Forbidden("The access token's patient/ scopes allow " + type_name + " only in the compartment of " +
                   std::string(kPatient) + "/" + *patient);
}

// RFC 6750 section 3: the challenge, with the error when a token was presented.
void AddBearerChallenge(Response& res, const Request& req) {
  std::string challenge = "Bearer realm=" + json::Quote(req.base_url);
  if (res.status == 403) {
    challenge += ", error=\"insufficient_scope\"";
  } else if (!req.Header("Authorization").empty()) {
    challenge += ", error=\"invalid_token\"";
  }
  res.SetHeader("WWW-Authenticate", std::move(challenge));
}

// AuditEvents are append-only (docs/audit.md): the audit module writes them through the store,
// and no client creates, changes or deletes one, whatever its scopes. 405, as for a method the
// path does not take (http.html#rejecting-updates).
Result<Ok> RefuseAuditEventWrites(std::string_view method, const std::vector<std::string_view>& seg) {
  if (seg.empty() || !IsAppendOnly(seg[0])) return Ok{};
  bool create = method == "POST" && seg.size() == 1;
  bool change = method == "PUT" || method == "PATCH" || method == "DELETE";
  if (!create && !change) return Ok{};
  return Error::Make(Issue::kNotSupported,
                     "AuditEvent resources are append-only: the server records them, and no client may " +
                         std::string(create ? "create" : "change or delete") + " one",
                     405);
}

}  // namespace

bool IsAppendOnly(std::string_view type) { return type == "AuditEvent"; }

const Access& UnrestrictedAccess() {
  static const Unrestricted* const kAccess = new Unrestricted();
  return *kAccess;
}

Expected<std::shared_ptr<const Access>, Response> Authenticate(const ApiOptions& options, const Request& req,
                                                               const Negotiated& format) {
  bool get = req.method == "GET" || req.method == "HEAD";
  bool public_path = get && (req.path == "metadata" || req.path == ".well-known/smart-configuration");
  if (options.authorizer == nullptr || public_path) {
    // Aliasing, not owning: the unrestricted access lives as long as the process.
    return std::shared_ptr<const Access>(std::shared_ptr<const Access>(), &UnrestrictedAccess());
  }
  auto access = options.authorizer->Authenticate(req);
  if (access) return std::move(access).value();
  Response res = ErrorResponse(access.error(), format);
  AddBearerChallenge(res, req);
  return Unexpected<Response>(std::move(res));
}

Response AuthErrorResponseFor(const Error& error, const Request& req) {
  Response res = ErrorResponseFor(error);
  AddBearerChallenge(res, req);
  return res;
}

Result<Ok> Require(const Call& call, std::string_view type, Permission p) {
  if (call.access.Allows(type, p)) return Ok{};
  return Forbidden("The access token does not allow '" + std::string(1, Letter(p)) + "' on " +
                   std::string(type) + " resources");
}

Result<Ok> Permit(const Call& call, std::string_view method, const std::vector<std::string_view>& seg) {
  KILN_TRY(RefuseAuditEventWrites(method, seg));
  Need need = NeedOf(call.ctx.model, method, seg);
  for (Permission p : kAllPermissions) {
    if ((need.permissions & Bit(p)) == 0) continue;
    if (need.kind == Need::Kind::kEveryType) {
      if (!call.access.AllowsEveryType(p)) {
        return Forbidden("The access token does not allow '" + std::string(1, Letter(p)) +
                         "' on every resource type, which this interaction needs");
      }
      continue;
    }
    KILN_TRY(Require(call, need.type, p));
    if (!need.id.empty()) KILN_TRY(CheckInstance(call, need.type, need.id, p));
    if (need.type_history && call.access.PatientLimit(need.type, p)) {
      return Forbidden("The history of a type is not available under patient/ scopes");
    }
  }
  return Ok{};
}

bool MaySearch(const Call& call, std::string_view type, Permission p) {
  if (!call.access.Allows(type, p)) return false;
  return type == kPatient || !call.access.PatientLimit(type, p) ||
         call.ctx.registry.CompartmentParams(kPatient, type) != nullptr;
}

Result<Ok> LimitSearch(const Call& call, Permission p, search::ParsedSearch& parsed) {
  KILN_TRY(Require(call, parsed.query.type, p));
  HideLabelled(call.access, parsed.query.type, parsed.query.index);  // security labels
  std::optional<std::string> patient = call.access.PatientLimit(parsed.query.type, p);
  if (!patient) return Ok{};
  return LimitToPatient(call, *patient, parsed);
}

Result<std::vector<store::Version>> Readable(const Call& call, std::vector<store::Version> versions) {
  std::erase_if(versions, [&](const store::Version& v) {
    return !call.access.Allows(v.type, Permission::kRead) || HiddenByLabel(call.access, v);
  });
  // Per type, the ids that a patient-context grant limits, and the patient.
  std::map<std::string, std::pair<std::string, std::vector<std::string>>> limited;
  for (const store::Version& v : versions) {
    if (auto patient = call.access.PatientLimit(v.type, Permission::kRead)) {
      auto& [who, ids] = limited[v.type];
      who = *patient;
      ids.push_back(v.id);
    }
  }
  if (limited.empty()) return versions;
  std::set<store::ResourceRef> keep;
  for (const auto& [type, limit] : limited) {
    KILN_TRY_ASSIGN(std::set<std::string> in, InCompartment(call, type, limit.second, limit.first));
    for (const std::string& id : in) keep.insert({type, id});
  }
  std::erase_if(versions, [&](const store::Version& v) {
    return limited.contains(v.type) && !keep.contains(store::ResourceRef{v.type, v.id});
  });
  return versions;
}

Result<Ok> CheckWrittenContent(const Call& call, Permission p, const store::WriteOp& op) {
  // Security labels: what a token could not read back, it may not write (docs/security.md).
  if (WritesHiddenLabel(call.access, op)) {
    return Forbidden(
        "The access token may not see resources labelled restricted or very restricted "
        "(meta.security), so it may not write one");
  }
  std::optional<std::string> patient = call.access.PatientLimit(op.type, p);
  if (!patient) return Ok{};
  Error outside =
      Forbidden("Under patient/ scopes, a " + op.type + " written must be in the compartment of " +
                std::string(kPatient) + "/" + *patient);
  if (op.type == kPatient) return op.id == *patient ? Result<Ok>(Ok{}) : Result<Ok>(outside);
  const std::vector<std::string>* params = call.ctx.registry.CompartmentParams(kPatient, op.type);
  if (params == nullptr) return outside;
  for (const store::IndexEntry& e : op.index) {
    const auto* ref = std::get_if<store::ReferenceValue>(&e.value);
    if (ref == nullptr || ref->target_type != kPatient || ref->target_id != *patient) continue;
    if (std::find(params->begin(), params->end(), e.param) != params->end()) return Ok{};
  }
  return outside;
}

}  // namespace kiln::rest
