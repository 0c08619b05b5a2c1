#include "rest/definitions.h"

#include "core/log.h"

namespace kiln::rest {

namespace {
constexpr std::string_view kSearchParameter = "SearchParameter";
}  // namespace

Result<Ok> CheckDefinition(const Call& call, const IncomingResource& in) {
  if (in.type.name() != kSearchParameter) return Ok{};
  return call.ctx.registry.CheckCustom(in.doc);
}

void DefinitionChanged(const Call& call, std::string_view type) {
  if (type != kSearchParameter) return;
  if (auto loaded = LoadCustomSearchParameters(call.ctx.store, call.ctx.registry, call.req.tenant); !loaded) {
    log::Err("reloading custom search parameters failed", {{"error", loaded.error().diagnostics}});
  }
}

Result<Ok> LoadCustomSearchParameters(store::Store& store, const search::Registry& registry,
                                      const store::TenantId& tenant) {
  std::vector<std::string> texts;
  store::ListQuery q;
  q.type = std::string(kSearchParameter);
  q.index.type = q.type;
  q.count = 500;
  q.with_total = false;
  for (;;) {
    KILN_TRY_ASSIGN(store::ListPage page, store.List(tenant, q));
    for (auto& v : page.items) texts.push_back(std::move(v.json));
    if (!page.next_cursor) break;
    q.cursor = page.next_cursor;
  }
  registry.SetCustom(texts);
  return Ok{};
}

}  // namespace kiln::rest
