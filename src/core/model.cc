#include "core/model.h"

#include <algorithm>

extern "C" const char kiln_model_json_begin[];
extern "C" const char kiln_model_json_end[];

namespace kiln::core {

namespace {

Error TableError(std::string what) { return Error::Make(Issue::kInvalid, "Model table: " + std::move(what)); }

Result<TypeKind> ParseKind(std::string_view kind) {
  if (kind == "primitive") return TypeKind::kPrimitive;
  if (kind == "complex") return TypeKind::kComplex;
  if (kind == "resource") return TypeKind::kResource;
  return TableError("unknown kind '" + std::string(kind) + "'");
}

std::string_view AsView(const json::Value& v) { return {v.GetString(), v.GetStringLength()}; }

// One row of "elements": [path, min, max, [type codes], contentReference(, 1 if isSummary)].
Result<ElementDef> ParseElement(const json::Value& row) {
  if (!row.IsArray() || (row.Size() != 5 && row.Size() != 6) || !row[0].IsString() || !row[1].IsInt() ||
      !row[2].IsInt() || !row[3].IsArray() || !row[4].IsString()) {
    return TableError("malformed element row");
  }
  ElementDef e;
  e.path = AsView(row[0]);
  e.min = row[1].GetInt();
  e.max = row[2].GetInt();
  for (const auto& t : row[3].GetArray()) {
    if (!t.IsString()) return TableError(e.path + ": type codes must be strings");
    e.types.emplace_back(AsView(t));
  }
  e.content_reference = AsView(row[4]);
  e.summary = row.Size() == 6 && row[5].IsInt() && row[5].GetInt() == 1;
  size_t dot = e.path.rfind('.');
  if (dot == std::string::npos) return TableError(e.path + ": an element path needs a parent");
  e.name = e.path.substr(dot + 1);
  if (e.name.ends_with("[x]")) {
    e.name.resize(e.name.size() - 3);
    e.choice = true;
  }
  return e;
}

Result<TypeDef> ParseType(std::string_view name, const json::Value& t) {
  TypeDef def;
  def.name = name;
  const json::Value* elements = json::Find(t, "elements");
  const json::Value* abstract = json::Find(t, "abstract");
  if (elements == nullptr || !elements->IsArray() || abstract == nullptr || !abstract->IsBool()) {
    return TableError("type '" + def.name + "' lacks elements or abstract");
  }
  KILN_TRY_ASSIGN(def.kind, ParseKind(json::GetString(t, "kind")));
  def.is_abstract = abstract->GetBool();
  def.base = json::GetString(t, "base");
  for (const auto& row : elements->GetArray()) {
    KILN_TRY_ASSIGN(ElementDef e, ParseElement(row));
    std::string path = e.path;
    auto [it, inserted] = def.elements.emplace(path, std::move(e));
    if (!inserted) return TableError("duplicate element " + path);
    // Map nodes never move, so these pointers stay valid for the life of the Model.
    def.children[path.substr(0, path.rfind('.'))].push_back(&it->second);
  }
  return def;
}

}  // namespace

Result<std::unique_ptr<Model>> Model::LoadEmbedded() {
  return LoadFromJson(std::string_view(kiln_model_json_begin,
                                       static_cast<size_t>(kiln_model_json_end - kiln_model_json_begin)));
}

Result<std::unique_ptr<Model>> Model::LoadFromJson(std::string_view json_text) {
  KILN_TRY_ASSIGN(json::Document doc, json::Parse(json_text));
  const json::Value* types = json::Find(doc, "types");
  if (types == nullptr || !types->IsObject()) return TableError("no \"types\" object");
  std::unique_ptr<Model> model(new Model());  // the constructor is private, out of make_unique's reach
  model->source_ = json::GetString(doc, "source");
  for (const auto& m : types->GetObject()) {
    KILN_TRY_ASSIGN(TypeDef def, ParseType(AsView(m.name), m.value));
    if (def.kind == TypeKind::kResource && !def.is_abstract) model->resource_names_.push_back(def.name);
    std::string name = def.name;
    model->types_.emplace(std::move(name), std::move(def));
  }
  std::sort(model->resource_names_.begin(), model->resource_names_.end());
  KILN_TRY(model->Resolve());
  return model;
}

// Turns type codes and content references into pointers, and rejects tables that name types or
// elements they do not define, so that validation can trust every pointer it follows.
Result<Ok> Model::Resolve() {
  for (auto& [name, def] : types_) {
    def.root_children = &def.children[name];
    for (auto& [path, e] : def.elements) {
      for (const std::string& code : e.types) {
        const TypeDef* t = FindType(code);
        if (t == nullptr) return TableError(path + " has unknown type '" + code + "'");
        e.type_defs.push_back(t);
      }
      const std::string& owner = e.content_reference.empty() ? path : e.content_reference;
      auto children = def.children.find(owner);
      if (children != def.children.end()) {
        e.own_children = &children->second;
      } else if (!e.content_reference.empty()) {
        return TableError(path + " refers to unknown element " + e.content_reference);
      } else if (e.types.empty()) {
        return TableError(path + " has neither types nor a content reference");
      }
    }
  }
  return Ok{};
}

Result<ResourceType> Model::FindResourceType(std::string_view name) const {
  const TypeDef* def = FindType(name);
  if (def == nullptr || def->kind != TypeKind::kResource || def->is_abstract) {
    // Cap the echo: the name comes straight from a URL or a request body.
    constexpr size_t kMaxEcho = 100;
    std::string shown(name.substr(0, kMaxEcho));
    if (name.size() > kMaxEcho) shown += "...";
    return Error::Make(Issue::kNotFound, "Unknown resource type '" + shown + "'");
  }
  return ResourceType(def);
}

const TypeDef* Model::FindType(std::string_view name) const {
  auto it = types_.find(name);
  return it == types_.end() ? nullptr : &it->second;
}

}  // namespace kiln::core
