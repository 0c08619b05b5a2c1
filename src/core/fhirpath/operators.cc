// Operators (hl7.org/fhirpath/N1/#operations): logic with three-valued semantics, union,
// equality and comparison, membership, and arithmetic on numbers, strings, quantities and dates.
#include <string>

#include "core/fhirpath/compare.h"
#include "core/fhirpath/decimal.h"
#include "core/fhirpath/eval.h"
#include "core/fhirpath/ucum.h"

namespace kiln::fhirpath {

namespace {

std::string_view Symbol(Op op) {
  switch (op) {
    case Op::kMultiply:
      return "*";
    case Op::kDivide:
      return "/";
    case Op::kDiv:
      return "div";
    case Op::kMod:
      return "mod";
    case Op::kAdd:
      return "+";
    case Op::kSubtract:
      return "-";
    case Op::kConcat:
      return "&";
    case Op::kLess:
      return "<";
    case Op::kLessOrEqual:
      return "<=";
    case Op::kGreater:
      return ">";
    case Op::kGreaterOrEqual:
      return ">=";
    case Op::kIn:
      return "in";
    case Op::kContains:
      return "contains";
    case Op::kAnd:
      return "and";
    case Op::kOr:
      return "or";
    case Op::kXor:
      return "xor";
    case Op::kImplies:
      return "implies";
    default:
      return "?";
  }
}

Result<Ok> Logic(const Node& n, Env& env, Span focus, Buffer& out) {
  Buffer lb(env.mr), rb(env.mr);
  KILN_TRY_ASSIGN(Span ls, EvalSpan(*n.source, env, focus, lb));
  KILN_TRY_ASSIGN(std::optional<bool> a, SingletonBoolean(ls, "the left operand of '", Symbol(n.op), "'"));
  // The right side is not needed when the left decides; skipping it also skips its errors.
  if ((n.op == Op::kAnd && a == false) || (n.op == Op::kOr && a == true) ||
      (n.op == Op::kImplies && a == false)) {
    out.push_back(Item::Boolean(n.op != Op::kAnd));
    return Ok{};
  }
  KILN_TRY_ASSIGN(Span rs, EvalSpan(*n.args[0], env, focus, rb));
  KILN_TRY_ASSIGN(std::optional<bool> b, SingletonBoolean(rs, "the right operand of '", Symbol(n.op), "'"));
  std::optional<bool> r;
  switch (n.op) {
    case Op::kAnd:
      if (b == false)
        r = false;
      else if (a && b)
        r = true;
      break;
    case Op::kOr:
      if (b == true)
        r = true;
      else if (a && b)
        r = false;
      break;
    case Op::kXor:
      if (a && b) r = *a != *b;
      break;
    default:  // implies, with a true or unknown
      if (b == true)
        r = true;
      else if (a && b)
        r = false;
      break;
  }
  if (r) out.push_back(Item::Boolean(*r));
  return Ok{};
}

// Appends `item` unless an equal one is already in out[start..].
void AddDistinct(Buffer& out, size_t start, const Item& item) {
  for (size_t i = start; i < out.size(); ++i) {
    if (out[i].is_node() && item.is_node() && out[i].node() == item.node() &&
        out[i].primitive_extension() == item.primitive_extension()) {
      return;
    }
    if (ItemsEqual(out[i], item) == true) return;
  }
  out.push_back(item);
}

Result<Ok> Union(const Node& n, Env& env, Span focus, Buffer& out) {
  size_t start = out.size();
  for (size_t i = 0; i <= n.args.size(); ++i) {
    Buffer tmp(env.mr);
    KILN_TRY_ASSIGN(Span items, EvalSpan(i == 0 ? *n.source : *n.args[i - 1], env, focus, tmp));
    for (const Item& item : items) AddDistinct(out, start, item);
  }
  return Ok{};
}

Result<Ok> Equality(const Node& n, Span ls, Span rs, Buffer& out) {
  if (n.op == Op::kEquivalent || n.op == Op::kNotEquivalent) {
    out.push_back(Item::Boolean(CollectionsEquivalent(ls, rs) == (n.op == Op::kEquivalent)));
    return Ok{};
  }
  std::optional<bool> eq = CollectionsEqual(ls, rs);
  if (eq) out.push_back(Item::Boolean(*eq == (n.op == Op::kEqual)));
  return Ok{};
}

Result<Ok> Comparison(const Node& n, const Item* l, const Item* r, Buffer& out) {
  if (l == nullptr || r == nullptr) return Ok{};
  KILN_TRY_ASSIGN(std::optional<int> c, CompareItems(*l, *r));
  if (!c) return Ok{};
  bool v = n.op == Op::kLess          ? *c < 0
           : n.op == Op::kLessOrEqual ? *c <= 0
           : n.op == Op::kGreater     ? *c > 0
                                      : *c >= 0;
  out.push_back(Item::Boolean(v));
  return Ok{};
}

Result<Ok> Membership(const Node& n, Span ls, Span rs, Buffer& out) {
  Span one = n.op == Op::kIn ? ls : rs, many = n.op == Op::kIn ? rs : ls;
  KILN_TRY_ASSIGN(const Item* item,
                  Singleton(one, n.op == Op::kIn ? "the left operand of '" : "the right operand of '",
                            Symbol(n.op), "'"));
  if (item == nullptr) return Ok{};
  bool found = false;
  for (const Item& m : many) found = found || ItemsEqual(*item, m) == true;
  out.push_back(Item::Boolean(found));
  return Ok{};
}

// ---- arithmetic ----

bool IsQuantityLike(const Value& v) { return v.type == SysType::kQuantity || IsNumber(v.type); }
std::string_view UnitOf(const Value& v) { return v.type == SysType::kQuantity ? v.text : "1"; }

// Calendar keywords as UCUM, so that "days" multiplies and divides like "d".
std::string UcumOf(std::string_view unit) {
  CalendarUnit c = CalendarUnitNamed(unit);
  return std::string(c == CalendarUnit::kNone ? unit : UcumCodeOf(c));
}

std::string Wrap(const std::string& unit) {
  if (unit.find_first_of("./") == std::string::npos) return unit;
  std::string wrapped(1, '(');
  wrapped.append(unit).push_back(')');
  return wrapped;
}

void PushNumber(Buffer& out, const Value& a, const Value& b, std::optional<Decimal> d) {
  if (!d) return;  // overflow or division by zero: empty
  if (a.type == SysType::kInteger && b.type == SysType::kInteger && d->scale == 0) {
    out.push_back(Item::Integer(d->units));
  } else {
    out.push_back(Item::Number(*d));
  }
}

Result<Ok> NumberArithmetic(Op op, const Value& a, const Value& b, Buffer& out) {
  switch (op) {
    case Op::kAdd:
      PushNumber(out, a, b, Add(a.number, b.number));
      break;
    case Op::kSubtract:
      PushNumber(out, a, b, Subtract(a.number, b.number));
      break;
    case Op::kMultiply:
      PushNumber(out, a, b, Multiply(a.number, b.number));
      break;
    case Op::kDivide:
      if (auto d = Divide(a.number, b.number)) out.push_back(Item::Number(*d));
      break;
    case Op::kDiv:
      if (auto d = TruncatedDivide(a.number, b.number)) out.push_back(Item::Integer(*d));
      break;
    case Op::kMod:
      PushNumber(out, a, b, Modulo(a.number, b.number));
      break;
    default:
      break;
  }
  return Ok{};
}

Result<Ok> QuantityArithmetic(Op op, const Value& a, const Value& b, Buffer& out) {
  std::string ua = UcumOf(UnitOf(a)), ub = UcumOf(UnitOf(b));
  if (op == Op::kAdd || op == Op::kSubtract) {
    if (a.type != SysType::kQuantity || b.type != SysType::kQuantity) {
      return EvalError("cannot add or subtract a number and a quantity");
    }
    auto factor = ConversionFactor(ub, ua);
    if (!factor) return EvalError(StrCat({"incompatible units '", ua, "' and '", ub, "'"}));
    auto bv =
        *factor == 1.0 ? std::optional<Decimal>(b.number) : DecimalFromDouble(ToDouble(b.number) * *factor);
    if (!bv) return Ok{};
    auto r = op == Op::kAdd ? Add(a.number, *bv) : Subtract(a.number, *bv);
    if (r) out.push_back(Item::Quantity(*r, std::string(a.text)));
    return Ok{};
  }
  if (op == Op::kMultiply) {
    auto r = Multiply(a.number, b.number);
    std::string unit = ua == "1" ? ub : ub == "1" ? ua : std::string(ua).append(".").append(Wrap(ub));
    if (r) out.push_back(Item::Quantity(*r, unit));
    return Ok{};
  }
  if (op == Op::kDivide) {
    auto r = Divide(a.number, b.number);
    std::string unit = ua == ub    ? "1"
                       : ub == "1" ? ua
                                   : std::string(ua == "1" ? "" : ua).append("/").append(Wrap(ub));
    if (r) out.push_back(Item::Quantity(*r, unit));
    return Ok{};
  }
  return EvalError(StrCat({"'", Symbol(op), "' is not defined for quantities"}));
}

Result<Ok> DateArithmetic(Op op, const Value& a, const Value& b, Buffer& out) {
  auto t = TemporalOf(a);
  if (!t) return EvalError(StrCat({"invalid date/time '", a.text, "'"}));
  CalendarUnit unit = CalendarUnitNamed(b.text);
  if (unit == CalendarUnit::kNone) unit = CalendarUnitOfUcum(b.text);
  if (unit == CalendarUnit::kNone) {
    return EvalError(StrCat({"cannot add '", b.text, "' to a date/time: use a calendar duration"}));
  }
  Decimal amount = b.number;
  if (unit == CalendarUnit::kSecond && amount.scale > 0) {
    auto ms = Multiply(amount, DecimalFromInt(1000));
    auto whole = ms ? Rescale(*ms, 0) : std::nullopt;
    if (!whole) return Ok{};
    amount = *whole;
    unit = CalendarUnit::kMillisecond;
  }
  int64_t n = Truncate(amount).units;
  auto r = AddDuration(*t, op == Op::kSubtract ? -n : n, unit);
  if (r) out.push_back(TemporalItem(*r));
  return Ok{};
}

Result<Ok> Concat(Span ls, Span rs, Buffer& out) {
  std::string s;
  for (Span side : {ls, rs}) {
    KILN_TRY_ASSIGN(const Item* item, Singleton(side, "an operand of '&'"));
    if (item == nullptr) continue;
    Value v = ValueOf(*item);
    if (v.type != SysType::kString) return EvalError("'&' needs strings");
    if (s.size() + v.text.size() > kMaxStringBytes) return EvalError("string too long");
    s += v.text;
  }
  out.push_back(Item::String(std::move(s)));
  return Ok{};
}

Result<Ok> Arithmetic(const Node& n, const Item* l, const Item* r, Buffer& out) {
  if (l == nullptr || r == nullptr) return Ok{};
  Value a = ValueOf(*l), b = ValueOf(*r);
  if (IsNumber(a.type) && IsNumber(b.type)) return NumberArithmetic(n.op, a, b, out);
  if (n.op == Op::kAdd && a.type == SysType::kString && b.type == SysType::kString) {
    if (a.text.size() + b.text.size() > kMaxStringBytes) return EvalError("string too long");
    out.push_back(Item::String(StrCat({a.text, b.text})));
    return Ok{};
  }
  if ((n.op == Op::kAdd || n.op == Op::kSubtract) && IsTemporal(a.type) && b.type == SysType::kQuantity) {
    return DateArithmetic(n.op, a, b, out);
  }
  if (IsQuantityLike(a) && IsQuantityLike(b)) return QuantityArithmetic(n.op, a, b, out);
  return EvalError(
      StrCat({"'", Symbol(n.op), "' is not defined for ", l->type_name(), " and ", r->type_name()}));
}

}  // namespace

Result<Ok> EvalBinary(const Node& n, Env& env, Span focus, Buffer& out) {
  switch (n.op) {
    case Op::kAnd:
    case Op::kOr:
    case Op::kXor:
    case Op::kImplies:
      return Logic(n, env, focus, out);
    case Op::kUnion:
      return Union(n, env, focus, out);
    default:
      break;
  }
  Buffer lb(env.mr), rb(env.mr);
  KILN_TRY_ASSIGN(Span ls, EvalSpan(*n.source, env, focus, lb));
  KILN_TRY_ASSIGN(Span rs, EvalSpan(*n.args[0], env, focus, rb));
  switch (n.op) {
    case Op::kEqual:
    case Op::kNotEqual:
    case Op::kEquivalent:
    case Op::kNotEquivalent:
      return Equality(n, ls, rs, out);
    case Op::kIn:
    case Op::kContains:
      return Membership(n, ls, rs, out);
    case Op::kConcat:
      return Concat(ls, rs, out);
    default:
      break;
  }
  KILN_TRY_ASSIGN(const Item* l, Singleton(ls, "the left operand of '", Symbol(n.op), "'"));
  KILN_TRY_ASSIGN(const Item* r, Singleton(rs, "the right operand of '", Symbol(n.op), "'"));
  switch (n.op) {
    case Op::kLess:
    case Op::kLessOrEqual:
    case Op::kGreater:
    case Op::kGreaterOrEqual:
      return Comparison(n, l, r, out);
    default:
      return Arithmetic(n, l, r, out);
  }
}

Result<Ok> EvalUnary(const Node& n, Env& env, Span focus, Buffer& out) {
  Buffer tmp(env.mr);
  KILN_TRY_ASSIGN(Span items, EvalSpan(*n.source, env, focus, tmp));
  KILN_TRY_ASSIGN(const Item* item, Singleton(items, "the operand of a sign"));
  if (item == nullptr) return Ok{};
  Value v = ValueOf(*item);
  if (!IsNumber(v.type) && v.type != SysType::kQuantity)
    return EvalError("a sign needs a number or a quantity");
  if (n.op == Op::kNegate) v.number = Negate(v.number);
  out.push_back(ToItem(v));
  return Ok{};
}

}  // namespace kiln::fhirpath
