// uri parameters (search.html#uri): exact match, :below (the value is a prefix) and :above (the
// stored uri is a prefix of the value).
#include "search/kind.h"

namespace kiln::search {

namespace {

class UriKind final : public Kind {
 public:
  void Extract(const Node& node, const ExtractContext& ctx,
               std::vector<store::IndexEntry>& out) const override {
    std::string_view s = AsString(*node.value);
    if (!s.empty()) out.push_back({ctx.def.code, store::UriValue{std::string(s)}});
  }
  Result<store::Predicate> Compile(const ParamDef& def, std::string_view modifier, std::string_view value,
                                   std::string_view) const override {
    store::Predicate p;
    p.kind = store::IndexKind::kUri;
    p.param = def.code;
    p.text = std::string(value);
    if (modifier == "below") {
      p.uri_mode = store::Predicate::UriMode::kBelow;
    } else if (modifier == "above") {
      p.uri_mode = store::Predicate::UriMode::kAbove;
    } else if (!modifier.empty()) {
      return Error::At(
          Issue::kNotSupported, def.code + ":" + std::string(modifier),
          "Modifier :" + std::string(modifier) + " is not supported for uri parameter " + def.code);
    }
    return p;
  }
};

}  // namespace

const Kind& UriKindInstance() {
  static const UriKind kind;
  return kind;
}

}  // namespace kiln::search
