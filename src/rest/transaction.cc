#include "rest/transaction.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <set>

#include "rest/authorize.h"
#include "rest/bundle.h"
#include "rest/outcome.h"
#include "rest/patch.h"
#include "rest/query.h"
#include "rest/reference_rewrite.h"
#include "rest/respond.h"
#include "rest/router.h"
#include "rest/write.h"

namespace kiln::rest {

namespace {

// hl7.org/fhir/R4/http.html#trules: deletes, then creates, then updates, then reads.
int Rank(std::string_view method) {
  if (method == "DELETE") return 0;
  if (method == "POST") return 1;
  if (method == "PUT" || method == "PATCH") return 2;
  return 3;
}

// An entry's error, located: its diagnostics name the entry, and its expressions become paths
// below Bundle.entry[i]: paths into the resource (as validation reports them, "Patient.birthDate")
// below .resource, others (the search parameters of conditional criteria) `part`.
Error AtEntry(Error e, const EntryRequest& entry, std::string_view part) {
  std::string where = entry.Where();
  e.diagnostics = where + ": " + e.diagnostics;
  std::string type = entry.type ? std::string(entry.type->name()) : std::string();
  if (e.expression.empty()) e.expression.push_back(where);
  for (std::string& x : e.expression) {
    if (x.starts_with("Bundle.")) continue;
    if (!type.empty() && (x == type || x.starts_with(type + "."))) {
      x = where + ".resource" + x.substr(type.size());
    } else {
      x = where + "." + std::string(part) + (part == "resource" ? "." + x : std::string());
    }
  }
  return e;
}

Errors AtEntry(Errors errors, const EntryRequest& entry, std::string_view part) {
  for (Error& e : errors.items) e = AtEntry(std::move(e), entry, part);
  return errors;
}

// Resolves and plans the write entries of a transaction (or the one write entry of a batch
// entry). Planning is repeatable: CommitPlanned plans again after a conflicting write.
class WritePlanner {
 public:
  WritePlanner(const Call& call, std::vector<const EntryRequest*> writes, bool transaction)
      : call_(call), writes_(std::move(writes)), transaction_(transaction) {
    call_.read_ahead = &read_ahead_;
  }
  WritePlanner(const WritePlanner&) = delete;
  WritePlanner& operator=(const WritePlanner&) = delete;

  // The planned writes, in the order of `writes`.
  Expected<std::vector<PlannedWrite>, Errors> Plan() {
    now_ = call_.ctx.clock.Now();
    read_ahead_ = CurrentVersions{};  // a retry builds on what is current now
    resolved_.assign(writes_.size(), Resolved{});
    urls_.clear();
    deleted_.clear();
    targets_.clear();
    conditional_refs_.clear();
    std::vector<size_t> order(writes_.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return Rank(writes_[a]->method) < Rank(writes_[b]->method); });
    // Ids first, so that every fullUrl is known before any resource is rewritten.
    for (size_t i : order) {
      const EntryRequest& e = *writes_[i];
      if (e.invalid) return Errors::Of(*e.invalid);
      if (auto ok = Resolve(e, resolved_[i]); !ok)
        return Errors::Of(AtEntry(std::move(ok).error(), e, "request"));
    }
    if (auto ok = ReadAhead(); !ok) return Errors::Of(std::move(ok).error());
    for (size_t i : order) {
      if (auto ok = Build(*writes_[i], resolved_[i]); !ok)
        return AtEntry(std::move(ok).error(), *writes_[i], "resource");
    }
    std::vector<PlannedWrite> out;
    out.reserve(resolved_.size());
    for (Resolved& r : resolved_) out.push_back(std::move(r.write));
    return out;
  }

 private:
  struct Resolved {
    std::string id;       // the resource written; "" for a conditional delete matching nothing
    bool create = false;  // a new resource under a server-assigned id
    bool found = false;   // a conditional create that matched: nothing to write
    PlannedWrite write;
  };

