#include <algorithm>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>

#include "core/log.h"
#include "search/search.h"

extern "C" const char kiln_search_params_json_begin[];
extern "C" const char kiln_search_params_json_end[];

namespace kiln::search {

struct Registry::Core {
  const core::Model* model = nullptr;
  std::vector<std::unique_ptr<ParamDef>> defs;
  std::map<std::pair<std::string, std::string>, const ParamDef*, std::less<>> by_type_code;
  std::map<std::string, std::vector<const ParamDef*>, std::less<>> indexed;
  std::map<std::pair<std::string, std::string>, std::vector<std::string>, std::less<>> compartments;
  std::map<std::string, ParamType, std::less<>> type_by_url;  // a composite's components name these
  int uncompiled = 0;
};

namespace {

std::optional<ParamType> TypeNamed(std::string_view name) {
  static constexpr std::pair<std::string_view, ParamType> kTypes[] = {{"string", ParamType::kString},
                                                                      {"token", ParamType::kToken},
                                                                      {"reference", ParamType::kReference},
                                                                      {"date", ParamType::kDate},
                                                                      {"number", ParamType::kNumber},
                                                                      {"quantity", ParamType::kQuantity},
                                                                      {"uri", ParamType::kUri},
                                                                      {"composite", ParamType::kComposite},
                                                                      {"special", ParamType::kSpecial}};
  for (const auto& [n, t] : kTypes) {
    if (n == name) return t;
  }
  return std::nullopt;
}

// The components of composite `sp` (search.html#composite), for `def` (code and base set):
// each names its parameter's definition by URL, which gives the component its type, and
// selects its value with an expression relative to each item of the composite's expression.
Result<> AddComponents(const json::Value& sp, ParamDef& def,
                       const std::function<std::optional<ParamType>(std::string_view)>& type_of) {
  const json::Value* components = json::Find(sp, "component");
  if (components == nullptr || !components->IsArray() || components->Size() < 2) {
    return Error::At(Issue::kInvalid, "SearchParameter.component",
                     "A composite needs at least two components");
  }
  for (rapidjson::SizeType i = 0; i < components->Size(); ++i) {
    const json::Value& c = (*components)[i];
    std::string where = "SearchParameter.component[" + std::to_string(i) + "]";
    std::string_view definition = json::GetString(c, "definition");
    std::optional<ParamType> type = type_of(definition);
    if (!type || *type == ParamType::kComposite || *type == ParamType::kSpecial) {
      return Error::At(Issue::kInvalid, where + ".definition",
                       "The component's definition '" + std::string(definition) +
                           "' is not a known search parameter of a type a composite can hold");
    }
    auto compiled = fhirpath::Compile(json::GetString(c, "expression"));
    if (!compiled) {
      return Error::At(Issue::kInvalid, where + ".expression",
                       "The component's expression does not compile: " + compiled.error().diagnostics);
    }
    auto component = std::make_shared<ParamDef>();
    component->code = def.code + "$" + std::to_string(i);
    component->url = std::string(definition);
    component->type = *type;
    component->base = def.base;
    component->expression = std::string(json::GetString(c, "expression"));
    component->compiled = std::move(compiled).value();
    def.components.push_back(std::move(component));
  }
  return Ok{};
}

// Columns of resource_current answer these directly; they need no index rows.
bool IsColumnParam(std::string_view code) { return code == "_id" || code == "_lastUpdated"; }

}  // namespace

Result<std::unique_ptr<Registry>> Registry::LoadEmbedded(const core::Model& model) {
  return LoadFromJson(model, std::string_view(kiln_search_params_json_begin,
                                              static_cast<size_t>(kiln_search_params_json_end -
                                                                  kiln_search_params_json_begin)));
}

namespace {

// The top-level terms of a FHIRPath union, "a | (b as X)" -> {"a", "(b as X)"}, or {} when the
// text is not safe to split by characters (string literals may hold '|').
std::set<std::string> UnionTerms(std::string_view expression) {
  std::set<std::string> terms;
  if (expression.find('\'') != std::string_view::npos) return {};
  int depth = 0;
  size_t start = 0;
  auto add = [&](size_t end) {
    std::string_view t = expression.substr(start, end - start);
    while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
    while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
    if (!t.empty()) terms.emplace(t);
  };
  for (size_t i = 0; i < expression.size(); ++i) {
    char ch = expression[i];
    if (ch == '(' || ch == '[') ++depth;
    if (ch == ')' || ch == ']') --depth;
    if (ch == '|' && depth == 0) {
      add(i);
      start = i + 1;
    }
  }
  add(expression.size());
  return terms;
}

// Finds the parameters of one type whose terms are exactly covered by other parameters of the
// same type and targets (see ParamDef::union_of), and takes them out of `indexed`. Runs while
// the registry, which owns every definition, is being built.
// Composites with the same components (expressions relative to their items, and types) differ
// only in the items they select, so one whose items are the union of others' is their union.
bool SameComponents(const ParamDef& a, const ParamDef& b) {
  if (a.components.size() != b.components.size()) return false;
  for (size_t i = 0; i < a.components.size(); ++i) {
    if (a.components[i]->expression != b.components[i]->expression ||
        a.components[i]->type != b.components[i]->type)
      return false;
  }
  return true;
}

void MarkUnions(std::vector<const ParamDef*>& indexed) {
  std::map<const ParamDef*, std::set<std::string>> terms;
  for (const ParamDef* d : indexed) terms[d] = UnionTerms(d->expression);
  std::map<const ParamDef*, std::vector<const ParamDef*>> unions;
  for (auto& [def, own] : terms) {
    if (own.size() < 2) continue;
    std::vector<const ParamDef*> members;
    std::set<std::string> covered;
    for (auto& [other, theirs] : terms) {
      if (other == def || theirs.empty() || theirs.size() >= own.size() || other->type != def->type ||
          other->targets != def->targets || !SameComponents(*def, *other) ||
          !std::includes(own.begin(), own.end(), theirs.begin(), theirs.end()))
        continue;
      members.push_back(other);
      covered.insert(theirs.begin(), theirs.end());
    }
    if (covered == own) unions[def] = std::move(members);
  }
  for (auto& [def, members] : unions) {
    // A member that is itself a union would leave its share unindexed.
    if (std::any_of(members.begin(), members.end(), [&](const ParamDef* m) { return unions.contains(m); }))
      continue;
    const_cast<ParamDef*>(def)->union_of = members;
  }
  std::erase_if(indexed, [](const ParamDef* d) { return !d->union_of.empty(); });
}

// Finds the composites of `type` over the resource itself whose every component is defined by
// a parameter of `type` of the component's type (see ParamDef::components_as), and takes them
// out of `indexed`. The component's own expression may be narrower than its definition's
// (Observation-value-quantity also selects SampledData, which has no quantity to index), but
// what the R4 definition means by the component is that parameter.
void MarkRootComposites(std::string_view type, std::vector<const ParamDef*>& indexed) {
  std::map<std::string_view, const ParamDef*> by_url;
  for (const ParamDef* d : indexed) by_url.emplace(d->url, d);
  for (const ParamDef* def : indexed) {
    if (def->type != ParamType::kComposite || def->expression != type) continue;
    std::vector<const ParamDef*> parts;
    for (const auto& component : def->components) {
      auto it = by_url.find(component->url);
      if (it == by_url.end() || it->second->type != component->type) break;
      parts.push_back(it->second);
    }
    if (parts.size() == def->components.size()) const_cast<ParamDef*>(def)->components_as = std::move(parts);
  }
  std::erase_if(indexed, [](const ParamDef* d) { return !d->components_as.empty(); });
}

}  // namespace

Result<std::unique_ptr<Registry>> Registry::LoadFromJson(const core::Model& model,
                                                         std::string_view json_text) {
  KILN_TRY_ASSIGN(json::Document doc, json::Parse(json_text));
  const json::Value* params = json::Find(doc, "parameters");
  if (params == nullptr || !params->IsArray()) {
    return Error::Make(Issue::kException, "The search parameter table has no parameters");
  }
  auto core = std::make_shared<Core>();
  Core* r = core.get();
  r->model = &model;
  // Composite parameters name their components by URL; the components' types come from there.
  for (const auto& p : params->GetArray()) {
    if (auto t = TypeNamed(json::GetString(p, "type")))
      r->type_by_url[std::string(json::GetString(p, "url"))] = *t;
  }
  auto core_type_of = [r](std::string_view url) -> std::optional<ParamType> {
    auto it = r->type_by_url.find(url);
    if (it == r->type_by_url.end()) return std::nullopt;
    return it->second;
  };
  // Parameters on Resource and DomainResource apply to every concrete type: each type gets its
  // own copy whose expression starts at that type, so evaluation needs no special root.
  auto add = [&](const json::Value& p, std::string_view base, std::string expression, std::string owner) {
    auto type = TypeNamed(json::GetString(p, "type"));
    if (!type) return;
    auto def = std::make_unique<ParamDef>();
    def->url = std::string(json::GetString(p, "url"));
    def->code = std::string(json::GetString(p, "code"));
    def->type = *type;
    def->base = std::string(base);
    def->expression = std::move(expression);
    if (const json::Value* targets = json::Find(p, "target"); targets && targets->IsArray()) {
      for (const auto& t : targets->GetArray()) def->targets.emplace_back(t.GetString(), t.GetStringLength());
    }
    if (*type == ParamType::kComposite && !AddComponents(p, *def, core_type_of)) {
      def->components.clear();  // not indexed, and a search for it is unsupported
    }
    bool indexable = !def->expression.empty() && !IsColumnParam(def->code) && *type != ParamType::kSpecial &&
                     (*type != ParamType::kComposite || !def->components.empty());
    if (indexable) {
      auto compiled = fhirpath::Compile(def->expression);
      if (compiled) {
        def->compiled = std::move(compiled).value();
        def->reads = fhirpath::MembersRead(*def->compiled, owner);
      } else {
        ++r->uncompiled;
        log::Debug("search parameter expression does not compile",
                   {{"url", def->url}, {"error", compiled.error().diagnostics}});
      }
    }
    r->by_type_code[{owner, def->code}] = def.get();
    if (def->compiled) r->indexed[owner].push_back(def.get());
    r->defs.push_back(std::move(def));
  };
  if (const json::Value* comps = json::Find(doc, "compartments"); comps && comps->IsObject()) {
    for (auto c = comps->MemberBegin(); c != comps->MemberEnd(); ++c) {
      for (auto t = c->value.MemberBegin(); t != c->value.MemberEnd(); ++t) {
        std::vector<std::string>& list = r->compartments[{c->name.GetString(), t->name.GetString()}];
        for (const auto& param : t->value.GetArray())
          list.emplace_back(param.GetString(), param.GetStringLength());
      }
    }
  }
  for (const auto& p : params->GetArray()) {
    const json::Value* bases = json::Find(p, "base");
    const json::Value* expressions = json::Find(p, "expression");
    if (bases == nullptr || !bases->IsArray()) continue;
    for (const auto& b : bases->GetArray()) {
      std::string_view base(b.GetString(), b.GetStringLength());
      std::string expr(expressions ? json::GetString(*expressions, base) : std::string_view());
      if (base == "Resource" || base == "DomainResource") {
        for (const std::string& type : model.ResourceTypeNames()) {
          std::string own = expr;
          if (own.starts_with(std::string(base) + ".")) own = type + own.substr(base.size());
          add(p, base, own, type);
        }
      } else {
        add(p, base, std::move(expr), std::string(base));
      }
    }
  }
  for (auto& [type, indexed] : r->indexed) {
    MarkUnions(indexed);
    MarkRootComposites(type, indexed);
  }
  return std::unique_ptr<Registry>(new Registry(std::move(core)));
}

int Registry::uncompiled() const { return core_->uncompiled; }

std::unique_ptr<Registry> Registry::Overlay() const {
  auto overlay = std::unique_ptr<Registry>(new Registry(core_));
  overlay->text_search_ = text_search_;
  return overlay;
}

const ParamDef* Registry::Find(std::string_view type, std::string_view code) const {
  auto key = std::make_pair(std::string(type), std::string(code));
  {
    std::shared_lock lock(custom_mu_);
    auto custom = custom_by_type_code_.find(key);
    if (custom != custom_by_type_code_.end()) return custom->second;
  }
  auto it = core_->by_type_code.find(key);
  return it == core_->by_type_code.end() ? nullptr : it->second;
}

std::vector<const ParamDef*> Registry::Indexed(std::string_view type) const {
  std::vector<const ParamDef*> out;
  auto it = core_->indexed.find(type);
  std::shared_lock lock(custom_mu_);
  auto custom = custom_by_type_code_.lower_bound(std::make_pair(std::string(type), std::string()));
  bool has_custom = custom != custom_by_type_code_.end() && custom->first.first == type;
  if (it != core_->indexed.end() && !has_custom) return it->second;  // every write asks: keep it cheap
  if (it != core_->indexed.end()) {
    for (const ParamDef* def : it->second) {
      // A custom parameter with the same code replaces the core one.
      if (!custom_by_type_code_.contains(std::make_pair(std::string(type), def->code))) out.push_back(def);
    }
  }
  for (auto c = custom; c != custom_by_type_code_.end() && c->first.first == type; ++c) {
    if (c->second->compiled) out.push_back(c->second);
  }
  return out;
}

Result<std::vector<std::unique_ptr<ParamDef>>> Registry::Custom(const json::Value& sp,
                                                                const CustomTypes& custom_type_of) const {
  auto fail = [](std::string expression, std::string why) {
    return Error::At(Issue::kInvalid, expression, why);
  };
  std::string code(json::GetString(sp, "code"));
  std::string url(json::GetString(sp, "url"));
  std::string expression(json::GetString(sp, "expression"));
  auto type = TypeNamed(json::GetString(sp, "type"));
  const json::Value* bases = json::Find(sp, "base");
  if (code.empty()) return fail("SearchParameter.code", "A search parameter needs a code");
  if (!type || *type == ParamType::kSpecial) {
    return fail("SearchParameter.type", "Custom search parameters of type '" +
                                            std::string(json::GetString(sp, "type")) + "' are not supported");
  }
  if (expression.empty())
    return fail("SearchParameter.expression", "A custom search parameter needs an expression");
  if (bases == nullptr || !bases->IsArray() || bases->Empty()) {
    return fail("SearchParameter.base", "A search parameter needs a base resource type");
  }
  auto compiled = fhirpath::Compile(expression);
  if (!compiled) {
    return fail("SearchParameter.expression",
                "The expression does not compile: " + compiled.error().diagnostics);
  }
  std::vector<std::unique_ptr<ParamDef>> defs;
  for (const auto& b : bases->GetArray()) {
    std::string base(b.GetString(), b.GetStringLength());
    if (!core_->model->FindResourceType(base))
      return fail("SearchParameter.base", "Unknown resource type '" + base + "'");
    auto def = std::make_unique<ParamDef>();
    def->url = url;
    def->code = code;
    def->type = *type;
    def->base = base;
    def->expression = expression;
    def->compiled = *compiled;
    def->reads = fhirpath::MembersRead(*compiled, base);
    if (const json::Value* targets = json::Find(sp, "target"); targets && targets->IsArray()) {
      for (const auto& t : targets->GetArray()) def->targets.emplace_back(t.GetString(), t.GetStringLength());
    }
    if (*type == ParamType::kComposite) {
      // Components may be defined by the specification's parameters or by custom ones.
      KILN_TRY(AddComponents(sp, *def, [&](std::string_view url) -> std::optional<ParamType> {
        auto it = core_->type_by_url.find(url);
        if (it != core_->type_by_url.end()) return it->second;
        return custom_type_of(url);
      }));
    }
    defs.push_back(std::move(def));
  }
  return defs;
}

Result<Ok> Registry::CheckCustom(const json::Value& search_parameter) const {
  std::shared_lock lock(custom_mu_);
  KILN_TRY(Custom(search_parameter, [this](std::string_view url) -> std::optional<ParamType> {
    for (const auto& [type_code, def] : custom_by_type_code_) {
      if (def->url == url) return def->type;
    }
    return std::nullopt;
  }));
  return Ok{};
}

void Registry::SetCustom(const std::vector<std::string>& search_parameter_json) const {
  std::vector<json::Document> docs;
  for (const std::string& text : search_parameter_json) {
    auto doc = json::Parse(text);
    if (!doc || json::GetString(*doc, "status") == "retired") continue;
    docs.push_back(std::move(doc).value());
  }
  // Composites last, so that their components may be any of the others.
  std::stable_partition(docs.begin(), docs.end(),
                        [](const json::Document& d) { return json::GetString(d, "type") != "composite"; });
  std::vector<std::unique_ptr<ParamDef>> defs;
  auto made_type_of = [&defs](std::string_view url) -> std::optional<ParamType> {
    for (const auto& d : defs) {
      if (d->url == url) return d->type;
    }
    return std::nullopt;
  };
  for (const json::Document& doc : docs) {
    auto made = Custom(doc, made_type_of);
    if (!made) {
      log::Warn("custom search parameter skipped",
                {{"url", json::GetString(doc, "url")}, {"error", made.error().diagnostics}});
      continue;
    }
    for (auto& d : *made) defs.push_back(std::move(d));
  }
  std::unique_lock lock(custom_mu_);
  custom_by_type_code_.clear();
  for (auto& d : defs) {
    custom_by_type_code_[{d->base, d->code}] = d.get();
    custom_defs_.push_back(std::move(d));
  }
}

const std::vector<std::string>* Registry::CompartmentParams(std::string_view compartment,
                                                            std::string_view type) const {
  auto it = core_->compartments.find(std::make_pair(std::string(compartment), std::string(type)));
  return it == core_->compartments.end() ? nullptr : &it->second;
}

std::vector<const ParamDef*> Registry::All(std::string_view type) const {
  std::vector<const ParamDef*> out;
  std::shared_lock lock(custom_mu_);
  for (auto it = core_->by_type_code.lower_bound(std::make_pair(std::string(type), std::string()));
       it != core_->by_type_code.end() && it->first.first == type; ++it) {
    if (!custom_by_type_code_.contains(it->first)) out.push_back(it->second);
  }
  for (auto c = custom_by_type_code_.lower_bound(std::make_pair(std::string(type), std::string()));
       c != custom_by_type_code_.end() && c->first.first == type; ++c) {
    out.push_back(c->second);
  }
  std::sort(out.begin(), out.end(), [](const ParamDef* a, const ParamDef* b) { return a->code < b->code; });
  return out;
}

}  // namespace kiln::search
