// The write path: a resource's index rows, from each indexed parameter's FHIRPath expression.
#include "core/log.h"
#include "search/kind.h"

namespace kiln::search {

std::vector<store::IndexEntry> Extract(const Registry& registry, const core::Model& model,
                                       const core::ResourceType& type, const json::Value& resource,
                                       std::string_view base_url) {
  std::vector<store::IndexEntry> out;
  for (const ParamDef* def : registry.Indexed(type.name())) {
    const Kind* kind = KindFor(def->type);
    if (kind == nullptr) continue;
    auto items = fhirpath::Evaluate(*def->compiled, resource, model);
    if (!items) {
      // A parameter that cannot be evaluated on this resource indexes nothing; the write goes on.
      log::Debug("search parameter evaluation failed",
                 {{"url", def->url}, {"error", items.error().diagnostics}});
      continue;
    }
    ExtractContext ctx{*def, base_url};
    for (const fhirpath::Item& item : *items) {
      const json::Value* node = item.node();
      if (node == nullptr) continue;  // a computed value, not part of the resource
      kind->Extract(Node{node, item.type_name()}, ctx, out);
    }
  }
  return out;
}

}  // namespace kiln::search
