// One Kind per SearchParameter type: how values of that type are indexed (write path) and how a
// search value becomes a store predicate (read path). Private to src/search/.
#pragma once

#include <string_view>
#include <vector>

#include "search/search.h"

namespace kiln::search {

// A node a parameter's expression selected: a JSON value and its FHIR type ("HumanName", "date").
struct Node {
  const json::Value* value;
  std::string_view type;
};

struct ExtractContext {
  const ParamDef& def;
  std::string_view base_url;  // "http://host/fhir": absolute references to it are local
};

class Kind {
 public:
  virtual ~Kind() = default;
  virtual void Extract(const Node& node, const ExtractContext& ctx,
                       std::vector<store::IndexEntry>& out) const = 0;
  // `modifier` is what followed ':' in the parameter name (empty for none).
  virtual Result<store::Predicate> Compile(const ParamDef& def, std::string_view modifier,
                                           std::string_view value, std::string_view base_url) const = 0;
};

// nullptr for composite and special parameters, which are not indexed yet.
const Kind* KindFor(ParamType type);

// Shared by the ordered kinds (date, number, quantity): "ge2020" -> (kGe, "2020"). Values that
// start with a letter pair that is no prefix are returned unchanged with kEq.
std::pair<store::Cmp, std::string_view> SplitPrefix(std::string_view value);

// Parses a FHIR decimal's text into its value and the interval its precision implies
// ("1.50" -> 1.5 in [1.495, 1.505)); nullopt if it is not a number.
std::optional<store::NumberValue> ParseDecimal(std::string_view text);

std::string_view AsString(const json::Value& v);

// _text and _content, which R4 defines without expressions (kind_text.cc): the resource's
// narrative words (when `narrative`: the type has _text) and all its strings, and a search value
// as the words to find.
void ExtractText(const json::Value& resource, bool narrative, std::vector<store::IndexEntry>& out);
Result<store::Predicate> CompileText(const ParamDef& def, std::string_view modifier, std::string_view value);

Error BadValue(const ParamDef& def, std::string_view value, std::string_view why);

}  // namespace kiln::search
