// Conversion functions (hl7.org/fhirpath/N1/#conversion): iif, and toX()/convertsToX() for
// Boolean, Integer, Decimal, String, Date, DateTime, Time and Quantity.
#include <cmath>

#include "core/fhirpath/decimal.h"
#include "core/fhirpath/functions.h"
#include "core/fhirpath/ucum.h"

namespace kiln::fhirpath {

namespace {

// iif(criterion, true-result [, otherwise-result]); only the chosen branch is evaluated. Called on
// a collection, that collection is $this for the arguments.
Result<Ok> Iif(const Call& c) {
  if (c.node.source && c.input.size() > 1) return c.Fail("the input must be a single item");
  Buffer tmp = c.NewBuffer();
  KILN_TRY_ASSIGN(Span criterion, EvalSpan(c.arg(0), c.env, c.input, tmp));
  KILN_TRY_ASSIGN(const Item* item, Singleton(criterion, "the criterion of iif()"));
  std::optional<bool> b;
  if (item != nullptr) {
    Value v = ValueOf(*item);
    if (v.type != SysType::kBoolean) return c.Fail("the criterion must be a Boolean");
    b = v.boolean;
  }
  size_t branch = b == true ? 1 : 2;
  if (branch >= c.argc()) return Ok{};
  return Eval(c.arg(branch), c.env, c.input, c.out);
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& ch : out) ch = (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch + 32) : ch;
  return out;
}

bool IsIntegerText(std::string_view s) {
  size_t i = (!s.empty() && (s[0] == '+' || s[0] == '-')) ? 1 : 0;
  if (i == s.size()) return false;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

std::optional<Item> ToBoolean(const Value& v) {
  switch (v.type) {
    case SysType::kBoolean:
      return Item::Boolean(v.boolean);
    case SysType::kInteger:
    case SysType::kDecimal:
      if (CompareDecimal(v.number, Decimal{1, 0}) == 0) return Item::Boolean(true);
      if (CompareDecimal(v.number, Decimal{0, 0}) == 0) return Item::Boolean(false);
      return std::nullopt;
    case SysType::kString: {
      std::string s = Lower(v.text);
      if (s == "true" || s == "t" || s == "yes" || s == "y" || s == "1" || s == "1.0")
        return Item::Boolean(true);
      if (s == "false" || s == "f" || s == "no" || s == "n" || s == "0" || s == "0.0")
        return Item::Boolean(false);
      return std::nullopt;
    }
    default:
      return std::nullopt;
  }
}

std::optional<Item> ToInteger(const Value& v) {
  if (v.type == SysType::kInteger) return Item::Integer(v.number.units);
  if (v.type == SysType::kBoolean) return Item::Integer(v.boolean ? 1 : 0);
  if (v.type == SysType::kString && IsIntegerText(v.text)) {
    auto d = ParseDecimal(v.text);
    if (d && d->scale == 0) return Item::Integer(d->units);
  }
  return std::nullopt;
}

std::optional<Item> ToDecimal(const Value& v) {
  if (IsNumber(v.type)) return Item::Number(v.number);
  if (v.type == SysType::kBoolean) return Item::Number(Decimal{v.boolean ? 10 : 0, 1});
  if (v.type == SysType::kString) {
    if (auto d = ParseDecimal(v.text)) return Item::Number(*d);
  }
  return std::nullopt;
}

std::optional<Item> ToStringItem(const Value& v) {
  if (v.type == SysType::kNone) return std::nullopt;
  return Item::String(ToText(v));
}

std::optional<Item> ToTemporal(const Value& v, TemporalKind kind) {
  std::optional<Temporal> t;
  if (v.type == SysType::kString) {
    t = ParseTemporal(v.text, kind);
  } else if (IsTemporal(v.type)) {
    t = TemporalOf(v);
    if (t && (t->kind == TemporalKind::kTime) != (kind == TemporalKind::kTime)) return std::nullopt;
  }
  if (!t) return std::nullopt;
  if (kind == TemporalKind::kDate && t->precision > Precision::kDay) t->precision = Precision::kDay;
  t->kind = kind;
  return TemporalItem(*t);
}

// "1.5 'mg'", "4 days", "10": a number, then a quoted UCUM unit or a calendar keyword.
std::optional<Item> ParseQuantity(std::string_view s) {
  size_t space = s.find(' ');
  auto value = ParseDecimal(s.substr(0, space));
  if (!value) return std::nullopt;
  if (space == std::string_view::npos) return Item::Quantity(*value, "1");
  std::string_view unit = s.substr(space + 1);
  while (unit.starts_with(' ')) unit.remove_prefix(1);
  if (unit.size() >= 2 && unit.front() == '\'' && unit.back() == '\'') {
    return Item::Quantity(*value, std::string(unit.substr(1, unit.size() - 2)));
  }
  if (IsCalendarKeyword(unit)) return Item::Quantity(*value, std::string(unit));
  return std::nullopt;
}

std::optional<Item> ToQuantity(const Value& v) {
  switch (v.type) {
    case SysType::kInteger:
    case SysType::kDecimal:
      return Item::Quantity(v.number, "1");
    case SysType::kQuantity:
      return Item::Quantity(v.number, std::string(v.text));
    case SysType::kBoolean:
      return Item::Quantity(Decimal{v.boolean ? 10 : 0, 1}, "1");
    case SysType::kString:
      return ParseQuantity(v.text);
    default:
      return std::nullopt;
  }
}

// toQuantity(unit): the quantity expressed in `unit`, when the units convert.
std::optional<Item> InUnit(const Item& q, std::string_view unit) {
  auto factor = ConversionFactor(q.text(), unit);
  if (!factor) return std::nullopt;
  auto v = *factor == 1.0 ? std::optional<Decimal>(q.decimal())
                          : DecimalFromDouble(ToDouble(q.decimal()) * *factor);
  if (!v) return std::nullopt;
  return Item::Quantity(*v, std::string(unit));
}

using Converter = std::optional<Item> (*)(const Value&);

// toX() pushes the converted value; convertsToX() whether there is one. Both are empty on empty.
Result<Ok> Convert(const Call& c, Converter convert, bool test) {
  KILN_TRY_ASSIGN(const Item* item, c.SingleInput());
  if (item == nullptr) return Ok{};
  std::optional<Item> r = convert(ValueOf(*item));
  if (r && c.argc() == 1) {  // toQuantity(unit) / convertsToQuantity(unit)
    Buffer tmp = c.NewBuffer();
    KILN_TRY_ASSIGN(const Item* unit, c.SingleArg(0, tmp));
    if (unit == nullptr || unit->kind() != ValueKind::kString) return c.Fail("the unit must be a String");
    r = InUnit(*r, unit->text());
  }
  if (test) {
    c.out.push_back(Item::Boolean(r.has_value()));
  } else if (r) {
    c.out.push_back(std::move(*r));
  }
  return Ok{};
}

std::optional<Item> ToDate(const Value& v) { return ToTemporal(v, TemporalKind::kDate); }
std::optional<Item> ToDateTime(const Value& v) { return ToTemporal(v, TemporalKind::kDateTime); }
std::optional<Item> ToTime(const Value& v) { return ToTemporal(v, TemporalKind::kTime); }

template <Converter F, bool kTest>
Result<Ok> Conversion(const Call& c) {
  return Convert(c, F, kTest);
}

constexpr FunctionDef kFunctions[] = {
    {"iif", 2, 3, Iif},
    {"toBoolean", 0, 0, Conversion<ToBoolean, false>},
    {"convertsToBoolean", 0, 0, Conversion<ToBoolean, true>},
    {"toInteger", 0, 0, Conversion<ToInteger, false>},
    {"convertsToInteger", 0, 0, Conversion<ToInteger, true>},
    {"toDecimal", 0, 0, Conversion<ToDecimal, false>},
    {"convertsToDecimal", 0, 0, Conversion<ToDecimal, true>},
    {"toString", 0, 0, Conversion<ToStringItem, false>},
    {"convertsToString", 0, 0, Conversion<ToStringItem, true>},
    {"toDate", 0, 0, Conversion<ToDate, false>},
    {"convertsToDate", 0, 0, Conversion<ToDate, true>},
    {"toDateTime", 0, 0, Conversion<ToDateTime, false>},
    {"convertsToDateTime", 0, 0, Conversion<ToDateTime, true>},
    {"toTime", 0, 0, Conversion<ToTime, false>},
    {"convertsToTime", 0, 0, Conversion<ToTime, true>},
    {"toQuantity", 0, 1, Conversion<ToQuantity, false>},
    {"convertsToQuantity", 0, 1, Conversion<ToQuantity, true>},
};

}  // namespace

std::span<const FunctionDef> ConversionFunctions() { return kFunctions; }

}  // namespace kiln::fhirpath
