#include "core/fhirpath/compare.h"

#include <cmath>
#include <vector>

#include "core/fhirpath/decimal.h"
#include "core/fhirpath/ucum.h"

namespace kiln::fhirpath {

namespace {

// Calendar years and months are not fixed durations, so they compare only with each other.
struct UnitKey {
  std::string_view code;  // UCUM code, with definite calendar keywords mapped ("days" -> "d")
  int months = 0;         // 12 for year(s), 1 for month(s)
};

UnitKey KeyOf(std::string_view unit) {
  CalendarUnit c = CalendarUnitNamed(unit);
  if (c == CalendarUnit::kYear) return {"", 12};
  if (c == CalendarUnit::kMonth) return {"", 1};
  if (c != CalendarUnit::kNone) return {UcumCodeOf(c), 0};
  return {unit, 0};
}

int Sign(double d) { return d < 0 ? -1 : d > 0 ? 1 : 0; }

std::optional<bool> ValuesEqual(const Value& a, const Value& b) {
  if (IsNumber(a.type) && IsNumber(b.type)) return CompareDecimal(a.number, b.number) == 0;
  if (a.type == SysType::kQuantity || b.type == SysType::kQuantity) {
    if (!(a.type == SysType::kQuantity || IsNumber(a.type)) ||
        !(b.type == SysType::kQuantity || IsNumber(b.type))) {
      return false;
    }
    bool uncertain = false;
    auto c = CompareQuantities(a, b, &uncertain);
    if (uncertain) return std::nullopt;
    return c && *c == 0;
  }
  if (IsTemporal(a.type) && IsTemporal(b.type)) {
    if ((a.type == SysType::kTime) != (b.type == SysType::kTime)) return false;
    auto ta = TemporalOf(a), tb = TemporalOf(b);
    if (!ta || !tb) return false;
    auto c = CompareTemporal(*ta, *tb);
    if (!c) return std::nullopt;
    return *c == 0;
  }
  if (a.type != b.type) return false;
  if (a.type == SysType::kBoolean) return a.boolean == b.boolean;
  return a.text == b.text;
}

// Equivalent strings ignore case and treat any run of whitespace as one space.
std::string Canonical(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  }
  return out;
}

bool ValuesEquivalent(const Value& a, const Value& b) {
  if (IsNumber(a.type) && IsNumber(b.type)) {
    int scale = std::min(a.number.scale, b.number.scale);
    auto ra = Rescale(a.number, scale), rb = Rescale(b.number, scale);
    return ra && rb && CompareDecimal(*ra, *rb) == 0;
  }
  if (a.type == SysType::kString && b.type == SysType::kString) return Canonical(a.text) == Canonical(b.text);
  if (a.type == SysType::kQuantity && b.type == SysType::kQuantity) {
    // In a's unit, both rounded to the precision of the less precise: 4 'g' ~ 4040 'mg'.
    auto factor = ConversionFactor(KeyOf(b.text).code, KeyOf(a.text).code);
    if (KeyOf(a.text).months != 0 || KeyOf(b.text).months != 0 || !factor) return ValuesEqual(a, b) == true;
    auto converted =
        *factor == 1.0 ? std::optional<Decimal>(b.number) : DecimalFromDouble(ToDouble(b.number) * *factor);
    if (!converted) return false;
    int scale = std::min(a.number.scale, b.number.scale);
    auto ra = Rescale(a.number, scale), rb = Rescale(*converted, scale);
    return ra && rb && CompareDecimal(*ra, *rb) == 0;
  }
  if (IsTemporal(a.type) && IsTemporal(b.type)) {
    auto ta = TemporalOf(a), tb = TemporalOf(b);
    if (!ta || !tb || (a.type == SysType::kTime) != (b.type == SysType::kTime) || !SamePrecision(*ta, *tb)) {
      return false;
    }
    auto c = CompareTemporal(*ta, *tb);
    return c && *c == 0;
  }
  auto e = ValuesEqual(a, b);
  return e && *e;
}

// Both nodes without a System value: the same node, or the same JSON.
bool NodesEqual(const Item& a, const Item& b) {
  if (!a.is_node() || !b.is_node()) return false;
  if (a.node() == b.node() && a.primitive_extension() == b.primitive_extension()) return true;
  if (a.node() == nullptr || b.node() == nullptr) return false;
  return *a.node() == *b.node();
}

}  // namespace

