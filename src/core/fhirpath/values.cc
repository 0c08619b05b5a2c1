#include "core/fhirpath/values.h"

#include "core/fhirpath/decimal.h"

namespace kiln::fhirpath {

namespace {

std::string_view StringOf(const json::Value& v) { return {v.GetString(), v.GetStringLength()}; }

std::optional<Decimal> NumberOf(const json::Value& v) {
  if (v.IsInt64()) return Decimal{v.GetInt64(), 0};
  if (v.IsNumber()) return DecimalFromDouble(v.GetDouble());
  return std::nullopt;
}

constexpr std::string_view kUcum = "http://unitsofmeasure.org";

Value QuantityOf(const json::Value& node) {
  Value v;
  const json::Value* value = json::Find(node, "value");
  if (value == nullptr) return v;
  auto number = NumberOf(*value);
  if (!number) return v;
  v.type = SysType::kQuantity;
  v.number = *number;
  std::string_view code = json::GetString(node, "code");
  v.text = json::GetString(node, "system") == kUcum && !code.empty() ? code : json::GetString(node, "unit");
  if (v.text.empty()) v.text = code.empty() ? std::string_view("1") : code;
  return v;
}

Value NodeValue(const Item& item) {
  Value v;
  const core::TypeDef* type = item.type();
  const json::Value* node = item.node();
  if (type == nullptr || node == nullptr) return v;
  if (type->kind != core::TypeKind::kPrimitive)
    return IsQuantityType(type) && node->IsObject() ? QuantityOf(*node) : v;
  SysType t = PrimitiveSysType(type->name);
  switch (t) {
    case SysType::kBoolean:
      if (node->IsBool()) {
        v.type = t;
        v.boolean = node->GetBool();
      }
      return v;
    case SysType::kInteger:
    case SysType::kDecimal:
      if (auto n = NumberOf(*node)) {
        v.type = t;
        v.number = *n;
      }
      return v;
    default:
      if (node->IsString()) {
        v.type = t;
        v.text = StringOf(*node);
      }
      return v;
  }
}

}  // namespace

SysType PrimitiveSysType(std::string_view name) {
  if (name.empty()) return SysType::kString;
  switch (name[0]) {
    case 'b':
      return name == "boolean" ? SysType::kBoolean : SysType::kString;
    case 'i':
      if (name == "integer") return SysType::kInteger;
      return name == "instant" ? SysType::kDateTime : SysType::kString;
    case 'p':
      return name == "positiveInt" ? SysType::kInteger : SysType::kString;
    case 'u':
      return name == "unsignedInt" ? SysType::kInteger : SysType::kString;
    case 'd':
      if (name == "decimal") return SysType::kDecimal;
      if (name == "date") return SysType::kDate;
      return name == "dateTime" ? SysType::kDateTime : SysType::kString;
    case 't':
      return name == "time" ? SysType::kTime : SysType::kString;
    default:
      return SysType::kString;
  }
}

bool IsQuantityType(const core::TypeDef* type) {
  return type != nullptr && (type->name == "Quantity" || type->base == "Quantity");
}

Value ValueOf(const Item& item) {
  Value v;
  switch (item.kind()) {
    case ValueKind::kNode:
      return NodeValue(item);
    case ValueKind::kBoolean:
      v.type = SysType::kBoolean;
      v.boolean = item.boolean();
      return v;
    case ValueKind::kInteger:
      v.type = SysType::kInteger;
      break;
    case ValueKind::kDecimal:
      v.type = SysType::kDecimal;
      break;
    case ValueKind::kString:
      v.type = SysType::kString;
      break;
    case ValueKind::kDate:
      v.type = SysType::kDate;
      break;
    case ValueKind::kDateTime:
      v.type = SysType::kDateTime;
      break;
    case ValueKind::kTime:
      v.type = SysType::kTime;
      break;
    case ValueKind::kQuantity:
      v.type = SysType::kQuantity;
      break;
    case ValueKind::kTypeInfo:
      return v;
  }
  v.number = item.decimal();
  v.text = item.text();
  return v;
}

bool IsCalendarKeyword(std::string_view unit) { return CalendarUnitNamed(unit) != CalendarUnit::kNone; }

std::string ToText(const Value& v) {
  switch (v.type) {
    case SysType::kBoolean:
      return v.boolean ? "true" : "false";
    case SysType::kInteger:
    case SysType::kDecimal:
      return FormatDecimal(v.number);
    case SysType::kQuantity:
      if (IsCalendarKeyword(v.text)) return FormatDecimal(v.number) + " " + std::string(v.text);
      return FormatDecimal(v.number) + " '" + std::string(v.text) + "'";
    case SysType::kNone:
      return "";
    default:
      return std::string(v.text);
  }
}

Item ToItem(const Value& v) {
  switch (v.type) {
    case SysType::kBoolean:
      return Item::Boolean(v.boolean);
    case SysType::kInteger:
      return Item::Integer(v.number.units);
    case SysType::kDecimal:
      return Item::Number(v.number);
    case SysType::kString:
      return Item::String(std::string(v.text));
    case SysType::kDate:
      return Item::Date(std::string(v.text));
    case SysType::kDateTime:
      return Item::DateTime(std::string(v.text));
    case SysType::kTime:
      return Item::Time(std::string(v.text));
    case SysType::kQuantity:
      return Item::Quantity(v.number, std::string(v.text));
    case SysType::kNone:
      break;
  }
  return Item::String("");
}

std::optional<Temporal> TemporalOf(const Value& v) {
  switch (v.type) {
    case SysType::kDate:
      return ParseTemporal(v.text, TemporalKind::kDate);
    case SysType::kDateTime:
      return ParseTemporal(v.text, TemporalKind::kDateTime);
    case SysType::kTime:
      return ParseTemporal(v.text, TemporalKind::kTime);
    default:
      return std::nullopt;
  }
}

Item TemporalItem(const Temporal& t) {
  switch (t.kind) {
    case TemporalKind::kDate:
      return Item::Date(FormatTemporal(t));
    case TemporalKind::kDateTime:
      return Item::DateTime(FormatTemporal(t));
    case TemporalKind::kTime:
      break;
  }
  return Item::Time(FormatTemporal(t));
}

}  // namespace kiln::fhirpath
