// Tree navigation, utility and aggregate functions (hl7.org/fhirpath/N1/#tree-navigation,
// #utility-functions, #aggregates): children, descendants, trace, now, today, timeOfDay,
// aggregate, type, and sort from FHIRPath 2.0.
#include <algorithm>
#include <numeric>

#include "core/fhirpath/compare.h"
#include "core/fhirpath/functions.h"
#include "core/fhirpath/navigate.h"
#include "core/fhirpath/types.h"

namespace kiln::fhirpath {

namespace {

Result<Ok> Children(const Call& c) {
  for (const Item& item : c.input) AppendAllChildren(c.env, item, c.out);
  return Ok{};
}

Result<Ok> Descendants(const Call& c) {
  Buffer level(c.input.begin(), c.input.end(), c.env.mr);
  while (!level.empty()) {
    Buffer next = c.NewBuffer();
    for (const Item& item : level) AppendAllChildren(c.env, item, next);
    if (next.size() > c.env.budget) return c.Fail("the result is too large");
    c.env.budget -= next.size();
    c.out.insert(c.out.end(), next.begin(), next.end());
    level = std::move(next);
  }
  return Ok{};
}

// trace() has no log to write to here (the core logs nothing about data); it passes its input on.
Result<Ok> Trace(const Call& c) {
  c.out.insert(c.out.end(), c.input.begin(), c.input.end());
  return Ok{};
}

Result<Ok> Now(const Call& c) {
  c.out.push_back(TemporalItem(TemporalFromMicros(c.env.NowMicros())));
  return Ok{};
}

Result<Ok> Today(const Call& c) {
  Temporal t = TemporalFromMicros(c.env.NowMicros());
  t.kind = TemporalKind::kDate;
  t.precision = Precision::kDay;
  c.out.push_back(TemporalItem(t));
  return Ok{};
}

Result<Ok> TimeOfDay(const Call& c) {
  Temporal t = TemporalFromMicros(c.env.NowMicros());
  t.kind = TemporalKind::kTime;
  c.out.push_back(TemporalItem(t));
  return Ok{};
}

Result<Ok> Aggregate(const Call& c) {
  Buffer a = c.NewBuffer(), b = c.NewBuffer();
  if (c.argc() == 2) KILN_TRY(Eval(c.arg(1), c.env, c.focus, a));
  Span saved_total = c.env.total;
  int64_t saved_index = c.env.index;
  Result<Ok> r = Ok{};
  for (size_t i = 0; i < c.input.size() && r; ++i) {
    // Alternate buffers: the previous total stays intact while the next one is computed.
    Buffer& total = i % 2 == 0 ? a : b;
    Buffer& next = i % 2 == 0 ? b : a;
    next.clear();
    c.env.total = total;
    c.env.index = static_cast<int64_t>(i);
    r = Eval(c.arg(0), c.env, c.input.subspan(i, 1), next);
  }
  c.env.total = saved_total;
  c.env.index = saved_index;
  KILN_TRY(r);
  const Buffer& result = c.input.size() % 2 == 0 ? a : b;
  c.out.insert(c.out.end(), result.begin(), result.end());
  return Ok{};
}

Result<Ok> Type(const Call& c) {
  for (const Item& item : c.input) c.out.push_back(TypeOf(item));
  return Ok{};
}

// sort(key, -key, ...): each key is evaluated per item; a leading minus sorts it descending.
Result<Ok> Sort(const Call& c) {
  size_t n = c.input.size();
  std::vector<std::vector<const Item*>> keys(n);
  std::vector<Buffer> held;
  held.reserve(n * c.argc());
  std::vector<bool> descending(c.argc());
  for (size_t k = 0; k < c.argc(); ++k) {
    const Node& arg = c.arg(k);
    descending[k] = arg.kind == NodeKind::kUnary && arg.op == Op::kNegate;
    const Node& key = descending[k] ? *arg.source : arg;
    for (size_t i = 0; i < n; ++i) {
      held.emplace_back(c.env.mr);
      int64_t saved = c.env.index;
      c.env.index = static_cast<int64_t>(i);
      auto r = EvalSpan(key, c.env, c.input.subspan(i, 1), held.back());
      c.env.index = saved;
      if (!r) return std::move(r).error();
      KILN_TRY_ASSIGN(const Item* v, Singleton(*r, "a sort key"));
      keys[i].push_back(v);
    }
  }
  if (c.argc() == 0) {
    for (size_t i = 0; i < n; ++i) keys[i].push_back(&c.input[i]);
    descending.push_back(false);
  }
  std::optional<Error> error;
  auto less = [&](size_t x, size_t y) {
    for (size_t k = 0; k < descending.size(); ++k) {
      const Item* a = keys[x][k];
      const Item* b = keys[y][k];
      if (a == nullptr || b == nullptr) {
        if (a != b) return a == nullptr;  // empty keys sort first, in either direction
        continue;
      }
      auto cmp = CompareItems(*a, *b);
      if (!cmp) {
        if (!error) error = std::move(cmp).error();
        return false;
      }
      if (*cmp && **cmp != 0) return (**cmp < 0) != descending[k];
    }
    return false;
  };
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), less);
  if (error) return *error;
  for (size_t i : order) c.out.push_back(c.input[i]);
  return Ok{};
}

constexpr FunctionDef kFunctions[] = {
    {"children", 0, 0, Children},   {"descendants", 0, 0, Descendants},
    {"trace", 1, 2, Trace},         {"now", 0, 0, Now},
    {"today", 0, 0, Today},         {"timeOfDay", 0, 0, TimeOfDay},
    {"aggregate", 1, 2, Aggregate}, {"type", 0, 0, Type},
    {"sort", 0, 8, Sort},
};

}  // namespace

std::span<const FunctionDef> UtilityFunctions() { return kFunctions; }

}  // namespace kiln::fhirpath
