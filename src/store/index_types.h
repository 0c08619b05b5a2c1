// Search index rows and index queries: plain values that search/ produces and the backends turn
// into SQL. There is one kind per SearchParameter type (hl7.org/fhir/R4/search.html#ptypes), and
// each kind's columns are the normalized form its searches compare against.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/time.h"

namespace kiln::store {

// Strings: `norm` is case- and accent-folded for the default prefix match and :contains;
// `exact` is the value as written, for :exact.
struct StringValue {
  std::string norm;
  std::string exact;
};
// Tokens: system and code (an empty system means "no system"); `text` is the folded display or
// text, for :text.
struct TokenValue {
  std::string system;
  std::string code;
  std::string text;
};
// References to a resource on this server (type and id), or else by URL (absolute references and
// canonicals); `version` when the reference pins one.
struct ReferenceValue {
  std::string target_type;
  std::string target_id;
  std::string url;
};
// Dates and periods as [start, end) in microseconds; open ends are the extremes of Micros.
struct DateValue {
  Micros start = std::numeric_limits<Micros>::min();
  Micros end = std::numeric_limits<Micros>::max();
};
// Numbers: the value, and the interval its precision implies ("1.50" -> [1.495, 1.505)).
struct NumberValue {
  double value = 0;
  double low = 0;
  double high = 0;
};
// Quantities (columns value, low, high of idx_quantity): `value` is in the unit `code` names,
// which search/ makes Kiln's canonical UCUM unit when it knows the unit (unit conversion,
// hl7.org/fhir/R4/search.html#quantity); `written` is the value as the resource wrote it, for
// searches without a unit; `sort` is what _sort orders by, the canonical value for every row of
// a converted quantity. A stored value is exact, so it needs no interval.
struct QuantityValue {
  double value = 0;
  double written = 0;
  double sort = 0;
  std::string system;
  std::string code;
};
struct UriValue {
  std::string uri;
};
// Free text for _text (the narrative's words) and _content (every string of the resource),
// searched by words (hl7.org/fhir/R4/search.html#text).
struct TextValue {
  std::string text;
};

using IndexValue = std::variant<StringValue, TokenValue, ReferenceValue, DateValue, NumberValue,
                                QuantityValue, UriValue, TextValue>;

enum class IndexKind { kString = 0, kToken, kReference, kDate, kNumber, kQuantity, kUri, kText };
inline IndexKind KindOf(const IndexValue& v) { return static_cast<IndexKind>(v.index()); }

// One row: the parameter's code and one value the resource has for it.
struct IndexEntry {
  IndexEntry(std::string p, IndexValue v, int32_t g = 0)
      : param(std::move(p)), value(std::move(v)), group(g) {}
  std::string param;
  IndexValue value;
  int32_t group;  // composite parameters: the values of one group belong together (0: none)
};

// ---- queries ------------------------------------------------------------------------------

enum class Cmp { kEq, kNe, kGt, kLt, kGe, kLe, kSa, kEb, kAp };

// One test of one indexed value. Which fields matter depends on `kind`.
struct Predicate {
  enum class StringMode { kPrefix, kExact, kContains };
  enum class UriMode { kExact, kBelow, kAbove };

  IndexKind kind = IndexKind::kToken;
  std::string param;
  std::optional<bool> missing;  // :missing=true|false instead of a value test

  // string
  StringMode string_mode = StringMode::kPrefix;
  std::string text;  // folded for kPrefix/kContains, as given for kExact; :text for tokens; kText: the words
  // token: nullopt = any
  std::optional<std::string> system;
  std::optional<std::string> code;
  bool token_text = false;  // :text
  // reference
  std::optional<std::string> target_type;
  std::optional<std::string> target_id;
  std::optional<std::string> url;
  // the target must match this query (chained parameters), evaluated on `chain_type`
  std::shared_ptr<const struct IndexQuery> chain;
  // date, number, quantity
  Cmp cmp = Cmp::kEq;
  DateValue range;     // date: the search value's range
  NumberValue number;  // number/quantity: value and precision interval
  // quantity: the search value converted to canonical UCUM units; a row matches either this or
  // the value as given (`number`, `system`, `code`: rows of other systems, or indexed before
  // Kiln converted units)
  struct Converted {
    NumberValue number;
    std::string system;
    std::string code;
  };
  std::optional<Converted> converted;
  // uri
  UriMode uri_mode = UriMode::kExact;
  // composite: every component must match within one group of the resource's values, or
  // anywhere in it when !same_group (then `kind` and `param` are unused)
  std::vector<Predicate> components;
  bool same_group = true;
};

// Values of one parameter that may match (OR, from commas); `negate` for :not / ne on tokens.
struct Clause {
  std::vector<Predicate> any_of;
  bool negate = false;
};

// Reverse chaining (_has): resources of `type` whose `param` references the candidate and which
// match `query`.
struct ReverseChain {
  std::string type;
  std::string param;
  std::shared_ptr<const struct IndexQuery> query;
};

// A _sort key: "_id", "_lastUpdated", or an indexed parameter of that kind. A resource with
// several values sorts by its smallest (ascending) or largest (descending); none sorts last.
struct SortKey {
  std::string param;
  IndexKind kind = IndexKind::kString;
  bool descending = false;
  std::vector<std::string> also;  // further parameters whose values count as this one's
};

// What a search asks of the store: current, not deleted resources of one type that satisfy every
// clause (AND).
struct IndexQuery {
  std::string type;
  std::vector<Clause> all_of;
  std::vector<ReverseChain> has;
  std::vector<std::string> ids;  // empty: any id; else one of them (e.g. the Group of a Group export)
};

}  // namespace kiln::store
