// The syntax tree Compile builds and the evaluator walks. Private to src/core/fhirpath/.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/fhirpath/fhirpath.h"

namespace kiln::fhirpath {

struct FunctionDef;

enum class NodeKind : uint8_t {
  kLiteral,   // `literal`; {} is a literal with no item (`empty` set)
  kPath,      // [source.]a.b.c: member steps from `source` (or the focus), walked depth-first
  kFunction,  // [source.]fn(args)
  kIndexer,   // source[args[0]]
  kUnary,     // -source, +source
  kBinary,    // source op args[0]; a union has all its operands in args (a | b | c)
  kTypeOp,    // source is/as type
  kThis,      // $this
  kIndex,     // $index
  kTotal,     // $total
  kResource,  // %resource, %rootResource, %context: the evaluated resource
};

enum class Op : uint8_t {
  kNone,
  kMultiply,
  kDivide,
  kDiv,
  kMod,
  kAdd,
  kSubtract,
  kConcat,
  kUnion,
  kLess,
  kLessOrEqual,
  kGreater,
  kGreaterOrEqual,
  kEqual,
  kNotEqual,
  kEquivalent,
  kNotEquivalent,
  kIn,
  kContains,
  kAnd,
  kOr,
  kXor,
  kImplies,
  kIs,
  kAs,
  kNegate,
  kPlus,
};

// A type name as written: "Quantity", "FHIR.Patient", "System.String".
struct TypeSpec {
  std::string ns;  // "FHIR", "System" or empty (FHIR first, then System)
  std::string name;
};

struct Node {
  NodeKind kind = NodeKind::kLiteral;
  Op op = Op::kNone;
  size_t pos = 0;  // offset in the expression text, for messages
  int height = 1;  // of the subtree, path steps included: evaluation recurses this deep
  std::unique_ptr<Node> source;
  std::vector<std::unique_ptr<Node>> args;
  // kPath: member names. When the path starts at the focus and the first name is capitalised, it
  // names a type instead ("Patient.name" on a Patient), as FHIRPath allows.
  std::vector<std::string> steps;
  bool first_step_is_type = false;
  const FunctionDef* fn = nullptr;  // kFunction
  TypeSpec type;                    // kTypeOp, and functions taking a type (ofType, as, is)
  bool empty = false;               // kLiteral `{}`
  Item literal = Item::Boolean(false);
};

}  // namespace kiln::fhirpath
