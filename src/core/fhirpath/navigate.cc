#include "core/fhirpath/navigate.h"

namespace kiln::fhirpath {

namespace {

std::string_view KeyOf(const json::Value& name) { return {name.GetString(), name.GetStringLength()}; }
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }

// Names differ mostly in length or first letter; checking those first saves a memcmp call per
// element and member scanned.
bool SameName(std::string_view a, std::string_view b) {
  return a.size() == b.size() && (a.empty() || (a[0] == b[0] && a == b));
}

// The JSON object that holds a node's members, and the definitions of those members. A
// primitive's members (id, extension) live in its "_name" sibling.
struct Scope {
  const json::Value* object = nullptr;
  const std::vector<const core::ElementDef*>* children = nullptr;
};

Scope ScopeOf(const Item& parent) {
  const core::TypeDef* type = parent.type();
  if (!parent.is_node() || type == nullptr) return {};
  const json::Value* object =
      type->kind == core::TypeKind::kPrimitive ? parent.primitive_extension() : parent.node();
  if (object == nullptr || !object->IsObject()) return {};
  const core::ElementDef* e = parent.element();
  return {object, e != nullptr && e->own_children != nullptr ? e->own_children : type->root_children};
}

const core::ElementDef* FindElement(const std::vector<const core::ElementDef*>& children,
                                    std::string_view name) {
  for (const core::ElementDef* e : children) {
    if (SameName(e->name, name)) return e;
  }
  return nullptr;
}

// "dateTime" names the type of the JSON suffix "DateTime" in valueDateTime.
bool SuffixNamesType(std::string_view suffix, std::string_view type) {
  return suffix.size() == type.size() && !type.empty() && suffix[0] == (type[0] & ~0x20) &&
         suffix.substr(1) == type.substr(1);
}

Item MakeChild(const Env& env, const core::ElementDef* e, const core::TypeDef* type, const json::Value* value,
               const json::Value* ext) {
  if (type == nullptr) type = env.Backbone();  // a content reference ("#Questionnaire.item")
  if (type != nullptr && type->kind == core::TypeKind::kResource && type->is_abstract && value != nullptr &&
      value->IsObject()) {
    // contained, Bundle.entry.resource, Parameters.parameter.resource: typed by their content.
    if (const core::TypeDef* actual = env.model.FindType(json::GetString(*value, "resourceType"))) {
      return Item::Node(value, nullptr, actual, nullptr);
    }
  }
  return Item::Node(value, ext != nullptr && ext->IsObject() ? ext : nullptr, type, e);
}

const json::Value* NonNull(const json::Value* v) { return v != nullptr && !v->IsNull() ? v : nullptr; }

// Emits one item per value, pairing array entries with their "_name" entries by position; a
// primitive with only an extension ("given": [null], "_given": [{...}]) is an item without a value.
void Emit(const Env& env, const core::ElementDef* e, const core::TypeDef* type, const json::Value* value,
          const json::Value* ext, const FunctionRef<void(Item&&)>& f) {
  value = NonNull(value);
  ext = NonNull(ext);
  bool value_array = value != nullptr && value->IsArray();
  bool ext_array = ext != nullptr && ext->IsArray();
  if (!value_array && !ext_array) {
    if (value != nullptr || ext != nullptr) f(MakeChild(env, e, type, value, ext));
    return;
  }
  size_t n = value_array ? value->Size() : 0;
  size_t m = ext_array ? ext->Size() : 0;
  for (size_t i = 0; i < std::max(n, m); ++i) {
    const json::Value* v = i < n ? NonNull(&(*value)[static_cast<rapidjson::SizeType>(i)]) : nullptr;
    const json::Value* x = i < m ? NonNull(&(*ext)[static_cast<rapidjson::SizeType>(i)]) : nullptr;
    if (v != nullptr || x != nullptr) f(MakeChild(env, e, type, v, x));
  }
}

const core::TypeDef* TypeAt(const core::ElementDef* e, size_t i) {
  return i < e->type_defs.size() ? e->type_defs[i] : nullptr;
}

void EmitPlain(const Env& env, const json::Value& object, const core::ElementDef* e, std::string_view name,
               const FunctionRef<void(Item&&)>& f) {
  const json::Value* value = nullptr;
  const json::Value* ext = nullptr;
  for (auto m = object.MemberBegin(); m != object.MemberEnd(); ++m) {
    std::string_view k = KeyOf(m->name);
    if (SameName(k, name)) {
      value = &m->value;
    } else if (k.size() == name.size() + 1 && k[0] == '_' && SameName(k.substr(1), name)) {
      ext = &m->value;
    }
  }
  Emit(env, e, TypeAt(e, 0), value, ext, f);
}

// valueQuantity, or _valueString alone: the one member whose name is `name` plus a type suffix.
void EmitChoice(const Env& env, const json::Value& object, const core::ElementDef* e, std::string_view name,
                const FunctionRef<void(Item&&)>& f) {
  const json::Value* value = nullptr;
  const json::Value* ext = nullptr;
  std::string_view suffix;
  for (auto m = object.MemberBegin(); m != object.MemberEnd(); ++m) {
    std::string_view k = KeyOf(m->name);
    bool is_ext = !k.empty() && k[0] == '_';
    std::string_view base = is_ext ? k.substr(1) : k;
    if (base.size() <= name.size() || !IsUpper(base[name.size()]) || !base.starts_with(name)) continue;
    std::string_view s = base.substr(name.size());
    if (!suffix.empty() && s != suffix) continue;
    suffix = s;
    (is_ext ? ext : value) = &m->value;
  }
  if (suffix.empty()) return;
  for (size_t i = 0; i < e->types.size(); ++i) {
    if (SuffixNamesType(suffix, e->types[i])) return Emit(env, e, TypeAt(e, i), value, ext, f);
  }
}

}  // namespace

