// number and quantity parameters (search.html#number, #quantity): prefixes, the precision of the
// search value as its match interval, and for quantities system|code units, UCUM ones converted.
#include <charconv>
#include <cmath>

#include "core/fhirpath/ucum.h"
#include "search/kind.h"

namespace kiln::search {

namespace {

constexpr std::string_view kUcum = "http://unitsofmeasure.org";

// A UCUM code's canonical unit (fhirpath::CanonicalCode) and the factor to it; nullopt for codes
// outside ParseUcum's atom table, which are then indexed and searched as written. Temperatures
// in Cel and [degF] are among those: they need an offset, not a factor.
struct CanonicalUnit {
  double factor;
  std::string code;
};
std::optional<CanonicalUnit> Canonical(std::string_view code) {
  auto term = fhirpath::ParseUcum(code);
  if (!term || !std::isfinite(term->factor) || term->factor <= 0) return std::nullopt;
  return CanonicalUnit{term->factor, fhirpath::CanonicalCode(*term)};
}

Result<store::Predicate> CompileNumber(const ParamDef& def, std::string_view value, store::IndexKind kind) {
  auto [cmp, text] = SplitPrefix(value);
  auto n = ParseDecimal(text);
  if (!n) return BadValue(def, value, "not a number");
  store::Predicate p;
  p.kind = kind;
  p.param = def.code;
  p.cmp = cmp;
  p.number = *n;
  if (cmp == store::Cmp::kAp) {  // within 10% of the value
    double slack = std::abs(n->value) * 0.1;
    p.number.low = std::min(p.number.low, n->value - slack);
    p.number.high = std::max(p.number.high, n->value + slack);
  }
  return p;
}

// A search value's number and precision interval in canonical units (the factor is positive, so
// the interval keeps its order).
store::NumberValue InBaseUnits(const store::NumberValue& n, double factor) {
  return {fhirpath::ToBaseUnits(n.value, factor), fhirpath::ToBaseUnits(n.low, factor),
          fhirpath::ToBaseUnits(n.high, factor)};
}

store::NumberValue Exact(const json::Value& v) {
  double d = v.GetDouble();
  return store::NumberValue{d, d, d};
}

class NumberKind final : public Kind {
 public:
  void Extract(const Node& node, const ExtractContext& ctx,
               std::vector<store::IndexEntry>& out) const override {
    if (node.value->IsNumber()) out.push_back({ctx.def.code, Exact(*node.value)});
  }
  Result<store::Predicate> Compile(const ParamDef& def, std::string_view modifier, std::string_view value,
                                   std::string_view) const override {
    if (!modifier.empty()) {
      return Error::At(
          Issue::kNotSupported, def.code + ":" + std::string(modifier),
          "Modifier :" + std::string(modifier) + " is not supported for number parameter " + def.code);
    }
    return CompileNumber(def, value, store::IndexKind::kNumber);
  }
};

class QuantityKind final : public Kind {
 public:
  void Extract(const Node& node, const ExtractContext& ctx,
               std::vector<store::IndexEntry>& out) const override {
    const json::Value& v = *node.value;
    const json::Value* value = json::Find(v, "value");
    if (value == nullptr || !value->IsNumber()) return;
    std::string system(json::GetString(v, "system"));
    std::string code(json::GetString(v, "code"));
    std::string unit(json::GetString(v, "unit"));
    if (code.empty()) code = std::string(json::GetString(v, "currency"));  // Money
    double written = value->GetDouble();
    // A UCUM quantity in a known unit is indexed in canonical units only, not also as written
    // (rows per write are the cost of a create): searches convert their value instead.
    auto canonical = system == kUcum && !code.empty() ? Canonical(code) : std::nullopt;
    double base = canonical ? fhirpath::ToBaseUnits(written, canonical->factor) : written;
    std::string row_code = canonical ? canonical->code : code.empty() ? unit : code;
    out.push_back({ctx.def.code, store::QuantityValue{base, written, base, system, row_code}});
    // The human unit too, so that "5.4||mg" finds a value coded as UCUM "mg" with unit "mg" or not;
    // it sorts by the canonical value like the coded row.
    if (!unit.empty() && unit != code) {
      out.push_back({ctx.def.code, store::QuantityValue{written, written, base, "", unit}});
    }
  }
  Result<store::Predicate> Compile(const ParamDef& def, std::string_view modifier, std::string_view value,
                                   std::string_view) const override {
    if (!modifier.empty()) {
      return Error::At(
          Issue::kNotSupported, def.code + ":" + std::string(modifier),
          "Modifier :" + std::string(modifier) + " is not supported for quantity parameter " + def.code);
    }
    size_t bar = value.find('|');
    KILN_TRY_ASSIGN(store::Predicate p,
                    CompileNumber(def, value.substr(0, bar), store::IndexKind::kQuantity));
    if (bar != std::string_view::npos) {
      std::string_view rest = value.substr(bar + 1);
      size_t bar2 = rest.find('|');
      if (bar2 == std::string_view::npos) return BadValue(def, value, "a quantity is number|system|code");
      std::string_view system = rest.substr(0, bar2), code = rest.substr(bar2 + 1);
      if (!system.empty()) p.system = std::string(system);
      if (!code.empty()) p.code = std::string(code);
      // UCUM units convert (search.html#quantity allows matching on canonical units). With no
      // system, a code UCUM knows also matches UCUM quantities of the same value in any unit of
      // its dimensions: their rows no longer hold the code as written.
      auto canonical = !code.empty() && (system.empty() || system == kUcum) ? Canonical(code) : std::nullopt;
      if (canonical)
        p.converted = {InBaseUnits(p.number, canonical->factor), std::string(kUcum), canonical->code};
    }
    return p;
  }
};

}  // namespace

const Kind& NumberKindInstance() {
  static const NumberKind kind;
  return kind;
}
const Kind& QuantityKindInstance() {
  static const QuantityKind kind;
  return kind;
}

}  // namespace kiln::search
