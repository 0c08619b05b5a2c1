#include "core/fhirpath/decimal.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace kiln::fhirpath {

namespace {

using Wide = __int128;

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

Wide Pow10(int n) {
  Wide p = 1;
  for (int i = 0; i < n; ++i) p *= 10;
  return p;
}

bool Fits(Wide v) { return v >= kMin && v <= kMax; }

// v / 10^n rounded half away from zero.
Wide DivRound(Wide v, int n) {
  if (n <= 0) return v;
  Wide p = Pow10(n);
  Wide q = v / p, r = v % p;
  if (r < 0) r = -r;
  if (2 * r >= p) q += v < 0 ? -1 : 1;
  return q;
}

// Brings a wide result back to 64-bit units, giving up digits after the point as needed.
std::optional<Decimal> Narrow(Wide units, int scale) {
  while (scale > kMaxDecimalScale || (!Fits(units) && scale > 0)) {
    units = DivRound(units, 1);
    --scale;
  }
  if (!Fits(units)) return std::nullopt;
  return Decimal{static_cast<int64_t>(units), scale};
}

// Both operands with the larger scale, as wide integers (never overflows: |units| < 2^63 and the
// factor is at most 10^16).
void Align(Decimal a, Decimal b, Wide& wa, Wide& wb, int& scale) {
  scale = std::max(a.scale, b.scale);
  wa = static_cast<Wide>(a.units) * Pow10(scale - a.scale);
  wb = static_cast<Wide>(b.units) * Pow10(scale - b.scale);
}

}  // namespace

std::optional<Decimal> ParseDecimal(std::string_view text) {
  size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
  Wide units = 0;
  int scale = 0, digits = 0, dropped = 0;
  bool point = false, round_up = false;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c == '.' && !point && digits > 0) {
      point = true;
      continue;
    }
    if (c < '0' || c > '9') return std::nullopt;
    if (point && scale == kMaxDecimalScale) {
      if (dropped++ == 0) round_up = c >= '5';
      continue;
    }
    units = units * 10 + (c - '0');
    if (units > Pow10(30)) return std::nullopt;
    ++digits;
    if (point) ++scale;
  }
  if (digits == 0 || (point && scale == 0 && dropped == 0)) return std::nullopt;
  if (round_up) ++units;
  return Narrow(negative ? -units : units, scale);
}

std::optional<Decimal> DecimalFromDouble(double v) {
  if (!std::isfinite(v)) return std::nullopt;
  char buf[400];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  if (ec != std::errc()) return std::nullopt;
  return ParseDecimal(std::string_view(buf, static_cast<size_t>(end - buf)));
}

std::string FormatDecimal(Decimal d) {
  Wide u = d.units;
  bool negative = u < 0;
  if (negative) u = -u;
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(u % 10)));
    u /= 10;
  } while (u > 0);
  while (static_cast<int>(digits.size()) <= d.scale) digits.insert(digits.begin(), '0');
  if (d.scale > 0) digits.insert(digits.end() - d.scale, '.');
  return negative ? "-" + digits : digits;
}

double ToDouble(Decimal d) { return std::strtod(FormatDecimal(d).c_str(), nullptr); }

int CompareDecimal(Decimal a, Decimal b) {
  Wide wa, wb;
  int scale;
  Align(a, b, wa, wb, scale);
  return wa < wb ? -1 : wa > wb ? 1 : 0;
}

Decimal Negate(Decimal d) {
  if (d.units == kMin) return Decimal{kMax, d.scale};  // off by one unit in the last place, never reached
  return Decimal{-d.units, d.scale};
}

std::optional<Decimal> Add(Decimal a, Decimal b) {
  Wide wa, wb;
  int scale;
  Align(a, b, wa, wb, scale);
  return Narrow(wa + wb, scale);
}

std::optional<Decimal> Subtract(Decimal a, Decimal b) {
  Wide wa, wb;
  int scale;
  Align(a, b, wa, wb, scale);
  return Narrow(wa - wb, scale);
}

