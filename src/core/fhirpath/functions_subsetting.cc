// Subsetting and combining (hl7.org/fhirpath/N1/#subsetting, #combining): single, first, last,
// tail, skip, take, intersect, exclude, union, combine.
#include "core/fhirpath/compare.h"
#include "core/fhirpath/functions.h"

namespace kiln::fhirpath {

namespace {

bool Includes(Span set, const Item& item) {
  for (const Item& s : set) {
    if (ItemsEqual(s, item) == true) return true;
  }
  return false;
}

Result<Ok> Single(const Call& c) {
  KILN_TRY_ASSIGN(const Item* item, c.SingleInput());
  if (item != nullptr) c.out.push_back(*item);
  return Ok{};
}

Result<Ok> First(const Call& c) {
  if (!c.input.empty()) c.out.push_back(c.input.front());
  return Ok{};
}

Result<Ok> Last(const Call& c) {
  if (!c.input.empty()) c.out.push_back(c.input.back());
  return Ok{};
}

Result<Ok> Tail(const Call& c) {
  if (c.input.size() > 1) c.out.insert(c.out.end(), c.input.begin() + 1, c.input.end());
  return Ok{};
}

// The Integer argument of skip() and take(); nullopt when it is empty.
Result<std::optional<int64_t>> Count(const Call& c) {
  Buffer tmp = c.NewBuffer();
  KILN_TRY_ASSIGN(const Item* n, c.SingleArg(0, tmp));
  if (n == nullptr) return std::optional<int64_t>();
  Value v = ValueOf(*n);
  if (v.type != SysType::kInteger) return c.Fail("the argument must be an Integer");
  return std::optional<int64_t>(v.number.units);
}

Result<Ok> Skip(const Call& c) {
  KILN_TRY_ASSIGN(std::optional<int64_t> n, Count(c));
  if (!n) return Ok{};
  size_t from = *n <= 0 ? 0 : std::min(static_cast<size_t>(*n), c.input.size());
  c.out.insert(c.out.end(), c.input.begin() + static_cast<std::ptrdiff_t>(from), c.input.end());
  return Ok{};
}

Result<Ok> Take(const Call& c) {
  KILN_TRY_ASSIGN(std::optional<int64_t> n, Count(c));
  if (!n) return Ok{};
  size_t to = *n <= 0 ? 0 : std::min(static_cast<size_t>(*n), c.input.size());
  c.out.insert(c.out.end(), c.input.begin(), c.input.begin() + static_cast<std::ptrdiff_t>(to));
  return Ok{};
}

Result<Ok> Intersect(const Call& c) {
  Buffer tmp = c.NewBuffer();
  KILN_TRY_ASSIGN(Span other, c.Arg(0, tmp));
  size_t start = c.out.size();
  for (const Item& item : c.input) {
    if (Includes(other, item) && !Includes(Span(c.out).subspan(start), item)) c.out.push_back(item);
  }
  return Ok{};
}

Result<Ok> Exclude(const Call& c) {
  Buffer tmp = c.NewBuffer();
  KILN_TRY_ASSIGN(Span other, c.Arg(0, tmp));
  for (const Item& item : c.input) {
    if (!Includes(other, item)) c.out.push_back(item);
  }
  return Ok{};
}

Result<Ok> Union(const Call& c) {
  Buffer tmp = c.NewBuffer();
  KILN_TRY_ASSIGN(Span other, c.Arg(0, tmp));
  size_t start = c.out.size();
  for (Span side : {c.input, other}) {
    for (const Item& item : side) {
      if (!Includes(Span(c.out).subspan(start), item)) c.out.push_back(item);
    }
  }
  return Ok{};
}

Result<Ok> Combine(const Call& c) {
  Buffer tmp = c.NewBuffer();
  KILN_TRY_ASSIGN(Span other, c.Arg(0, tmp));
  c.out.insert(c.out.end(), c.input.begin(), c.input.end());
  c.out.insert(c.out.end(), other.begin(), other.end());
  return Ok{};
}

constexpr FunctionDef kFunctions[] = {
    {"single", 0, 0, Single},       {"first", 0, 0, First},     {"last", 0, 0, Last},
    {"tail", 0, 0, Tail},           {"skip", 1, 1, Skip},       {"take", 1, 1, Take},
    {"intersect", 1, 1, Intersect}, {"exclude", 1, 1, Exclude}, {"union", 1, 1, Union},
    {"combine", 1, 1, Combine},
};

}  // namespace

std::span<const FunctionDef> SubsettingFunctions() { return kFunctions; }

}  // namespace kiln::fhirpath
