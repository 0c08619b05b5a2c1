// The evaluator's core: the environment of one evaluation and the dispatch over syntax nodes.
// Collections under evaluation are pmr vectors in a per-evaluation arena (Evaluate puts its first
// block on the stack), so temporaries cost a pointer bump and are freed all at once.
// Private to src/core/fhirpath/.
#pragma once

#include <initializer_list>
#include <memory_resource>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/fhirpath/ast.h"

namespace kiln::fhirpath {

using Buffer = std::pmr::vector<Item>;
using Span = std::span<const Item>;

enum class SysType : uint8_t;

// A type name resolved against the model: a FHIR type, a System type, or both (`Quantity`).
struct ResolvedType {
  const core::TypeDef* fhir = nullptr;
  SysType system{};
};

// One evaluation's state. Not shared between threads.
struct Env {
  Env(const core::Model& m, const Item& root, std::pmr::memory_resource* arena, const EvalOptions& o)
      : model(m), resource(root), mr(arena), options(o), resolved_types(arena) {}

  const core::Model& model;
  const Item& resource;  // %resource, %rootResource, %context
  std::pmr::memory_resource* mr;
  const EvalOptions& options;
  int64_t index = 0;           // $index
  Span total;                  // $total
  std::optional<int64_t> now;  // fixed at first use: now() is stable within an evaluation
  // Items that repeat(), descendants() and aggregate() may still produce, so that an expression
  // such as 1.repeat($this + 1) ends with an error instead of exhausting memory.
  size_t budget = 1'000'000;

  int64_t NowMicros();
  // The type of content-referenced elements ("#Questionnaire.item"), looked up on first use.
  const core::TypeDef* Backbone() const;

  mutable const core::TypeDef* backbone = nullptr;
  // Type names resolved in this evaluation (`is Patient` inside a where() resolves once).
  std::pmr::vector<std::pair<const TypeSpec*, ResolvedType>> resolved_types;
};

Error EvalError(std::string message);

// The longest string an expression may build (by +, &, replace, join, ...), so that an expression
// such as 'a'.repeat($this + $this) fails instead of exhausting memory.
inline constexpr size_t kMaxStringBytes = size_t{1} << 24;

// Joins pieces of text (also sidesteps GCC 12's false -Wrestrict on "x" + std::string at -O3).
std::string StrCat(std::initializer_list<std::string_view> parts);

// Appends the result of `n` evaluated with `focus` as its input (and $this) to `out`.
Result<Ok> Eval(const Node& n, Env& env, Span focus, Buffer& out);
// As Eval, but returns a view: of a literal or of `focus` itself without copying, else of `tmp`.
Result<Span> EvalSpan(const Node& n, Env& env, Span focus, Buffer& tmp);

// Singleton evaluation (hl7.org/fhirpath/N1/#singleton-evaluation-of-collections): nullptr for an
// empty collection, the item for one, an error for more. The message names what + detail + suffix
// ("the left operand of '<'"); the pieces are joined only when it is needed.
Result<const Item*> Singleton(Span items, std::string_view what, std::string_view detail = {},
                              std::string_view suffix = {});
// As a Boolean: empty -> nullopt; a Boolean -> its value; any other single item -> true.
Result<std::optional<bool>> SingletonBoolean(Span items, std::string_view what, std::string_view detail = {},
                                             std::string_view suffix = {});

// Binary and unary operators (operators.cc) and `is`/`as` (types.cc).
Result<Ok> EvalBinary(const Node& n, Env& env, Span focus, Buffer& out);
Result<Ok> EvalUnary(const Node& n, Env& env, Span focus, Buffer& out);
Result<Ok> EvalTypeOp(const Node& n, Env& env, Span focus, Buffer& out);

}  // namespace kiln::fhirpath
