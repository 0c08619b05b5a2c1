// $reindex (Kiln's operation, as HAPI and others offer it): recomputes the search index of every
// current resource, of one type ([type]/$reindex) or of all ([base]/$reindex), with the search
// parameters in force now -- after custom SearchParameters were added or changed. It works page by
// page, one commit per page, so the server keeps serving meanwhile; a resource updated during the
// run is skipped, since its new version was indexed when it was written.
#include "core/json.h"
#include "rest/interaction/interactions.h"
#include "rest/outcome.h"
#include "rest/respond.h"

namespace kiln::rest::interaction {

namespace {

constexpr int kPageSize = 200;

Result<int64_t> ReindexType(const Call& call, const core::ResourceType& type) {
  int64_t done = 0;
  store::ListQuery q;
  q.type = std::string(type.name());
  q.index.type = q.type;
  q.count = kPageSize;
  q.with_total = false;
  for (;;) {
    KILN_TRY_ASSIGN(store::ListPage page, call.ctx.store.List(call.req.tenant, q));
    std::vector<store::WriteOp> ops;
    for (const store::Version& v : page.items) {
      auto doc = json::Parse(v.json);
      if (!doc) return doc.error();
      store::WriteOp op;
      op.change = store::Change::kUpdate;
      op.type = v.type;
      op.id = v.id;
      op.base_version = v.version;
      op.new_version = v.version;
      op.index = search::Extract(call.ctx.registry, call.ctx.model, type, *doc, call.req.base_url);
      op.index_only = true;
      ops.push_back(std::move(op));
    }
    done += static_cast<int64_t>(ops.size());
    if (!ops.empty()) KILN_TRY(call.ctx.store.Commit(call.req.tenant, std::move(ops)));
    if (!page.next_cursor) break;
    q.cursor = page.next_cursor;
  }
  return done;
}

}  // namespace

Response Reindex(const Call& call) {
  int64_t total = 0;
  if (call.route.type) {
    auto n = ReindexType(call, *call.route.type);
    if (!n) return ErrorResponse(n.error(), call.format);
    total = *n;
  } else {
    for (const std::string& name : call.ctx.model.ResourceTypeNames()) {
      auto n = ReindexType(call, *call.ctx.model.FindResourceType(name));
      if (!n) return ErrorResponse(n.error(), call.format);
      total += *n;
    }
  }
  Response res;
  SetJsonBody(res, call.format,
              R"({"resourceType":"Parameters","parameter":[{"name":"count","valueInteger":)" +
                  std::to_string(total) + "}]}");
  return res;
}

}  // namespace kiln::rest::interaction
