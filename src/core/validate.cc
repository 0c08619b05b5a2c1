// Validation of resources against the model, following the JSON rules of
// hl7.org/fhir/R4/json.html. One generic walk over the JSON, driven only by the model's element
// definitions; no resource type has rules of its own.
#include <array>
#include <cctype>
#include <charconv>
#include <cstring>

#include "core/model.h"
#include "core/primitive.h"

namespace kiln::core {

namespace {

using Children = std::vector<const ElementDef*>;

// Enough to fix a resource in a few rounds without letting a huge bad body flood the outcome.
constexpr size_t kMaxErrors = 100;

std::string_view ViewOf(const json::Value& s) { return {s.GetString(), s.GetStringLength()}; }

// "value[x]" for a choice element, else its name: how the spec and the diagnostics name it.
std::string Display(const ElementDef& e) { return e.choice ? e.name + "[x]" : e.name; }

// Joins message parts with one allocation (and, unlike "..." + std::string, without tripping
// GCC 12's false -Wrestrict warning at -O3).
template <class... Parts>
std::string Cat(const Parts&... parts) {
  std::string out;
  out.reserve((std::string_view(parts).size() + ...));
  (out.append(std::string_view(parts)), ...);
  return out;
}

// True if `suffix` is `type` with its first letter capitalised ("Quantity", "DateTime").
bool IsTypeSuffix(std::string_view suffix, std::string_view type) {
  if (suffix.size() != type.size() || suffix.empty()) return false;
  char first = type[0] >= 'a' && type[0] <= 'z' ? static_cast<char>(type[0] - 'a' + 'A') : type[0];
  return suffix[0] == first && suffix.substr(1) == type.substr(1);
}

// The element that a JSON member name stands for, and for choices the type its suffix picks.
struct Match {
  size_t index = 0;  // in the parent's children
  const ElementDef* element = nullptr;
  const TypeDef* type = nullptr;  // nullptr for backbone elements and content references
  bool is_primitive() const { return type != nullptr && type->kind == TypeKind::kPrimitive; }
};

// A linear scan: parents have at most a few dozen children, and most names differ in the first
// character, so this beats hashing a name per member.
bool FindElement(const Children& children, std::string_view name, Match* match) {
  for (size_t i = 0; i < children.size(); ++i) {
    const ElementDef& e = *children[i];
    // Lengths and first letters rule out nearly every other element before any memcmp.
    if ((e.choice ? name.size() <= e.name.size() : name.size() != e.name.size()) || name[0] != e.name[0] ||
        std::memcmp(name.data(), e.name.data(), e.name.size()) != 0) {
      continue;
    }
    if (!e.choice) {
      *match = {i, &e, e.type_defs.empty() ? nullptr : e.type_defs[0]};
      return true;
    }
    std::string_view suffix = name.substr(e.name.size());
    for (size_t t = 0; t < e.types.size(); ++t) {
      if (IsTypeSuffix(suffix, e.types[t])) {
        *match = {i, &e, e.type_defs[t]};
        return true;
      }
    }
  }
  return false;
}

// The member `name` (or `_name` when `extension`) of `object`, or nullptr. No allocation.
const json::Value* FindPartner(const json::Value& object, std::string_view name, bool extension) {
  size_t offset = extension ? 1 : 0;
  for (const auto& m : object.GetObject()) {
    std::string_view key = ViewOf(m.name);
    if (key.size() == name.size() + offset && (!extension || key[0] == '_') && key.substr(offset) == name) {
      return &m.value;
    }
  }
  return nullptr;
}

// Per object: which of its elements were seen as values (bit 1) and as `_x` extensions (bit 2).
class Marks {
 public:
  explicit Marks(size_t n) {
    if (n > inline_.size()) heap_.assign(n, 0);
  }
  uint8_t& operator[](size_t i) { return heap_.empty() ? inline_[i] : heap_[i]; }

