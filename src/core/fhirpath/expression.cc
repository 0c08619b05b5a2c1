// The public entry points: Compile and Evaluate.
#include <array>

#include "core/fhirpath/eval.h"
#include "core/fhirpath/navigate.h"
#include "core/fhirpath/parser.h"

namespace kiln::fhirpath {

Result<Expression> Compile(std::string_view text) {
  KILN_TRY_ASSIGN(std::unique_ptr<Node> root, Parse(text));
  return Expression(std::string(text), std::shared_ptr<const Node>(std::move(root)));
}

namespace {

// Evaluates `e` on `context` (the resource itself when null), with `resource` as %resource.
Result<Ok> Run(const Expression& e, const Item* context, const json::Value& resource,
               const core::Model& model, Collection& out, const EvalOptions& options) {
  std::optional<Item> root = ResourceItem(model, resource);
  if (!root) return Error::Make(Issue::kInvalid, "FHIRPath: the input is not a resource of a known type");
  // Search expressions on a typical resource stay within this block, so they never touch the heap
  // until the result is copied out.
  alignas(std::max_align_t) std::array<std::byte, 8192> arena;
  std::pmr::monotonic_buffer_resource mr(arena.data(), arena.size());
  Env env(model, *root, &mr, options);
  Buffer result(&mr);
  KILN_TRY(Eval(e.root(), env, Span(context != nullptr ? context : &*root, 1), result));
  out.insert(out.end(), std::make_move_iterator(result.begin()), std::make_move_iterator(result.end()));
  return Ok{};
}

}  // namespace

Result<Ok> Evaluate(const Expression& e, const json::Value& resource, const core::Model& model,
                    Collection& out, const EvalOptions& options) {
  return Run(e, nullptr, resource, model, out, options);
}

Result<Ok> EvaluateAt(const Expression& e, const Item& context, const json::Value& resource,
                      const core::Model& model, Collection& out, const EvalOptions& options) {
  return Run(e, &context, resource, model, out, options);
}

Result<Collection> Evaluate(const Expression& e, const json::Value& resource, const core::Model& model,
                            const EvalOptions& options) {
  Collection out;
  KILN_TRY(Evaluate(e, resource, model, out, options));
  return out;
}

}  // namespace kiln::fhirpath
