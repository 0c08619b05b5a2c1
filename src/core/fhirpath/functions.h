// The function library: one table per group (functions_<group>.cc), looked up by name at compile
// time so that evaluation calls through a pointer. Private to src/core/fhirpath/.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "core/fhirpath/eval.h"
#include "core/fhirpath/values.h"

namespace kiln::fhirpath {

// One invocation: `input` is what the function was called on; arguments are evaluated against
// `focus`, the context of the whole invocation ($this there), unless the function iterates.
struct Call {
  Env& env;
  const Node& node;
  Span input;
  Span focus;
  Buffer& out;

  size_t argc() const { return node.args.size(); }
  const Node& arg(size_t i) const { return *node.args[i]; }
  Buffer NewBuffer() const { return Buffer(env.mr); }
  // Argument i evaluated against the invocation's context.
  Result<Span> Arg(size_t i, Buffer& tmp) const { return EvalSpan(arg(i), env, focus, tmp); }
  // Argument i evaluated with `item` as $this and `index` as $index (where, select, all, ...).
  Result<Span> ArgFor(size_t i, const Item& item, int64_t index, Buffer& tmp) const;
  // The single item of argument i; nullptr when it is empty; an error when it has more.
  Result<const Item*> SingleArg(size_t i, Buffer& tmp) const;
  // The single input item; nullptr when the input is empty; an error when it has more.
  Result<const Item*> SingleInput() const;
  // kInvalid "name(): why".
  Error Fail(std::string_view why) const;
};

using FunctionImpl = Result<Ok> (*)(const Call&);

struct FunctionDef {
  constexpr FunctionDef(std::string_view n, int min, int max, FunctionImpl f, bool takes_type = false)
      : name(n), min_args(min), max_args(max), impl(f), type_arg(takes_type) {}
  // A function Kiln recognises but does not implement; Compile fails with kNotSupported and `why`.
  constexpr FunctionDef(std::string_view n, int min, int max, std::string_view why)
      : name(n), min_args(min), max_args(max), unsupported(why) {}

  std::string_view name;
  int min_args = 0;
  int max_args = 0;
  FunctionImpl impl = nullptr;
  bool type_arg = false;  // the argument is a type name (is, as, ofType)
  std::string_view unsupported;
};

const FunctionDef* FindFunction(std::string_view name);

std::span<const FunctionDef> ExistenceFunctions();  // empty, exists, all, count, distinct, not, ...
std::span<const FunctionDef> FilteringFunctions();  // where, select, repeat, ofType, as, is
std::span<const FunctionDef>
SubsettingFunctions();  // single, first, last, tail, skip, take, intersect, union, ...
std::span<const FunctionDef> ConversionFunctions();  // iif, toString, convertsToInteger, ...
std::span<const FunctionDef> StringFunctions();      // substring, matches, replace, split, encode, ...
std::span<const FunctionDef> MathFunctions();        // abs, round, sqrt, lowBoundary, precision, ...
std::span<const FunctionDef> UtilityFunctions();  // children, descendants, trace, now, aggregate, sort, type
std::span<const FunctionDef> FhirFunctions();     // extension, resolve, hasValue, conformsTo, memberOf, ...

}  // namespace kiln::fhirpath
