// token parameters (search.html#token): system|code, |code, system|, code; :not (as a negated
// clause, by the parser), :text, :of-type for identifiers. Coding, CodeableConcept, Identifier,
// ContactPoint and code-like primitives are indexed.
#include "core/text.h"
#include "search/kind.h"

namespace kiln::search {

namespace {

std::string_view Str(const json::Value& object, std::string_view key) { return json::GetString(object, key); }

// Splits "a|b" at the first unescaped '|'; nullopt when there is none.
std::optional<std::pair<std::string, std::string>> SplitBar(std::string_view value) {
  for (size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '\\') {
      ++i;
    } else if (value[i] == '|') {
      return std::make_pair(std::string(value.substr(0, i)), std::string(value.substr(i + 1)));
    }
  }
  return std::nullopt;
}

class TokenKind final : public Kind {
 public:
  void Extract(const Node& node, const ExtractContext& ctx,
               std::vector<store::IndexEntry>& out) const override {
    const json::Value& v = *node.value;
    const std::string& param = ctx.def.code;
    if (!v.IsObject()) {
      if (v.IsString()) out.push_back({param, store::TokenValue{"", std::string(AsString(v)), ""}});
      if (v.IsBool()) out.push_back({param, store::TokenValue{"", v.GetBool() ? "true" : "false", ""}});
      return;
    }
    if (node.type == "CodeableConcept") {
      std::string text = FoldText(Str(v, "text"));
      const json::Value* codings = json::Find(v, "coding");
      bool any = false;
      if (codings && codings->IsArray()) {
        for (const auto& c : codings->GetArray()) {
          AddCoding(param, c, text, out);
          any = true;
        }
      }
      if (!any && !text.empty()) out.push_back({param, store::TokenValue{"", "", text}});
    } else if (node.type == "Identifier") {
      std::string value(Str(v, "value"));
      const json::Value* type = json::Find(v, "type");
      std::string text = type ? FoldText(Str(*type, "text")) : std::string();
      out.push_back({param, store::TokenValue{std::string(Str(v, "system")), value, text}});
      const json::Value* codings = type ? json::Find(*type, "coding") : nullptr;
      if (codings && codings->IsArray() && !value.empty()) {
        for (const auto& c : codings->GetArray()) {
          out.push_back(
              {param + ":of-type", store::TokenValue{std::string(Str(c, "system")),
                                                     std::string(Str(c, "code")) + "|" + value, ""}});
        }
      }
    } else if (node.type == "ContactPoint") {
      out.push_back(
          {param, store::TokenValue{std::string(Str(v, "system")), std::string(Str(v, "value")), ""}});
    } else {
      AddCoding(param, v, "", out);  // Coding, or anything shaped like one
    }
  }

  Result<store::Predicate> Compile(const ParamDef& def, std::string_view modifier, std::string_view value,
                                   std::string_view) const override {
    store::Predicate p;
    p.kind = store::IndexKind::kToken;
    p.param = def.code;
    if (modifier == "text") {
      p.token_text = true;
      p.text = FoldText(value);
      return p;
    }
    if (modifier == "of-type") {
      auto first = SplitBar(value);
      auto second = first ? SplitBar(first->second) : std::nullopt;
      if (!second) return BadValue(def, value, ":of-type takes system|code|value");
      p.param = def.code + ":of-type";
      p.system = first->first;
      p.code = second->first + "|" + second->second;
      return p;
    }
    if (!modifier.empty() && modifier != "not") {
      return Error::At(
          Issue::kNotSupported, def.code + ":" + std::string(modifier),
          "Modifier :" + std::string(modifier) + " is not supported for token parameter " + def.code);
    }
    if (auto parts = SplitBar(value)) {
      p.system = parts->first;  // "" for "|code": no system
      if (!parts->second.empty()) p.code = parts->second;
    } else {
      p.code = std::string(value);
    }
    return p;
  }

 private:
  static void AddCoding(const std::string& param, const json::Value& c, const std::string& cc_text,
                        std::vector<store::IndexEntry>& out) {
    if (!c.IsObject()) return;
    std::string code(Str(c, "code"));
    std::string text = cc_text.empty() ? FoldText(Str(c, "display")) : cc_text;
    if (code.empty() && text.empty()) return;
    out.push_back(
        {param, store::TokenValue{std::string(Str(c, "system")), std::move(code), std::move(text)}});
  }
};

}  // namespace

const Kind& TokenKindInstance() {
  static const TokenKind kind;
  return kind;
}

}  // namespace kiln::search