 private:
  std::array<uint8_t, 64> inline_{};
  std::vector<uint8_t> heap_;
};

class Validator {
 public:
  Validator(const Model& model, std::string_view root) : model_(model) {
    path_.reserve(256);
    path_ = root;
  }
  Errors Take() && { return std::move(errors_); }

  // `path_` is where the resource sits: "Patient", "Bundle.entry[2].resource".
  void Resource(const TypeDef& type, const json::Value& object) { Object(*type.root_children, object, true); }

 private:
  // Extends `path_` by ".name" or "[index]" for one scope. Paths cost an append, not an allocation.
  class Step {
   public:
    Step(std::string& path, std::string_view name) : path_(path), size_(path.size()) {
      path.push_back('.');
      path.append(name);
    }
    Step(std::string& path, size_t index) : path_(path), size_(path.size()) {
      char buffer[24];
      auto end = std::to_chars(buffer, buffer + sizeof buffer, index).ptr;
      path.push_back('[');
      path.append(buffer, end);
      path.push_back(']');
    }
    ~Step() { path_.resize(size_); }
    Step(const Step&) = delete;
    Step& operator=(const Step&) = delete;

   private:
    std::string& path_;
    size_t size_;
  };

  bool Full() const { return errors_.items.size() >= kMaxErrors; }
  void Report(Issue issue, std::string diagnostics) {
    if (!Full()) errors_.items.push_back(Error::At(issue, path_, std::move(diagnostics)));
  }

  void Object(const Children& children, const json::Value& object, bool resource_root);
  void Values(const json::Value& object, const Match& match, std::string_view name, const json::Value& value);
  void Extensions(const json::Value& object, const Match& match, std::string_view name,
                  const json::Value& value);
  void One(const Match& match, std::string_view name, const json::Value& value);
  void Nested(const TypeDef& expected, std::string_view name, const json::Value& value);
  void Unknown(const Children& children, std::string_view name);
  void Repeated(const json::Value& object, const json::Value::Member& member, const Match& match);
  void Required(const Children& children, Marks& marks);
  bool DerivesFrom(const TypeDef& type, const TypeDef& base) const;

