// FHIRPath (hl7.org/fhirpath/N1, as FHIR R4 uses it: hl7.org/fhir/R4/fhirpath.html) over JSON
// resources, typed by the R4 model (core::Model). Its main user is search indexing, which evaluates
// every SearchParameter expression on each resource written, so evaluation allocates little: an
// evaluation works in a stack arena, and path steps walk the JSON without intermediate collections.
//
// Compile once (syntax errors are kInvalid; functions Kiln does not implement, such as memberOf, are
// kNotSupported), then evaluate as often as needed. Unknown type names (`is Foo`) are found at
// evaluation time, when the model is at hand. See README.md in this directory for what is covered.
//
// Thread-safety: an Expression is immutable and may be evaluated by many threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "core/model.h"
#include "core/result.h"
#include "core/time.h"

namespace kiln::fhirpath {

// An exact decimal, units / 10^scale: "1.50" is {150, 2}. FHIRPath decimals need exact arithmetic
// (1.2 * 1.8 = 2.16) and keep their precision (1.50.precision() = 2), so a double will not do.
struct Decimal {
  int64_t units = 0;
  int32_t scale = 0;  // digits after the point, 0..kMaxDecimalScale
};
inline constexpr int kMaxDecimalScale = 16;

// What an Item holds: a node of the input resource, or a value computed by the expression (the
// FHIRPath System types).
enum class ValueKind : uint8_t {
  kNode,      // a JSON node of the resource, typed by the model ("HumanName", "date", "Patient")
  kBoolean,   // System.Boolean
  kInteger,   // System.Integer
  kDecimal,   // System.Decimal
  kString,    // System.String
  kDate,      // System.Date, e.g. "2014-01" (text as in FHIR JSON)
  kDateTime,  // System.DateTime, e.g. "2014-01-01T08:05:00.000+08:00"
  kTime,      // System.Time, e.g. "10:30:00"
  kQuantity,  // System.Quantity: a decimal and a UCUM code ("mg") or calendar keyword ("week")
  kTypeInfo,  // the result of type(): "System.Integer", "FHIR.Patient"
};

// One item of a collection. Node items point into the evaluated resource and the model, which
// must outlive them; computed items own their values.
class Item {
 public:
  // A node of the resource. `node` is the JSON value (object, string, number, bool) and may be
  // null for a primitive that has only an extension; `ext` is a primitive's "_name" sibling object,
  // if any; `element` is the definition it was reached through (null for resources).
  static Item Node(const json::Value* node, const json::Value* ext, const core::TypeDef* type,
                   const core::ElementDef* element);
  static Item Boolean(bool value);
  static Item Integer(int64_t value);
  static Item Number(Decimal value);  // a System.Decimal
  static Item String(std::string value);
  static Item Date(std::string text);
  static Item DateTime(std::string text);
  static Item Time(std::string text);
  static Item Quantity(Decimal value, std::string unit);
  static Item TypeInfo(std::string qualified_name);

  ValueKind kind() const { return kind_; }
  bool is_node() const { return kind_ == ValueKind::kNode; }
  // kNode: the JSON value; nullptr for computed values, for a primitive with only an extension, and
  // for the stand-in resolve() returns for a reference it cannot load ("Patient/123").
  const json::Value* node() const { return node_; }
  // kNode primitives: the "_name" object (its "id" and "extension"), or nullptr.
  const json::Value* primitive_extension() const { return ext_; }
  const core::TypeDef* type() const { return type_; }
  const core::ElementDef* element() const { return element_; }
  // "HumanName", "date", "Patient" for nodes; "Boolean", "String", ... for computed values.
  std::string_view type_name() const;

  bool boolean() const { return boolean_; }
  int64_t integer() const { return number_.units; }
  // kDecimal, and the value of a kQuantity (an integer is {value, 0}).
  Decimal decimal() const { return number_; }
  // kString; the text of kDate/kDateTime/kTime; the unit of kQuantity; the name of kTypeInfo.
  std::string_view text() const { return text_; }

