// String functions (hl7.org/fhirpath/N1/#string-manipulation, and encode/decode/escape/unescape
// from FHIRPath 2.0). Positions and lengths count Unicode code points, not bytes.
#include <regex>

#include "core/base64.h"
#include "core/fhirpath/functions.h"

namespace kiln::fhirpath {

namespace {

bool IsContinuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += !IsContinuation(c);
  return n;
}

// Byte offset of code point `n` (s.size() when past the end).
size_t OffsetOf(std::string_view s, size_t n) {
  size_t i = 0;
  for (; i < s.size(); ++i) {
    if (!IsContinuation(s[i]) && n-- == 0) return i;
  }
  return s.size();
}

// The input string; nullopt for an empty input; an error for anything but one string.
Result<std::optional<std::string_view>> InputString(const Call& c) {
  KILN_TRY_ASSIGN(const Item* item, c.SingleInput());
  if (item == nullptr) return std::optional<std::string_view>();
  Value v = ValueOf(*item);
  if (v.type != SysType::kString)
    return c.Fail("the input must be a String, not " + std::string(item->type_name()));
  return std::optional<std::string_view>(v.text);
}

Result<std::optional<std::string_view>> ArgString(const Call& c, size_t i, Buffer& tmp) {
  KILN_TRY_ASSIGN(const Item* item, c.SingleArg(i, tmp));
  if (item == nullptr) return std::optional<std::string_view>();
  Value v = ValueOf(*item);
  if (v.type != SysType::kString) return c.Fail("the argument must be a String");
  return std::optional<std::string_view>(v.text);
}

Result<std::optional<int64_t>> ArgInteger(const Call& c, size_t i, Buffer& tmp) {
  KILN_TRY_ASSIGN(const Item* item, c.SingleArg(i, tmp));
  if (item == nullptr) return std::optional<int64_t>();
  Value v = ValueOf(*item);
  if (v.type != SysType::kInteger) return c.Fail("the argument must be an Integer");
  return std::optional<int64_t>(v.number.units);
}

// The shape of most string functions: the input and one string argument, empty if either is.
using StringOp = Result<Ok> (*)(const Call&, std::string_view, std::string_view);
template <StringOp F>
Result<Ok> WithArg(const Call& c) {
  KILN_TRY_ASSIGN(auto s, InputString(c));
  Buffer tmp = c.NewBuffer();
  KILN_TRY_ASSIGN(auto a, ArgString(c, 0, tmp));
  if (!s || !a) return Ok{};
  return F(c, *s, *a);
}

Result<Ok> Push(const Call& c, Item item) {
  c.out.push_back(std::move(item));
  return Ok{};
}

Result<Ok> IndexOf(const Call& c, std::string_view s, std::string_view sub) {
  size_t at = s.find(sub);
  return Push(c, Item::Integer(
                     at == std::string_view::npos ? -1 : static_cast<int64_t>(CodePoints(s.substr(0, at)))));
}
Result<Ok> StartsWith(const Call& c, std::string_view s, std::string_view p) {
  return Push(c, Item::Boolean(s.starts_with(p)));
}
Result<Ok> EndsWith(const Call& c, std::string_view s, std::string_view p) {
  return Push(c, Item::Boolean(s.ends_with(p)));
}
Result<Ok> Contains(const Call& c, std::string_view s, std::string_view p) {
  return Push(c, Item::Boolean(s.find(p) != std::string_view::npos));
}

Result<Ok> Substring(const Call& c) {
  KILN_TRY_ASSIGN(auto s, InputString(c));
  Buffer t1 = c.NewBuffer(), t2 = c.NewBuffer();
  KILN_TRY_ASSIGN(auto start, ArgInteger(c, 0, t1));
  std::optional<int64_t> length;
  if (c.argc() == 2) {
    KILN_TRY_ASSIGN(length, ArgInteger(c, 1, t2));
  }
  if (!s || !start || *start < 0 || static_cast<size_t>(*start) >= CodePoints(*s)) return Ok{};
  size_t from = OffsetOf(*s, static_cast<size_t>(*start));
  size_t to = s->size();
  if (length && *length <= 0) to = from;
  if (length && *length > 0 && static_cast<uint64_t>(*length) < s->size()) {
    to = OffsetOf(*s, static_cast<size_t>(*start + *length));
  }
  return Push(c, Item::String(std::string(s->substr(from, to - from))));
}

std::string MapAscii(std::string_view s, bool upper) {
  std::string out(s);
  for (char& ch : out) {
    if (upper && ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 32);
    if (!upper && ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch + 32);
  }
  return out;
}

Result<Ok> Upper(const Call& c) {
  KILN_TRY_ASSIGN(auto s, InputString(c));
  if (s) c.out.push_back(Item::String(MapAscii(*s, true)));
  return Ok{};
}

Result<Ok> Lower(const Call& c) {
  KILN_TRY_ASSIGN(auto s, InputString(c));
  if (s) c.out.push_back(Item::String(MapAscii(*s, false)));
  return Ok{};
}

Result<Ok> Replace(const Call& c) {
  KILN_TRY_ASSIGN(auto s, InputString(c));
  Buffer t1 = c.NewBuffer(), t2 = c.NewBuffer();
  KILN_TRY_ASSIGN(auto pattern, ArgString(c, 0, t1));
  KILN_TRY_ASSIGN(auto with, ArgString(c, 1, t2));
  if (!s || !pattern || !with) return Ok{};
  if (s->size() * (with->size() + 1) > kMaxStringBytes) return c.Fail("the result would be too long");
  std::string out;
  if (pattern->empty()) {  // between every character, and at both ends
    out += *with;
    for (size_t i = 0; i < s->size(); ++i) {
      out += (*s)[i];
      if (i + 1 == s->size() || !IsContinuation((*s)[i + 1])) out += *with;
    }
    return Push(c, Item::String(std::move(out)));
  }
  size_t from = 0;
  for (size_t at; (at = s->find(*pattern, from)) != std::string_view::npos; from = at + pattern->size()) {
    out.append(s->substr(from, at - from)).append(*with);
  }
  out.append(s->substr(from));
  return Push(c, Item::String(std::move(out)));
}

// std::regex recurses per character matched, so long subjects could exhaust the stack.
constexpr size_t kMaxRegexSubject = 64 * 1024;

// FHIRPath regexes run in single-line mode (. matches newlines), which ECMAScript lacks.
Result<std::regex> MakeRegex(const Call& c, std::string_view pattern) {
  std::string p;
  bool in_class = false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    char ch = pattern[i];
    if (ch == '\\' && i + 1 < pattern.size()) {
      p += ch;
      p += pattern[++i];
      continue;
    }
    if (ch == '[') in_class = true;
    if (ch == ']') in_class = false;
    p += (ch == '.' && !in_class) ? std::string("[\\s\\S]") : std::string(1, ch);
  }
  try {
    return std::regex(p, std::regex::ECMAScript);
  } catch (const std::regex_error&) {
    return c.Fail("invalid regular expression '" + std::string(pattern) + "'");
  }
}

