// history: hl7.org/fhir/R4/http.html#history for an instance, a type or the whole server, newest
// first, with `_count`, `_since`, `_at` and keyset paging (stable while new versions arrive).
#include <charconv>

#include "rest/bundle.h"
#include "rest/interaction/interactions.h"
#include "rest/labels.h"
#include "rest/outcome.h"
#include "rest/query.h"
#include "rest/resource_body.h"
#include "rest/respond.h"

namespace kiln::rest::interaction {

namespace {

Result<int64_t> Integer(std::string_view name, std::string_view value) {
  int64_t n = -1;
  auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || p != value.data() + value.size() || n < 0) {
    return Error::At(Issue::kInvalid, std::string(name),
                     std::string(name) + " must be a non-negative integer, not '" + std::string(value) + "'");
  }
  return n;
}

Result<TimeRange> Instant(std::string_view name, std::string_view value) {
  std::string text(value);
  for (char& c : text) {
    if (c == ' ') c = '+';  // an unencoded '+' in a timezone
  }
  auto range = ParseFhirDateTime(text);
  if (!range) {
    return Error::At(Issue::kInvalid, std::string(name),
                     "Invalid date-time '" + std::string(value) + "' for " + std::string(name));
  }
  return *range;
}

struct HistoryParams {
  store::HistoryQuery query;
  Params used;
};

Result<HistoryParams> ParseHistory(const Call& call) {
  HistoryParams h;
  h.query.count = call.ctx.options.default_page_size;
  for (const auto& [name, value] : call.req.query) {
    if (name == "_count") {
      KILN_TRY_ASSIGN(int64_t n, Integer(name, value));
      h.query.count = static_cast<int>(std::min<int64_t>(n, call.ctx.options.max_page_size));
      h.used.emplace_back(name, std::to_string(h.query.count));
    } else if (name == "_since") {
      KILN_TRY_ASSIGN(TimeRange r, Instant(name, value));
      h.query.since = r.start;
      h.used.emplace_back(name, value);
    } else if (name == "_at") {
      KILN_TRY_ASSIGN(TimeRange r, Instant(name, value));
      h.query.at = store::TimeInterval{r.start, r.end, false};
      h.used.emplace_back(name, value);
    } else if (name == "_cursor") {
      KILN_TRY_ASSIGN(int64_t n, Integer(name, value));
      h.query.before_sequence = n;
    } else if (name != "_format" && name != "_pretty" &&
               HandlingFrom(call.req) == search::Handling::kStrict) {
      return Error::At(Issue::kNotSupported, name, "Parameter '" + name + "' is not supported for history");
    }
  }
  if (call.route.type) h.query.type = std::string(call.route.type->name());
  if (!call.route.id.empty()) h.query.id = call.route.id;
  return h;
}

BundleEntry EntryFor(const Call& call, const store::Version& v) {
  BundleEntry e;
  e.full_url = ResourceUrl(call.req, v.type, v.id);
  e.resource = v.json;
  switch (v.change) {
    case store::Change::kCreate:
      e.request_method = "POST";
      e.request_url = v.type;
      e.response_status = "201 Created";
      break;
    case store::Change::kUpdate:
      e.request_method = "PUT";
      e.request_url = v.type + "/" + v.id;
      e.response_status = v.version == 1 ? "201 Created" : "200 OK";
      break;
    case store::Change::kPatch:
      e.request_method = "PATCH";
      e.request_url = v.type + "/" + v.id;
      e.response_status = "200 OK";
      break;
    case store::Change::kDelete:
      e.request_method = "DELETE";
      e.request_url = v.type + "/" + v.id;
      e.response_status = "204 No Content";
      break;
  }
  e.response_etag = ETag(v.version);
  e.response_last_modified = v.last_updated;
  return e;
}

// The history of a resource the access may not see (its current version labelled) is 404.
std::optional<Error> HiddenInstance(const Call& call) {
  if (!call.route.type || call.route.id.empty()) return std::nullopt;
  std::string type(call.route.type->name());
  auto current = call.ctx.store.ReadCurrent(call.req.tenant, type, call.route.id);
  if (!current || !HiddenByLabel(call.access, *current)) return std::nullopt;
  return Error::Make(Issue::kNotFound, "Resource " + type + "/" + call.route.id + " is not known");
}

}  // namespace

Response History(const Call& call) {
  auto params = ParseHistory(call);
  if (!params) return ErrorResponse(params.error(), call.format);
  if (auto hidden = HiddenInstance(call)) return ErrorResponse(*hidden, call.format);
  auto page = call.ctx.store.History(call.req.tenant, params->query);
  if (!page) return ErrorResponse(page.error(), call.format);
  // Security labels: labelled versions are left out (of this page: see docs/security.md).
  std::erase_if(page->items, [&](const store::Version& v) { return HiddenByLabel(call.access, v); });

  std::string self = call.req.base_url + "/" + call.req.path;
  BundleWriter bundle("history", NewResourceId(call.ctx.clock.Now()), call.ctx.clock.Now());
  bundle.SetTotal(page->total);
  std::optional<std::string> next;
  if (page->next_before_sequence) next = std::to_string(*page->next_before_sequence);
  bundle.AddPageLinks(self, params->used, next);
  for (const store::Version& v : page->items) bundle.AddEntry(EntryFor(call, v));
  Response res;
  SetJsonBody(res, call.format, bundle.Finish());
  return res;
}

}  // namespace kiln::rest::interaction