 private:
  explicit Item(ValueKind kind) : kind_(kind) {}

  ValueKind kind_;
  bool boolean_ = false;
  const json::Value* node_ = nullptr;
  const json::Value* ext_ = nullptr;
  const core::TypeDef* type_ = nullptr;
  const core::ElementDef* element_ = nullptr;
  Decimal number_;
  std::string text_;
};

using Collection = std::vector<Item>;

struct Node;  // the syntax tree, private to this directory

// A compiled expression. Cheap to copy (the tree is shared and immutable).
class Expression {
 public:
  const std::string& text() const { return text_; }
  const Node& root() const { return *root_; }

 private:
  friend Result<Expression> Compile(std::string_view text);
  Expression(std::string text, std::shared_ptr<const Node> root)
      : text_(std::move(text)), root_(std::move(root)) {}

  std::string text_;
  std::shared_ptr<const Node> root_;
};

// Parses and checks an expression: kInvalid with the position on syntax errors, unknown functions
// and wrong argument counts; kNotSupported for functions that need a terminology server
// (memberOf, subsumes, subsumedBy) or profiles (conformsTo other than the core types' own).
Result<Expression> Compile(std::string_view text);

struct EvalOptions {
  // FHIRPath N1 makes `x as T` an error when x has several items. The R4 SearchParameter
  // expressions rely on it filtering instead ("(Observation.component.value as Quantity)"), as
  // HAPI and Blaze do, so that is the default; strict follows the specification.
  bool strict = false;
  // The clock for now(), today() and timeOfDay(); nullptr means the system clock.
  const Clock* clock = nullptr;
};

// Evaluates `e` on `resource`, which is also %resource, %rootResource and %context. Errors are
// kInvalid: type errors ('a' < 1), a collection where one item is required, unknown type names.
// REQUIRES: `resource` and `model` outlive the returned items that are nodes.
Result<Collection> Evaluate(const Expression& e, const json::Value& resource, const core::Model& model,
                            const EvalOptions& options = {});
// As above, appending to `out`: indexing that reuses one collection for every parameter of a
// resource then evaluates without touching the heap. On error, `out` keeps what it had.
Result<Ok> Evaluate(const Expression& e, const json::Value& resource, const core::Model& model,
                    Collection& out, const EvalOptions& options = {});

// Evaluates `e` with `context` (an item from an earlier evaluation on `resource`) as its input,
// `resource` still being %resource: for expressions relative to a node, such as the components
// of composite search parameters ("code" on each Observation.component).
Result<Ok> EvaluateAt(const Expression& e, const Item& context, const json::Value& resource,
                      const core::Model& model, Collection& out, const EvalOptions& options = {});

// The top-level members of a `type` resource that `e`, evaluated on it, can take nodes from
// ("Observation.code | Observation.component.code" reads {"code", "component"}): when none of
// them is present, the result holds no node of the resource. nullopt when the expression can
// reach further (%resource, the resource itself, functions of the whole focus) or its shape is
// not one this reading understands.
std::optional<std::vector<std::string>> MembersRead(const Expression& e, std::string_view type);
// Whether `resource` has one of the members `names` (as MembersRead gives them) in its JSON:
// "name", "_name" (a primitive's extensions only), or "nameXxx" (a choice: "value" as valueQuantity).
bool HasAnyMember(const json::Value& resource, const std::vector<std::string>& names);

// HasAnyMember for many questions about one resource: index-row extraction asks once per search
// parameter of the type, and comparing every member with every name each time was a quarter of
// the extraction's instructions. Refers to `resource`'s member names: keep it alive.
class MemberNames {
 public:
  explicit MemberNames(const json::Value& resource);
  bool HasAny(const std::vector<std::string>& names) const;

 private:
  bool all_ = false;                      // not an object: say yes to everything, as HasAnyMember
  std::vector<std::string_view> sorted_;  // the member names, a leading '_' removed
};

}  // namespace kiln::fhirpath
