// Existence functions (hl7.org/fhirpath/N1/#existence) and not().
#include "core/fhirpath/compare.h"
#include "core/fhirpath/functions.h"

namespace kiln::fhirpath {

namespace {

// The criteria argument of exists() and all(), evaluated on one item.
Result<bool> Holds(const Call& c, const Item& item, int64_t index) {
  Buffer tmp = c.NewBuffer();
  KILN_TRY_ASSIGN(Span r, c.ArgFor(0, item, index, tmp));
  KILN_TRY_ASSIGN(std::optional<bool> b, SingletonBoolean(r, "the criteria of ", c.node.fn->name, "()"));
  return b == true;
}

Result<Ok> Empty(const Call& c) {
  c.out.push_back(Item::Boolean(c.input.empty()));
  return Ok{};
}

Result<Ok> Exists(const Call& c) {
  bool any = false;
  for (size_t i = 0; i < c.input.size() && !any; ++i) {
    if (c.argc() == 0) {
      any = true;
    } else {
      KILN_TRY_ASSIGN(any, Holds(c, c.input[i], static_cast<int64_t>(i)));
    }
  }
  c.out.push_back(Item::Boolean(any));
  return Ok{};
}

Result<Ok> All(const Call& c) {
  bool all = true;
  for (size_t i = 0; i < c.input.size() && all; ++i) {
    KILN_TRY_ASSIGN(all, Holds(c, c.input[i], static_cast<int64_t>(i)));
  }
  c.out.push_back(Item::Boolean(all));
  return Ok{};
}

// allTrue, anyTrue, allFalse, anyFalse: `want` is the value looked for, `every` whether all must be.
Result<Ok> BooleanSet(const Call& c, bool want, bool every) {
  bool result = every;
  for (const Item& item : c.input) {
    Value v = ValueOf(item);
    if (v.type != SysType::kBoolean) return c.Fail("the input must be Booleans");
    if (every && v.boolean != want) result = false;
    if (!every && v.boolean == want) result = true;
  }
  c.out.push_back(Item::Boolean(result));
  return Ok{};
}

Result<Ok> AllTrue(const Call& c) { return BooleanSet(c, true, true); }
Result<Ok> AnyTrue(const Call& c) { return BooleanSet(c, true, false); }
Result<Ok> AllFalse(const Call& c) { return BooleanSet(c, false, true); }
Result<Ok> AnyFalse(const Call& c) { return BooleanSet(c, false, false); }

bool Includes(Span set, const Item& item) {
  for (const Item& s : set) {
    if (ItemsEqual(s, item) == true) return true;
  }
  return false;
}

Result<Ok> SubsetOf(const Call& c) {
  Buffer tmp = c.NewBuffer();
  KILN_TRY_ASSIGN(Span other, c.Arg(0, tmp));
  bool all = true;
  for (const Item& item : c.input) all = all && Includes(other, item);
  c.out.push_back(Item::Boolean(all));
  return Ok{};
}

Result<Ok> SupersetOf(const Call& c) {
  Buffer tmp = c.NewBuffer();
  KILN_TRY_ASSIGN(Span other, c.Arg(0, tmp));
  bool all = true;
  for (const Item& item : other) all = all && Includes(c.input, item);
  c.out.push_back(Item::Boolean(all));
  return Ok{};
}

Result<Ok> Count(const Call& c) {
  c.out.push_back(Item::Integer(static_cast<int64_t>(c.input.size())));
  return Ok{};
}

Result<Ok> Distinct(const Call& c) {
  size_t start = c.out.size();
  for (const Item& item : c.input) {
    if (!Includes(Span(c.out).subspan(start), item)) c.out.push_back(item);
  }
  return Ok{};
}

Result<Ok> IsDistinct(const Call& c) {
  bool distinct = true;
  for (size_t i = 0; i < c.input.size() && distinct; ++i) {
    distinct = !Includes(c.input.subspan(0, i), c.input[i]);
  }
  c.out.push_back(Item::Boolean(distinct));
  return Ok{};
}

Result<Ok> Not(const Call& c) {
  KILN_TRY_ASSIGN(std::optional<bool> b, SingletonBoolean(c.input, "the input of not()"));
  if (b) c.out.push_back(Item::Boolean(!*b));
  return Ok{};
}

constexpr FunctionDef kFunctions[] = {
    {"empty", 0, 0, Empty},       {"exists", 0, 1, Exists},     {"all", 1, 1, All},
    {"allTrue", 0, 0, AllTrue},   {"anyTrue", 0, 0, AnyTrue},   {"allFalse", 0, 0, AllFalse},
    {"anyFalse", 0, 0, AnyFalse}, {"subsetOf", 1, 1, SubsetOf}, {"supersetOf", 1, 1, SupersetOf},
    {"count", 0, 0, Count},       {"distinct", 0, 0, Distinct}, {"isDistinct", 0, 0, IsDistinct},
    {"not", 0, 0, Not},
};

}  // namespace

std::span<const FunctionDef> ExistenceFunctions() { return kFunctions; }

}  // namespace kiln::fhirpath
