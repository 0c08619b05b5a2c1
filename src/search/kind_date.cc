// date parameters (search.html#date): every value is a range ([start, end) of its precision);
// prefixes compare ranges as the spec defines. date, dateTime, instant, Period and Timing index.
#include <algorithm>
#include <limits>

#include "search/kind.h"

namespace kiln::search {

namespace {

constexpr Micros kMin = std::numeric_limits<Micros>::min();
constexpr Micros kMax = std::numeric_limits<Micros>::max();

std::optional<TimeRange> Range(std::string_view text) {
  return text.empty() ? std::nullopt : ParseFhirDateTime(text);
}

class DateKind final : public Kind {
 public:
  void Extract(const Node& node, const ExtractContext& ctx,
               std::vector<store::IndexEntry>& out) const override {
    const json::Value& v = *node.value;
    const std::string& param = ctx.def.code;
    if (v.IsString()) {
      if (auto r = Range(AsString(v))) out.push_back({param, store::DateValue{r->start, r->end}});
      return;
    }
    if (!v.IsObject()) return;
    if (node.type == "Timing") {
      const json::Value* events = json::Find(v, "event");
      if (events && events->IsArray()) {
        for (const auto& e : events->GetArray()) {
          if (auto r = Range(AsString(e))) out.push_back({param, store::DateValue{r->start, r->end}});
        }
      }
      const json::Value* repeat = json::Find(v, "repeat");
      const json::Value* bounds = repeat ? json::Find(*repeat, "boundsPeriod") : nullptr;
      if (bounds) AddPeriod(param, *bounds, out);
      return;
    }
    AddPeriod(param, v, out);  // Period
  }

  Result<store::Predicate> Compile(const ParamDef& def, std::string_view modifier, std::string_view value,
                                   std::string_view) const override {
    if (!modifier.empty()) {
      return Error::At(
          Issue::kNotSupported, def.code + ":" + std::string(modifier),
          "Modifier :" + std::string(modifier) + " is not supported for date parameter " + def.code);
    }
    auto [cmp, text] = SplitPrefix(value);
    std::string fixed(text);
    std::replace(fixed.begin(), fixed.end(), ' ', '+');  // an unencoded '+' in a timezone
    auto r = ParseFhirDateTime(fixed);
    if (!r) return BadValue(def, value, "not a FHIR date, dateTime or instant");
    store::Predicate p;
    p.kind = store::IndexKind::kDate;
    p.param = def.code;
    p.cmp = cmp;
    p.range = store::DateValue{r->start, r->end};
    if (cmp == store::Cmp::kAp) {
      // "approximately": 10% of the value's own span, and at least a day (search.html#prefix).
      Micros slack = std::max<Micros>(86'400'000'000LL, (r->end - r->start) / 10);
      p.range.start -= slack;
      p.range.end += slack;
    }
    return p;
  }

 private:
  static void AddPeriod(const std::string& param, const json::Value& period,
                        std::vector<store::IndexEntry>& out) {
    auto start = Range(json::GetString(period, "start"));
    auto end = Range(json::GetString(period, "end"));
    if (!start && !end) return;
    out.push_back({param, store::DateValue{start ? start->start : kMin, end ? end->end : kMax}});
  }
};

}  // namespace

const Kind& DateKindInstance() {
  static const DateKind kind;
  return kind;
}

}  // namespace kiln::search
