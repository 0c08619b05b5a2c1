#include "auth/admin_bodies.h"

#include <algorithm>
#include <initializer_list>
#include <optional>

#include "core/json.h"

namespace kiln::auth {

namespace {

using Names = std::initializer_list<std::string_view>;

Error Invalid(const std::string& at, std::string message) {
  return Error::At(Issue::kInvalid, at, std::move(message));
}

std::string Joined(Names names) {
  std::string out;
  for (std::string_view n : names) out += (out.empty() ? "" : ", ") + std::string(n);
  return out;
}

// `where` + `key` as an error's location: "memberships[0].role".
std::string At(std::string_view where, std::string_view key) {
  return where.empty() ? std::string(key) : std::string(where) + "." + std::string(key);
}

Result<Ok> OnlyMembers(const json::Value& object, std::string_view where, Names known) {
  for (auto it = object.MemberBegin(); it != object.MemberEnd(); ++it) {
    std::string_view name(it->name.GetString(), it->name.GetStringLength());
    if (std::find(known.begin(), known.end(), name) == known.end())
      return Invalid(At(where, name),
                     "Unknown member '" + std::string(name) + "' (known: " + Joined(known) + ")");
  }
  return Ok{};
}

// The body as a JSON object with no members but `known`.
Result<json::Document> ObjectBody(std::string_view body, Names known) {
  auto doc = json::Parse(body);
  if (!doc || !doc->IsObject())
    return Error::Make(Issue::kInvalid, "The body must be a JSON object with " + Joined(known));
  KILN_TRY(OnlyMembers(*doc, "", known));
  return std::move(doc).value();
}

// Member `key` of `object` as a string; nullopt when it is absent.
Result<std::optional<std::string>> OptionalString(const json::Value& object, std::string_view where,
                                                  std::string_view key) {
  const json::Value* v = json::Find(object, key);
  if (v == nullptr) return std::optional<std::string>();
  if (!v->IsString()) return Invalid(At(where, key), json::Quote(key) + " is a string");
  return std::optional<std::string>(std::string(v->GetString(), v->GetStringLength()));
}

Result<std::string> RequiredString(const json::Value& object, std::string_view where, std::string_view key) {
  KILN_TRY_ASSIGN(std::optional<std::string> s, OptionalString(object, where, key));
  if (!s) return Error::At(Issue::kRequired, At(where, key), json::Quote(key) + " is required");
  return std::move(s).value();
}

// Member `key` as an array; null when it is absent.
Result<const json::Value*> OptionalArray(const json::Value& object, std::string_view key) {
  const json::Value* v = json::Find(object, key);
  if (v != nullptr && !v->IsArray()) return Invalid(std::string(key), json::Quote(key) + " is an array");
  return v;
}

Result<std::vector<std::string>> Strings(const json::Value& object, std::string_view key) {
  KILN_TRY_ASSIGN(const json::Value* array, OptionalArray(object, key));
  std::vector<std::string> out;
  if (array == nullptr) return out;
  for (const json::Value& v : array->GetArray()) {
    std::string at = std::string(key) + "[" + std::to_string(out.size()) + "]";
    if (!v.IsString()) return Invalid(at, json::Quote(key) + " holds strings");
    out.emplace_back(v.GetString(), v.GetStringLength());
  }
  return out;
}

// {"tenant", "role", "patient"?, "label_access"?} at `where`. `label_access` is set when the
// object names one ("none" too).
Result<store::Membership> ReadMembership(const json::Value& v, const std::string& where, bool* label_access) {
  if (!v.IsObject())
    return Invalid(where,
                   "A membership is an object {\"tenant\", \"role\", \"patient\"?, \"label_access\"?}");
  KILN_TRY(OnlyMembers(v, where, {"tenant", "role", "patient", "label_access"}));
  store::Membership m;
  KILN_TRY_ASSIGN(m.tenant.value, RequiredString(v, where, "tenant"));
  KILN_TRY_ASSIGN(m.role, RequiredString(v, where, "role"));
  KILN_TRY_ASSIGN(std::optional<std::string> patient, OptionalString(v, where, "patient"));
  if (patient && patient->empty()) return Invalid(At(where, "patient"), "\"patient\" is a Patient id");
  m.patient = patient.value_or("");
  KILN_TRY_ASSIGN(std::optional<std::string> codes, OptionalString(v, where, "label_access"));
  *label_access = codes.has_value();
  if (codes) {
    auto level = LabelAccessLevel(*codes);
    if (!level) return Invalid(At(where, "label_access"), level.error().diagnostics);
    m.label_access = std::move(level).value();
  }
  return m;
}

// The memberships of array `key` of `object` (none when it is absent). `with_label_access`
// collects those that name a label access.
Result<std::vector<store::Membership>> Memberships(const json::Value& object, std::string_view key,
                                                   std::vector<store::Membership>* with_label_access) {
  KILN_TRY_ASSIGN(const json::Value* array, OptionalArray(object, key));
  std::vector<store::Membership> out;
  if (array == nullptr) return out;
  for (const json::Value& v : array->GetArray()) {
    bool label_access = false;
    KILN_TRY_ASSIGN(
        store::Membership m,
        ReadMembership(v, std::string(key) + "[" + std::to_string(out.size()) + "]", &label_access));
    if (label_access && with_label_access != nullptr) with_label_access->push_back(m);
    out.push_back(std::move(m));
  }
  return out;
}

// TENANT:CODES, as MembershipChanges::label_access holds them, for a label access level.
std::string LabelAccessChange(const std::string& tenant, const std::string& level) {
  return tenant + ":" + (level.empty() ? std::string("none") : level);
}

// Appends the member ,"name":"value" to the object `out` is writing.
void AddString(std::string& out, std::string_view name, std::string_view value) {
  out.push_back(',');
  json::AppendQuoted(out, name);
  out.push_back(':');
  json::AppendQuoted(out, value);
}
void AddStringIfSet(std::string& out, std::string_view name, std::string_view value) {
  if (!value.empty()) AddString(out, name, value);
}

}  // namespace

Result<ClientBody> ReadClientBody(std::string_view body) {
  KILN_TRY_ASSIGN(json::Document doc, ObjectBody(body, {"id", "scope", "secret", "jwks", "jwks_uri", "tenant",
                                                        "redirect_uris", "public", "label_access"}));
  ClientBody out;
  ClientSpec& spec = out.spec;
  KILN_TRY_ASSIGN(spec.id, RequiredString(doc, "", "id"));
  KILN_TRY_ASSIGN(spec.scope, RequiredString(doc, "", "scope"));
  KILN_TRY_ASSIGN(std::optional<std::string> secret, OptionalString(doc, "", "secret"));
  spec.secret = secret.value_or("");
  if (const json::Value* jwks = json::Find(doc, "jwks"); jwks != nullptr) {
    if (!jwks->IsObject()) return Invalid("jwks", "\"jwks\" is a JSON Web Key Set object {\"keys\": [...]}");
    spec.jwks = json::Write(*jwks);
  }
  KILN_TRY_ASSIGN(std::optional<std::string> jwks_uri, OptionalString(doc, "", "jwks_uri"));
  spec.jwks_uri = jwks_uri.value_or("");
  KILN_TRY_ASSIGN(std::optional<std::string> tenant, OptionalString(doc, "", "tenant"));
  if (tenant) spec.tenant = store::TenantId{std::move(tenant).value()};
  KILN_TRY_ASSIGN(spec.redirect_uris, Strings(doc, "redirect_uris"));
  if (const json::Value* is_public = json::Find(doc, "public"); is_public != nullptr) {
    if (!is_public->IsBool()) return Invalid("public", "\"public\" is true or false");
    spec.is_public = is_public->GetBool();
  }
  KILN_TRY_ASSIGN(std::optional<std::string> labels, OptionalString(doc, "", "label_access"));
  if (labels) {
    auto scopes = LabelAccessScopes(*labels);
    if (!scopes) return Invalid("label_access", scopes.error().diagnostics);
    spec.scope += *scopes;
  }
  // Given no way to authenticate, a client gets a secret, as `kiln client create --generate-secret`.
  if (!secret && spec.jwks.empty() && spec.jwks_uri.empty() && !spec.is_public) {
    spec.secret = NewClientSecret();
    out.made_up_secret = true;
  }
  return out;
}

Result<UserBody> ReadUserBody(std::string_view body) {
  KILN_TRY_ASSIGN(json::Document doc, ObjectBody(body, {"id", "password", "memberships"}));
  UserBody out;
  KILN_TRY_ASSIGN(out.spec.id, RequiredString(doc, "", "id"));
  KILN_TRY_ASSIGN(std::optional<std::string> password, OptionalString(doc, "", "password"));
  out.made_up_password = !password.has_value();
  out.spec.password = out.made_up_password ? NewClientSecret() : std::move(password).value();
  KILN_TRY_ASSIGN(out.spec.memberships, Memberships(doc, "memberships", nullptr));
  return out;
}

Result<MembershipChanges> ReadMembershipChanges(std::string_view body) {
  KILN_TRY_ASSIGN(json::Document doc, ObjectBody(body, {"remove", "set", "label_access"}));
  MembershipChanges out;
  KILN_TRY_ASSIGN(std::vector<std::string> remove, Strings(doc, "remove"));
  for (std::string& tenant : remove) out.remove.push_back(store::TenantId{std::move(tenant)});
  std::vector<store::Membership> with_label_access;
  KILN_TRY_ASSIGN(out.set, Memberships(doc, "set", &with_label_access));
  for (const store::Membership& m : with_label_access)
    out.label_access.push_back(LabelAccessChange(m.tenant.value, m.label_access));
  if (const json::Value* grants = json::Find(doc, "label_access"); grants != nullptr) {
    if (!grants->IsObject())
      return Invalid("label_access", "\"label_access\" is an object {\"TENANT\": \"R\", ...}");
    for (auto it = grants->MemberBegin(); it != grants->MemberEnd(); ++it) {
      std::string tenant(it->name.GetString(), it->name.GetStringLength());
      KILN_TRY_ASSIGN(std::string codes, RequiredString(*grants, "label_access", tenant));
      auto level = LabelAccessLevel(codes);
      if (!level) return Invalid(At("label_access", tenant), level.error().diagnostics);
      out.label_access.push_back(LabelAccessChange(tenant, *level));
    }
  }
  if (out.remove.empty() && out.set.empty() && out.label_access.empty())
    return Error::Make(Issue::kInvalid, "Nothing to change: give \"remove\", \"set\" or \"label_access\"");
  return out;
}

std::string ClientJson(const store::ClientRecord& c, std::string_view shown_secret) {
  std::string out = R"({"id":)";
  json::AppendQuoted(out, c.id);
  AddString(out, "tenant", c.tenant.value);
  AddString(out, "scope", c.scope);
  out += std::string(R"(,"public":)") + (c.is_public ? "true" : "false");
  out += std::string(R"(,"has_secret":)") + (c.secret_hash.empty() ? "false" : "true");
  // Public keys only; stored as RegisterClient checked them, so they are JSON.
  if (!c.jwks.empty() && json::Parse(c.jwks)) {
    out += R"(,"jwks":)";
    json::AppendMinified(out, c.jwks);
  }
  AddStringIfSet(out, "jwks_uri", c.jwks_uri);
  out += R"(,"redirect_uris":[)";
  for (size_t i = 0; i < c.redirect_uris.size(); ++i) {
    if (i > 0) out.push_back(',');
    json::AppendQuoted(out, c.redirect_uris[i]);
  }
  out += "]";
  AddString(out, "created", FormatInstant(c.created));
  AddStringIfSet(out, "secret", shown_secret);
  return out + "}";
}

std::string UserJson(const store::UserRecord& u, std::string_view shown_password) {
  std::string out = R"({"id":)";
  json::AppendQuoted(out, u.id);
  out += R"(,"memberships":[)";
  for (const store::Membership& m : u.memberships) {
    if (out.back() != '[') out.push_back(',');
    out += R"({"tenant":)";
    json::AppendQuoted(out, m.tenant.value);
    AddString(out, "role", m.role);
    AddStringIfSet(out, "patient", m.patient);
    AddStringIfSet(out, "label_access", m.label_access);
    out += "}";
  }
  out += "]";
  AddString(out, "created", FormatInstant(u.created));
  AddStringIfSet(out, "password", shown_password);
  return out + "}";
}

}  // namespace kiln::auth
