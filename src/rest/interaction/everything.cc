// Patient/[id]/$everything (hl7.org/fhir/R4/patient-operation-everything.html): the patient,
// every resource in its compartment (hl7.org/fhir/R4/compartmentdefinition-patient.html), and the
// resources those reference, as a searchset Bundle. `_since` keeps resources changed since an
// instant, `_type` the listed types, `_count` sets the page size. The compartment's types are
// searched in name order and pages run across them, as system search pages across types; each
// page carries what its matches reference with search.mode "include".
#include <algorithm>
#include <set>

#include "rest/authorize.h"
#include "rest/bundle.h"
#include "rest/include.h"
#include "rest/interaction/interactions.h"
#include "rest/outcome.h"
#include "rest/query.h"
#include "rest/resource_body.h"
#include "rest/respond.h"

namespace kiln::rest::interaction {

namespace {

struct EverythingQuery {
  std::vector<std::string> types;  // compartment types to list, in name order
  std::optional<std::string> since;
  int count = 0;
  std::string cursor_type;
  std::optional<std::string> cursor;  // within cursor_type
};

Result<EverythingQuery> ParseEverything(const Call& call) {
  EverythingQuery q;
  q.count = call.ctx.options.default_page_size;
  Params all = call.req.query;
  if (call.req.method == "POST") {
    for (auto& p : ParseQueryString(call.req.body)) all.push_back(std::move(p));
  }
  std::set<std::string> only;
  for (auto& [name, value] : all) {
    if (name == "_since") {
      q.since = value;
    } else if (name == "_count") {
      int n = std::atoi(value.c_str());
      if (n <= 0 || value.find_first_not_of("0123456789") != std::string::npos)
        return Error::At(Issue::kInvalid, "_count", "_count must be a positive integer");
      q.count = std::min(n, call.ctx.options.max_page_size);
    } else if (name == "_type") {
      KILN_TRY_ASSIGN(std::vector<std::string> listed, ParseTypeList(call.ctx.model, value));
      only.insert(listed.begin(), listed.end());
    } else if (name == "_cursor") {
      size_t colon = value.find(':');
      q.cursor_type = value.substr(0, colon);
      if (colon != std::string::npos && colon + 1 < value.size()) q.cursor = value.substr(colon + 1);
    } else if (name != "_format" && name != "_pretty") {
      return Error::At(Issue::kNotSupported, name, "$everything does not take the parameter '" + name + "'");
    }
  }
  for (const std::string& t : call.ctx.model.ResourceTypeNames()) {
    bool member = t == "Patient" || call.ctx.registry.CompartmentParams("Patient", t) != nullptr;
    // auth: only the types the access may read (ShareOf limits them to its patient, if any).
    bool readable = MaySearch(call, t, Permission::kRead);
    if (member && readable && (only.empty() || only.contains(t))) q.types.push_back(t);
  }
  std::sort(q.types.begin(), q.types.end());
  return q;
}

// The search of one type's share: the patient itself, or the type's members of its compartment.
Result<search::ParsedSearch> ShareOf(const Call& call, const core::ResourceType& type,
                                     const EverythingQuery& q) {
  Params params;
  if (q.since) params.emplace_back("_lastUpdated", "ge" + *q.since);
  KILN_TRY_ASSIGN(search::ParsedSearch parsed,
                  search::Parse(call.ctx.registry, call.ctx.model, type, params, search::Handling::kStrict,
                                call.req.base_url, q.count, call.ctx.options.max_page_size));
  if (type.name() == "Patient") {
    parsed.query.ids.push_back(call.route.id);
  } else {
    KILN_TRY(search::AddCompartment(call.ctx.registry, "Patient", call.route.id, parsed));
  }
  KILN_TRY(LimitSearch(call, Permission::kRead, parsed));  // auth
  return parsed;
}

}  // namespace

Response Everything(const Call& call) {
  std::string patient = "Patient/" + call.route.id;
  auto current = ReadVisible(call, "Patient", call.route.id);  // security labels: hidden is 404
  if (!current) return std::move(current).error();
  auto q = ParseEverything(call);
  if (!q) return ErrorResponse(q.error(), call.format);

  std::vector<store::Version> matches;
  std::optional<std::string> next;
  int64_t total = 0;
  for (const std::string& type_name : q->types) {
    auto type = call.ctx.model.FindResourceType(type_name);
    auto share = ShareOf(call, *type, *q);
    if (!share) return ErrorResponse(share.error(), call.format);
    bool before_cursor = !q->cursor_type.empty() && type_name < q->cursor_type;
    if (type_name == q->cursor_type) share->query.cursor = q->cursor;
    // Earlier pages had the types before the cursor, and a full page only counts the rest.
    share->query.count = next || before_cursor ? 0 : q->count - static_cast<int>(matches.size());
    auto page = call.ctx.store.List(call.req.tenant, share->query);
    if (!page) return ErrorResponse(page.error(), call.format);
    if (page->total) total += *page->total;
    for (auto& v : page->items) matches.push_back(std::move(v));
    if (!next && page->next_cursor) next = type_name + ":" + *page->next_cursor;
    if (!next && static_cast<int>(matches.size()) >= q->count) next = type_name + "~";  // the next type
  }

  // What this page's resources reference ("*": every reference parameter of their types).
  search::ParsedSearch references;
  std::set<std::string> seen_types;
  for (const store::Version& v : matches) {
    if (seen_types.insert(v.type).second)
      references.includes.push_back(search::Include{v.type, "*", {}, false});
  }
  auto included = Included(call, references, matches);
  if (included) included = Readable(call, std::move(included).value());  // auth
  if (!included) return ErrorResponse(included.error(), call.format);

  Micros now = call.ctx.clock.Now();
  BundleWriter bundle("searchset", NewResourceId(now), now);
  bundle.SetTotal(total);
  Params self_params;
  for (const auto& [name, value] : call.req.query) {
    if (name != "_cursor") self_params.emplace_back(name, value);
  }
  bundle.AddPageLinks(call.req.base_url + "/" + patient + "/$everything", self_params, next);
  AddSearchEntries(bundle, call.req, matches, "match");
  AddSearchEntries(bundle, call.req, *included, "include");
  Response res;
  SetJsonBody(res, call.format, bundle.Finish());
  return res;
}

}  // namespace kiln::rest::interaction
