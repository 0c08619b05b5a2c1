#include "rest/basic_search.h"

#include <charconv>

#include "core/time.h"

namespace kiln::rest {

namespace {

// Parameters that shape the result rather than select resources.
bool IsResultParam(std::string_view name) {
  return name == "_format" || name == "_pretty" || name == "_cursor" || name == "_count" ||
         name == "_total" || name == "_summary";
}

// A date search value with its prefix (hl7.org/fhir/R4/search.html#prefix) as an interval on
// the instant axis, for a point-in-time value such as meta.lastUpdated.
Result<store::TimeInterval> DateCondition(std::string_view param, std::string_view value) {
  std::string_view prefix = "eq";
  if (value.size() >= 2 && std::isalpha(static_cast<unsigned char>(value[0]))) {
    prefix = value.substr(0, 2);
    value.remove_prefix(2);
  }
  // A '+' in a timezone arrives as a space when clients forget to encode it.
  std::string text(value);
  for (char& c : text) {
    if (c == ' ') c = '+';
  }
  auto range = ParseFhirDateTime(text);
  if (!range) {
    return Error::At(Issue::kInvalid, std::string(param),
                     "Invalid date '" + std::string(value) + "' for parameter " + std::string(param));
  }
  store::TimeInterval t;
  if (prefix == "eq") {
    t.start = range->start, t.end = range->end;
  } else if (prefix == "ne") {
    t.start = range->start, t.end = range->end, t.negate = true;
  } else if (prefix == "gt" || prefix == "sa") {
    t.start = range->end;
  } else if (prefix == "ge") {
    t.start = range->start;
  } else if (prefix == "lt" || prefix == "eb") {
    t.end = range->start;
  } else if (prefix == "le") {
    t.end = range->end;
  } else if (prefix == "ap") {
    // Approximately: within 10% of the distance from now, at least one day (search.html#prefix).
    Micros width = range->end - range->start;
    Micros slack = std::max<Micros>(86'400'000'000LL, width / 10);
    t.start = range->start - slack, t.end = range->end + slack;
  } else {
    return Error::At(Issue::kInvalid, std::string(param), "Unknown prefix '" + std::string(prefix) + "'");
  }
  return t;
}

int Hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string Decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%' && i + 2 < s.size() && Hex(s[i + 1]) >= 0 && Hex(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(Hex(s[i + 1]) * 16 + Hex(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

}  // namespace

Params ParseQueryString(std::string_view query) {
  Params params;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    if (!part.empty()) {
      size_t eq = part.find('=');
      params.emplace_back(Decode(part.substr(0, eq)),
                          eq == std::string_view::npos ? std::string() : Decode(part.substr(eq + 1)));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return params;
}

Handling HandlingFrom(const Request& req) {
  return req.Header("Prefer").find("handling=strict") != std::string_view::npos ? Handling::kStrict
                                                                                : Handling::kLenient;
}

Result<BasicSearch> ParseBasicSearch(const Context& ctx, std::string_view type, const Params& params,
                                     Handling handling) {
  BasicSearch s;
  s.query.type = std::string(type);
  s.query.count = ctx.options.default_page_size;
  for (const auto& [name, value] : params) {
    if (name == "_id") {
      for (size_t pos = 0; pos <= value.size();) {
        size_t comma = value.find(',', pos);
        s.query.ids.push_back(
            value.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos));
        if (comma == std::string::npos) break;
        pos = comma + 1;
      }
      s.used.emplace_back(name, value);
    } else if (name == "_lastUpdated") {
      KILN_TRY_ASSIGN(auto t, DateCondition(name, value));
      s.query.last_updated.push_back(t);
      s.used.emplace_back(name, value);
    } else if (name == "_count") {
      int n = -1;
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc() || p != value.data() + value.size() || n < 0) {
        return Error::At(Issue::kInvalid, "_count",
                         "_count must be a non-negative integer, not '" + value + "'");
      }
      s.query.count = std::min(n, ctx.options.max_page_size);
      s.used.emplace_back(name, std::to_string(s.query.count));
    } else if (name == "_cursor") {
      s.query.after_id = value;
    } else if (name == "_total") {
      if (value != "none" && value != "estimate" && value != "accurate") {
        return Error::At(Issue::kInvalid, "_total", "_total must be none, estimate or accurate");
      }
      s.query.with_total = value != "none";
      s.used.emplace_back(name, value);
    } else if (name == "_summary" && value == "count") {
      s.query.count = 0;
      s.query.with_total = true;
      s.used.emplace_back(name, value);
    } else if (name == "_format" || name == "_pretty") {
      continue;
    } else {
      Error e = Error::At(Issue::kNotSupported, name,
                          "Parameter '" + name + "' is not supported for " + std::string(type) + " searches");
      if (handling == Handling::kStrict) return e;
      s.ignored.push_back(std::move(e));
    }
  }
  return s;
}

Result<std::vector<std::string>> MatchIds(const Call& call, std::string_view type, const Params& params,
                                          int limit) {
  Params criteria;
  for (const auto& [name, value] : params) {
    if (name == "_format" || name == "_pretty") continue;  // shape the response, not the match
    if (IsResultParam(name)) {
      return Error::At(Issue::kInvalid, name,
                       "'" + name + "' is not a criterion for a conditional interaction");
    }
    criteria.emplace_back(name, value);
  }
  if (criteria.empty()) {
    return Error::Make(Issue::kInvalid, "A conditional interaction needs search criteria", 412);
  }
  KILN_TRY_ASSIGN(BasicSearch s, ParseBasicSearch(call.ctx, type, criteria, Handling::kStrict));
  s.query.count = limit;
  s.query.with_total = false;
  KILN_TRY_ASSIGN(store::ListPage page, call.ctx.store.List(call.req.tenant, s.query));
  std::vector<std::string> ids;
  for (const auto& v : page.items) ids.push_back(v.id);
  return ids;
}

}  // namespace kiln::rest