Result<Ok> MatchesImpl(const Call& c, std::string_view s, std::string_view pattern, bool full) {
  if (s.size() > kMaxRegexSubject) return c.Fail("the string is too long for a regular expression");
  KILN_TRY_ASSIGN(std::regex re, MakeRegex(c, pattern));
  bool m = full ? std::regex_match(s.begin(), s.end(), re) : std::regex_search(s.begin(), s.end(), re);
  return Push(c, Item::Boolean(m));
}
Result<Ok> Matches(const Call& c, std::string_view s, std::string_view p) {
  return MatchesImpl(c, s, p, false);
}
Result<Ok> MatchesFull(const Call& c, std::string_view s, std::string_view p) {
  return MatchesImpl(c, s, p, true);
}

Result<Ok> ReplaceMatches(const Call& c) {
  KILN_TRY_ASSIGN(auto s, InputString(c));
  Buffer t1 = c.NewBuffer(), t2 = c.NewBuffer();
  KILN_TRY_ASSIGN(auto pattern, ArgString(c, 0, t1));
  KILN_TRY_ASSIGN(auto with, ArgString(c, 1, t2));
  if (!s || !pattern || !with) return Ok{};
  if (pattern->empty()) return Push(c, Item::String(std::string(*s)));
  if (s->size() > kMaxRegexSubject) return c.Fail("the string is too long for a regular expression");
  KILN_TRY_ASSIGN(std::regex re, MakeRegex(c, *pattern));
  return Push(c, Item::String(std::regex_replace(std::string(*s), re, std::string(*with))));
}

