// FHIRPath Patch (hl7.org/fhir/R4/fhirpatch.html). Each operation's path is evaluated with the
// FHIRPath engine; the items it returns point into the resource's JSON, so an edit first finds
// where that node sits (which object, which member, which array position) and then changes the
// document there. The model says which elements repeat and what a nested `part` value's
// children are, so values are built in the shape FHIR JSON requires.
#include <cctype>
#include <optional>
#include <string>
#include <vector>

#include "core/fhirpath/fhirpath.h"
#include "core/patch.h"

namespace kiln::core {

namespace {

using Alloc = json::Document::AllocatorType;
using Children = std::vector<const ElementDef*>;

Error Malformed(std::string message) { return Error::Make(Issue::kInvalid, "FHIRPath Patch: " + message); }

Error NotApplicable(std::string_view path, std::string message) {
  Error e = Error::At(Issue::kInvalid, std::string(path), "FHIRPath Patch: " + message);
  e.http_status = kPatchNotApplicable;
  return e;
}

json::Value Key(std::string_view s) {
  return json::Value(rapidjson::StringRef(s.data(), static_cast<rapidjson::SizeType>(s.size())));
}

json::Value* Member(json::Value& object, std::string_view name) {
  auto it = object.FindMember(Key(name));
  return it == object.MemberEnd() ? nullptr : &it->value;
}

// A value of a Parameters part: value[x] (with its "_value[x]" primitive extension) or nested parts.
struct PartValue {
  const json::Value* value = nullptr;
  const json::Value* extension = nullptr;
  std::string type;  // the [x] of value[x], e.g. "Date", "CodeableConcept"
  const json::Value* parts = nullptr;
};

PartValue ValueOf(const json::Value& part) {
  PartValue out;
  for (auto it = part.MemberBegin(); it != part.MemberEnd(); ++it) {
    std::string_view name(it->name.GetString(), it->name.GetStringLength());
    if (name.starts_with("value") && name.size() > 5) {
      out.value = &it->value;
      out.type = std::string(name.substr(5));
    }
  }
  if (out.value != nullptr) out.extension = json::Find(part, "_value" + out.type);
  if (const json::Value* p = json::Find(part, "part"); p != nullptr && p->IsArray()) out.parts = p;
  return out;
}

// One operation of the patch, its parts picked out by name.
struct Operation {
  std::string type;
  std::string path;
  std::string name;
  const json::Value* value = nullptr;  // the "value" part itself
  std::optional<int64_t> index, source, destination;
};

Result<Operation> ReadOperation(const json::Value& parameter, size_t n) {
  std::string where = "operation " + std::to_string(n);
  if (!parameter.IsObject() || json::GetString(parameter, "name") != "operation") {
    return Malformed(where + " is not a parameter named 'operation'");
  }
  const json::Value* parts = json::Find(parameter, "part");
  if (parts == nullptr || !parts->IsArray()) return Malformed(where + " has no parts");
  Operation op;
  for (const json::Value& part : parts->GetArray()) {
    if (!part.IsObject()) return Malformed(where + " has a part that is not an object");
    std::string_view name = json::GetString(part, "name");
    PartValue v = ValueOf(part);
    auto text = [&](std::string& out) -> Result<Ok> {
      if (v.value == nullptr || !v.value->IsString()) {
        return Malformed(where + ": the part '" + std::string(name) + "' needs a string value");
      }
      out.assign(v.value->GetString(), v.value->GetStringLength());
      return Ok{};
    };
    auto integer = [&](std::optional<int64_t>& out) -> Result<Ok> {
      if (v.value == nullptr || !v.value->IsInt64()) {
        return Malformed(where + ": the part '" + std::string(name) + "' needs an integer value");
      }
      out = v.value->GetInt64();
      return Ok{};
    };
    if (name == "type") {
      KILN_TRY(text(op.type));
    } else if (name == "path") {
      KILN_TRY(text(op.path));
    } else if (name == "name") {
      KILN_TRY(text(op.name));
    } else if (name == "value") {
      op.value = &part;
    } else if (name == "index") {
      KILN_TRY(integer(op.index));
    } else if (name == "source") {
      KILN_TRY(integer(op.source));
    } else if (name == "destination") {
      KILN_TRY(integer(op.destination));
    } else {
      return Malformed(where + " has the unknown part '" + std::string(name) + "'");
    }
  }
  auto require = [&](bool present, const char* part) -> Result<Ok> {
    if (present) return Ok{};
    return Malformed(where + " (" + op.type + ") needs a '" + part + "' part");
  };
  if (op.type != "add" && op.type != "insert" && op.type != "delete" && op.type != "replace" &&
      op.type != "move") {
    return Malformed(where + " has the unknown type '" + op.type +
                     "' (add, insert, delete, replace or move)");
  }
  KILN_TRY(require(!op.path.empty(), "path"));
  if (op.type == "add") KILN_TRY(require(!op.name.empty(), "name"));
  if (op.type == "add" || op.type == "insert" || op.type == "replace") KILN_TRY(require(op.value, "value"));
  if (op.type == "insert") KILN_TRY(require(op.index.has_value(), "index"));
  if (op.type == "move") {
    KILN_TRY(require(op.source.has_value(), "source"));
    KILN_TRY(require(op.destination.has_value(), "destination"));
  }
  return op;
}

// ---- the model: which element a name is, and what its children are

// The element definitions of the children of a value reached through `def` as type `type`.
const Children* ChildrenOf(const ElementDef* def, const TypeDef* type) {
  if (def != nullptr && def->own_children != nullptr) return def->own_children;
  return type != nullptr ? type->root_children : nullptr;
}

// The type a value of `def` has, given the [x] of a choice ("Quantity"); nullptr if not one of its.
const TypeDef* TypeOf(const ElementDef& def, std::string_view choice_type) {
  if (!def.choice) return def.type_defs.empty() ? nullptr : def.type_defs.front();
  for (const TypeDef* t : def.type_defs) {
    if (t != nullptr && t->name.size() == choice_type.size() && !t->name.empty() &&
        std::toupper(static_cast<unsigned char>(t->name[0])) == choice_type[0] &&
        std::string_view(t->name).substr(1) == choice_type.substr(1)) {
      return t;
    }
  }
  return nullptr;
}

// The child named `name` ("gender", or for a choice either "value" or "valueQuantity"), and the
// JSON member name a value of type `value_type` ([x] form, e.g. "Quantity") takes for it.
struct Named {
  const ElementDef* def = nullptr;
  std::string json_name;
};

std::optional<Named> FindChild(const Children* children, std::string_view name, std::string_view value_type) {
  if (children == nullptr) return std::nullopt;
  for (const ElementDef* def : *children) {
    if (!def->choice) {
      if (def->name == name) return Named{def, def->name};
      continue;
    }
    if (name == def->name && !value_type.empty()) return Named{def, def->name + std::string(value_type)};
    if (name.size() > def->name.size() && name.starts_with(def->name) &&
        TypeOf(*def, name.substr(def->name.size())) != nullptr) {
      return Named{def, std::string(name)};
    }
  }
  return std::nullopt;
}

// ---- building values from parts

struct Built {
  json::Value value;
  json::Value extension;  // null when the value has no "_x" sibling
};

Result<Built> BuildValue(const json::Value& part, const ElementDef* def, const TypeDef* type, Alloc& alloc,
                         std::string_view path);

// Sets member `name` of `object`; a repeating element collects its values in an array.
Result<Ok> Place(json::Value& object, const Named& child, Built built, Alloc& alloc, std::string_view path) {
  json::Value* existing = Member(object, child.json_name);
  bool has_ext = !built.extension.IsNull();
  std::string ext_name = "_" + child.json_name;
  if (!child.def->is_array()) {
    if (existing != nullptr) {
      return NotApplicable(path,
                           "'" + child.json_name + "' is not a repeating element and is already present");
    }
    object.AddMember(json::Value(child.json_name.c_str(), alloc), built.value, alloc);
    if (has_ext) object.AddMember(json::Value(ext_name.c_str(), alloc), built.extension, alloc);
    return Ok{};
  }
  if (existing == nullptr) {
    object.AddMember(json::Value(child.json_name.c_str(), alloc), json::Value(rapidjson::kArrayType), alloc);
    existing = Member(object, child.json_name);
  }
  if (!existing->IsArray()) return NotApplicable(path, "'" + child.json_name + "' is not an array");
  rapidjson::SizeType at = existing->Size();
  existing->PushBack(built.value, alloc);
  json::Value* ext = Member(object, ext_name);
  if (has_ext && ext == nullptr) {
    object.AddMember(json::Value(ext_name.c_str(), alloc), json::Value(rapidjson::kArrayType), alloc);
    ext = Member(object, ext_name);
  }
  if (ext != nullptr && ext->IsArray()) {
    // "_given" runs parallel to "given": pad it with nulls up to the new entry.
    while (ext->Size() < at) ext->PushBack(json::Value(), alloc);
    if (has_ext) {
      ext->PushBack(built.extension, alloc);
    } else if (ext->Size() == at) {
      ext->PushBack(json::Value(), alloc);
    }
  }
  return Ok{};
}

Result<Built> BuildValue(const json::Value& part, const ElementDef* def, const TypeDef* type, Alloc& alloc,
                         std::string_view path) {
  PartValue v = ValueOf(part);
  if (v.value != nullptr) {
    Built b{json::Value(*v.value, alloc), json::Value()};
    if (v.extension != nullptr) b.extension.CopyFrom(*v.extension, alloc);
    return b;
  }
  if (v.parts == nullptr)
    return Malformed("the value part at '" + std::string(path) + "' has neither value[x] nor parts");
  // An anonymous (backbone) value given part by part.
  const Children* children = ChildrenOf(def, type);
  Built b{json::Value(rapidjson::kObjectType), json::Value()};
  for (const json::Value& sub : v.parts->GetArray()) {
    std::string_view name = json::GetString(sub, "name");
    PartValue sv = ValueOf(sub);
    auto child = FindChild(children, name, sv.type);
    if (!child) {
      return NotApplicable(path, "'" + std::string(name) + "' is not an element of " +
                                     (def != nullptr ? def->path : std::string("the value")));
    }
    KILN_TRY_ASSIGN(Built built, BuildValue(sub, child->def, TypeOf(*child->def, sv.type), alloc, path));
    KILN_TRY(Place(b.value, *child, std::move(built), alloc, path));
  }
  return b;
}

// ---- where an item sits in the document

struct Location {
  json::Value* object = nullptr;             // the object holding the member
  std::string member;                        // its JSON name, never the "_name" of an extension
  std::optional<rapidjson::SizeType> index;  // the position within the member's array
  bool in_extension = false;                 // found in "_member" (an extension-only primitive)

