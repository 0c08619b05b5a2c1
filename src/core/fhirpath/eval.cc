#include "core/fhirpath/eval.h"

#include "core/fhirpath/functions.h"
#include "core/fhirpath/navigate.h"
#include "core/fhirpath/values.h"

namespace kiln::fhirpath {

namespace {

// "Patient.name": a path that starts at the focus with a type name keeps the items of that type.
bool IsTypeNamed(const Env& env, const Item& item, std::string_view name) {
  if (!item.is_node() || item.type() == nullptr) return false;
  return item.type()->name == name || DerivesFrom(env.model, item.type(), name);
}

// Depth-first over the steps, so a path of any length builds no intermediate collections and
// yields items in the same order as step-by-step evaluation would.
void Walk(const Env& env, const std::vector<std::string>& steps, size_t i, const Item& item, Buffer& out) {
  if (i == steps.size()) {
    out.push_back(item);
  } else if (i + 1 == steps.size()) {
    ForEachChild(env, item, steps[i], [&](Item&& child) { out.push_back(std::move(child)); });
  } else {
    ForEachChild(env, item, steps[i], [&](Item&& child) { Walk(env, steps, i + 1, child, out); });
  }
}

Result<Ok> EvalPath(const Node& n, Env& env, Span focus, Buffer& out) {
  Buffer tmp(env.mr);
  Span base = focus;
  if (n.source) {
    KILN_TRY_ASSIGN(base, EvalSpan(*n.source, env, focus, tmp));
  }
  bool type_first = n.first_step_is_type && !n.source;
  for (const Item& item : base) {
    if (!type_first) {
      Walk(env, n.steps, 0, item, out);
    } else if (IsTypeNamed(env, item, n.steps[0])) {
      Walk(env, n.steps, 1, item, out);
    }
  }
  return Ok{};
}

Result<Ok> EvalIndexer(const Node& n, Env& env, Span focus, Buffer& out) {
  Buffer items_buf(env.mr), index_buf(env.mr);
  KILN_TRY_ASSIGN(Span items, EvalSpan(*n.source, env, focus, items_buf));
  KILN_TRY_ASSIGN(Span index, EvalSpan(*n.args[0], env, focus, index_buf));
  KILN_TRY_ASSIGN(const Item* i, Singleton(index, "an index"));
  if (i == nullptr) return Ok{};
  Value v = ValueOf(*i);
  if (v.type != SysType::kInteger) return EvalError("an index must be an Integer");
  if (v.number.units >= 0 && static_cast<uint64_t>(v.number.units) < items.size()) {
    out.push_back(items[static_cast<size_t>(v.number.units)]);
  }
  return Ok{};
}

Result<Ok> EvalFunction(const Node& n, Env& env, Span focus, Buffer& out) {
  Buffer tmp(env.mr);
  Span input = focus;
  if (n.source) {
    KILN_TRY_ASSIGN(input, EvalSpan(*n.source, env, focus, tmp));
  }
  return n.fn->impl(Call{env, n, input, focus, out});
}

}  // namespace

int64_t Env::NowMicros() {
  if (!now) now = options.clock != nullptr ? options.clock->Now() : SystemClock().Now();
  return *now;
}

std::string StrCat(std::initializer_list<std::string_view> parts) {
  size_t n = 0;
  for (std::string_view p : parts) n += p.size();
  std::string out;
  out.reserve(n);
  for (std::string_view p : parts) out.append(p);
  return out;
}

const core::TypeDef* Env::Backbone() const {
  if (backbone == nullptr) backbone = model.FindType("BackboneElement");
  return backbone;
}

Error EvalError(std::string message) {
  return Error::Make(Issue::kInvalid, "FHIRPath: " + std::move(message));
}

Result<Ok> Eval(const Node& n, Env& env, Span focus, Buffer& out) {
  switch (n.kind) {
    case NodeKind::kLiteral:
      if (!n.empty) out.push_back(n.literal);
      return Ok{};
    case NodeKind::kPath:
      return EvalPath(n, env, focus, out);
    case NodeKind::kFunction:
      return EvalFunction(n, env, focus, out);
    case NodeKind::kIndexer:
      return EvalIndexer(n, env, focus, out);
    case NodeKind::kUnary:
      return EvalUnary(n, env, focus, out);
    case NodeKind::kBinary:
      return EvalBinary(n, env, focus, out);
    case NodeKind::kTypeOp:
      return EvalTypeOp(n, env, focus, out);
    case NodeKind::kThis:
      out.insert(out.end(), focus.begin(), focus.end());
      return Ok{};
    case NodeKind::kIndex:
      out.push_back(Item::Integer(env.index));
      return Ok{};
    case NodeKind::kTotal:
      out.insert(out.end(), env.total.begin(), env.total.end());
      return Ok{};
    case NodeKind::kResource:
      out.push_back(env.resource);
      return Ok{};
  }
  return EvalError("unknown syntax node");
}

Result<Span> EvalSpan(const Node& n, Env& env, Span focus, Buffer& tmp) {
  switch (n.kind) {
    case NodeKind::kLiteral:
      return n.empty ? Span() : Span(&n.literal, 1);
    case NodeKind::kThis:
      return focus;
    case NodeKind::kTotal:
      return env.total;
    case NodeKind::kResource:
      return Span(&env.resource, 1);
    default:
      break;
  }
  size_t start = tmp.size();
  KILN_TRY(Eval(n, env, focus, tmp));
  return Span(tmp).subspan(start);
}

Result<const Item*> Singleton(Span items, std::string_view what, std::string_view detail,
                              std::string_view suffix) {
  if (items.empty()) return static_cast<const Item*>(nullptr);
  if (items.size() > 1) {
    return EvalError(
        StrCat({what, detail, suffix, " must be a single item, not ", std::to_string(items.size())}));
  }
  return &items[0];
}

Result<std::optional<bool>> SingletonBoolean(Span items, std::string_view what, std::string_view detail,
                                             std::string_view suffix) {
  KILN_TRY_ASSIGN(const Item* item, Singleton(items, what, detail, suffix));
  if (item == nullptr) return std::optional<bool>();
  Value v = ValueOf(*item);
  return std::optional<bool>(v.type == SysType::kBoolean ? v.boolean : true);
}

}  // namespace kiln::fhirpath
