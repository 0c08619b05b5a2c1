// The FHIR R4 model as data: every resource type, complex type and primitive type with its
// elements (types, cardinality, choice types, content references), loaded from the table that
// tools/gen_model.py generates from the official R4 StructureDefinitions (data/r4/model.json,
// compiled into the binary). No resource type has code of its own.
//
// Thread-safety: immutable after loading; share one Model by const& across all threads.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/json.h"
#include "core/result.h"

namespace kiln::core {

enum class TypeKind { kPrimitive, kComplex, kResource };

struct TypeDef;

struct ElementDef {
  std::string path;                // full path, e.g. "Patient.contact.name"
  std::string name;                // last segment; for choices without "[x]", e.g. "value"
  bool choice = false;             // was "value[x]": JSON names are name + capitalised type
  std::vector<std::string> types;  // type codes: "string", "HumanName", "BackboneElement", "Resource"
  int min = 0;
  int max = 1;                    // -1 for "*"
  std::string content_reference;  // e.g. "Questionnaire.item" for "#Questionnaire.item", else empty
  bool summary = false;           // isSummary: part of the _summary=true view
  bool is_array() const { return max != 1; }

  // Resolved when the model loads, so that validation does no lookups by name on its hot path.
  std::vector<const TypeDef*> type_defs;  // the TypeDef of each entry of `types`, same order
  // The children of a backbone element defined inline ("Patient.contact") or of the element its
  // content_reference names; nullptr when a value's children are those of its type.
  const std::vector<const ElementDef*>* own_children = nullptr;
};

struct TypeDef {
  std::string name;  // "Patient", "HumanName", "date"
  TypeKind kind = TypeKind::kComplex;
  bool is_abstract = false;
  std::string base;  // "DomainResource", "Element", ...
  // Elements by full path ("Patient.name", "Patient.contact.telecom"), root excluded.
  std::unordered_map<std::string, ElementDef> elements;
  // Children by parent path: "Patient" -> its direct elements, in definition order.
  std::unordered_map<std::string, std::vector<const ElementDef*>> children;
  // children.at(name): the direct elements of a value of this type. Never null once loaded.
  const std::vector<const ElementDef*>* root_children = nullptr;
};

// A concrete resource type, obtainable only from Model::FindResourceType, so an unknown type
// name can never travel past the edge of the system (style guide, rule 8).
class ResourceType {
 public:
  std::string_view name() const { return def_->name; }
  const TypeDef& def() const { return *def_; }
  friend bool operator==(const ResourceType& a, const ResourceType& b) { return a.def_ == b.def_; }

 private:
  friend class Model;
  explicit ResourceType(const TypeDef* def) : def_(def) {}
  const TypeDef* def_;
};

class Model {
 public:
  // Loads the table compiled into the binary.
  static Result<std::unique_ptr<Model>> LoadEmbedded();
  // Loads a table from JSON text in the format tools/gen_model.py writes.
  static Result<std::unique_ptr<Model>> LoadFromJson(std::string_view json_text);

  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  // The concrete (non-abstract) resource type of that exact name; kNotFound otherwise.
  Result<ResourceType> FindResourceType(std::string_view name) const;
  // Any type by name (resources, complex types, primitives); nullptr if unknown.
  const TypeDef* FindType(std::string_view name) const;
  // All concrete resource type names, sorted.
  const std::vector<std::string>& ResourceTypeNames() const { return resource_names_; }
  // Where the table came from (package and version), for the CapabilityStatement and docs.
  const std::string& source() const { return source_; }

 private:
  // Lets FindType look up a string_view without building a std::string.
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  Model() = default;
  Result<Ok> Resolve();

  std::unordered_map<std::string, TypeDef, NameHash, std::equal_to<>> types_;
  std::vector<std::string> resource_names_;
  std::string source_;
};

// Validates a resource against the model (hl7.org/fhir/R4/json.html): unknown elements, JSON
// shape (array vs single value), primitive formats, required elements, choice types, `_x`
// primitive extensions, contained resources. Reports every problem found, each with its
// FHIRPath `expression` (e.g. "Patient.birthDate"). kInvalid/kStructure/kValue/kRequired issues.
// REQUIRES: `resource` is a JSON object whose resourceType names `type`.
Errors Validate(const Model& model, const ResourceType& type, const json::Value& resource);

}  // namespace kiln::core
