#include "core/fhirpath/fhirpath.h"

namespace kiln::fhirpath {

Item Item::Node(const json::Value* node, const json::Value* ext, const core::TypeDef* type,
                const core::ElementDef* element) {
  Item i(ValueKind::kNode);
  i.node_ = node;
  i.ext_ = ext;
  i.type_ = type;
  i.element_ = element;
  return i;
}

Item Item::Boolean(bool value) {
  Item i(ValueKind::kBoolean);
  i.boolean_ = value;
  return i;
}

Item Item::Integer(int64_t value) {
  Item i(ValueKind::kInteger);
  i.number_ = Decimal{value, 0};
  return i;
}

Item Item::Number(Decimal value) {
  Item i(ValueKind::kDecimal);
  i.number_ = value;
  return i;
}

Item Item::String(std::string value) {
  Item i(ValueKind::kString);
  i.text_ = std::move(value);
  return i;
}

Item Item::Date(std::string text) {
  Item i(ValueKind::kDate);
  i.text_ = std::move(text);
  return i;
}

Item Item::DateTime(std::string text) {
  Item i(ValueKind::kDateTime);
  i.text_ = std::move(text);
  return i;
}

Item Item::Time(std::string text) {
  Item i(ValueKind::kTime);
  i.text_ = std::move(text);
  return i;
}

Item Item::Quantity(Decimal value, std::string unit) {
  Item i(ValueKind::kQuantity);
  i.number_ = value;
  i.text_ = std::move(unit);
  return i;
}

Item Item::TypeInfo(std::string qualified_name) {
  Item i(ValueKind::kTypeInfo);
  i.text_ = std::move(qualified_name);
  return i;
}

std::string_view Item::type_name() const {
  switch (kind_) {
    case ValueKind::kNode:
      return type_ != nullptr ? std::string_view(type_->name) : std::string_view();
    case ValueKind::kBoolean:
      return "Boolean";
    case ValueKind::kInteger:
      return "Integer";
    case ValueKind::kDecimal:
      return "Decimal";
    case ValueKind::kString:
      return "String";
    case ValueKind::kDate:
      return "Date";
    case ValueKind::kDateTime:
      return "DateTime";
    case ValueKind::kTime:
      return "Time";
    case ValueKind::kQuantity:
      return "Quantity";
    case ValueKind::kTypeInfo:
      return "TypeInfo";
  }
  return {};
}

}  // namespace kiln::fhirpath