  const Model& model_;
  std::string path_;
  Errors errors_;
};

void Validator::Object(const Children& children, const json::Value& object, bool resource_root) {
  if (object.ObjectEmpty()) {
    Report(Issue::kStructure, "An element must not be an empty object (leave it out instead)");
    return;
  }
  Marks marks(children.size());
  for (const auto& member : object.GetObject()) {
    if (Full()) return;
    std::string_view key = ViewOf(member.name);
    if (resource_root && key == "resourceType") continue;  // checked by whoever found the type
    bool extension = !key.empty() && key[0] == '_';
    std::string_view name = extension ? key.substr(1) : key;
    Match match;
    if (name.empty() || !FindElement(children, name, &match)) {
      Unknown(children, key);
      continue;
    }
    uint8_t bit = extension ? 2 : 1;
    if (marks[match.index] & bit) {
      Repeated(object, member, match);
      continue;
    }
    marks[match.index] |= bit;
    Step step(path_, name);
    if (match.element->max == 0) {
      Report(Issue::kStructure, Cat("Element '", name, "' is not allowed here"));
    } else if (extension) {
      Extensions(object, match, name, member.value);
    } else {
      Values(object, match, name, member.value);
    }
  }
  Required(children, marks);
}

// An element with a `_x` extension only (no value) is present too (json.html#primitive).
void Validator::Required(const Children& children, Marks& marks) {
  for (size_t i = 0; i < children.size() && !Full(); ++i) {
    const ElementDef& e = *children[i];
    if (e.min == 0 || marks[i] != 0) continue;
    Step step(path_, e.name);
    Report(Issue::kRequired, Cat("Missing required element '", Display(e), "'"));
  }
}

void Validator::Values(const json::Value& object, const Match& match, std::string_view name,
                       const json::Value& value) {
  const ElementDef& e = *match.element;
  if (!e.is_array()) {
    if (value.IsArray()) {
      Report(Issue::kStructure, Cat("Element '", name, "' must be a single value, not a JSON array"));
    } else if (value.IsNull()) {
      Report(Issue::kStructure, Cat("Element '", name, "' must not be null (leave it out instead)"));
    } else {
      One(match, name, value);
    }
    return;
  }
  if (!value.IsArray()) {
    Report(Issue::kStructure, Cat("Element '", name, "' must be a JSON array (it repeats)"));
    return;
  }
  if (value.Empty()) {
    Report(Issue::kStructure, Cat("Element '", name, "' must not be an empty array"));
    return;
  }
  if (e.max > 1 && value.Size() > static_cast<unsigned>(e.max)) {
    Report(Issue::kStructure, Cat("Element '", name, "' allows at most ", std::to_string(e.max), " values"));
  }
  if (value.Size() < static_cast<unsigned>(e.min)) {
    Report(Issue::kRequired, Cat("Element '", name, "' needs at least ", std::to_string(e.min), " values"));
  }
  const json::Value* extensions = nullptr;
  for (rapidjson::SizeType i = 0; i < value.Size() && !Full(); ++i) {
    Step step(path_, i);
    if (!value[i].IsNull()) {
      One(match, name, value[i]);
      continue;
    }
    // json.html: a null only keeps a value array aligned with its `_x` array.
    if (extensions == nullptr && match.is_primitive()) extensions = FindPartner(object, name, true);
    if (extensions == nullptr || !extensions->IsArray() || i >= extensions->Size() ||
        (*extensions)[i].IsNull()) {
      Report(Issue::kStructure,
             Cat("A null in '", name, "' is only allowed where '_", name, "' has an extension"));
    }
  }
}

// `_x` holds the id and extensions of primitive values (json.html#primitive).
void Validator::Extensions(const json::Value& object, const Match& match, std::string_view name,
                           const json::Value& value) {
  std::string key = Cat("_", name);
  if (!match.is_primitive()) {
    Report(Issue::kStructure,
           Cat("'", key, "' is only allowed for primitive elements, and '", name, "' is not one"));
    return;
  }
  const Children& holder = *match.type->root_children;  // the primitive's id and extension
  if (!match.element->is_array()) {
    if (!value.IsObject()) {
      Report(Issue::kStructure, Cat("'", key, "' must be a JSON object"));
    } else {
      Object(holder, value, false);
    }
    return;
  }
  if (!value.IsArray() || value.Empty()) {
    Report(Issue::kStructure, Cat("'", key, "' must be a non-empty JSON array aligned with '", name, "'"));
    return;
  }
  const json::Value* values = FindPartner(object, name, false);
  if (values != nullptr && values->IsArray() && values->Size() != value.Size()) {
    Report(Issue::kStructure, Cat("'", key, "' must have as many entries as '", name, "'"));
  }
  for (rapidjson::SizeType i = 0; i < value.Size() && !Full(); ++i) {
    Step step(path_, i);
    const json::Value& item = value[i];
    if (item.IsObject()) {
      Object(holder, item, false);
    } else if (!item.IsNull()) {
      Report(Issue::kStructure, Cat("Entries of '", key, "' must be JSON objects or null"));
    } else if (values == nullptr || !values->IsArray() || i >= values->Size()) {
      // (A null facing a null value is reported once, by Values.)
      Report(Issue::kStructure, Cat("A null in '", key, "' needs a value at the same index of '", name, "'"));
    }
  }
}

// One value of an element: a primitive, a complex datatype, a backbone element or a resource.
void Validator::One(const Match& match, std::string_view name, const json::Value& value) {
  const ElementDef& e = *match.element;
  const Children* children = e.own_children;
  if (children == nullptr) {
    const TypeDef& type = *match.type;
    if (type.kind == TypeKind::kResource) return Nested(type, name, value);
    if (type.kind == TypeKind::kPrimitive) {
      std::optional<Primitive> primitive = PrimitiveNamed(type.name);
      std::optional<std::string> problem = primitive ? CheckPrimitive(*primitive, value)
                                                     : Cat("'", type.name, "' is not a known primitive type");
      if (problem) Report(Issue::kValue, Cat("Invalid value for element '", name, "': ", *problem));
      return;
    }
    children = type.root_children;
  }
  if (!value.IsObject()) {
    Report(Issue::kStructure, Cat("Element '", name, "' must be a JSON object"));
    return;
  }
  Object(*children, value, false);
}

// contained, Bundle.entry.resource, Parameters.parameter.resource: a whole resource, checked as
// the type its own resourceType names.
void Validator::Nested(const TypeDef& expected, std::string_view name, const json::Value& value) {
  if (!value.IsObject()) {
    Report(Issue::kStructure, Cat("Element '", name, "' must be a resource (a JSON object)"));
    return;
  }
  const json::Value* resource_type = json::Find(value, "resourceType");
  if (resource_type == nullptr || !resource_type->IsString()) {
    Report(Issue::kRequired, Cat("The resource in '", name, "' needs a resourceType string"));
    return;
  }
  Result<ResourceType> type = model_.FindResourceType(ViewOf(*resource_type));
  if (!type) {
    Report(Issue::kStructure, Cat(type.error().diagnostics, " in '", name, "'"));
  } else if (!DerivesFrom(type->def(), expected)) {
    Report(Issue::kStructure,
           Cat("Element '", name, "' must hold a ", expected.name, ", not a ", type->name()));
  } else {
    Resource(type->def(), value);
  }
}

bool Validator::DerivesFrom(const TypeDef& type, const TypeDef& base) const {
  for (const TypeDef* t = &type; t != nullptr; t = model_.FindType(t->base)) {
    if (t == &base) return true;
  }
  return false;
}

void Validator::Unknown(const Children& children, std::string_view key) {
  std::string_view shown = key.substr(0, 100);  // the key is client input of any length
  Step step(path_, shown);
  if (key == "resourceType") {
    Report(Issue::kStructure, "'resourceType' is only allowed at the root of a resource");
    return;
  }
  std::string_view name = key.starts_with('_') ? key.substr(1) : key;
  for (const ElementDef* e : children) {
    if (!e->choice || name.size() <= e->name.size() || !name.starts_with(e->name)) continue;
    std::string allowed;
    for (const std::string& type : e->types) {
      if (!allowed.empty()) allowed += ", ";
      allowed += e->name;
      allowed += static_cast<char>(std::toupper(static_cast<unsigned char>(type[0])));
      allowed.append(type, 1);
    }
    Report(Issue::kStructure, Cat("'", shown, "' is not an allowed type for the choice element '",
                                  Display(*e), "' (allowed: ", allowed, ")"));
    return;
  }
  Report(Issue::kStructure, Cat("Unknown element '", shown, "'"));
}

void Validator::Repeated(const json::Value& object, const json::Value::Member& member, const Match& match) {
  std::string_view key = ViewOf(member.name);
  Step step(path_, key);
  for (const auto& m : object.GetObject()) {
    if (&m == &member) break;
    if (ViewOf(m.name) == key) {
      Report(Issue::kStructure, Cat("Duplicate JSON member '", key, "'"));
      return;
    }
  }
  Report(Issue::kStructure, Cat("Element '", Display(*match.element), "' has more than one value"));
}

}  // namespace

Errors Validate(const Model& model, const ResourceType& type, const json::Value& resource) {
  Validator validator(model, type.name());
  if (!resource.IsObject() || json::GetString(resource, "resourceType") != type.name()) {
    Errors errors;
    errors.items.push_back(
        Error::At(Issue::kInvalid, std::string(type.name()),
                  Cat("The body must be a JSON object with resourceType '", type.name(), "'")));
    return errors;
  }
  validator.Resource(type.def(), resource);
  return std::move(validator).Take();
}

}  // namespace kiln::core