void ForEachChild(const Env& env, const Item& parent, std::string_view name, FunctionRef<void(Item&&)> f) {
  if (parent.kind() == ValueKind::kTypeInfo) {
    std::string_view q = parent.text();
    size_t dot = q.find('.');
    if (name == "namespace") f(Item::String(std::string(q.substr(0, dot))));
    if (name == "name") f(Item::String(std::string(q.substr(dot + 1))));
    return;
  }
  Scope scope = ScopeOf(parent);
  if (scope.object == nullptr) return;
  const core::ElementDef* e = FindElement(*scope.children, name);
  if (e == nullptr) return;
  if (e->choice) return EmitChoice(env, *scope.object, e, name, f);
  EmitPlain(env, *scope.object, e, name, f);
}

void AppendAllChildren(const Env& env, const Item& parent, Buffer& out) {
  Scope scope = ScopeOf(parent);
  if (scope.object == nullptr) return;
  for (const core::ElementDef* e : *scope.children) {
    auto push = [&](Item&& child) { out.push_back(std::move(child)); };
    if (e->choice) {
      EmitChoice(env, *scope.object, e, e->name, push);
    } else {
      EmitPlain(env, *scope.object, e, e->name, push);
    }
  }
}

std::optional<Item> ResourceItem(const core::Model& model, const json::Value& value) {
  if (!value.IsObject()) return std::nullopt;
  const core::TypeDef* type = model.FindType(json::GetString(value, "resourceType"));
  if (type == nullptr || type->kind != core::TypeKind::kResource) return std::nullopt;
  return Item::Node(&value, nullptr, type, nullptr);
}

bool DerivesFrom(const core::Model& model, const core::TypeDef* type, std::string_view ancestor) {
  for (int depth = 0; type != nullptr && depth < 16; ++depth) {
    if (type->name == ancestor) return true;
    const std::string& base = type->base;
    if (base.empty()) return false;
    if (base == ancestor) return true;
    // The top of R4's hierarchy is fixed (DomainResource -> Resource, BackboneElement -> Element,
    // both roots without a base), so the common chains end here without looking types up.
    if (base == "Resource" || base == "Element") return false;
    if (base == "DomainResource") return ancestor == "Resource";
    if (base == "BackboneElement") return ancestor == "Element";
    type = model.FindType(base);
  }
  return false;
}

}  // namespace kiln::fhirpath
