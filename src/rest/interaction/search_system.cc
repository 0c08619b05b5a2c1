// search across types: hl7.org/fhir/R4/http.html#search, GET [base]?... with `_type` naming the
// types (all types when absent). Each type is searched in turn, in name order, and pages run
// across them: the cursor names the type and the position within it. A type on which one of the
// parameters does not exist cannot match the search, and is left out (and reported).
#include <algorithm>

#include "rest/authorize.h"
#include "rest/bundle.h"
#include "rest/interaction/interactions.h"
#include "rest/outcome.h"
#include "rest/query.h"
#include "rest/resource_body.h"
#include "rest/respond.h"

namespace kiln::rest::interaction {

namespace {

struct SystemQuery {
  std::vector<std::string> types;
  Params params;  // everything but _type and _cursor
  std::string cursor_type;
  std::optional<std::string> cursor;  // within cursor_type
  int count = 0;
  bool all_types = false;  // no _type: every type (auth: every type the access may search)
};

Result<SystemQuery> ParseSystem(const Call& call) {
  SystemQuery q;
  q.count = call.ctx.options.default_page_size;
  KILN_TRY_ASSIGN(Params all, SearchParams(call.req));
  for (auto& [name, value] : all) {
    if (name == "_type") {
      KILN_TRY_ASSIGN(std::vector<std::string> listed, ParseTypeList(call.ctx.model, value));
      for (std::string& t : listed) q.types.push_back(std::move(t));
    } else if (name == "_cursor") {
      size_t colon = value.find(':');
      q.cursor_type = value.substr(0, colon);
      if (colon != std::string::npos && colon + 1 < value.size()) q.cursor = value.substr(colon + 1);
    } else {
      if (name == "_count") q.count = std::clamp(std::atoi(value.c_str()), 0, call.ctx.options.max_page_size);
      q.params.emplace_back(name, value);
    }
  }
  q.all_types = q.types.empty();
  if (q.all_types) q.types = call.ctx.model.ResourceTypeNames();
  std::sort(q.types.begin(), q.types.end());
  q.types.erase(std::unique(q.types.begin(), q.types.end()), q.types.end());
  return q;
}

}  // namespace

Response SearchSystem(const Call& call) {
  auto q = ParseSystem(call);
  if (!q) return ErrorResponse(q.error(), call.format);
  search::Handling handling = HandlingFrom(call.req);
  BundleWriter bundle("searchset", NewResourceId(call.ctx.clock.Now()), call.ctx.clock.Now());
  std::vector<Error> skipped;
  std::vector<store::Version> matches;
  std::optional<std::string> next;
  int64_t total = 0;
  int searched = 0;
  bool with_total = true;
  Params used;
  for (const std::string& type_name : q->types) {
    // auth: without _type, the types the access may not search are left out (LimitSearch below
    // refuses those _type names).
    if (q->all_types && !MaySearch(call, type_name, Permission::kSearch)) continue;
    auto type = call.ctx.model.FindResourceType(type_name);
    // Lenient per type: a parameter one type lacks excludes that type (below), not the search.
    auto parsed =
        search::Parse(call.ctx.registry, call.ctx.model, *type, q->params, search::Handling::kLenient,
                      call.req.base_url, q->count, call.ctx.options.max_page_size);
    if (!parsed) return ErrorResponse(parsed.error(), call.format);
    if (!parsed->ignored.empty()) {
      for (Error& e : parsed->ignored) skipped.push_back(std::move(e));
      continue;  // a criterion this type does not have: it cannot match
    }
    if (auto limited = LimitSearch(call, Permission::kSearch, *parsed); !limited)
      return ErrorResponse(limited.error(), call.format);
    used = parsed->used;
    with_total = parsed->query.with_total;
    ++searched;
    bool before_cursor = !q->cursor_type.empty() && type_name < q->cursor_type;
    if (before_cursor && !with_total) continue;
    if (type_name == q->cursor_type) parsed->query.cursor = q->cursor;
    if (next || before_cursor) {
      // Earlier pages had these, or this page is full: only their totals count here.
      parsed->query.count = 0;
    } else {
      parsed->query.count = q->count - static_cast<int>(matches.size());
    }
    auto page = call.ctx.store.List(call.req.tenant, parsed->query);
    if (!page) return ErrorResponse(page.error(), call.format);
    if (page->total) total += *page->total;
    for (auto& v : page->items) matches.push_back(std::move(v));
    if (!next && page->next_cursor) next = type_name + ":" + *page->next_cursor;
    if (!next && static_cast<int>(matches.size()) >= q->count) next = type_name + "~";  // the next type
    if (next && !with_total) break;
  }
  if (searched == 0 && handling == search::Handling::kStrict && !skipped.empty()) {
    return ErrorResponse(skipped.front(), call.format);
  }
  if (with_total) bundle.SetTotal(total);
  Params self_params = used;
  if (q->types.size() != call.ctx.model.ResourceTypeNames().size()) {
    std::string list;
    for (const auto& t : q->types) list += (list.empty() ? "" : ",") + t;
    self_params.emplace_back("_type", list);
  }
  // A cursor "Type~" continues at the type after Type: '~' sorts after every letter.
  bundle.AddPageLinks(call.req.base_url, self_params, next);
  AddSearchEntries(bundle, call.req, matches, "match");
  if (!skipped.empty() && q->types.size() <= 20) {
    for (Error& e : skipped) e.diagnostics += ", so no such resources match";
    BundleEntry e;
    e.resource = OperationOutcomeJson(skipped);
    e.search_mode = "outcome";
    bundle.AddEntry(e);
  }
  Response res;
  SetJsonBody(res, call.format, bundle.Finish());
  return res;
}

}  // namespace kiln::rest::interaction