Result<Ok> Length(const Call& c) {
  KILN_TRY_ASSIGN(auto s, InputString(c));
  if (s) c.out.push_back(Item::Integer(static_cast<int64_t>(CodePoints(*s))));
  return Ok{};
}

Result<Ok> ToChars(const Call& c) {
  KILN_TRY_ASSIGN(auto s, InputString(c));
  if (!s) return Ok{};
  for (size_t i = 0; i < s->size();) {
    size_t j = i + 1;
    while (j < s->size() && IsContinuation((*s)[j])) ++j;
    c.out.push_back(Item::String(std::string(s->substr(i, j - i))));
    i = j;
  }
  return Ok{};
}

Result<Ok> Trim(const Call& c) {
  KILN_TRY_ASSIGN(auto s, InputString(c));
  if (!s) return Ok{};
  size_t b = s->find_first_not_of(" \t\r\n"), e = s->find_last_not_of(" \t\r\n");
  return Push(c, Item::String(b == std::string_view::npos ? "" : std::string(s->substr(b, e - b + 1))));
}

Result<Ok> Split(const Call& c, std::string_view s, std::string_view sep) {
  if (sep.empty()) {
    c.out.push_back(Item::String(std::string(s)));
    return Ok{};
  }
  size_t from = 0;
  for (size_t at; (at = s.find(sep, from)) != std::string_view::npos; from = at + sep.size()) {
    c.out.push_back(Item::String(std::string(s.substr(from, at - from))));
  }
  return Push(c, Item::String(std::string(s.substr(from))));
}

Result<Ok> Join(const Call& c) {
  Buffer tmp = c.NewBuffer();
  std::optional<std::string_view> sep;
  if (c.argc() == 1) {
    KILN_TRY_ASSIGN(sep, ArgString(c, 0, tmp));
  }
  std::string out;
  for (size_t i = 0; i < c.input.size(); ++i) {
    Value v = ValueOf(c.input[i]);
    if (v.type != SysType::kString) return c.Fail("the input must be Strings");
    if (i > 0 && sep) out += *sep;
    out += v.text;
    if (out.size() > kMaxStringBytes) return c.Fail("the result would be too long");
  }
  return Push(c, Item::String(std::move(out)));
}

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out;
}

std::optional<std::string> Unhex(std::string_view s) {
  if (s.size() % 2 != 0) return std::nullopt;
  std::string out;
  for (size_t i = 0; i < s.size(); i += 2) {
    int v = 0;
    for (char h : {s[i], s[i + 1]}) {
      int d = (h >= '0' && h <= '9')                     ? h - '0'
              : ((h | 0x20) >= 'a' && (h | 0x20) <= 'f') ? (h | 0x20) - 'a' + 10
                                                         : -1;
      if (d < 0) return std::nullopt;
      v = v * 16 + d;
    }
    out += static_cast<char>(v);
  }
  return out;
}

