// Walking a resource's JSON with the model (hl7.org/fhir/R4/json.html): member names to element
// definitions, choice elements ("value" finds valueQuantity, typed Quantity), arrays, primitives
// with their "_name" extension siblings, inline backbone elements, content references, and
// contained resources typed by their resourceType. Private to src/core/fhirpath/.
#pragma once

#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>

#include "core/fhirpath/eval.h"

namespace kiln::fhirpath {

// A non-owning reference to a callable, so that the walkers below can stay out of line.
template <class Sig>
class FunctionRef;
template <class R, class... A>
class FunctionRef<R(A...)> {
 public:
  template <class F>
  FunctionRef(F&& f)  // NOLINT: implicit by design, like std::function
      : obj_(const_cast<void*>(static_cast<const void*>(&f))), call_([](void* o, A... a) -> R {
          return (*static_cast<std::remove_reference_t<F>*>(o))(std::forward<A>(a)...);
        }) {}
  R operator()(A... a) const { return call_(obj_, std::forward<A>(a)...); }

 private:
  void* obj_;
  R (*call_)(void*, A...);
};

// Calls `f` with each child of `parent` named `name`, in document order. Items that are not
// nodes have no children, except that type() results have `namespace` and `name`.
void ForEachChild(const Env& env, const Item& parent, std::string_view name, FunctionRef<void(Item&&)> f);

// children(): every child node of `parent`, element by element in definition order.
void AppendAllChildren(const Env& env, const Item& parent, Buffer& out);

// The item for a resource (its type from "resourceType"), or nullopt if it is not one.
std::optional<Item> ResourceItem(const core::Model& model, const json::Value& value);

// True when `type` is the type named `ancestor` or derives from it (Age -> Quantity -> Element).
bool DerivesFrom(const core::Model& model, const core::TypeDef* type, std::string_view ancestor);

}  // namespace kiln::fhirpath