std::optional<Decimal> Multiply(Decimal a, Decimal b) {
  return Narrow(static_cast<Wide>(a.units) * b.units, a.scale + b.scale);
}

std::optional<Decimal> Divide(Decimal a, Decimal b) {
  if (b.units == 0) return std::nullopt;
  // a/b = (a.units * 10^b.scale) / (b.units * 10^a.scale): both fit in 128 bits, and long
  // division then yields one digit after the point at a time without overflow.
  Wide n = static_cast<Wide>(a.units) * Pow10(b.scale);
  Wide d = static_cast<Wide>(b.units) * Pow10(a.scale);
  bool negative = (n < 0) != (d < 0);
  if (n < 0) n = -n;
  if (d < 0) d = -d;
  int want = std::max({8, a.scale, b.scale});
  Wide q = n / d, r = n % d;
  int scale = 0;
  for (; scale < want + 1 && q < Pow10(36); ++scale) {  // one extra digit to round on
    r *= 10;
    q = q * 10 + r / d;
    r %= d;
  }
  Wide rounded = DivRound(q, 1);
  auto result = Narrow(negative ? -rounded : rounded, scale - 1);
  if (!result) return std::nullopt;
  return Normalize(*result);
}

std::optional<int64_t> TruncatedDivide(Decimal a, Decimal b) {
  Wide wa, wb;
  int scale;
  Align(a, b, wa, wb, scale);
  if (wb == 0) return std::nullopt;
  Wide q = wa / wb;
  if (!Fits(q)) return std::nullopt;
  return static_cast<int64_t>(q);
}

std::optional<Decimal> Modulo(Decimal a, Decimal b) {
  Wide wa, wb;
  int scale;
  Align(a, b, wa, wb, scale);
  if (wb == 0) return std::nullopt;
  return Narrow(wa % wb, scale);
}

std::optional<Decimal> Rescale(Decimal d, int scale) {
  if (scale < 0 || scale > kMaxDecimalScale) return std::nullopt;
  if (scale >= d.scale) return Narrow(static_cast<Wide>(d.units) * Pow10(scale - d.scale), scale);
  return Narrow(DivRound(d.units, d.scale - scale), scale);
}

Decimal Truncate(Decimal d) { return Decimal{static_cast<int64_t>(d.units / Pow10(d.scale)), 0}; }

Decimal Floor(Decimal d) {
  Decimal t = Truncate(d);
  if (d.units < 0 && static_cast<Wide>(t.units) * Pow10(d.scale) != d.units) --t.units;
  return t;
}

Decimal Ceiling(Decimal d) {
  Decimal t = Truncate(d);
  if (d.units > 0 && static_cast<Wide>(t.units) * Pow10(d.scale) != d.units) ++t.units;
  return t;
}

Decimal Normalize(Decimal d, int min_scale) {
  while (d.scale > min_scale && d.units % 10 == 0) {
    d.units /= 10;
    --d.scale;
  }
  return d;
}

namespace {

// The value +/- half a unit in its last place, then cut to `digits` places toward -inf (low) or
// +inf (high). Precision beyond what the arithmetic carries yields nothing.
std::optional<Decimal> Boundary(Decimal d, int digits, bool high) {
  if (digits < 0 || digits > kMaxDecimalScale) return std::nullopt;
  int scale = d.scale + 1;
  if (scale > kMaxDecimalScale + 1) return std::nullopt;
  Wide units = static_cast<Wide>(d.units) * 10 + (high ? 5 : -5);
  if (digits >= scale) return Narrow(units * Pow10(digits - scale), digits);
  Wide p = Pow10(scale - digits);
  Wide q = units / p, r = units % p;
  if (r != 0 && high && units > 0) ++q;
  if (r != 0 && !high && units < 0) --q;
  return Narrow(q, digits);
}

}  // namespace

std::optional<Decimal> LowBoundary(Decimal d, int digits) { return Boundary(d, digits, false); }
std::optional<Decimal> HighBoundary(Decimal d, int digits) { return Boundary(d, digits, true); }

}  // namespace kiln::fhirpath
