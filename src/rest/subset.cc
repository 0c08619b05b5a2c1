#include "rest/subset.h"

#include "core/json.h"

namespace kiln::rest {

namespace {

// The element definition of a top-level member name ("valueQuantity" -> value[x]).
const core::ElementDef* TopLevelElement(const core::TypeDef& type, std::string_view member) {
  if (type.root_children == nullptr) return nullptr;
  for (const core::ElementDef* e : *type.root_children) {
    if (e->name == member) return e;
    if (e->choice && member.starts_with(e->name) && member.size() > e->name.size() &&
        std::isupper(static_cast<unsigned char>(member[e->name.size()]))) {
      return e;
    }
  }
  return nullptr;
}

bool Keep(const core::TypeDef& type, std::string_view member, const Subset& subset) {
  const core::ElementDef* e = TopLevelElement(type, member.starts_with("_") ? member.substr(1) : member);
  bool mandatory = e != nullptr && e->min >= 1;
  switch (subset.mode) {
    case Subset::Mode::kAll:
      return true;
    case Subset::Mode::kSummary:
      return mandatory || (e != nullptr && e->summary);
    case Subset::Mode::kText:
      return mandatory || member == "text";
    case Subset::Mode::kData:
      return member != "text";
    case Subset::Mode::kElements: {
      std::string_view base = member.starts_with("_") ? member.substr(1) : member;
      return mandatory || subset.elements.contains(base) ||
             (e != nullptr && subset.elements.contains(e->name));
    }
  }
  return true;
}

// meta with the SUBSETTED tag added (hl7.org/fhir/R4/search.html#summary).
std::string TaggedMeta(std::string_view raw_meta) {
  json::Document meta;
  if (!raw_meta.empty()) meta.Parse(raw_meta.data(), raw_meta.size());
  if (!meta.IsObject()) meta.SetObject();
  auto& alloc = meta.GetAllocator();
  if (!meta.HasMember("tag")) meta.AddMember("tag", json::Value(rapidjson::kArrayType), alloc);
  json::Value tag(rapidjson::kObjectType);
  tag.AddMember("system", "http://terminology.hl7.org/CodeSystem/v3-ObservationValue", alloc);
  tag.AddMember("code", "SUBSETTED", alloc);
  meta["tag"].PushBack(tag, alloc);
  return json::Write(meta);
}

}  // namespace

bool HasTopLevelElement(const core::Model& model, std::string_view type, std::string_view element) {
  const core::TypeDef* def = model.FindType(type);
  return def != nullptr && TopLevelElement(*def, element) != nullptr;
}

std::string ApplySubset(const core::Model& model, std::string_view json, const Subset& subset) {
  if (subset.mode == Subset::Mode::kAll) return std::string(json);
  std::vector<json::RawMember> members = json::TopLevelMembers(json);
  std::string_view type_name, meta;
  for (const auto& m : members) {
    if (m.key == "resourceType") type_name = m.raw.substr(1, m.raw.size() - 2);
    if (m.key == "meta") meta = m.raw;
  }
  const core::TypeDef* type = model.FindType(type_name);
  if (type == nullptr) return std::string(json);
  std::string out = "{";
  for (const auto& m : members) {
    bool always = m.key == "resourceType" || m.key == "id";
    if (m.key == "meta") continue;
    if (!always && !Keep(*type, m.key, subset)) continue;
    if (out.size() > 1) out.push_back(',');
    json::AppendQuoted(out, m.key);
    out.push_back(':');
    out.append(m.raw);
    if (m.key == "id") out += ",\"meta\":" + TaggedMeta(meta);
  }
  out.push_back('}');
  return out;
}

}  // namespace kiln::rest
