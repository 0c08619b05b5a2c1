// The write path: a resource's index rows, from each indexed parameter's FHIRPath expression.
#include "core/log.h"
#include "search/kind.h"

namespace kiln::search {

namespace {

// A composite parameter (search.html#composite): for each item its expression selects, the
// values of each component, all tagged with one group number, so that a search matches only
// components that belong together (the code and the value of the same Observation.component).
void ExtractComposite(const ParamDef& def, const core::Model& model, const json::Value& resource,
                      std::string_view base_url, int32_t& next_group, std::vector<store::IndexEntry>& out) {
  auto roots = fhirpath::Evaluate(*def.compiled, resource, model);
  if (!roots) return;
  for (const fhirpath::Item& root : *roots) {
    if (root.node() == nullptr) continue;
    int32_t group = next_group++;
    size_t group_start = out.size();
    for (const auto& component : def.components) {
      const Kind* kind = KindFor(component->type);
      fhirpath::Collection items;
      size_t first = out.size();
      if (kind != nullptr && fhirpath::EvaluateAt(*component->compiled, root, resource, model, items)) {
        ExtractContext ctx{*component, base_url};
        for (const fhirpath::Item& item : items) {
          if (item.node() != nullptr) kind->Extract(Node{item.node(), item.type_name()}, ctx, out);
        }
      }
      if (out.size() == first) {
        // A composite search matches only a group that has every component, so a group
        // missing one could never match: its rows would only cost writes.
        out.erase(out.begin() + static_cast<std::ptrdiff_t>(group_start), out.end());
        break;
      }
      for (size_t i = first; i < out.size(); ++i) out[i].group = group;
    }
  }
}

// The rows of one parameter that is not composite; `items` is scratch space, reused by the caller.
void ExtractSimple(const ParamDef& def, const core::Model& model, const json::Value& resource,
                   const fhirpath::MemberNames& members, std::string_view base_url,
                   fhirpath::Collection& items, std::vector<store::IndexEntry>& out) {
  const Kind* kind = KindFor(def.type);
  if (kind == nullptr || !def.compiled) return;
  // Most parameters of a type read members that a given resource does not have.
  if (def.reads && !members.HasAny(*def.reads)) return;
  items.clear();
  if (auto evaluated = fhirpath::Evaluate(*def.compiled, resource, model, items); !evaluated) {
    // A parameter that cannot be evaluated on this resource indexes nothing; the write goes on.
    log::Debug("search parameter evaluation failed",
               {{"url", def.url}, {"error", evaluated.error().diagnostics}});
    return;
  }
  ExtractContext ctx{def, base_url};
  for (const fhirpath::Item& item : items) {
    const json::Value* node = item.node();
    if (node == nullptr) continue;  // a computed value, not part of the resource
    kind->Extract(Node{node, item.type_name()}, ctx, out);
  }
}

}  // namespace

std::vector<store::IndexEntry> ExtractParams(const Registry& registry, const core::Model& model,
                                             const core::ResourceType& type, const json::Value& resource,
                                             std::string_view base_url,
                                             const std::vector<std::string>& codes) {
  std::vector<store::IndexEntry> out;
  fhirpath::Collection items;
  const fhirpath::MemberNames members(resource);
  for (const std::string& code : codes) {
    const ParamDef* def = registry.Find(type.name(), code);
    if (def != nullptr && def->type != ParamType::kComposite)
      ExtractSimple(*def, model, resource, members, base_url, items, out);
  }
  return out;
}

std::vector<store::IndexEntry> Extract(const Registry& registry, const core::Model& model,
                                       const core::ResourceType& type, const json::Value& resource,
                                       std::string_view base_url) {
  std::vector<store::IndexEntry> out;
  int32_t next_group = 1;
  fhirpath::Collection items;  // reused by every parameter
  const fhirpath::MemberNames members(resource);
  for (const ParamDef* def : registry.Indexed(type.name())) {
    if (def->type == ParamType::kComposite) {
      if (def->reads && !members.HasAny(*def->reads)) continue;
      ExtractComposite(*def, model, resource, base_url, next_group, out);
      continue;
    }
    ExtractSimple(*def, model, resource, members, base_url, items, out);
  }
  const ParamDef* content = registry.Find(type.name(), "_content");
  if (content != nullptr && registry.TextSearchable(*content)) {
    const ParamDef* text = registry.Find(type.name(), "_text");
    ExtractText(resource, text != nullptr && registry.TextSearchable(*text), out);
  }
  return out;
}

}  // namespace kiln::search
