#include "core/primitive.h"

#include <algorithm>
#include <array>
#include <cstdint>

namespace kiln::core {

namespace {

constexpr std::array<std::string_view, 20> kNames = {
    "boolean",      "integer", "positiveInt", "unsignedInt", "decimal", "string", "code",
    "id",           "uri",     "url",         "canonical",   "oid",     "uuid",   "markdown",
    "base64Binary", "date",    "dateTime",    "instant",     "time",    "xhtml",
};

std::string_view NameOf(Primitive type) { return kNames[static_cast<size_t>(type)]; }

// Joins message parts with one allocation (and, unlike "..." + std::string, without tripping
// GCC 12's false -Wrestrict warning at -O3).
template <class... Parts>
std::string Cat(const Parts&... parts) {
  std::string out;
  out.reserve((std::string_view(parts).size() + ...));
  (out.append(std::string_view(parts)), ...);
  return out;
}

// The datatypes regexes are written for Java, whose \s is exactly these six characters.
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLowerHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f'); }

// Echoes at most a short prefix of the value: base64 and markdown values can be megabytes long.
std::string Shown(std::string_view text) {
  constexpr size_t kMax = 60;
  if (text.size() <= kMax) return std::string(text);
  size_t cut = kMax;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // whole UTF-8 chars
  std::string out(text.substr(0, cut));
  return out.append("...");
}

std::optional<std::string> Bad(std::string_view text, Primitive type, std::string_view why) {
  std::string out = Cat("'", Shown(text), "' is not a valid ", NameOf(type));
  if (!why.empty()) out.append(": ").append(why);
  return out;
}

// Reads fixed-width digit fields from left to right.
struct Cursor {
  std::string_view s;
  size_t i = 0;
  bool Done() const { return i == s.size(); }
  bool Eat(char c) {
    if (i == s.size() || s[i] != c) return false;
    ++i;
    return true;
  }
  bool Digits(int n, int* out) {
    int v = 0;
    for (int k = 0; k < n; ++k, ++i) {
      if (i >= s.size() || !IsDigit(s[i])) return false;
      v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
  }
};

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

// hh:mm:ss(.s+)? with hh 00-23, mm 00-59, ss 00-60 (60 for leap seconds).
const char* ParseTime(Cursor& c) {
  int h, m, s;
  if (!c.Digits(2, &h) || !c.Eat(':') || !c.Digits(2, &m) || !c.Eat(':') || !c.Digits(2, &s)) {
    return "the time must be hh:mm:ss";
  }
  if (h > 23 || m > 59 || s > 60) return "time out of range";
  if (c.Eat('.')) {
    if (c.Done() || !IsDigit(c.s[c.i])) return "expected digits after the decimal point of the seconds";
    while (!c.Done() && IsDigit(c.s[c.i])) ++c.i;
  }
  return nullptr;
}

// Z, or +hh:mm / -hh:mm between -14:00 and +14:00.
const char* ParseZone(Cursor& c) {
  if (c.Eat('Z')) return nullptr;
  int h, m;
  if (!(c.Eat('+') || c.Eat('-')) || !c.Digits(2, &h) || !c.Eat(':') || !c.Digits(2, &m)) {
    return "the timezone must be Z or +hh:mm or -hh:mm";
  }
  if (m > 59 || h > 14 || (h == 14 && m != 0)) return "timezone offset out of range";
  return nullptr;
}

// date: YYYY(-MM(-DD)?)?; dateTime: a date, or a full date + Thh:mm:ss(.s)? + timezone;
// instant: the full dateTime form only. Dates must exist (no 2023-02-29).
std::optional<std::string> CheckDateTime(std::string_view s, Primitive type) {
  const char* partial =
      type == Primitive::kInstant ? "an instant needs YYYY-MM-DDThh:mm:ss and a timezone" : nullptr;
  Cursor c{s};
  int year, month, day;
  if (!c.Digits(4, &year)) return Bad(s, type, "expected a four-digit year");
  if (year == 0) return Bad(s, type, "year 0000 does not exist");
  if (c.Done()) return partial ? Bad(s, type, partial) : std::nullopt;
  if (!c.Eat('-') || !c.Digits(2, &month)) return Bad(s, type, "expected -MM after the year");
  if (month < 1 || month > 12) return Bad(s, type, "month must be 01 to 12");
  if (c.Done()) return partial ? Bad(s, type, partial) : std::nullopt;
  if (!c.Eat('-') || !c.Digits(2, &day)) return Bad(s, type, "expected -DD after the month");
  if (day < 1 || day > DaysInMonth(year, month)) return Bad(s, type, "day out of range for the month");
  if (c.Done()) return partial ? Bad(s, type, partial) : std::nullopt;
  if (type == Primitive::kDate) return Bad(s, type, "a date has no time part (use dateTime)");
  if (!c.Eat('T')) return Bad(s, type, "expected T between the date and the time");
  if (const char* why = ParseTime(c)) return Bad(s, type, why);
  if (c.Done()) return Bad(s, type, "a time of day needs a timezone (Z or +hh:mm)");
  if (const char* why = ParseZone(c)) return Bad(s, type, why);
  if (!c.Done()) return Bad(s, type, "unexpected characters after the timezone");
  return std::nullopt;
}

std::optional<std::string> CheckTime(std::string_view s) {
  Cursor c{s};
  if (const char* why = ParseTime(c)) return Bad(s, Primitive::kTime, why);
  if (!c.Done()) return Bad(s, Primitive::kTime, "expected hh:mm:ss(.sss) with no timezone");
  return std::nullopt;
}

// Quads of [A-Za-z0-9+/=], with whitespace allowed only between quads:
// (\s*([0-9a-zA-Z\+/=]){4}\s*)+
std::optional<std::string> CheckBase64(std::string_view s) {
  size_t count = 0;
  for (char ch : s) {
    if (IsSpace(ch)) {
      if (count % 4 != 0) return Bad(s, Primitive::kBase64Binary, "whitespace inside a group of four");
    } else if (IsDigit(ch) || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '+' ||
               ch == '/' || ch == '=') {
      ++count;
    } else {
      return Bad(s, Primitive::kBase64Binary, "characters must be A-Z, a-z, 0-9, +, / or =");
    }
  }
  if (count == 0 || count % 4 != 0) return Bad(s, Primitive::kBase64Binary, "length must be a multiple of 4");
  return std::nullopt;
}

// urn:oid:[0-2](\.(0|[1-9][0-9]*))+
std::optional<std::string> CheckOid(std::string_view s) {
  constexpr std::string_view kPrefix = "urn:oid:";
  if (!s.starts_with(kPrefix)) return Bad(s, Primitive::kOid, "must start with urn:oid:");
  std::string_view rest = s.substr(kPrefix.size());
  if (rest.size() < 3 || rest[0] < '0' || rest[0] > '2')
    return Bad(s, Primitive::kOid, "must start with 0, 1 or 2");
  for (size_t i = 1; i < rest.size();) {
    if (rest[i] != '.' || i + 1 == rest.size() || !IsDigit(rest[i + 1])) {
      return Bad(s, Primitive::kOid, "arcs must be numbers separated by dots");
    }
    size_t start = ++i;
    while (i < rest.size() && IsDigit(rest[i])) ++i;
    if (rest[start] == '0' && i - start > 1)
      return Bad(s, Primitive::kOid, "arcs must not have leading zeros");
  }
  return std::nullopt;
}

// urn:uuid: followed by lowercase 8-4-4-4-12 hex digits.
std::optional<std::string> CheckUuid(std::string_view s) {
  constexpr std::string_view kPrefix = "urn:uuid:";
  constexpr std::string_view kShape = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
  std::string_view rest = s.substr(std::min(s.size(), kPrefix.size()));
  bool ok = s.starts_with(kPrefix) && rest.size() == kShape.size();
  for (size_t i = 0; ok && i < rest.size(); ++i) ok = kShape[i] == '-' ? rest[i] == '-' : IsLowerHex(rest[i]);
  if (!ok) return Bad(s, Primitive::kUuid, "expected urn:uuid: and a lowercase 8-4-4-4-12 hex UUID");
  return std::nullopt;
}

// [A-Za-z0-9\-\.]{1,64}
std::optional<std::string> CheckId(std::string_view s) {
  if (s.size() > 64) return Bad(s, Primitive::kId, "at most 64 characters");
  for (char ch : s) {
    if (!(IsDigit(ch) || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '-' || ch == '.')) {
      return Bad(s, Primitive::kId, "only A-Z, a-z, 0-9, '-' and '.' are allowed");
    }
  }
  return std::nullopt;
}

// [^\s]+(\s[^\s]+)*: no leading or trailing whitespace, and never two whitespace characters in a row.
std::optional<std::string> CheckCode(std::string_view s) {
  if (IsSpace(s.front()) || IsSpace(s.back())) {
    return Bad(s, Primitive::kCode, "leading or trailing whitespace");
  }
  for (size_t i = 1; i < s.size(); ++i) {
    if (IsSpace(s[i]) && IsSpace(s[i - 1])) return Bad(s, Primitive::kCode, "consecutive whitespace");
  }
  return std::nullopt;
}

// [ \r\n\t\S]+ rejects only vertical tab and form feed; strings are capped at 1 MB of characters.
std::optional<std::string> CheckString(std::string_view s, Primitive type) {
  constexpr size_t kMaxChars = 1024 * 1024;
  for (char ch : s) {
    if (ch == '\v' || ch == '\f') return Bad(s, type, "vertical tab and form feed are not allowed");
  }
  if (s.size() > kMaxChars) {
    size_t chars = 0;
    for (char ch : s) chars += (static_cast<unsigned char>(ch) & 0xC0) != 0x80;
    if (chars > kMaxChars) return Bad(s, type, "longer than 1,048,576 characters");
  }
  return std::nullopt;
}

// uri, url, canonical: \S*
std::optional<std::string> CheckNoSpace(std::string_view s, Primitive type) {
  for (char ch : s) {
    if (IsSpace(ch)) return Bad(s, type, "whitespace is not allowed");
  }
  return std::nullopt;
}

std::optional<std::string> CheckRange(std::string_view shown, int64_t v, Primitive type) {
  if (type == Primitive::kPositiveInt && (v < 1 || v > INT32_MAX))
    return Bad(shown, type, "must be 1 to 2147483647");
  if (type == Primitive::kUnsignedInt && (v < 0 || v > INT32_MAX))
    return Bad(shown, type, "must be 0 to 2147483647");
  if (v < INT32_MIN || v > INT32_MAX) return Bad(shown, type, "out of the 32-bit range");
  return std::nullopt;
}

// integer: -?([0]|([1-9][0-9]*)); positiveInt: [1-9][0-9]*; unsignedInt: [0]|([1-9][0-9]*).
std::optional<std::string> CheckIntegerText(std::string_view s, Primitive type) {
  bool negative = s[0] == '-';
  std::string_view digits = s.substr(negative ? 1 : 0);
  bool ok = !digits.empty() && (digits[0] != '0' || digits.size() == 1) &&
            (!negative || type == Primitive::kInteger);
  for (size_t i = 0; ok && i < digits.size(); ++i) ok = IsDigit(digits[i]);
  if (!ok) return Bad(s, type, "expected a whole number without sign, fraction or leading zeros");
  if (digits.size() > 10) return CheckRange(s, negative ? INT64_MIN : INT64_MAX, type);
  int64_t v = 0;
  for (char d : digits) v = v * 10 + (d - '0');
  return CheckRange(s, negative ? -v : v, type);
}

// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
std::optional<std::string> CheckDecimalText(std::string_view s) {
  size_t i = 0;
  auto digits = [&] {
    size_t start = i;
    while (i < s.size() && IsDigit(s[i])) ++i;
    return i - start;
  };
  if (i < s.size() && s[i] == '-') ++i;
  size_t start = i;
  size_t n = digits();
  bool ok = n > 0 && (s[start] != '0' || n == 1);
  if (ok && i < s.size() && s[i] == '.') {
    ++i;
    ok = digits() > 0;
  }
  if (ok && i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    ok = digits() > 0;
  }
  if (!ok || i != s.size()) return Bad(s, Primitive::kDecimal, "expected a decimal number");
  return std::nullopt;
}

std::optional<std::string> CheckJsonInteger(const json::Value& v, Primitive type) {
  if (!v.IsNumber()) {
    return Cat("expected a JSON number for ", NameOf(type), ", found ",
               v.IsString() ? "a string" : "another type");
  }
  if (!v.IsInt64()) {
    std::string shown = v.IsUint64() ? std::to_string(v.GetUint64()) : json::Write(v);
    return v.IsUint64() ? CheckRange(shown, INT64_MAX, type)
                        : Bad(shown, type, "expected a whole number without fraction or exponent");
  }
  int64_t i = v.GetInt64();
  return CheckRange(std::to_string(i), i, type);
}

}  // namespace

std::optional<Primitive> PrimitiveNamed(std::string_view name) {
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<Primitive>(i);
  }
  return std::nullopt;
}

std::optional<std::string> CheckPrimitiveText(Primitive type, std::string_view text) {
  // json.html: primitive values are never empty; absent values are left out instead.
  if (text.empty()) return Cat("an empty ", NameOf(type), " is not allowed (leave the element out)");
  switch (type) {
    case Primitive::kBoolean:
      if (text == "true" || text == "false") return std::nullopt;
      return Bad(text, type, "expected true or false");
    case Primitive::kInteger:
    case Primitive::kPositiveInt:
    case Primitive::kUnsignedInt:
      return CheckIntegerText(text, type);
    case Primitive::kDecimal:
      return CheckDecimalText(text);
    case Primitive::kString:
    case Primitive::kMarkdown:
      return CheckString(text, type);
    case Primitive::kCode:
      return CheckCode(text);
    case Primitive::kId:
      return CheckId(text);
    case Primitive::kUri:
    case Primitive::kUrl:
    case Primitive::kCanonical:
      return CheckNoSpace(text, type);
    case Primitive::kOid:
      return CheckOid(text);
    case Primitive::kUuid:
      return CheckUuid(text);
    case Primitive::kBase64Binary:
      return CheckBase64(text);
    case Primitive::kDate:
    case Primitive::kDateTime:
    case Primitive::kInstant:
      return CheckDateTime(text, type);
    case Primitive::kTime:
      return CheckTime(text);
    case Primitive::kXhtml:
      // Narrative XHTML is only checked for its root; Kiln does not parse XML.
      if (text.starts_with("<div")) return std::nullopt;
      return Bad(text, type, "narrative must be an XHTML <div> element");
  }
  return "unknown primitive type";
}

std::optional<std::string> CheckPrimitive(Primitive type, const json::Value& value) {
  switch (type) {
    case Primitive::kBoolean:
      if (value.IsBool()) return std::nullopt;
      return Cat("expected JSON true or false for boolean", value.IsString() ? ", found a string" : "");
    case Primitive::kInteger:
    case Primitive::kPositiveInt:
    case Primitive::kUnsignedInt:
      return CheckJsonInteger(value, type);
    case Primitive::kDecimal:
      if (value.IsNumber()) return std::nullopt;
      return Cat("expected a JSON number for decimal", value.IsString() ? ", found a string" : "");
    default:
      break;
  }
  if (!value.IsString()) return Cat("expected a JSON string for ", NameOf(type));
  return CheckPrimitiveText(type, {value.GetString(), value.GetStringLength()});
}

std::optional<std::string> CheckPrimitive(std::string_view type_name, const json::Value& value) {
  std::optional<Primitive> type = PrimitiveNamed(type_name);
  if (!type) return Cat("'", type_name, "' is not a FHIR primitive type");
  return CheckPrimitive(*type, value);
}

}  // namespace kiln::core
