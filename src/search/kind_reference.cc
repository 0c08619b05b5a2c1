// reference parameters (search.html#reference): [type/]id, absolute URLs (local when they start
// with this server's base), :[type] and :identifier modifiers; chains are built by the parser.
#include "search/kind.h"

namespace kiln::search {

namespace {

// "Patient/123", "Patient/123/_history/2" -> (Patient, 123); nullopt for anything else.
std::optional<std::pair<std::string, std::string>> LocalRef(std::string_view ref) {
  size_t slash = ref.find('/');
  if (slash == std::string_view::npos || slash == 0) return std::nullopt;
  std::string_view type = ref.substr(0, slash), rest = ref.substr(slash + 1);
  if (!std::isupper(static_cast<unsigned char>(type[0]))) return std::nullopt;
  for (char c : type) {
    if (!std::isalnum(static_cast<unsigned char>(c))) return std::nullopt;
  }
  std::string_view id = rest.substr(0, rest.find('/'));
  if (id.empty()) return std::nullopt;
  if (rest.size() > id.size() && !rest.substr(id.size()).starts_with("/_history/")) return std::nullopt;
  return std::make_pair(std::string(type), std::string(id));
}

// A reference as written, resolved against this server's base URL.
store::ReferenceValue Resolve(std::string_view ref, std::string_view base_url) {
  std::string_view local = ref;
  if (!base_url.empty() && ref.starts_with(base_url) && ref.size() > base_url.size() &&
      ref[base_url.size()] == '/') {
    local = ref.substr(base_url.size() + 1);
  }
  if (auto l = LocalRef(local)) return store::ReferenceValue{l->first, l->second, ""};
  return store::ReferenceValue{"", "", std::string(ref)};
}

class ReferenceKind final : public Kind {
 public:
  void Extract(const Node& node, const ExtractContext& ctx,
               std::vector<store::IndexEntry>& out) const override {
    const json::Value& v = *node.value;
    const std::string& param = ctx.def.code;
    if (v.IsString()) {  // canonical, uri
      out.push_back({param, Resolve(AsString(v), ctx.base_url)});
      return;
    }
    if (!v.IsObject()) return;
    std::string_view ref = json::GetString(v, "reference");
    if (!ref.empty() && ref[0] != '#') out.push_back({param, Resolve(ref, ctx.base_url)});
    if (const json::Value* id = json::Find(v, "identifier"); id && id->IsObject()) {
      out.push_back(
          {param + ":identifier", store::TokenValue{std::string(json::GetString(*id, "system")),
                                                    std::string(json::GetString(*id, "value")), ""}});
    }
  }

  Result<store::Predicate> Compile(const ParamDef& def, std::string_view modifier, std::string_view value,
                                   std::string_view base_url) const override {
    store::Predicate p;
    p.kind = store::IndexKind::kReference;
    p.param = def.code;
    if (modifier == "identifier") {
      p.kind = store::IndexKind::kToken;
      p.param = def.code + ":identifier";
      size_t bar = value.find('|');
      if (bar == std::string_view::npos) {
        p.code = std::string(value);
      } else {
        p.system = std::string(value.substr(0, bar));
        if (bar + 1 < value.size()) p.code = std::string(value.substr(bar + 1));
      }
      return p;
    }
    if (!modifier.empty()) {
      if (!std::isupper(static_cast<unsigned char>(modifier[0]))) {
        return Error::At(
            Issue::kNotSupported, def.code + ":" + std::string(modifier),
            "Modifier :" + std::string(modifier) + " is not supported for reference parameter " + def.code);
      }
      p.target_type = std::string(modifier);
    }
    if (value.find('/') == std::string_view::npos) {
      p.target_id = std::string(value);
      return p;
    }
    store::ReferenceValue r = Resolve(value, base_url);
    if (!r.url.empty()) {
      p.url = r.url;
    } else {
      if (p.target_type && *p.target_type != r.target_type)
        return BadValue(def, value, "type differs from modifier");
      p.target_type = r.target_type;
      p.target_id = r.target_id;
    }
    return p;
  }
};

}  // namespace

const Kind& ReferenceKindInstance() {
  static const ReferenceKind kind;
  return kind;
}

}  // namespace kiln::search
