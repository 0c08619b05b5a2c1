#include "core/fhirpath/functions.h"

#include <array>

namespace kiln::fhirpath {

const FunctionDef* FindFunction(std::string_view name) {
  const std::array<std::span<const FunctionDef>, 8> tables = {
      ExistenceFunctions(), FilteringFunctions(), SubsettingFunctions(), ConversionFunctions(),
      StringFunctions(),    MathFunctions(),      UtilityFunctions(),    FhirFunctions(),
  };
  for (std::span<const FunctionDef> table : tables) {
    for (const FunctionDef& f : table) {
      if (f.name == name) return &f;
    }
  }
  return nullptr;
}

Result<Span> Call::ArgFor(size_t i, const Item& item, int64_t index, Buffer& tmp) const {
  int64_t saved = env.index;
  env.index = index;
  auto r = EvalSpan(arg(i), env, Span(&item, 1), tmp);
  env.index = saved;
  return r;
}

Result<const Item*> Call::SingleArg(size_t i, Buffer& tmp) const {
  KILN_TRY_ASSIGN(Span s, Arg(i, tmp));
  return Singleton(s, "the argument of ", node.fn->name, "()");
}

Result<const Item*> Call::SingleInput() const {
  return Singleton(input, "the input of ", node.fn->name, "()");
}

Error Call::Fail(std::string_view why) const {
  return EvalError(std::string(node.fn->name) + "(): " + std::string(why));
}

}  // namespace kiln::fhirpath