  // The current versions of every resource the entries update, patch or delete, in one read: on
  // PostgreSQL one round trip for the whole transaction rather than one per entry.
  Result<Ok> ReadAhead() {
    std::vector<store::ResourceRef> refs;
    for (size_t i = 0; i < writes_.size(); ++i) {
      const Resolved& r = resolved_[i];
      if (!r.id.empty() && !r.create && !r.found && writes_[i]->method != "POST")
        refs.push_back({std::string(writes_[i]->type->name()), r.id});
    }
    if (refs.size() < 2) return Ok{};
    KILN_TRY_ASSIGN(read_ahead_, CurrentVersions::Read(call_.ctx.store, call_.req.tenant, std::move(refs)));
    return Ok{};
  }

  // Which resource the entry writes.
  Result<Ok> Resolve(const EntryRequest& e, Resolved& r) {
    std::string type(e.type->name());
    const std::set<std::string>& gone = deleted_[type];
    if (e.method == "DELETE") {
      if (!e.id.empty()) {
        r.id = e.id;
      } else {
        KILN_TRY_ASSIGN(std::optional<std::string> match,
                        MatchOne(call_, *e.type, ParseQueryString(e.query), "The criteria", gone));
        r.id = match.value_or("");
      }
    } else if (e.method == "POST") {
      if (!e.if_none_exist.empty()) {
        KILN_TRY_ASSIGN(std::optional<std::string> match,
                        MatchOne(call_, *e.type, ParseIfNoneExist(e.if_none_exist), "ifNoneExist", gone));
        if (match) {
          KILN_TRY_ASSIGN(r.write.version, call_.ctx.store.ReadCurrent(call_.req.tenant, type, *match));
          r.write.status = 200;
          r.write.what = "Found existing";
          r.found = true;
          r.id = *match;
        }
      }
    } else if (!e.id.empty()) {
      r.id = e.id;
    } else if (e.method == "PATCH") {
      // A conditional patch changes its one match; it never creates.
      KILN_TRY_ASSIGN(std::optional<std::string> match,
                      MatchOne(call_, *e.type, ParseQueryString(e.query), "The criteria", gone));
      if (!match) return Error::Make(Issue::kNotFound, "The criteria matched no " + type);
      r.id = *match;
    } else {
      KILN_TRY_ASSIGN(
          r.id, ConditionalUpdateTarget(call_, *e.type, ParseQueryString(e.query), e.resource_id, gone));
    }
    if (r.id.empty() && e.method != "DELETE") {
      r.id = NewResourceId(now_);
      r.create = true;
    }
    if (r.id.empty()) return Ok{};
    if (!targets_.insert(store::ResourceRef{type, r.id}).second) {
      return Error::At(Issue::kInvalid, e.Where() + ".request",
                       "Another entry of this transaction also targets " + type + "/" + r.id +
                           "; each resource may be the target of one entry only");
    }
    if (e.method == "DELETE") {
      deleted_[type].insert(r.id);
    } else if (!e.full_url.empty() && !urls_.emplace(e.full_url, type + "/" + r.id).second) {
      return Error::At(Issue::kInvalid, e.Where() + ".fullUrl",
                       "Another entry has the fullUrl " + e.full_url + "; fullUrls are unique in a Bundle");
    }
    return Ok{};
  }

  // The write itself: the rewritten, validated resource as its next version.
  Expected<Ok, Errors> Build(const EntryRequest& e, Resolved& r) {
    std::string type(e.type->name());
    auto pinned = ParseIfMatch(e.if_match);
    if (!pinned) {
      Error err = std::move(pinned).error();
      err.expression = {e.Where() + ".request.ifMatch"};
      return Errors::Of(std::move(err));
    }
    auto planned = [&]() -> Expected<PlannedWrite, Errors> {
      if (e.method == "DELETE") {
        if (!r.id.empty()) {
          auto w = PlanDelete(call_, type, r.id, *pinned, now_);
          if (!w) return Errors::Of(std::move(w).error());
          return std::move(w).value();
        }
        PlannedWrite nothing;
        nothing.status = 204;
        nothing.version.type = type;
        return nothing;
      }
      if (r.found) return std::move(r.write);
      auto text = RewriteReferences(e);
      if (!text) return Errors::Of(std::move(text).error());
      if (e.method == "PATCH") {
        auto patch = ReadEntryPatch(call_.ctx, *text);
        if (!patch) return std::move(patch).error();
        return PlanPatch(call_, *e.type, r.id, *patch, *pinned, now_);
      }
      // The Bundle's text was checked as UTF-8 when it was read, and references are rewritten
      // to UTF-8 too.
      auto in = ParseResourceText(call_.ctx, std::move(text).value(), *e.type, /*utf8_checked=*/true);
      if (!in) return std::move(in).error();
      if (e.method == "PUT" && !e.id.empty()) {
        if (auto same = CheckBodyId(*in, e.id); !same) return Errors::Of(std::move(same).error());
      }
      auto w = r.create ? PlanCreate(call_, *in, r.id, now_) : PlanUpdate(call_, *in, r.id, *pinned, now_);
      if (!w) return Errors::Of(std::move(w).error());
      return std::move(w).value();
    }();
    if (!planned) return std::move(planned).error();
    r.write = std::move(planned).value();
    return Ok{};
  }

