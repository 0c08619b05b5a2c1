// search on one type: hl7.org/fhir/R4/http.html#search, GET [type]?... and POST [type]/_search
// with a form body. Parameters are parsed by search/ (search::Parse); unknown or unsupported
// ones are reported in an OperationOutcome entry (lenient) or rejected (Prefer: handling=strict).
#include "rest/authorize.h"
#include "rest/bundle.h"
#include "rest/include.h"
#include "rest/interaction/interactions.h"
#include "rest/outcome.h"
#include "rest/query.h"
#include "rest/resource_body.h"
#include "rest/respond.h"
#include "rest/subset.h"

namespace kiln::rest::interaction {

namespace {

Subset SubsetOf(const search::ParsedSearch& search) {
  Subset s;
  if (search.summary == "true") s.mode = Subset::Mode::kSummary;
  if (search.summary == "text") s.mode = Subset::Mode::kText;
  if (search.summary == "data") s.mode = Subset::Mode::kData;
  if (!search.elements.empty() && s.mode == Subset::Mode::kAll) {
    s.mode = Subset::Mode::kElements;
    s.elements.insert(search.elements.begin(), search.elements.end());
  }
  return s;
}

// Runs a parsed search and renders the searchset; `self` is the URL the search was made at.
Response Run(const Call& call, search::ParsedSearch& search, const std::string& self) {
  Subset subset = SubsetOf(search);
  // auth: within what the access allows (a patient's compartment, perhaps).
  if (auto limited = LimitSearch(call, Permission::kSearch, search); !limited)
    return ErrorResponse(limited.error(), call.format);
  auto page = call.ctx.store.List(call.req.tenant, search.query);
  if (!page) return ErrorResponse(page.error(), call.format);

  Micros now = call.ctx.clock.Now();
  BundleWriter bundle("searchset", NewResourceId(now), now);
  if (page->total) bundle.SetTotal(*page->total);
  bundle.AddPageLinks(self, search.used, page->next_cursor);
  for (const store::Version& v : page->items) {
    BundleEntry e;
    e.full_url = ResourceUrl(call.req, v.type, v.id);
    e.resource = ApplySubset(call.ctx.model, v.json, subset);
    e.search_mode = "match";
    bundle.AddEntry(e);
  }
  auto included = Included(call, search, page->items);
  if (included) included = Readable(call, std::move(included).value());  // auth
  if (!included) return ErrorResponse(included.error(), call.format);
  AddSearchEntries(bundle, call.req, *included, "include");
  if (!search.ignored.empty()) {
    for (Error& e : search.ignored) e.diagnostics += " and was ignored";
    BundleEntry e;
    e.resource = OperationOutcomeJson(search.ignored);
    e.search_mode = "outcome";
    bundle.AddEntry(e);
  }
  Response res;
  SetJsonBody(res, call.format, bundle.Finish());
  return res;
}

Result<search::ParsedSearch> ParseFor(const Call& call, const core::ResourceType& type) {
  KILN_TRY_ASSIGN(Params params, SearchParams(call.req));
  return search::Parse(call.ctx.registry, call.ctx.model, type, params, HandlingFrom(call.req),
                       call.req.base_url, call.ctx.options.default_page_size, call.ctx.options.max_page_size);
}

}  // namespace

Response SearchType(const Call& call) {
  auto search = ParseFor(call, *call.route.type);
  if (!search) return ErrorResponse(search.error(), call.format);
  return Run(call, *search, call.req.base_url + "/" + std::string(call.route.type->name()));
}

Response SearchCompartment(const Call& call) {
  const core::ResourceType& member = *call.route.compartment_member;
  auto search = ParseFor(call, member);
  if (!search) return ErrorResponse(search.error(), call.format);
  auto in = search::AddCompartment(call.ctx.registry, call.route.type->name(), call.route.id, *search);
  if (!in) return ErrorResponse(in.error(), call.format);
  return Run(
      call, *search,
      ResourceUrl(call.req, call.route.type->name(), call.route.id) + "/" + std::string(member.name()));
}

}  // namespace kiln::rest::interaction