std::string Swap(std::string s, char a, char b, char x, char y) {
  for (char& ch : s) ch = ch == a ? x : ch == b ? y : ch;
  return s;
}

Result<Ok> Encode(const Call& c, std::string_view s, std::string_view format) {
  if (format == "hex") return Push(c, Item::String(Hex(s)));
  if (format == "base64") return Push(c, Item::String(Base64Encode(s)));
  if (format == "urlbase64") return Push(c, Item::String(Swap(Base64Encode(s), '+', '/', '-', '_')));
  return c.Fail("unknown format '" + std::string(format) + "'");
}

Result<Ok> Decode(const Call& c, std::string_view s, std::string_view format) {
  std::optional<std::string> out;
  if (format == "hex") {
    out = Unhex(s);
  } else if (format == "base64") {
    out = Base64Decode(s);
  } else if (format == "urlbase64") {
    out = Base64Decode(Swap(std::string(s), '-', '_', '+', '/'));
  } else {
    return c.Fail("unknown format '" + std::string(format) + "'");
  }
  if (out) c.out.push_back(Item::String(std::move(*out)));
  return Ok{};
}

constexpr std::pair<std::string_view, std::string_view> kHtml[] = {
    {"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}, {"\"", "&quot;"}, {"'", "&#39;"}};
constexpr std::pair<std::string_view, std::string_view> kJson[] = {
    {"\\", "\\\\"}, {"\"", "\\\""}, {"\n", "\\n"}, {"\r", "\\r"}, {"\t", "\\t"}};

// Replaces each `from` with `to` (or back), scanning once so replacements are not rescanned.
template <size_t N>
std::string Translate(std::string_view s, const std::pair<std::string_view, std::string_view> (&table)[N],
                      bool back) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    bool done = false;
    for (const auto& [plain, coded] : table) {
      std::string_view from = back ? coded : plain, to = back ? plain : coded;
      if (s.substr(i).starts_with(from)) {
        out += to;
        i += from.size();
        done = true;
        break;
      }
    }
    if (!done) out += s[i++];
  }
  return out;
}

Result<Ok> EscapeImpl(const Call& c, std::string_view s, std::string_view target, bool back) {
  if (target == "html") return Push(c, Item::String(Translate(s, kHtml, back)));
  if (target == "json") return Push(c, Item::String(Translate(s, kJson, back)));
  return c.Fail("unknown target '" + std::string(target) + "'");
}
Result<Ok> Escape(const Call& c, std::string_view s, std::string_view t) {
  return EscapeImpl(c, s, t, false);
}
Result<Ok> Unescape(const Call& c, std::string_view s, std::string_view t) {
  return EscapeImpl(c, s, t, true);
}

constexpr FunctionDef kFunctions[] = {
    {"indexOf", 1, 1, WithArg<IndexOf>},
    {"substring", 1, 2, Substring},
    {"startsWith", 1, 1, WithArg<StartsWith>},
    {"endsWith", 1, 1, WithArg<EndsWith>},
    {"contains", 1, 1, WithArg<Contains>},
    {"upper", 0, 0, Upper},
    {"lower", 0, 0, Lower},
    {"replace", 2, 2, Replace},
    {"matches", 1, 1, WithArg<Matches>},
    {"matchesFull", 1, 1, WithArg<MatchesFull>},
    {"replaceMatches", 2, 2, ReplaceMatches},
    {"length", 0, 0, Length},
    {"toChars", 0, 0, ToChars},
    {"trim", 0, 0, Trim},
    {"split", 1, 1, WithArg<Split>},
    {"join", 0, 1, Join},
    {"encode", 1, 1, WithArg<Encode>},
    {"decode", 1, 1, WithArg<Decode>},
    {"escape", 1, 1, WithArg<Escape>},
    {"unescape", 1, 1, WithArg<Unescape>},
};

}  // namespace

std::span<const FunctionDef> StringFunctions() { return kFunctions; }

}  // namespace kiln::fhirpath