  // The resource's JSON with fullUrls and conditional references replaced by Type/id.
  Result<std::string> RewriteReferences(const EntryRequest& e) {
    return RewriteStrings(
        e.resource, [&](std::string_view key, std::string_view raw) -> Result<std::optional<std::string>> {
          if (auto local = LocalUrlReplacement(key, raw, urls_)) return local;
          if (key != "reference") return std::optional<std::string>();
          if (raw.starts_with("urn:uuid:") || raw.starts_with("urn:oid:")) {
            return Error::At(Issue::kInvalid, e.Where() + ".resource",
                             "The reference '" + std::string(raw) + "' is not the fullUrl of an entry" +
                                 (transaction_ ? std::string(" of this transaction")
                                               : std::string("; the entries of a batch are independent and "
                                                             "cannot refer to each other")));
          }
          return ResolveConditional(raw);
        });
  }

  // "Patient?identifier=sys|val" -> "Patient/<id>" of its one match (hl7.org/fhir/R4/http.html#
  // trules); no match (404) or several (412) fail the transaction.
  Result<std::optional<std::string>> ResolveConditional(std::string_view raw) {
    size_t q = raw.find('?');
    if (q == std::string_view::npos) return std::optional<std::string>();
    std::string_view type_name = raw.substr(0, q);
    auto type = call_.ctx.model.FindResourceType(type_name);
    if (!type) return std::optional<std::string>();  // not a conditional reference (an absolute URL, say)
    if (auto it = conditional_refs_.find(raw); it != conditional_refs_.end())
      return std::optional<std::string>(it->second);
    std::string name(type_name);
    KILN_TRY_ASSIGN(std::optional<std::string> match,
                    MatchOne(call_, *type, ParseQueryString(raw.substr(q + 1)),
                             "The conditional reference '" + std::string(raw) + "'", deleted_[name]));
    if (!match) {
      return Error::Make(Issue::kNotFound,
                         "The conditional reference '" + std::string(raw) + "' matches no " + name);
    }
    std::string ref = name + "/" + *match;
    conditional_refs_.emplace(std::string(raw), ref);
    return std::optional<std::string>(ref);
  }

