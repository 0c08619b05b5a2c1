// string parameters (search.html#string): case- and accent-insensitive prefix match by default,
// :exact and :contains. HumanName and Address index each of their text parts.
#include "core/text.h"
#include "search/kind.h"

namespace kiln::search {

namespace {

class StringKind final : public Kind {
 public:
  void Extract(const Node& node, const ExtractContext& ctx,
               std::vector<store::IndexEntry>& out) const override {
    const json::Value& v = *node.value;
    if (v.IsString()) {
      Add(ctx, AsString(v), out);
      return;
    }
    if (!v.IsObject()) return;
    // Complex types: every string part (HumanName.family/given/..., Address.line/city/...).
    static constexpr std::string_view kParts[] = {"text",    "family", "given",    "prefix", "suffix",
                                                  "line",    "city",   "district", "state",  "postalCode",
                                                  "country", "value",  "display"};
    for (std::string_view part : kParts) {
      const json::Value* p = json::Find(v, part);
      if (p == nullptr) continue;
      if (p->IsArray()) {
        for (const auto& item : p->GetArray()) Add(ctx, AsString(item), out);
      } else {
        Add(ctx, AsString(*p), out);
      }
    }
  }

  Result<store::Predicate> Compile(const ParamDef& def, std::string_view modifier, std::string_view value,
                                   std::string_view) const override {
    store::Predicate p;
    p.kind = store::IndexKind::kString;
    p.param = def.code;
    if (modifier.empty()) {
      p.text = FoldText(value);
    } else if (modifier == "exact") {
      p.string_mode = store::Predicate::StringMode::kExact;
      p.text = std::string(value);
    } else if (modifier == "contains") {
      p.string_mode = store::Predicate::StringMode::kContains;
      p.text = FoldText(value);
    } else {
      return Error::At(
          Issue::kNotSupported, def.code + ":" + std::string(modifier),
          "Modifier :" + std::string(modifier) + " is not supported for string parameter " + def.code);
    }
    return p;
  }

 private:
  static void Add(const ExtractContext& ctx, std::string_view s, std::vector<store::IndexEntry>& out) {
    if (s.empty()) return;
    out.push_back({ctx.def.code, store::StringValue{FoldText(s), std::string(s)}});
  }
};

}  // namespace

const Kind& StringKindInstance() {
  static const StringKind kind;
  return kind;
}

}  // namespace kiln::search
