// Filtering and projection (hl7.org/fhirpath/N1/#filtering-and-projection) and the function
// forms of the type operators: where, select, repeat, ofType, as, is.
#include <memory_resource>
#include <unordered_set>

#include "core/fhirpath/compare.h"
#include "core/fhirpath/functions.h"
#include "core/fhirpath/types.h"

namespace kiln::fhirpath {

namespace {

Result<Ok> Where(const Call& c) {
  for (size_t i = 0; i < c.input.size(); ++i) {
    Buffer tmp = c.NewBuffer();
    KILN_TRY_ASSIGN(Span r, c.ArgFor(0, c.input[i], static_cast<int64_t>(i), tmp));
    KILN_TRY_ASSIGN(std::optional<bool> keep, SingletonBoolean(r, "the criteria of where()"));
    if (keep == true) c.out.push_back(c.input[i]);
  }
  return Ok{};
}

Result<Ok> Select(const Call& c) {
  for (size_t i = 0; i < c.input.size(); ++i) {
    Buffer tmp = c.NewBuffer();
    KILN_TRY_ASSIGN(Span r, c.ArgFor(0, c.input[i], static_cast<int64_t>(i), tmp));
    c.out.insert(c.out.end(), r.begin(), r.end());
  }
  return Ok{};
}

// Computed values repeat() may produce; each new one is compared with all before it.
constexpr size_t kMaxRepeatValues = 2000;

// What repeat() has produced so far: nodes are told apart by identity (two equal-looking
// Questionnaire items are still two), other values by equality, which also ends repeats over
// values that recur.
class SeenSet {
 public:
  explicit SeenSet(std::pmr::memory_resource* mr) : nodes_(mr), values_(mr) {}
  // Records `item`; false if it was seen before.
  bool Insert(const Item& item) {
    if (item.is_node())
      return nodes_.insert(item.node() != nullptr ? item.node() : item.primitive_extension()).second;
    for (const Item& v : values_) {
      if (ItemsEqual(v, item) == true) return false;
    }
    values_.push_back(item);
    return true;
  }
  size_t values() const { return values_.size(); }

 private:
  std::pmr::unordered_set<const void*> nodes_;
  Buffer values_;
};

Result<Ok> Repeat(const Call& c) {
  SeenSet seen(c.env.mr);
  Buffer queue(c.input.begin(), c.input.end(), c.env.mr);
  while (!queue.empty()) {
    Buffer next = c.NewBuffer();
    for (size_t i = 0; i < queue.size(); ++i) {
      Buffer tmp = c.NewBuffer();
      KILN_TRY_ASSIGN(Span r, c.ArgFor(0, queue[i], static_cast<int64_t>(i), tmp));
      for (const Item& item : r) {
        if (!seen.Insert(item)) continue;
        if (c.env.budget == 0 || seen.values() > kMaxRepeatValues)
          return c.Fail("the result grows without bound");
        --c.env.budget;
        c.out.push_back(item);
        next.push_back(item);
      }
    }
    queue = std::move(next);
  }
  return Ok{};
}

Result<Ok> OfType(const Call& c) {
  KILN_TRY_ASSIGN(ResolvedType type, ResolveType(c.node.type, c.env));
  for (const Item& item : c.input) {
    if (IsOfType(c.env, item, type)) c.out.push_back(item);
  }
  return Ok{};
}

Result<Ok> As(const Call& c) {
  if (c.env.options.strict) KILN_TRY(c.SingleInput());
  return OfType(c);
}

Result<Ok> Is(const Call& c) {
  KILN_TRY_ASSIGN(ResolvedType type, ResolveType(c.node.type, c.env));
  KILN_TRY_ASSIGN(const Item* item, c.SingleInput());
  if (item != nullptr) c.out.push_back(Item::Boolean(IsOfType(c.env, *item, type)));
  return Ok{};
}

constexpr FunctionDef kFunctions[] = {
    {"where", 1, 1, Where},         {"select", 1, 1, Select}, {"repeat", 1, 1, Repeat},
    {"ofType", 1, 1, OfType, true}, {"as", 1, 1, As, true},   {"is", 1, 1, Is, true},
};

}  // namespace

std::span<const FunctionDef> FilteringFunctions() { return kFunctions; }

}  // namespace kiln::fhirpath