  Call call_;  // the caller's, reading current versions from read_ahead_
  CurrentVersions read_ahead_;
  const std::vector<const EntryRequest*> writes_;
  const bool transaction_;
  Micros now_ = 0;
  std::vector<Resolved> resolved_;
  LocalUrls urls_;                                        // fullUrl -> Type/id
  std::map<std::string, std::set<std::string>> deleted_;  // type -> ids this transaction deletes
  std::set<store::ResourceRef> targets_;
  std::map<std::string, std::string, std::less<>> conditional_refs_;
};

std::string StatusLine(int status) {
  static const std::map<int, const char*> kReasons = {{200, "OK"},
                                                      {201, "Created"},
                                                      {204, "No Content"},
                                                      {304, "Not Modified"},
                                                      {400, "Bad Request"},
                                                      {403, "Forbidden"},
                                                      {404, "Not Found"},
                                                      {405, "Method Not Allowed"},
                                                      {409, "Conflict"},
                                                      {410, "Gone"},
                                                      {412, "Precondition Failed"},
                                                      {413, "Payload Too Large"},
                                                      {415, "Unsupported Media Type"},
                                                      {422, "Unprocessable Entity"},
                                                      {500, "Internal Server Error"},
                                                      {501, "Not Implemented"},
                                                      {503, "Service Unavailable"}};
  auto it = kReasons.find(status);
  return std::to_string(status) + (it == kReasons.end() ? "" : std::string(" ") + it->second);
}

// One interaction's response as a response entry (hl7.org/fhir/R4/bundle.html#Bundle.entry.response).
BundleEntry EntryFrom(const Call& call, const Response& res, bool body_is_outcome) {
  BundleEntry e;
  e.response_status = StatusLine(res.status);
  for (const HeaderField& h : res.headers) {
    if (h.name == "Location") {
      std::string_view location = h.value;
      if (location.starts_with(call.req.base_url + "/")) location.remove_prefix(call.req.base_url.size() + 1);
      e.response_location = std::string(location);
    } else if (h.name == "ETag") {
      e.response_etag = h.value;
    } else if (h.name == "Last-Modified") {
      e.response_last_modified = ParseHttpDate(h.value);
    }
  }
  if (!res.body.empty()) (res.status >= 400 || body_is_outcome ? e.response_outcome : e.resource) = res.body;
  return e;
}

// The format of responses embedded in a Bundle: JSON, unindented (the Bundle is indented as a
// whole), Prefer: return= as the client asked.
Negotiated EntryFormat(const Call& call) {
  Negotiated f = call.format;
  f.pretty = false;
  f.wants_fhir = true;
  return f;
}

// The request an entry describes, as its own: its method, URL and conditions, in the Bundle's
// tenant, base and request id.
Request EntryAsRequest(const Call& call, const EntryRequest& entry) {
  Request sub;
  sub.method = entry.method;
  sub.path = entry.path;
  sub.query = ParseQueryString(entry.query);
  sub.base_url = call.req.base_url;
  sub.tenant = call.req.tenant;
  sub.request_id = call.req.request_id;
  return sub;
}

// An entry that failed as the request it describes, with the resource it sent: the audit looks
// at a failed create's or update's body for the patients it would have touched.
Request FailedEntryAsRequest(const Call& call, const EntryRequest& entry) {
  Request sub = EntryAsRequest(call, entry);
  sub.body = entry.resource;
  return sub;
}

// audit: each entry is reported as the request it describes (docs/audit.md), so that its own
// AuditEvent tells what was done to which resource and how it ended; the Bundle has one too.
void AuditEntry(const Call& call, const Request& sub, const Response& res) {
  if (call.ctx.options.audit != nullptr) call.ctx.options.audit->Record(sub, res, &call.access);
}

BundleEntry WriteEntry(const Call& call, const EntryRequest& req, const PlannedWrite& w) {
  Negotiated format = EntryFormat(call);
  Call entry_call{call.ctx, call.req, Route{}, format, call.access, nullptr};
  Response res = PlannedResponse(entry_call, w);
  AuditEntry(call, EntryAsRequest(call, req), res);
  BundleEntry e = EntryFrom(call, res, format.prefer_return == ReturnPref::kOperationOutcome);
  if (w.version.version != 0) e.response_last_modified = w.version.last_updated;
  if (req.method != "DELETE" && !w.version.id.empty())
    e.full_url = ResourceUrl(call.req, w.version.type, w.version.id);
  return e;
}

// An entry that failed before it ran, or whose write failed: its OperationOutcome in its place.
BundleEntry FailedEntry(const Call& call, const EntryRequest& entry, const Errors& errors) {
  Response res = ErrorResponse(errors, EntryFormat(call));
  AuditEntry(call, FailedEntryAsRequest(call, entry), res);
  return EntryFrom(call, res, false);
}

// A GET or HEAD entry, run as the request it describes.
BundleEntry ReadEntry(const Call& call, const EntryRequest& entry) {
  Request sub = EntryAsRequest(call, entry);
  if (!entry.if_none_match.empty()) sub.headers.push_back({"If-None-Match", entry.if_none_match});
  if (!entry.if_modified_since.empty()) {
    // Bundle carries an instant; the read takes the HTTP header's form.
    auto since = ParseFhirDateTime(entry.if_modified_since);
    if (!since) {
      return FailedEntry(call, entry,
                         Errors::Of(Error::At(Issue::kValue, entry.Where() + ".request.ifModifiedSince",
                                              "request.ifModifiedSince must be an instant")));
    }
    sub.headers.push_back({"If-Modified-Since", FormatHttpDate(since->start)});
  }
  if (std::string_view prefer = call.req.Header("Prefer"); !prefer.empty()) {
    sub.headers.push_back({"Prefer", std::string(prefer)});
  }
  Response res = RouteRequest(Call{call.ctx, sub, Route{}, EntryFormat(call), call.access, nullptr});
  AuditEntry(call, sub, res);
  if (entry.method == "HEAD") res.body.clear();
  return EntryFrom(call, res, false);
}

// A failed transaction's response. It ran none of its entries, and each is recorded as attempted
// and failed with the transaction's outcome (docs/audit.md), with the resource it sent, so that
// the patients it would have touched see the attempt, not only the Bundle's event.
template <typename E>
Response TransactionFailed(const Call& call, const BundleRequest& bundle, const E& error) {
  if (call.ctx.options.audit != nullptr) {
    Response failed = ErrorResponse(error, EntryFormat(call));
    for (const EntryRequest& e : bundle.entries) {
      if (e.method.empty() || e.path.empty()) continue;  // no request to speak of
      AuditEntry(call, FailedEntryAsRequest(call, e), failed);
    }
  }
  return ErrorResponse(error, call.format);
}

// auth: the permission the entry's own interaction needs (rest/authorize.h), located at the entry.
Result<Ok> PermitEntry(const Call& call, const EntryRequest& entry) {
  auto permitted = Permit(call, entry.method, Segments(entry.path));
  if (!permitted) return AtEntry(std::move(permitted).error(), entry, "request");
  return Ok{};
}

Response BundleResponse(const Call& call, std::string_view type, const std::vector<BundleEntry>& entries) {
  Micros now = call.ctx.clock.Now();
  BundleWriter writer(type, NewResourceId(now), now);
  for (const BundleEntry& e : entries) writer.AddEntry(e);
  Response res;
  res.status = 200;
  SetJsonBody(res, call.format, writer.Finish());
  return res;
}

}  // namespace

