#include "core/fhirpath/types.h"

#include "core/fhirpath/navigate.h"

namespace kiln::fhirpath {

namespace {

SysType SystemTypeNamed(std::string_view name) {
  if (name == "Boolean") return SysType::kBoolean;
  if (name == "String") return SysType::kString;
  if (name == "Integer") return SysType::kInteger;
  if (name == "Decimal") return SysType::kDecimal;
  if (name == "Date") return SysType::kDate;
  if (name == "DateTime") return SysType::kDateTime;
  if (name == "Time") return SysType::kTime;
  if (name == "Quantity") return SysType::kQuantity;
  return SysType::kNone;
}

SysType SystemTypeOf(ValueKind kind) {
  switch (kind) {
    case ValueKind::kBoolean:
      return SysType::kBoolean;
    case ValueKind::kInteger:
      return SysType::kInteger;
    case ValueKind::kDecimal:
      return SysType::kDecimal;
    case ValueKind::kString:
      return SysType::kString;
    case ValueKind::kDate:
      return SysType::kDate;
    case ValueKind::kDateTime:
      return SysType::kDateTime;
    case ValueKind::kTime:
      return SysType::kTime;
    case ValueKind::kQuantity:
      return SysType::kQuantity;
    default:
      return SysType::kNone;
  }
}

}  // namespace

Result<ResolvedType> ResolveType(const TypeSpec& spec, Env& env) {
  for (const auto& [s, t] : env.resolved_types) {
    if (s == &spec) return t;
  }
  ResolvedType t;
  if (spec.ns != "System") t.fhir = env.model.FindType(spec.name);
  if (spec.ns != "FHIR") t.system = SystemTypeNamed(spec.name);
  // System.Patient names no type, so nothing is one; an unknown unqualified or FHIR name is a
  // mistake in the expression.
  if (t.fhir == nullptr && t.system == SysType::kNone && spec.ns != "System") {
    std::string shown = spec.ns.empty() ? spec.name : spec.ns + "." + spec.name;
    return Error::Make(Issue::kInvalid, "FHIRPath: unknown type '" + shown + "'");
  }
  env.resolved_types.emplace_back(&spec, t);
  return t;
}

bool IsOfType(const Env& env, const Item& item, const ResolvedType& t) {
  if (!item.is_node()) return t.system != SysType::kNone && SystemTypeOf(item.kind()) == t.system;
  if (t.fhir == nullptr || item.type() == nullptr) return false;
  return item.type() == t.fhir || DerivesFrom(env.model, item.type(), t.fhir->name);
}

Item TypeOf(const Item& item) {
  if (item.is_node()) return Item::TypeInfo("FHIR." + std::string(item.type_name()));
  return Item::TypeInfo("System." + std::string(item.type_name()));
}

Result<Ok> EvalTypeOp(const Node& n, Env& env, Span focus, Buffer& out) {
  Buffer tmp(env.mr);
  KILN_TRY_ASSIGN(Span items, EvalSpan(*n.source, env, focus, tmp));
  KILN_TRY_ASSIGN(ResolvedType type, ResolveType(n.type, env));
  if (n.op == Op::kIs) {
    KILN_TRY_ASSIGN(const Item* item, Singleton(items, "the left operand of 'is'"));
    if (item != nullptr) out.push_back(Item::Boolean(IsOfType(env, *item, type)));
    return Ok{};
  }
  if (env.options.strict) KILN_TRY(Singleton(items, "the left operand of 'as'"));
  for (const Item& item : items) {
    if (IsOfType(env, item, type)) out.push_back(item);
  }
  return Ok{};
}

}  // namespace kiln::fhirpath
