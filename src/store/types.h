// Plain values that cross the storage interface. The store knows resource types and ids only
// as strings that rest/ has already checked against the model; it knows nothing of FHIR rules.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/time.h"
#include "store/index_types.h"

namespace kiln::store {

// The tenant every row belongs to (docs/tenants.md). Every store call names one, and there is no
// default constructor: no query can run in a tenant nobody chose.
struct TenantId {
  explicit TenantId(std::string name) : value(std::move(name)) {}
  std::string value;
  friend auto operator<=>(const TenantId&, const TenantId&) = default;
};
// The tenant served at /fhir. It always exists and cannot be deleted.
inline TenantId DefaultTenant() { return TenantId{"default"}; }

enum class TenantKind { kOrganization, kPerson };
enum class TenantStatus { kActive, kDeleting };  // kDeleting: unreachable, rows being removed

// "organization", "person": as stored, and as the CLI and the admin API spell them.
inline std::string_view TenantKindName(TenantKind kind) {
  return kind == TenantKind::kPerson ? "person" : "organization";
}
inline std::optional<TenantKind> TenantKindNamed(std::string_view name) {
  if (name == "person") return TenantKind::kPerson;
  if (name == "organization") return TenantKind::kOrganization;
  return std::nullopt;
}

// One row of the tenant registry.
struct TenantInfo {
  TenantId id;
  TenantKind kind = TenantKind::kOrganization;
  Micros created = 0;
  TenantStatus status = TenantStatus::kActive;
};

// How a version came to be, for history's Bundle.entry.request: kCreate is a POST with a
// server-assigned id, kUpdate a PUT (which may have created the resource), kDelete a DELETE,
// kPatch a PATCH. Stored as these numbers (the column comment in 001_initial.sql predates 3).
enum class Change { kCreate = 0, kUpdate = 1, kDelete = 2, kPatch = 3 };

// One version of one resource as stored. `json` holds the exact bytes served to clients (empty
// for a deletion).
struct Version {
  std::string type;
  std::string id;
  int64_t version = 0;
  Micros last_updated = 0;
  Change change = Change::kCreate;
  std::string json;
  bool deleted() const { return change == Change::kDelete; }
};

// A resource by type and id.
struct ResourceRef {
  std::string type;
  std::string id;
  friend auto operator<=>(const ResourceRef&, const ResourceRef&) = default;
};

// One write in a commit. The rest layer assigns the version number and builds the JSON (which
// carries meta.versionId), so the store only checks that nobody else wrote in between:
// `base_version` is the current version the write was built on, 0 when the resource must not
// exist yet. A mismatch fails the whole commit with kConflict.
struct WriteOp {
  Change change = Change::kCreate;
  std::string type;
  std::string id;
  int64_t base_version = 0;
  int64_t new_version = 1;
  Micros last_updated = 0;
  std::string json;
  // The search index rows of this version; they replace the resource's previous rows (a
  // deletion leaves none).
  std::vector<IndexEntry> index;
  // Reindexing: only replace the index rows of version `base_version`, storing no new version;
  // skipped without error when the resource has moved on (its new version was indexed anew).
  bool index_only = false;
};

struct CommitInfo {
  int64_t sequence = 0;  // the store's position after the commit (monotonic per store)
};

// An interval [start, end) on the time axis; `negate` selects everything outside it.
struct TimeInterval {
  Micros start = INT64_MIN;
  Micros end = INT64_MAX;
  bool negate = false;
};

// Current, not deleted resources of one type, in the order they were first stored (or by
// `sort`, ties in that order); a keyset page.
struct ListQuery {
  std::string type;
  IndexQuery index;                        // search clauses (all must hold)
  std::vector<std::string> ids;            // empty: any id; else one of them
  std::vector<TimeInterval> last_updated;  // all must hold
  int count = 50;                          // page size; 0 asks only for the total
  std::vector<SortKey> sort;               // empty: in stored order
  std::optional<std::string> cursor;       // continue after this position (from ListPage)
  bool with_total = true;
};
struct ListPage {
  std::vector<Version> items;
  std::optional<std::string> next_cursor;  // set when more items follow; opaque
  std::optional<int64_t> total;
};

// Bulk export: the current, not deleted resources of one type, in id order, with no paging
// (Store::Scan streams them).
struct ScanQuery {
  std::string type;
  IndexQuery index;                        // search clauses (all must hold), e.g. compartment membership
  std::optional<Micros> since;             // last_updated > since
  std::vector<TimeInterval> last_updated;  // all must hold (`_lastUpdated` of a `_typeFilter`)
};
// One resource as Scan hands it over: views into the store's buffers, valid during the call only.
struct ScannedResource {
  std::string_view id;
  Micros last_updated = 0;
  std::string_view json;
};

// History of one resource, one type or the whole tenant, newest first.
struct HistoryQuery {
  std::optional<std::string> type;
  std::optional<std::string> id;   // requires type
  std::optional<Micros> since;     // last_updated >= since
  std::optional<TimeInterval> at;  // versions current at some point within the interval
  int count = 50;
  std::optional<int64_t> before_sequence;  // continue with entries older than this
};
struct HistoryPage {
  std::vector<Version> items;
  std::optional<int64_t> next_before_sequence;
  int64_t total = 0;
};

}  // namespace kiln::store
