#include "rest/labels.h"

#include <algorithm>

#include "core/json.h"

namespace kiln::rest {

namespace {

constexpr std::string_view kConfidentiality = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality";
constexpr std::string_view kLabelled[] = {"R", "V"};
// DocumentReference.securityLabel, indexed as its `security-label` parameter.
constexpr std::string_view kDocumentReference = "DocumentReference";

bool HidesCode(const std::vector<std::string>& hidden, const json::Value& coding) {
  if (!coding.IsObject() || json::GetString(coding, "system") != kConfidentiality) return false;
  std::string_view code = json::GetString(coding, "code");
  return std::find(hidden.begin(), hidden.end(), code) != hidden.end();
}

bool AnyHidden(const std::vector<std::string>& hidden, const json::Value* codings) {
  if (codings == nullptr || !codings->IsArray()) return false;
  return std::any_of(codings->Begin(), codings->End(),
                     [&](const json::Value& c) { return HidesCode(hidden, c); });
}

}  // namespace

std::vector<std::string> HiddenConfidentiality(const Access& access) {
  std::vector<std::string> hidden;
  for (std::string_view code : kLabelled) {
    if (!access.SeesConfidentiality(code)) hidden.emplace_back(code);
  }
  return hidden;
}

bool HiddenByLabel(const Access& access, std::string_view json_text) {
  // Most resources carry no such label: only those naming the code system are parsed.
  if (json_text.find("v3-Confidentiality") == std::string_view::npos) return false;
  std::vector<std::string> hidden = HiddenConfidentiality(access);
  if (hidden.empty()) return false;
  auto doc = json::Parse(json_text);
  if (!doc || !doc->IsObject()) return false;
  if (const json::Value* meta = json::Find(*doc, "meta"); meta && meta->IsObject()) {
    if (AnyHidden(hidden, json::Find(*meta, "security"))) return true;
  }
  if (json::GetString(*doc, "resourceType") != kDocumentReference) return false;
  const json::Value* labels = json::Find(*doc, "securityLabel");
  if (labels == nullptr || !labels->IsArray()) return false;
  return std::any_of(labels->Begin(), labels->End(), [&](const json::Value& cc) {
    return cc.IsObject() && AnyHidden(hidden, json::Find(cc, "coding"));
  });
}

bool HiddenByLabel(const Access& access, const store::Version& v) { return HiddenByLabel(access, v.json); }

void HideLabelled(const Access& access, std::string_view type, store::IndexQuery& query) {
  HideConfidentiality(HiddenConfidentiality(access), type, query);
}

void HideConfidentiality(const std::vector<std::string>& hidden, std::string_view type,
                         store::IndexQuery& query) {
  if (hidden.empty()) return;
  auto clause_on = [&](std::string param) {
    store::Clause clause;
    clause.negate = true;  // none of its values may be a hidden label
    for (const std::string& code : hidden) {
      store::Predicate p;
      p.kind = store::IndexKind::kToken;
      p.param = param;
      p.system = std::string(kConfidentiality);
      p.code = code;
      clause.any_of.push_back(std::move(p));
    }
    query.all_of.push_back(std::move(clause));
  };
  clause_on("_security");
  if (type == kDocumentReference) clause_on("security-label");
}

bool WritesHiddenLabel(const Access& access, const store::WriteOp& op) {
  std::vector<std::string> hidden = HiddenConfidentiality(access);
  if (hidden.empty()) return false;
  return std::any_of(op.index.begin(), op.index.end(), [&](const store::IndexEntry& e) {
    if (e.param != "_security" && !(op.type == kDocumentReference && e.param == "security-label"))
      return false;
    const auto* token = std::get_if<store::TokenValue>(&e.value);
    return token != nullptr && token->system == kConfidentiality &&
           std::find(hidden.begin(), hidden.end(), token->code) != hidden.end();
  });
}

}  // namespace kiln::rest