Response ProcessTransaction(const Call& call, const BundleRequest& bundle) {
  std::vector<const EntryRequest*> writes;
  for (const EntryRequest& e : bundle.entries) {
    if (e.invalid) return TransactionFailed(call, bundle, *e.invalid);
    // Every entry, reads too, before anything is written: the transaction fails as a whole.
    if (auto permitted = PermitEntry(call, e); !permitted)
      return TransactionFailed(call, bundle, permitted.error());
    if (e.IsWrite()) writes.push_back(&e);
  }
  WritePlanner planner(call, writes, true);
  auto done = CommitPlanned(call, [&] { return planner.Plan(); });
  if (!done) return TransactionFailed(call, bundle, done.error());
  std::vector<BundleEntry> entries;
  size_t next_write = 0;
  for (const EntryRequest& e : bundle.entries) {
    entries.push_back(e.IsWrite() ? WriteEntry(call, e, (*done)[next_write++]) : ReadEntry(call, e));
  }
  return BundleResponse(call, "transaction-response", entries);
}

Response ProcessBatch(const Call& call, const BundleRequest& bundle) {
  std::vector<BundleEntry> entries;
  for (const EntryRequest& e : bundle.entries) {
    if (e.invalid) {
      entries.push_back(FailedEntry(call, e, Errors::Of(*e.invalid)));
    } else if (!e.IsWrite()) {
      entries.push_back(ReadEntry(call, e));  // RouteRequest checks its permission
    } else if (auto permitted = PermitEntry(call, e); !permitted) {
      entries.push_back(FailedEntry(call, e, Errors::Of(std::move(permitted).error())));
    } else {
      WritePlanner planner(call, {&e}, false);
      auto done = CommitPlanned(call, [&] { return planner.Plan(); });
      entries.push_back(done ? WriteEntry(call, e, done->front()) : FailedEntry(call, e, done.error()));
    }
  }
  return BundleResponse(call, "batch-response", entries);
}

}  // namespace kiln::rest
