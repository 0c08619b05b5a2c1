#include "core/fhirpath/ucum.h"

#include <charconv>
#include <cmath>
#include <iterator>
#include <string_view>

namespace kiln::fhirpath {

namespace {

enum Dim : uint8_t { kM, kG, kS, kK, kC, kCd, kMol, kRad, kIu };

struct Atom {
  std::string_view code;
  double factor;
  std::array<int8_t, 9> dims;
  bool metric;  // takes prefixes
};

// Dimension vectors in the order of Dim.
constexpr std::array<int8_t, 9> D(int m, int g, int s, int k = 0, int c = 0, int cd = 0, int mol = 0,
                                  int rad = 0, int iu = 0) {
  return {static_cast<int8_t>(m),   static_cast<int8_t>(g),   static_cast<int8_t>(s),
          static_cast<int8_t>(k),   static_cast<int8_t>(c),   static_cast<int8_t>(cd),
          static_cast<int8_t>(mol), static_cast<int8_t>(rad), static_cast<int8_t>(iu)};
}

constexpr double kPi = 3.14159265358979323846;

constexpr Atom kAtoms[] = {
    {"m", 1, D(1, 0, 0), true},
    {"g", 1, D(0, 1, 0), true},
    {"s", 1, D(0, 0, 1), true},
    {"K", 1, D(0, 0, 0, 1), true},
    {"C", 1, D(0, 0, 0, 0, 1), true},
    {"cd", 1, D(0, 0, 0, 0, 0, 1), true},
    {"mol", 1, D(0, 0, 0, 0, 0, 0, 1), true},
    {"eq", 1, D(0, 0, 0, 0, 0, 0, 1), true},
    {"osm", 1, D(0, 0, 0, 0, 0, 0, 1), true},
    {"kat", 1, D(0, 0, -1, 0, 0, 0, 1), true},
    {"U", 1e-6 / 60, D(0, 0, -1, 0, 0, 0, 1), true},
    {"rad", 1, D(0, 0, 0, 0, 0, 0, 0, 1), true},
    {"deg", kPi / 180, D(0, 0, 0, 0, 0, 0, 0, 1), false},
    {"[iU]", 1, D(0, 0, 0, 0, 0, 0, 0, 0, 1), true},
    {"[IU]", 1, D(0, 0, 0, 0, 0, 0, 0, 0, 1), true},
    {"L", 1e-3, D(3, 0, 0), true},
    {"l", 1e-3, D(3, 0, 0), true},
    {"t", 1e6, D(0, 1, 0), true},
    {"min", 60, D(0, 0, 1), false},
    {"h", 3600, D(0, 0, 1), false},
    {"d", 86400, D(0, 0, 1), false},
    {"wk", 604800, D(0, 0, 1), false},
    {"mo", 2629800, D(0, 0, 1), false},
    {"a", 31557600, D(0, 0, 1), false},
    {"Hz", 1, D(0, 0, -1), true},
    {"N", 1000, D(1, 1, -2), true},
    {"Pa", 1000, D(-1, 1, -2), true},
    {"bar", 1e8, D(-1, 1, -2), true},
    {"J", 1000, D(2, 1, -2), true},
    {"cal", 4184, D(2, 1, -2), true},
    {"W", 1000, D(2, 1, -3), true},
    {"A", 1, D(0, 0, -1, 0, 1), true},
    {"V", 1000, D(2, 1, -2, 0, -1), true},
    {"Ohm", 1000, D(2, 1, -1, 0, -2), true},
    {"m[Hg]", 133.322e6, D(-1, 1, -2), true},  // 133.322 kPa; base units are g, not kg
    {"m[H2O]", 9806650, D(-1, 1, -2), true},
    {"%", 1e-2, D(0, 0, 0), false},
    {"[ppth]", 1e-3, D(0, 0, 0), false},
    {"[ppm]", 1e-6, D(0, 0, 0), false},
    {"[ppb]", 1e-9, D(0, 0, 0), false},
    {"[in_i]", 0.0254, D(1, 0, 0), false},
    {"[ft_i]", 0.3048, D(1, 0, 0), false},
    {"[yd_i]", 0.9144, D(1, 0, 0), false},
    {"[mi_i]", 1609.344, D(1, 0, 0), false},
    {"[lb_av]", 453.59237, D(0, 1, 0), false},
    {"[oz_av]", 28.349523125, D(0, 1, 0), false},
    {"[gr]", 0.06479891, D(0, 1, 0), false},
};

struct Prefix {
  std::string_view code;
  double factor;
};

constexpr Prefix kPrefixes[] = {
    {"da", 1e1}, {"Y", 1e24},  {"Z", 1e21},  {"E", 1e18},  {"P", 1e15},  {"T", 1e12},  {"G", 1e9},
    {"M", 1e6},  {"k", 1e3},   {"h", 1e2},   {"d", 1e-1},  {"c", 1e-2},  {"m", 1e-3},  {"u", 1e-6},
    {"n", 1e-9}, {"p", 1e-12}, {"f", 1e-15}, {"a", 1e-18}, {"z", 1e-21}, {"y", 1e-24},
};

const Atom* FindAtom(std::string_view code) {
  for (const Atom& a : kAtoms) {
    if (a.code == code) return &a;
  }
  return nullptr;
}

void Combine(UnitTerm& into, const UnitTerm& t, int power) {
  into.factor *= std::pow(t.factor, power);
  for (size_t i = 0; i < into.dims.size(); ++i)
    into.dims[i] = static_cast<int8_t>(into.dims[i] + t.dims[i] * power);
}

// A recursive-descent reader of the UCUM grammar subset described in the header.
class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}

