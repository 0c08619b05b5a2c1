// Math functions (hl7.org/fhirpath/N1/#math) and, from FHIRPath 2.0, lowBoundary, highBoundary,
// precision and comparable.
#include <cmath>

#include "core/fhirpath/compare.h"
#include "core/fhirpath/decimal.h"
#include "core/fhirpath/functions.h"
#include "core/fhirpath/ucum.h"

namespace kiln::fhirpath {

namespace {

// The single numeric (or, when allowed, quantity) input; nullopt for an empty input.
Result<std::optional<Value>> Input(const Call& c, bool quantity_ok) {
  KILN_TRY_ASSIGN(const Item* item, c.SingleInput());
  if (item == nullptr) return std::optional<Value>();
  Value v = ValueOf(*item);
  if (!IsNumber(v.type) && !(quantity_ok && v.type == SysType::kQuantity)) {
    return c.Fail("the input must be a number, not " + std::string(item->type_name()));
  }
  return std::optional<Value>(v);
}

Result<std::optional<int64_t>> IntegerArg(const Call& c, size_t i) {
  if (i >= c.argc()) return std::optional<int64_t>();
  Buffer tmp = c.NewBuffer();
  KILN_TRY_ASSIGN(const Item* item, c.SingleArg(i, tmp));
  if (item == nullptr) return std::optional<int64_t>();
  Value v = ValueOf(*item);
  if (v.type != SysType::kInteger) return c.Fail("the argument must be an Integer");
  return std::optional<int64_t>(v.number.units);
}

void PushDouble(const Call& c, double d) {
  if (auto v = DecimalFromDouble(d)) c.out.push_back(Item::Number(*v));
}

Result<Ok> Abs(const Call& c) {
  KILN_TRY_ASSIGN(auto v, Input(c, true));
  if (!v) return Ok{};
  if (v->number.units < 0) v->number = Negate(v->number);
  c.out.push_back(ToItem(*v));
  return Ok{};
}

template <Decimal (*F)(Decimal)>
Result<Ok> ToInteger(const Call& c) {
  KILN_TRY_ASSIGN(auto v, Input(c, false));
  if (v) c.out.push_back(Item::Integer(F(v->number).units));
  return Ok{};
}

template <double (*F)(double)>
Result<Ok> Real(const Call& c) {
  KILN_TRY_ASSIGN(auto v, Input(c, false));
  if (v) PushDouble(c, F(ToDouble(v->number)));
  return Ok{};
}

double Exp(double d) { return std::exp(d); }
double Ln(double d) { return std::log(d); }
double Sqrt(double d) { return std::sqrt(d); }

Result<Ok> Log(const Call& c) {
  KILN_TRY_ASSIGN(auto v, Input(c, false));
  Buffer tmp = c.NewBuffer();
  KILN_TRY_ASSIGN(const Item* base, c.SingleArg(0, tmp));
  if (!v || base == nullptr) return Ok{};
  Value b = ValueOf(*base);
  if (!IsNumber(b.type)) return c.Fail("the base must be a number");
  PushDouble(c, std::log(ToDouble(v->number)) / std::log(ToDouble(b.number)));
  return Ok{};
}

Result<Ok> Power(const Call& c) {
  KILN_TRY_ASSIGN(auto v, Input(c, false));
  Buffer tmp = c.NewBuffer();
  KILN_TRY_ASSIGN(const Item* e, c.SingleArg(0, tmp));
  if (!v || e == nullptr) return Ok{};
  Value x = ValueOf(*e);
  if (!IsNumber(x.type)) return c.Fail("the exponent must be a number");
  if (v->type == SysType::kInteger && x.type == SysType::kInteger && x.number.units >= 0) {
    // By squaring, so that 1.power(1000000000000) takes 40 steps, not a trillion.
    int64_t r = 1, base = v->number.units;
    for (int64_t e = x.number.units; e > 0; e >>= 1) {
      if ((e & 1) != 0 && __builtin_mul_overflow(r, base, &r)) return Ok{};
      if (e > 1 && __builtin_mul_overflow(base, base, &base)) return Ok{};
    }
    c.out.push_back(Item::Integer(r));
    return Ok{};
  }
  PushDouble(c, std::pow(ToDouble(v->number), ToDouble(x.number)));
  return Ok{};
}

Result<Ok> Round(const Call& c) {
  KILN_TRY_ASSIGN(auto v, Input(c, false));
  KILN_TRY_ASSIGN(auto digits, IntegerArg(c, 0));
  if (!v) return Ok{};
  if (digits && *digits < 0) return c.Fail("the precision must not be negative");
  int scale = static_cast<int>(std::min<int64_t>(digits.value_or(0), kMaxDecimalScale));
  if (auto r = Rescale(v->number, scale)) c.out.push_back(Item::Number(*r));
  return Ok{};
}

// lowBoundary/highBoundary of numbers, quantities and dates/times.
Result<Ok> Boundary(const Call& c, bool high) {
  KILN_TRY_ASSIGN(const Item* item, c.SingleInput());
  KILN_TRY_ASSIGN(auto digits, IntegerArg(c, 0));
  if (item == nullptr) return Ok{};
  Value v = ValueOf(*item);
  if (IsTemporal(v.type)) {
    auto t = TemporalOf(v);
    if (!t) return Ok{};
    int d = digits                           ? static_cast<int>(*digits)
            : t->kind == TemporalKind::kDate ? 8
            : t->kind == TemporalKind::kTime ? 9
                                             : 17;
    if (auto r = TemporalBoundary(*t, d, high)) c.out.push_back(TemporalItem(*r));
    return Ok{};
  }
  if (!IsNumber(v.type) && v.type != SysType::kQuantity)
    return c.Fail("the input must be a number, quantity or date");
  int d = digits ? static_cast<int>(std::clamp<int64_t>(*digits, -1, 100)) : 8;
  auto r = high ? HighBoundary(v.number, d) : LowBoundary(v.number, d);
  if (!r) return Ok{};
  v.number = *r;
  if (v.type == SysType::kInteger) v.type = SysType::kDecimal;
  c.out.push_back(ToItem(v));
  return Ok{};
}

Result<Ok> LowBoundaryFn(const Call& c) { return Boundary(c, false); }
Result<Ok> HighBoundaryFn(const Call& c) { return Boundary(c, true); }

Result<Ok> PrecisionFn(const Call& c) {
  KILN_TRY_ASSIGN(const Item* item, c.SingleInput());
  if (item == nullptr) return Ok{};
  Value v = ValueOf(*item);
  if (IsNumber(v.type) || v.type == SysType::kQuantity) {
    c.out.push_back(Item::Integer(v.number.scale));
  } else if (auto t = TemporalOf(v)) {
    c.out.push_back(Item::Integer(PrecisionDigits(*t)));
  } else {
    return c.Fail("the input must be a number, quantity or date");
  }
  return Ok{};
}

Result<Ok> Comparable(const Call& c) {
  KILN_TRY_ASSIGN(const Item* item, c.SingleInput());
  Buffer tmp = c.NewBuffer();
  KILN_TRY_ASSIGN(const Item* other, c.SingleArg(0, tmp));
  if (item == nullptr || other == nullptr) return Ok{};
  Value a = ValueOf(*item), b = ValueOf(*other);
  if (a.type != SysType::kQuantity || b.type != SysType::kQuantity)
    return c.Fail("comparable() needs quantities");
  c.out.push_back(Item::Boolean(CompareQuantities(a, b).has_value()));
  return Ok{};
}

constexpr FunctionDef kFunctions[] = {
    {"abs", 0, 0, Abs},
    {"ceiling", 0, 0, ToInteger<Ceiling>},
    {"floor", 0, 0, ToInteger<Floor>},
    {"truncate", 0, 0, ToInteger<Truncate>},
    {"exp", 0, 0, Real<Exp>},
    {"ln", 0, 0, Real<Ln>},
    {"sqrt", 0, 0, Real<Sqrt>},
    {"log", 1, 1, Log},
    {"power", 1, 1, Power},
    {"round", 0, 1, Round},
    {"lowBoundary", 0, 1, LowBoundaryFn},
    {"highBoundary", 0, 1, HighBoundaryFn},
    {"precision", 0, 0, PrecisionFn},
    {"comparable", 1, 1, Comparable},
};

}  // namespace

std::span<const FunctionDef> MathFunctions() { return kFunctions; }

}  // namespace kiln::fhirpath
