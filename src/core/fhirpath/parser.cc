#include "core/fhirpath/parser.h"

#include <charconv>

#include "core/fhirpath/datetime.h"
#include "core/fhirpath/decimal.h"
#include "core/fhirpath/functions.h"
#include "core/fhirpath/lexer.h"

namespace kiln::fhirpath {

namespace {

using NodePtr = std::unique_ptr<Node>;

// Deep enough for any real expression, shallow enough that recursion (parsing, evaluation, and
// destroying the tree) cannot exhaust the stack on a hostile one: expressions arrive in tenants'
// SearchParameters. kMaxDepth bounds the parser's recursion, kMaxHeight the tree it builds.
constexpr int kMaxDepth = 200;
constexpr int kMaxHeight = 400;

// Recomputes n's height from its children; an error once the tree grows too tall.
Result<Ok> Measure(Node& n) {
  int h = n.source ? n.source->height : 0;
  for (const auto& a : n.args) h = std::max(h, a->height);
  n.height = h + 1 + static_cast<int>(n.steps.size());
  if (n.height > kMaxHeight) return SyntaxError(n.pos, "expression nested too deeply");
  return Ok{};
}

struct BinaryOp {
  Op op = Op::kNone;
  int precedence = 0;
};

NodePtr MakeNode(NodeKind kind, size_t pos) {
  auto n = std::make_unique<Node>();
  n->kind = kind;
  n->pos = pos;
  return n;
}

NodePtr MakeLiteral(Item item, size_t pos) {
  NodePtr n = MakeNode(NodeKind::kLiteral, pos);
  n->literal = std::move(item);
  return n;
}

// The string %constants FHIR defines (hl7.org/fhir/R4/fhirpath.html#vars).
std::optional<std::string> Constant(std::string_view name) {
  if (name == "ucum") return "http://unitsofmeasure.org";
  if (name == "sct") return "http://snomed.info/sct";
  if (name == "loinc") return "http://loinc.org";
  if (name.starts_with("vs-")) return "http://hl7.org/fhir/ValueSet/" + std::string(name.substr(3));
  if (name.starts_with("ext-"))
    return "http://hl7.org/fhir/StructureDefinition/" + std::string(name.substr(4));
  return std::nullopt;
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : t_(std::move(tokens)) {}

  Result<NodePtr> Run() {
    KILN_TRY_ASSIGN(NodePtr root, Expression(0));
    if (Peek().kind != TokenKind::kEnd) return Unexpected(Peek());
    return root;
  }

 private:
  const Token& Peek(size_t k = 0) const { return t_[std::min(i_ + k, t_.size() - 1)]; }
  static bool IsSymbol(const Token& t, std::string_view s) {
    return t.kind == TokenKind::kSymbol && t.text == s;
  }
  static bool IsWord(const Token& t, std::string_view w) {
    return t.kind == TokenKind::kIdentifier && t.text == w;
  }
  static bool IsName(const Token& t) {
    return t.kind == TokenKind::kIdentifier || t.kind == TokenKind::kDelimitedIdentifier;
  }

  static Error Unexpected(const Token& t) {
    if (t.kind == TokenKind::kEnd) return SyntaxError(t.pos, "unexpected end of expression");
    return SyntaxError(t.pos, "unexpected '" + t.text + "'");
  }

  Result<Ok> Expect(std::string_view symbol) {
    if (!IsSymbol(Peek(), symbol)) return SyntaxError(Peek().pos, "expected '" + std::string(symbol) + "'");
    ++i_;
    return Ok{};
  }

  static BinaryOp BinaryOpAt(const Token& t) {
    static constexpr std::pair<std::string_view, BinaryOp> kSymbols[] = {
        {"*", {Op::kMultiply, 10}}, {"/", {Op::kDivide, 10}},
        {"+", {Op::kAdd, 9}},       {"-", {Op::kSubtract, 9}},
        {"&", {Op::kConcat, 9}},    {"|", {Op::kUnion, 7}},
        {"<", {Op::kLess, 6}},      {"<=", {Op::kLessOrEqual, 6}},
        {">", {Op::kGreater, 6}},   {">=", {Op::kGreaterOrEqual, 6}},
        {"=", {Op::kEqual, 5}},     {"~", {Op::kEquivalent, 5}},
        {"!=", {Op::kNotEqual, 5}}, {"!~", {Op::kNotEquivalent, 5}},
    };
    static constexpr std::pair<std::string_view, BinaryOp> kWords[] = {
        {"div", {Op::kDiv, 10}},        {"mod", {Op::kMod, 10}}, {"is", {Op::kIs, 8}},
        {"as", {Op::kAs, 8}},           {"in", {Op::kIn, 4}},    {"contains", {Op::kContains, 4}},
        {"and", {Op::kAnd, 3}},         {"or", {Op::kOr, 2}},    {"xor", {Op::kXor, 2}},
        {"implies", {Op::kImplies, 1}},
    };
    if (t.kind == TokenKind::kSymbol) {
      for (const auto& [s, op] : kSymbols) {
        if (t.text == s) return op;
      }
    } else if (t.kind == TokenKind::kIdentifier) {
      for (const auto& [w, op] : kWords) {
        if (t.text == w) return op;
      }
    }
    return {};
  }

  Result<NodePtr> Expression(int min_precedence) {
    if (++depth_ > kMaxDepth) return SyntaxError(Peek().pos, "expression nested too deeply");
    KILN_TRY_ASSIGN(NodePtr left, Unary());
    while (true) {
      BinaryOp op = BinaryOpAt(Peek());
      if (op.op == Op::kNone || op.precedence < min_precedence) break;
      size_t pos = Peek().pos;
      ++i_;
      if (op.op == Op::kUnion && left->kind == NodeKind::kBinary && left->op == Op::kUnion) {
        // a | b | c is one union of three operands: no nesting, no re-copying of partial results.
        KILN_TRY_ASSIGN(NodePtr right, Expression(op.precedence + 1));
        left->args.push_back(std::move(right));
        KILN_TRY(Measure(*left));
        continue;
      }
      NodePtr n = MakeNode(NodeKind::kBinary, pos);
      n->op = op.op;
      n->source = std::move(left);
      if (op.op == Op::kIs || op.op == Op::kAs) {
        n->kind = NodeKind::kTypeOp;
        KILN_TRY_ASSIGN(n->type, TypeSpecifier());
      } else {
        KILN_TRY_ASSIGN(NodePtr right, Expression(op.precedence + 1));
        n->args.push_back(std::move(right));
      }
      KILN_TRY(Measure(*n));
      left = std::move(n);
    }
    --depth_;
    return left;
  }

  Result<NodePtr> Unary() {
    const Token& t = Peek();
    if (!IsSymbol(t, "-") && !IsSymbol(t, "+")) return Postfix();
    if (++depth_ > kMaxDepth) return SyntaxError(t.pos, "expression nested too deeply");
    bool negate = t.text == "-";
    size_t pos = t.pos;
    ++i_;
    KILN_TRY_ASSIGN(NodePtr operand, Unary());
    --depth_;
    if (operand->kind == NodeKind::kLiteral && !operand->empty) {
      // Fold signs into number literals, so that -1 is a constant.
      const Item& lit = operand->literal;
      if (!negate && (lit.kind() == ValueKind::kInteger || lit.kind() == ValueKind::kDecimal ||
                      lit.kind() == ValueKind::kQuantity)) {
        return operand;
      }
      if (lit.kind() == ValueKind::kInteger) return MakeLiteral(Item::Integer(-lit.integer()), pos);
      if (lit.kind() == ValueKind::kDecimal) return MakeLiteral(Item::Number(Negate(lit.decimal())), pos);
      if (lit.kind() == ValueKind::kQuantity) {
        return MakeLiteral(Item::Quantity(Negate(lit.decimal()), std::string(lit.text())), pos);
      }
    }
    NodePtr n = MakeNode(NodeKind::kUnary, pos);
    n->op = negate ? Op::kNegate : Op::kPlus;
    n->source = std::move(operand);
    KILN_TRY(Measure(*n));
    return n;
  }

  Result<NodePtr> Postfix() {
    KILN_TRY_ASSIGN(NodePtr node, Term());
    while (true) {
      KILN_TRY(Measure(*node));
      if (IsSymbol(Peek(), ".")) {
        ++i_;
        const Token& name = Peek();
        if (!IsName(name)) return Unexpected(name);
        ++i_;
        if (IsSymbol(Peek(), "(")) {
          KILN_TRY_ASSIGN(node, Function(std::move(node), name));
        } else if (node->kind == NodeKind::kPath) {
          node->steps.push_back(name.text);
        } else {
          NodePtr path = MakeNode(NodeKind::kPath, name.pos);
          path->source = std::move(node);
          path->steps.push_back(name.text);
          node = std::move(path);
        }
      } else if (IsSymbol(Peek(), "[")) {
        NodePtr n = MakeNode(NodeKind::kIndexer, Peek().pos);
        ++i_;
        n->source = std::move(node);
        KILN_TRY_ASSIGN(NodePtr index, Expression(0));
        n->args.push_back(std::move(index));
        KILN_TRY(Expect("]"));
        node = std::move(n);
      } else {
        return node;
      }
    }
  }

  Result<NodePtr> Term() {
    const Token& t = Peek();
    size_t pos = t.pos;
    switch (t.kind) {
      case TokenKind::kSymbol:
        if (t.text == "(") {
          ++i_;
          KILN_TRY_ASSIGN(NodePtr inner, Expression(0));
          KILN_TRY(Expect(")"));
          return inner;
        }
        if (t.text == "{" && IsSymbol(Peek(1), "}")) {
          i_ += 2;
          NodePtr n = MakeNode(NodeKind::kLiteral, pos);
          n->empty = true;
          return n;
        }
        return Unexpected(t);
      case TokenKind::kString:
        ++i_;
        return MakeLiteral(Item::String(t.text), pos);
      case TokenKind::kNumber:
        return NumberOrQuantity();
      case TokenKind::kDate:
      case TokenKind::kDateTime:
      case TokenKind::kTime:
        return TemporalLiteral();
      case TokenKind::kDollar:
        return Dollar();
      case TokenKind::kPercent:
        return Percent();
      case TokenKind::kIdentifier:
      case TokenKind::kDelimitedIdentifier: {
        ++i_;
        if (t.kind == TokenKind::kIdentifier && (t.text == "true" || t.text == "false")) {
          return MakeLiteral(Item::Boolean(t.text == "true"), pos);
        }
        if (IsSymbol(Peek(), "(")) return Function(nullptr, t);
        NodePtr path = MakeNode(NodeKind::kPath, pos);
        path->steps.push_back(t.text);
        path->first_step_is_type = t.text[0] >= 'A' && t.text[0] <= 'Z';
        return path;
      }
      case TokenKind::kEnd:
        break;
    }
    return Unexpected(t);
  }

  Result<NodePtr> NumberOrQuantity() {
    const Token& number = t_[i_++];
    const Token& next = Peek();
    bool has_unit = next.kind == TokenKind::kString || (next.kind == TokenKind::kIdentifier &&
                                                        CalendarUnitNamed(next.text) != CalendarUnit::kNone);
    if (has_unit || number.text.find('.') != std::string::npos) {
      auto value = ParseDecimal(number.text);
      if (!value) return SyntaxError(number.pos, "number out of range");
      if (!has_unit) return MakeLiteral(Item::Number(*value), number.pos);
      ++i_;
      return MakeLiteral(Item::Quantity(*value, next.text), number.pos);
    }
    int64_t v = 0;
    auto [end, ec] = std::from_chars(number.text.data(), number.text.data() + number.text.size(), v);
    if (ec != std::errc() || end != number.text.data() + number.text.size()) {
      return SyntaxError(number.pos, "integer out of range");
    }
    return MakeLiteral(Item::Integer(v), number.pos);
  }

  Result<NodePtr> TemporalLiteral() {
    const Token& t = t_[i_++];
    TemporalKind kind = t.kind == TokenKind::kDate       ? TemporalKind::kDate
                        : t.kind == TokenKind::kDateTime ? TemporalKind::kDateTime
                                                         : TemporalKind::kTime;
    if (!ParseTemporal(t.text, kind))
      return SyntaxError(t.pos, "invalid date/time literal '@" + t.text + "'");
    if (kind == TemporalKind::kDate) return MakeLiteral(Item::Date(t.text), t.pos);
    if (kind == TemporalKind::kDateTime) return MakeLiteral(Item::DateTime(t.text), t.pos);
    return MakeLiteral(Item::Time(t.text), t.pos);
  }

  Result<NodePtr> Dollar() {
    const Token& t = t_[i_++];
    if (t.text == "this") return MakeNode(NodeKind::kThis, t.pos);
    if (t.text == "index") return MakeNode(NodeKind::kIndex, t.pos);
    if (t.text == "total") return MakeNode(NodeKind::kTotal, t.pos);
    return SyntaxError(t.pos, "unknown variable '$" + t.text + "'");
  }

  Result<NodePtr> Percent() {
    const Token& t = t_[i_++];
    if (t.text == "resource" || t.text == "rootResource" || t.text == "context") {
      return MakeNode(NodeKind::kResource, t.pos);
    }
    if (auto value = Constant(t.text)) return MakeLiteral(Item::String(std::move(*value)), t.pos);
    return SyntaxError(t.pos, "unknown variable '%" + t.text + "'");
  }

  Result<NodePtr> Function(NodePtr source, const Token& name) {
    NodePtr n = MakeNode(NodeKind::kFunction, name.pos);
    n->source = std::move(source);
    KILN_TRY(Expect("("));
    if (!IsSymbol(Peek(), ")")) {
      while (true) {
        KILN_TRY_ASSIGN(NodePtr arg, Expression(0));
        n->args.push_back(std::move(arg));
        if (!IsSymbol(Peek(), ",")) break;
        ++i_;
      }
    }
    KILN_TRY(Expect(")"));
    const FunctionDef* fn = FindFunction(name.text);
    if (fn == nullptr) return SyntaxError(name.pos, "unknown function '" + name.text + "'");
    if (!fn->unsupported.empty()) {
      return Error::Make(Issue::kNotSupported, "FHIRPath function " + name.text +
                                                   "() is not supported: " + std::string(fn->unsupported));
    }
    int argc = static_cast<int>(n->args.size());
    if (argc < fn->min_args || argc > fn->max_args) {
      return SyntaxError(name.pos,
                         name.text + "() takes " + std::to_string(fn->min_args) +
                             (fn->max_args != fn->min_args ? " to " + std::to_string(fn->max_args) : "") +
                             " argument(s), not " + std::to_string(argc));
    }
    n->fn = fn;
    KILN_TRY(Measure(*n));
    if (fn->type_arg) {
      const Node& arg = *n->args[0];
      if (arg.kind != NodeKind::kPath || arg.source || arg.steps.empty() || arg.steps.size() > 2) {
        return SyntaxError(arg.pos, name.text + "() expects a type name");
      }
      if (arg.steps.size() == 2) n->type.ns = arg.steps[0];
      n->type.name = arg.steps.back();
    }
    return n;
  }

  // identifier, or FHIR.identifier / System.identifier.
  Result<TypeSpec> TypeSpecifier() {
    if (!IsName(Peek())) return SyntaxError(Peek().pos, "expected a type name");
    TypeSpec spec;
    spec.name = t_[i_++].text;
    if ((spec.name == "FHIR" || spec.name == "System") && IsSymbol(Peek(), ".") && IsName(Peek(1))) {
      spec.ns = std::move(spec.name);
      spec.name = Peek(1).text;
      i_ += 2;
    }
    return spec;
  }

  std::vector<Token> t_;
  size_t i_ = 0;
  int depth_ = 0;
};

}  // namespace

Result<std::unique_ptr<Node>> Parse(std::string_view text) {
  KILN_TRY_ASSIGN(std::vector<Token> tokens, Lex(text));
  return Parser(std::move(tokens)).Run();
}

}  // namespace kiln::fhirpath