std::optional<int> CompareQuantities(const Value& a, const Value& b, bool* uncertain) {
  UnitKey ka = KeyOf(a.type == SysType::kQuantity ? a.text : "1");
  UnitKey kb = KeyOf(b.type == SysType::kQuantity ? b.text : "1");
  if (ka.months != 0 || kb.months != 0) {
    if (ka.months == 0 || kb.months == 0) {
      if (uncertain != nullptr) *uncertain = true;
      return std::nullopt;
    }
    auto ma = Multiply(a.number, DecimalFromInt(ka.months)),
         mb = Multiply(b.number, DecimalFromInt(kb.months));
    if (!ma || !mb) return std::nullopt;
    return CompareDecimal(*ma, *mb);
  }
  if (ka.code == kb.code) return CompareDecimal(a.number, b.number);
  auto factor = ConversionFactor(ka.code, kb.code);
  if (!factor) return std::nullopt;
  double x = ToDouble(a.number) * *factor, y = ToDouble(b.number);
  if (std::fabs(x - y) <= 1e-12 * std::max(std::fabs(x), std::fabs(y))) return 0;
  return Sign(x - y);
}

std::optional<bool> ItemsEqual(const Item& a, const Item& b) {
  Value va = ValueOf(a), vb = ValueOf(b);
  if (va.type == SysType::kNone || vb.type == SysType::kNone) {
    if (va.type != vb.type) return false;
    return NodesEqual(a, b);
  }
  return ValuesEqual(va, vb);
}

bool ItemsEquivalent(const Item& a, const Item& b) {
  Value va = ValueOf(a), vb = ValueOf(b);
  if (va.type == SysType::kNone || vb.type == SysType::kNone) return va.type == vb.type && NodesEqual(a, b);
  return ValuesEquivalent(va, vb);
}

Result<std::optional<int>> CompareItems(const Item& a, const Item& b) {
  Value va = ValueOf(a), vb = ValueOf(b);
  if (IsNumber(va.type) && IsNumber(vb.type)) return std::optional<int>(CompareDecimal(va.number, vb.number));
  if (va.type == SysType::kString && vb.type == SysType::kString) {
    int c = va.text.compare(vb.text);
    return std::optional<int>(c < 0 ? -1 : c > 0 ? 1 : 0);
  }
  if (IsTemporal(va.type) && IsTemporal(vb.type) &&
      (va.type == SysType::kTime) == (vb.type == SysType::kTime)) {
    auto ta = TemporalOf(va), tb = TemporalOf(vb);
    if (ta && tb) return CompareTemporal(*ta, *tb);
  }
  bool qa = va.type == SysType::kQuantity || IsNumber(va.type),
       qb = vb.type == SysType::kQuantity || IsNumber(vb.type);
  if (qa && qb) {
    bool uncertain = false;
    auto c = CompareQuantities(va, vb, &uncertain);
    if (c || uncertain) return c;
    return Error::Make(Issue::kInvalid, "FHIRPath: cannot compare quantities in '" + std::string(va.text) +
                                            "' and '" + std::string(vb.text) + "'");
  }
  return Error::Make(Issue::kInvalid, "FHIRPath: cannot compare " + std::string(a.type_name()) + " with " +
                                          std::string(b.type_name()));
}

std::optional<bool> CollectionsEqual(std::span<const Item> a, std::span<const Item> b) {
  if (a.empty() || b.empty()) return std::nullopt;
  if (a.size() != b.size()) return false;
  bool unknown = false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto e = ItemsEqual(a[i], b[i]);
    if (!e) {
      unknown = true;
    } else if (!*e) {
      return false;
    }
  }
  if (unknown) return std::nullopt;
  return true;
}

bool CollectionsEquivalent(std::span<const Item> a, std::span<const Item> b) {
  if (a.size() != b.size()) return false;
  std::vector<bool> used(b.size(), false);
  for (const Item& x : a) {
    bool found = false;
    for (size_t j = 0; j < b.size() && !found; ++j) {
      if (!used[j] && ItemsEquivalent(x, b[j])) used[j] = found = true;
    }
    if (!found) return false;
  }
  return true;
}

}  // namespace kiln::fhirpath
