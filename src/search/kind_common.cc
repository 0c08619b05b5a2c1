#include <charconv>
#include <cmath>
#include <cstdlib>

#include "search/kind.h"

namespace kiln::search {

std::pair<store::Cmp, std::string_view> SplitPrefix(std::string_view value) {
  static constexpr std::pair<std::string_view, store::Cmp> kPrefixes[] = {
      {"eq", store::Cmp::kEq}, {"ne", store::Cmp::kNe}, {"gt", store::Cmp::kGt},
      {"lt", store::Cmp::kLt}, {"ge", store::Cmp::kGe}, {"le", store::Cmp::kLe},
      {"sa", store::Cmp::kSa}, {"eb", store::Cmp::kEb}, {"ap", store::Cmp::kAp}};
  for (const auto& [text, cmp] : kPrefixes) {
    if (value.starts_with(text)) return {cmp, value.substr(2)};
  }
  return {store::Cmp::kEq, value};
}

std::optional<store::NumberValue> ParseDecimal(std::string_view text) {
  if (text.empty() || text.size() > 64) return std::nullopt;
  std::string s(text);
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || !std::isfinite(v)) return std::nullopt;
  // Precision: half a unit of the last significant digit written (search.html#number).
  int exponent = 0;
  size_t e = s.find_first_of("eE");
  if (e != std::string::npos) exponent = std::atoi(s.c_str() + e + 1);
  std::string mantissa = s.substr(0, e);
  size_t dot = mantissa.find('.');
  int decimals = dot == std::string::npos ? 0 : static_cast<int>(mantissa.size() - dot - 1);
  double half = 0.5 * std::pow(10.0, exponent - decimals);
  return store::NumberValue{v, v - half, v + half};
}

std::string_view AsString(const json::Value& v) {
  return v.IsString() ? std::string_view(v.GetString(), v.GetStringLength()) : std::string_view();
}

// Each kind lives in its own kind_<type>.cc.
const Kind& StringKindInstance();
const Kind& TokenKindInstance();
const Kind& ReferenceKindInstance();
const Kind& DateKindInstance();
const Kind& NumberKindInstance();
const Kind& QuantityKindInstance();
const Kind& UriKindInstance();

const Kind* KindFor(ParamType type) {
  switch (type) {
    case ParamType::kString:
      return &StringKindInstance();
    case ParamType::kToken:
      return &TokenKindInstance();
    case ParamType::kReference:
      return &ReferenceKindInstance();
    case ParamType::kDate:
      return &DateKindInstance();
    case ParamType::kNumber:
      return &NumberKindInstance();
    case ParamType::kQuantity:
      return &QuantityKindInstance();
    case ParamType::kUri:
      return &UriKindInstance();
    case ParamType::kComposite:
    case ParamType::kSpecial:
      return nullptr;
  }
  return nullptr;
}

Error BadValue(const ParamDef& def, std::string_view value, std::string_view why) {
  return Error::At(Issue::kInvalid, def.code,
                   "Invalid value '" + std::string(value) + "' for search parameter " + def.code + ": " +
                       std::string(why));
}

}  // namespace kiln::search