  json::Value& list() const { return *Member(*object, member); }
  json::Value* extension() const { return Member(*object, "_" + member); }
};

bool Locate(json::Value& v, const json::Value* target, Location& out) {
  if (v.IsArray()) {
    for (auto& e : v.GetArray()) {
      if (Locate(e, target, out)) return true;
    }
    return false;
  }
  if (!v.IsObject()) return false;
  for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
    std::string_view name(it->name.GetString(), it->name.GetStringLength());
    auto found = [&](std::optional<rapidjson::SizeType> index) {
      out.object = &v;
      out.member = std::string(name.starts_with("_") ? name.substr(1) : name);
      out.index = index;
      out.in_extension = name.starts_with("_");
      return true;
    };
    if (&it->value == target) return found(std::nullopt);
    if (it->value.IsArray()) {
      for (rapidjson::SizeType i = 0; i < it->value.Size(); ++i) {
        if (&it->value[i] == target) return found(i);
      }
    }
    if (Locate(it->value, target, out)) return true;
  }
  return false;
}

// The location of a node item; a primitive with only an extension is found through its "_x".
Result<Location> LocationOf(json::Document& doc, const fhirpath::Item& item, std::string_view path) {
  const json::Value* target = item.node() != nullptr ? item.node() : item.primitive_extension();
  Location loc;
  if (!item.is_node() || target == nullptr || target == &doc || !Locate(doc, target, loc)) {
    return NotApplicable(path, "'" + std::string(path) + "' does not select an element of the resource");
  }
  return loc;
}

// Removes what `loc` points at, with its "_x" extension, and an array that becomes empty.
void Erase(const Location& loc) {
  json::Value* ext = loc.extension();
  if (!loc.index) {
    loc.object->EraseMember(Key(loc.member));
    if (ext != nullptr) loc.object->EraseMember(Key("_" + loc.member));
    return;
  }
  json::Value& list = loc.list();
  list.Erase(list.Begin() + *loc.index);
  if (ext != nullptr && ext->IsArray() && *loc.index < ext->Size()) ext->Erase(ext->Begin() + *loc.index);
  if (list.Empty()) {
    loc.object->EraseMember(Key(loc.member));
    if (ext != nullptr) loc.object->EraseMember(Key("_" + loc.member));
  }
}

void InsertAt(json::Value& array, rapidjson::SizeType index, json::Value value, Alloc& alloc) {
  array.PushBack(value, alloc);
  for (rapidjson::SizeType i = array.Size() - 1; i > index; --i) array[i].Swap(array[i - 1]);
}

// ---- evaluating paths

struct Env {
  const Model& model;
  json::Document& doc;
  Alloc& alloc;
};

Result<fhirpath::Collection> Select(const Env& env, std::string_view path) {
  auto expr = fhirpath::Compile(path);
  if (!expr)
    return Malformed("the path '" + std::string(path) +
                     "' is not valid FHIRPath: " + expr.error().diagnostics);
  auto items = fhirpath::Evaluate(*expr, env.doc, env.model);
  if (!items) return NotApplicable(path, items.error().diagnostics);
  return std::move(items).value();
}

Result<fhirpath::Item> SelectOne(const Env& env, std::string_view path, std::string_view doing) {
  KILN_TRY_ASSIGN(fhirpath::Collection items, Select(env, path));
  if (items.empty())
    return NotApplicable(path, "No content found at " + std::string(path) + " when " + std::string(doing));
  if (items.size() > 1) {
    return NotApplicable(path, std::string(path) + " selects " + std::to_string(items.size()) +
                                   " elements; " + std::string(doing) + " needs exactly one");
  }
  return items.front();
}

// A repeating element selected by a path: the array, and the definition of its entries.
struct List {
  json::Value* object = nullptr;  // holds the array; null when the list is empty and absent
  std::string member;
  const ElementDef* def = nullptr;
  rapidjson::SizeType size = 0;
};

// When a path selects nothing, "X.name" (a plain last step) still names a list: the element
// `name` of the single X, empty so far.
Result<List> EmptyList(const Env& env, std::string_view path) {
  size_t dot = path.rfind('.');
  std::string_view last = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
  bool plain = !last.empty();
  for (char c : last) plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
  if (!plain) return NotApplicable(path, "No content found at " + std::string(path));
  KILN_TRY_ASSIGN(fhirpath::Item parent, SelectOne(env, path.substr(0, dot), "inserting"));
  auto child = FindChild(ChildrenOf(parent.element(), parent.type()), last, "");
  if (!child || !child->def->is_array() || parent.node() == nullptr || !parent.node()->IsObject()) {
    return NotApplicable(path, "'" + std::string(path) + "' is not a repeating element");
  }
  return List{const_cast<json::Value*>(parent.node()), child->json_name, child->def, 0};
}

Result<List> SelectList(const Env& env, std::string_view path) {
  KILN_TRY_ASSIGN(fhirpath::Collection items, Select(env, path));
  if (items.empty()) return EmptyList(env, path);
  List list;
  for (const fhirpath::Item& item : items) {
    KILN_TRY_ASSIGN(Location loc, LocationOf(env.doc, item, path));
    if (!loc.index)
      return NotApplicable(path, "'" + std::string(path) + "' is not a list (a repeating element)");
    if (list.object == nullptr) {
      list = List{loc.object, loc.member, item.element(), loc.list().Size()};
    } else if (loc.object != list.object || loc.member != list.member) {
      return NotApplicable(path, "'" + std::string(path) + "' selects elements of more than one list");
    }
  }
  return list;
}

// ---- the operations

Result<Ok> Add(const Env& env, const Operation& op) {
  KILN_TRY_ASSIGN(fhirpath::Item container, SelectOne(env, op.path, "adding"));
  if (container.node() == nullptr || !container.node()->IsObject()) {
    return NotApplicable(
        op.path, "'" + op.path + "' is a primitive value; elements can be added only to complex ones");
  }
  PartValue v = ValueOf(*op.value);
  auto child = FindChild(ChildrenOf(container.element(), container.type()), op.name, v.type);
  if (!child) {
    return NotApplicable(op.path,
                         "'" + op.name + "' is not an element of " + std::string(container.type_name()));
  }
  KILN_TRY_ASSIGN(Built built,
                  BuildValue(*op.value, child->def, TypeOf(*child->def, v.type), env.alloc, op.path));
  // The node is the resource's own JSON, reached through a const view for evaluation.
  return Place(const_cast<json::Value&>(*container.node()), *child, std::move(built), env.alloc, op.path);
}

Result<Ok> Insert(const Env& env, const Operation& op) {
  KILN_TRY_ASSIGN(List list, SelectList(env, op.path));
  if (*op.index < 0 || *op.index > list.size) {
    return NotApplicable(
        op.path, "index " + std::to_string(*op.index) + " is outside 0.." + std::to_string(list.size));
  }
  PartValue v = ValueOf(*op.value);
  const TypeDef* type = list.def != nullptr ? TypeOf(*list.def, v.type) : nullptr;
  KILN_TRY_ASSIGN(Built built, BuildValue(*op.value, list.def, type, env.alloc, op.path));
  if (Member(*list.object, list.member) == nullptr) {
    list.object->AddMember(json::Value(list.member.c_str(), env.alloc), json::Value(rapidjson::kArrayType),
                           env.alloc);
  }
  auto at = static_cast<rapidjson::SizeType>(*op.index);
  InsertAt(*Member(*list.object, list.member), at, std::move(built.value), env.alloc);
  json::Value* ext = Member(*list.object, "_" + list.member);
  if (!built.extension.IsNull() && ext == nullptr) {
    list.object->AddMember(json::Value(("_" + list.member).c_str(), env.alloc),
                           json::Value(rapidjson::kArrayType), env.alloc);
    ext = Member(*list.object, "_" + list.member);
  }
  if (ext != nullptr && ext->IsArray()) {
    while (ext->Size() < at) ext->PushBack(json::Value(), env.alloc);
    InsertAt(*ext, at, std::move(built.extension), env.alloc);
  }
  return Ok{};
}

Result<Ok> Delete(const Env& env, const Operation& op) {
  KILN_TRY_ASSIGN(fhirpath::Collection items, Select(env, op.path));
  if (items.empty()) return Ok{};  // nothing there: the delete has nothing to do
  if (items.size() > 1) {
    return NotApplicable(op.path, op.path + " selects " + std::to_string(items.size()) +
                                      " elements; delete removes exactly one");
  }
  KILN_TRY_ASSIGN(Location loc, LocationOf(env.doc, items.front(), op.path));
  Erase(loc);
  // FHIR JSON has no empty objects: an element left with no content goes too, up the tree.
  while (loc.object != &env.doc && loc.object->ObjectEmpty() && Locate(env.doc, loc.object, loc) &&
         !loc.in_extension) {
    Erase(loc);
  }
  return Ok{};
}

Result<Ok> Replace(const Env& env, const Operation& op) {
  KILN_TRY_ASSIGN(fhirpath::Item item, SelectOne(env, op.path, "replacing"));
  KILN_TRY_ASSIGN(Location loc, LocationOf(env.doc, item, op.path));
  const ElementDef* def = item.element();
  PartValue v = ValueOf(*op.value);
  const TypeDef* type = def != nullptr ? TypeOf(*def, v.type) : item.type();
  if (def != nullptr && def->choice && v.value != nullptr && type == nullptr) {
    return NotApplicable(op.path, "'" + v.type + "' is not a type " + def->path + " can have");
  }
  KILN_TRY_ASSIGN(Built built, BuildValue(*op.value, def, type, env.alloc, op.path));
  // A choice element changes its JSON name with its type (valueString -> valueQuantity).
  if (def != nullptr && def->choice && !loc.index && v.value != nullptr && loc.member != def->name + v.type) {
    Erase(loc);
    loc.member = def->name + v.type;
    loc.object->AddMember(json::Value(loc.member.c_str(), env.alloc), json::Value(), env.alloc);
  }
  json::Value* target = Member(*loc.object, loc.member);
  if (target == nullptr) {  // an extension-only primitive: the value joins its "_x"
    loc.object->AddMember(json::Value(loc.member.c_str(), env.alloc), json::Value(), env.alloc);
    target = Member(*loc.object, loc.member);
  }
  if (loc.index) {
    (*target)[*loc.index] = std::move(built.value);
  } else {
    *target = std::move(built.value);
  }
  // A primitive keeps its id and extensions unless the new value brings its own.
  if (!built.extension.IsNull()) {
    json::Value* ext = loc.extension();
    if (!loc.index) {
      if (ext != nullptr) {
        *ext = std::move(built.extension);
      } else {
        loc.object->AddMember(json::Value(("_" + loc.member).c_str(), env.alloc), built.extension, env.alloc);
      }
    } else if (ext != nullptr && ext->IsArray() && *loc.index < ext->Size()) {
      (*ext)[*loc.index] = std::move(built.extension);
    }
  }
  return Ok{};
}

Result<Ok> Move(const Env& env, const Operation& op) {
  KILN_TRY_ASSIGN(List list, SelectList(env, op.path));
  for (int64_t i : {*op.source, *op.destination}) {
    if (i < 0 || i >= list.size) {
      return NotApplicable(op.path, "index " + std::to_string(i) + " is outside the list (0.." +
                                        std::to_string(static_cast<int64_t>(list.size) - 1) + ")");
    }
  }
  auto from = static_cast<rapidjson::SizeType>(*op.source);
  auto to = static_cast<rapidjson::SizeType>(*op.destination);
  auto move_within = [&](json::Value& array) {
    if (!array.IsArray() || from >= array.Size() || to >= array.Size()) return;
    json::Value moving(std::move(array[from]));
    array.Erase(array.Begin() + from);
    InsertAt(array, to, std::move(moving), env.alloc);
  };
  move_within(*Member(*list.object, list.member));
  if (json::Value* ext = Member(*list.object, "_" + list.member)) move_within(*ext);
  return Ok{};
}

}  // namespace

Result<Ok> ApplyFhirPathPatch(const Model& model, const json::Value& parameters, json::Document& resource) {
  if (!parameters.IsObject() || json::GetString(parameters, "resourceType") != "Parameters") {
    return Malformed("the patch must be a Parameters resource");
  }
  std::vector<Operation> ops;
  if (const json::Value* params = json::Find(parameters, "parameter")) {
    if (!params->IsArray()) return Malformed("Parameters.parameter must be an array");
    for (const json::Value& p : params->GetArray()) {
      KILN_TRY_ASSIGN(Operation op, ReadOperation(p, ops.size()));
      ops.push_back(std::move(op));
    }
  }
  Env env{model, resource, resource.GetAllocator()};
  for (const Operation& op : ops) {
    if (op.type == "add") KILN_TRY(Add(env, op));
    if (op.type == "insert") KILN_TRY(Insert(env, op));
    if (op.type == "delete") KILN_TRY(Delete(env, op));
    if (op.type == "replace") KILN_TRY(Replace(env, op));
    if (op.type == "move") KILN_TRY(Move(env, op));
  }
  return Ok{};
}

}  // namespace kiln::core
