#include "core/fhir_xml_testing.h"

#include <sstream>
#include <string_view>

namespace kiln::core::testing {

namespace {

using Alloc = json::Document::AllocatorType;
using Children = std::vector<const ElementDef*>;

std::string_view LocalName(const pugi::xml_node& node) {
  std::string_view name = node.name();
  size_t colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

json::Value Str(std::string_view s, Alloc& alloc) {
  return json::Value(s.data(), static_cast<rapidjson::SizeType>(s.size()), alloc);
}

// The definition a child element named `name` has, and its type (a choice's from the name suffix).
struct Found {
  const ElementDef* def = nullptr;
  const TypeDef* type = nullptr;
};

Found FindElement(const Children& children, std::string_view name) {
  for (const ElementDef* def : children) {
    if (!def->choice) {
      if (def->name == name) return {def, def->type_defs.empty() ? nullptr : def->type_defs.front()};
      continue;
    }
    if (!name.starts_with(def->name) || name.size() <= def->name.size()) continue;
    std::string_view suffix = name.substr(def->name.size());
    for (const TypeDef* t : def->type_defs) {
      if (t != nullptr && !t->name.empty() && t->name.size() == suffix.size() &&
          std::toupper(static_cast<unsigned char>(t->name[0])) == suffix[0] &&
          std::string_view(t->name).substr(1) == suffix.substr(1)) {
        return {def, t};
      }
    }
  }
  return {};
}

Result<json::Value> Resource(const Model& model, const pugi::xml_node& node, Alloc& alloc);
Result<Ok> Fill(const Model& model, const pugi::xml_node& node, const Children& children, json::Value& object,
                Alloc& alloc);

// A primitive's JSON value from its `value` attribute: booleans and numbers are not strings.
json::Value PrimitiveValue(const TypeDef& type, std::string_view text, Alloc& alloc) {
  if (type.name == "boolean") return json::Value(text == "true");
  if (type.name == "integer" || type.name == "positiveInt" || type.name == "unsignedInt") {
    return json::Value(static_cast<int64_t>(std::stoll(std::string(text))));
  }
  if (type.name == "decimal") return json::Value(std::stod(std::string(text)));
  return Str(text, alloc);
}

// A primitive's "_name" object: its id and extensions, or null when it has neither.
Result<json::Value> PrimitiveExtras(const Model& model, const pugi::xml_node& node, const TypeDef& type,
                                    Alloc& alloc) {
  json::Value extras(rapidjson::kObjectType);
  KILN_TRY(Fill(model, node, *type.root_children, extras, alloc));
  if (extras.MemberCount() == 0) return json::Value();
  return extras;
}

// Adds one child element's value to `object` (as an array entry when it repeats).
Result<Ok> AddChild(const Model& model, const pugi::xml_node& child, const Found& found, json::Value& object,
                    Alloc& alloc) {
  std::string name(LocalName(child));
  if (found.def->choice) name = found.def->name + name.substr(found.def->name.size());
  json::Value value, extras;
  // An element defined by a content reference (Parameters.parameter.part) has no type of its
  // own: it is a backbone element with the children of the element it names.
  if (found.type == nullptr) {
    value.SetObject();
    KILN_TRY(Fill(model, child, *found.def->own_children, value, alloc));
  } else if (const TypeDef& type = *found.type; type.name == "xhtml") {
    value = Str(XmlText(child), alloc);
  } else if (type.kind == TypeKind::kPrimitive) {
    pugi::xml_attribute v = child.attribute("value");
    if (v) value = PrimitiveValue(type, v.value(), alloc);
    KILN_TRY_ASSIGN(extras, PrimitiveExtras(model, child, type, alloc));
  } else if (type.kind == TypeKind::kResource) {
    pugi::xml_node inner =
        child.find_child([](const pugi::xml_node& n) { return n.type() == pugi::node_element; });
    KILN_TRY_ASSIGN(value, Resource(model, inner, alloc));
  } else {
    value.SetObject();
    const Children* children =
        found.def->own_children != nullptr ? found.def->own_children : type.root_children;
    KILN_TRY(Fill(model, child, *children, value, alloc));
  }
  std::string ext_name(1, '_');
  ext_name += name;
  if (!found.def->is_array()) {
    if (!value.IsNull()) object.AddMember(Str(name, alloc), value, alloc);
    if (!extras.IsNull()) object.AddMember(Str(ext_name, alloc), extras, alloc);
    return Ok{};
  }
  if (!object.HasMember(name.c_str()))
    object.AddMember(Str(name, alloc), json::Value(rapidjson::kArrayType), alloc);
  json::Value& list = object[name.c_str()];
  rapidjson::SizeType at = list.Size();
  list.PushBack(value, alloc);
  if (!extras.IsNull() && !object.HasMember(ext_name.c_str())) {
    object.AddMember(Str(ext_name, alloc), json::Value(rapidjson::kArrayType), alloc);
  }
  if (object.HasMember(ext_name.c_str())) {
    json::Value& ext = object[ext_name.c_str()];
    while (ext.Size() < at) ext.PushBack(json::Value(), alloc);
    ext.PushBack(extras, alloc);
  }
  return Ok{};
}

// The attributes (`id`, `url`) and child elements of `node` as members of `object`.
Result<Ok> Fill(const Model& model, const pugi::xml_node& node, const Children& children, json::Value& object,
                Alloc& alloc) {
  for (const char* attr : {"id", "url"}) {
    if (pugi::xml_attribute a = node.attribute(attr))
      object.AddMember(Str(attr, alloc), Str(a.value(), alloc), alloc);
  }
  for (const pugi::xml_node& child : node.children()) {
    if (child.type() != pugi::node_element) continue;
    Found found = FindElement(children, LocalName(child));
    if (found.def == nullptr || (found.type == nullptr && found.def->own_children == nullptr)) {
      return Error::Make(Issue::kStructure, "unknown element <" + std::string(LocalName(child)) + "> in <" +
                                                std::string(LocalName(node)) + ">");
    }
    KILN_TRY(AddChild(model, child, found, object, alloc));
  }
  return Ok{};
}

Result<json::Value> Resource(const Model& model, const pugi::xml_node& node, Alloc& alloc) {
  const TypeDef* type = model.FindType(LocalName(node));
  if (type == nullptr || type->kind != TypeKind::kResource) {
    std::string message(LocalName(node));
    message += " is not a resource type";
    return Error::Make(Issue::kStructure, std::move(message));
  }
  json::Value out(rapidjson::kObjectType);
  out.AddMember("resourceType", Str(type->name, alloc), alloc);
  KILN_TRY(Fill(model, node, *type->root_children, out, alloc));
  return out;
}

}  // namespace

std::string XmlText(const pugi::xml_node& node) {
  std::ostringstream out;
  node.print(out, "", pugi::format_raw);
  return out.str();
}

Result<json::Document> FhirXmlToJson(const Model& model, const pugi::xml_node& resource) {
  json::Document doc;
  KILN_TRY_ASSIGN(json::Value v, Resource(model, resource, doc.GetAllocator()));
  static_cast<json::Value&>(doc).Swap(v);
  return doc;
}

}  // namespace kiln::core::testing