  std::optional<UnitTerm> Term() {
    UnitTerm result;
    int sign = 1;
    if (Peek('/')) {
      ++i_;
      sign = -1;
    }
    while (true) {
      auto c = Component();
      if (!c) return std::nullopt;
      Combine(result, *c, sign);
      if (Peek('.')) {
        sign = 1;
      } else if (Peek('/')) {
        sign = -1;
      } else {
        return result;
      }
      ++i_;
    }
  }

  bool AtEnd() const { return i_ == s_.size(); }

 private:
  bool Peek(char c) const { return i_ < s_.size() && s_[i_] == c; }
  static bool IsDigit(char c) { return c >= '0' && c <= '9'; }

  std::optional<UnitTerm> Component() {
    UnitTerm t;
    if (Peek('(')) {
      ++i_;
      auto inner = Term();
      if (!inner || !Peek(')')) return std::nullopt;
      ++i_;
      t = *inner;
    } else if (Peek('{')) {
      return Annotation() ? std::optional<UnitTerm>(t) : std::nullopt;
    } else if (i_ < s_.size() && IsDigit(s_[i_])) {
      auto n = Number();
      if (!n) return std::nullopt;
      t = *n;
    } else {
      auto simple = Simple();
      if (!simple) return std::nullopt;
      t = *simple;
    }
    int power = Exponent();
    if (power != 1) {
      UnitTerm powered;
      Combine(powered, t, power);
      t = powered;
    }
    if (Peek('{') && !Annotation()) return std::nullopt;
    return t;
  }

  bool Annotation() {
    size_t close = s_.find('}', i_);
    if (close == std::string_view::npos) return false;
    i_ = close + 1;
    return true;
  }

  // "1", "100", "10*3", "10^-2".
  std::optional<UnitTerm> Number() {
    double v = 0;
    size_t start = i_;
    while (i_ < s_.size() && IsDigit(s_[i_])) v = v * 10 + (s_[i_++] - '0');
    UnitTerm t;
    if (i_ - start == 2 && v == 10 && (Peek('*') || Peek('^'))) {
      ++i_;
      t.factor = std::pow(10.0, Exponent());
      return t;
    }
    t.factor = v;
    return t;
  }

  int Exponent() {
    size_t start = i_;
    int sign = 1;
    if (Peek('+') || Peek('-')) sign = s_[i_++] == '-' ? -1 : 1;
    int v = 0;
    size_t digits = i_;
    while (i_ < s_.size() && IsDigit(s_[i_])) v = v * 10 + (s_[i_++] - '0');
    if (i_ == digits) {
      i_ = start;
      return 1;
    }
    return sign * v;
  }

  std::optional<UnitTerm> Simple() {
    size_t start = i_;
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (c == '[') {
        size_t close = s_.find(']', i_);
        if (close == std::string_view::npos) return std::nullopt;
        i_ = close + 1;
      } else if (c == '.' || c == '/' || c == '(' || c == ')' || c == '{' || c == '+' || c == '-' ||
                 IsDigit(c)) {
        break;
      } else {
        ++i_;
      }
    }
    std::string_view symbol = s_.substr(start, i_ - start);
    if (symbol.empty()) return std::nullopt;
    UnitTerm t;
    if (const Atom* a = FindAtom(symbol)) {
      t.factor = a->factor;
      t.dims = a->dims;
      return t;
    }
    for (const Prefix& p : kPrefixes) {
      if (!symbol.starts_with(p.code)) continue;
      const Atom* a = FindAtom(symbol.substr(p.code.size()));
      if (a == nullptr || !a->metric) continue;
      t.factor = p.factor * a->factor;
      t.dims = a->dims;
      return t;
    }
    return std::nullopt;
  }

  std::string_view s_;
  size_t i_ = 0;
};

}  // namespace

std::optional<UnitTerm> ParseUcum(std::string_view code) {
  if (code.empty()) return std::nullopt;
  Reader r(code);
  auto t = r.Term();
  if (!t || !r.AtEnd()) return std::nullopt;
  return t;
}

std::optional<double> ConversionFactor(std::string_view from, std::string_view to) {
  if (from == to) return 1.0;
  auto a = ParseUcum(from), b = ParseUcum(to);
  if (!a || !b || a->dims != b->dims) return std::nullopt;
  return a->factor / b->factor;
}

std::string CanonicalCode(const UnitTerm& unit) {
  static constexpr std::string_view kBase[] = {"m", "g", "s", "K", "C", "cd", "mol", "rad", "[iU]"};
  static_assert(std::size(kBase) == std::tuple_size_v<decltype(UnitTerm::dims)>);
  std::string code;
  for (size_t i = 0; i < unit.dims.size(); ++i) {
    if (unit.dims[i] == 0) continue;
    if (!code.empty()) code += '.';
    code += kBase[i];
    if (unit.dims[i] != 1) code += std::to_string(unit.dims[i]);
  }
  return code.empty() ? "1" : code;
}

double ToBaseUnits(double value, double factor) {
  double v = value * factor;
  if (!std::isfinite(v) || v == 0) return v;
  char buf[32];
  auto printed = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific, 14);
  double rounded = v;
  std::from_chars(buf, printed.ptr, rounded, std::chars_format::scientific);
  return rounded;
}

}  // namespace kiln::fhirpath
