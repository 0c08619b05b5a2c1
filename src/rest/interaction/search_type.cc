// search on one type: hl7.org/fhir/R4/http.html#search, GET [type]?... and POST [type]/_search
// with a form body. Until the search module lands (issue #3) the parameters are those of
// rest/basic_search.h; unknown ones are reported in an OperationOutcome entry (lenient) or
// rejected (Prefer: handling=strict).
#include "rest/basic_search.h"
#include "rest/bundle.h"
#include "rest/interaction/interactions.h"
#include "rest/outcome.h"
#include "rest/resource_body.h"
#include "rest/respond.h"

namespace kiln::rest::interaction {

namespace {

Result<Params> SearchParams(const Request& req) {
  Params params = req.query;
  if (req.method == "POST") {
    std::string_view ct = req.Header("Content-Type");
    if (ct.substr(0, ct.find(';')) != "application/x-www-form-urlencoded") {
      return Error::Make(Issue::kNotSupported,
                         "POST _search takes application/x-www-form-urlencoded parameters", 415);
    }
    for (auto& p : ParseQueryString(req.body)) params.push_back(std::move(p));
  }
  return params;
}

}  // namespace

Response SearchType(const Call& call) {
  auto params = SearchParams(call.req);
  if (!params) return ErrorResponse(params.error(), call.format);
  std::string type(call.route.type->name());
  auto search = ParseBasicSearch(call.ctx, type, *params, HandlingFrom(call.req));
  if (!search) return ErrorResponse(search.error(), call.format);
  auto page = call.ctx.store.List(call.req.tenant, search->query);
  if (!page) return ErrorResponse(page.error(), call.format);

  Micros now = call.ctx.clock.Now();
  BundleWriter bundle("searchset", NewResourceId(now), now);
  if (page->total) bundle.SetTotal(*page->total);
  std::string self = call.req.base_url + "/" + type;
  std::string query = EncodeQuery(search->used);
  bundle.AddLink("self", query.empty() ? self : self + "?" + query);
  if (page->next_after_id) {
    Params next = search->used;
    next.emplace_back("_cursor", *page->next_after_id);
    bundle.AddLink("next", self + "?" + EncodeQuery(next));
  }
  for (const store::Version& v : page->items) {
    BundleEntry e;
    e.full_url = ResourceUrl(call.req, v.type, v.id);
    e.resource = v.json;
    e.search_mode = "match";
    bundle.AddEntry(e);
  }
  if (!search->ignored.empty()) {
    for (Error& e : search->ignored) e.diagnostics += " and was ignored";
    BundleEntry e;
    e.resource = OperationOutcomeJson(search->ignored);
    e.search_mode = "outcome";
    bundle.AddEntry(e);
  }
  Response res;
  SetJsonBody(res, call.format, bundle.Finish());
  return res;
}

}  // namespace kiln::rest::interaction
