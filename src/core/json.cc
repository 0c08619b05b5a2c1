#include "core/json.h"

#include <array>
#include <cstring>
#include <type_traits>
#include <unordered_map>

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace kiln::json {

namespace {

template <unsigned kFlags>
Result<Document> ParseWith(std::string_view text) {
  Document doc;
  doc.Parse<rapidjson::kParseFullPrecisionFlag | kFlags>(text.data(), text.size());
  if (doc.HasParseError()) {
    return Error::Make(Issue::kInvalid, "The body is not valid JSON: " +
                                            std::string(rapidjson::GetParseError_En(doc.GetParseError())) +
                                            " (at byte " + std::to_string(doc.GetErrorOffset()) + ")");
  }
  return doc;
}

}  // namespace

Result<Document> Parse(std::string_view text) {
  return ParseWith<rapidjson::kParseValidateEncodingFlag>(text);
}

Result<Document> ParseValidUtf8(std::string_view text) { return ParseWith<0>(text); }

std::string Write(const Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

namespace {

// How Write spells the number `raw` (as RapidJSON parses it, at full precision).
std::string CanonicalNumber(std::string_view raw) {
  Document d;
  d.Parse<rapidjson::kParseFullPrecisionFlag>(raw.data(), raw.size());
  return d.HasParseError() ? std::string(raw) : Write(d);
}

// Collects every number of a JSON text, by its canonical spelling; "" marks a value spelled in
// more than one way.
class NumberSpellings : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, NumberSpellings> {
 public:
  explicit NumberSpellings(std::unordered_map<std::string, std::string>& out) : out_(out) {}
  bool RawNumber(const char* str, rapidjson::SizeType length, bool) {
    std::string raw(str, length);
    auto [it, inserted] = out_.emplace(CanonicalNumber(raw), raw);
    if (!inserted && it->second != raw) it->second.clear();
    return true;
  }

 private:
  std::unordered_map<std::string, std::string>& out_;
};

// A Writer whose numbers are looked up in the spellings of the sources.
class KeepingNumbers : public rapidjson::Writer<rapidjson::StringBuffer> {
 public:
  KeepingNumbers(rapidjson::StringBuffer& buffer,
                 const std::unordered_map<std::string, std::string>& spellings)
      : Writer(buffer), spellings_(spellings) {}
  bool Int(int i) { return Number(i); }
  bool Uint(unsigned u) { return Number(u); }
  bool Int64(int64_t i) { return Number(i); }
  bool Uint64(uint64_t u) { return Number(u); }
  bool Double(double d) { return Number(d); }

 private:
  template <class T>
  bool Number(T n) {
    rapidjson::StringBuffer one;
    rapidjson::Writer<rapidjson::StringBuffer> w(one);
    if constexpr (std::is_same_v<T, double>) {
      w.Double(n);
    } else if constexpr (std::is_same_v<T, uint64_t> || std::is_same_v<T, unsigned>) {
      w.Uint64(n);
    } else {
      w.Int64(n);
    }
    std::string canonical(one.GetString(), one.GetSize());
    auto it = spellings_.find(canonical);
    const std::string& text = it != spellings_.end() && !it->second.empty() ? it->second : canonical;
    return RawValue(text.data(), text.size(), rapidjson::kNumberType);
  }

  const std::unordered_map<std::string, std::string>& spellings_;
};

}  // namespace

std::string WriteKeepingNumbers(const Value& value, const std::vector<std::string_view>& sources) {
  std::unordered_map<std::string, std::string> spellings;
  for (std::string_view source : sources) {
    NumberSpellings collect(spellings);
    rapidjson::Reader reader;
    rapidjson::MemoryStream stream(source.data(), source.size());
    reader.Parse<rapidjson::kParseNumbersAsStringsFlag>(stream, collect);
  }
  rapidjson::StringBuffer buffer;
  KeepingNumbers writer(buffer, spellings);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

namespace {

bool IsSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

// Returns the index just past the string literal that starts at text[i] == '"'. Finds each
// quote with memchr (strings are most of a resource's text) and skips it when an odd number of
// backslashes escapes it.
size_t SkipString(std::string_view text, size_t i) {
  const char* data = text.data();
  const size_t n = text.size();
  for (size_t from = i + 1; from < n;) {
    const void* quote = std::memchr(data + from, '"', n - from);
    if (quote == nullptr) break;
    size_t at = static_cast<size_t>(static_cast<const char*>(quote) - data);
    size_t slashes = 0;
    while (at - slashes > i + 1 && data[at - slashes - 1] == '\\') ++slashes;
    if (slashes % 2 == 0) return at + 1;
    from = at + 1;
  }
  return n;
}

// The bytes that SkipValue stops at inside an object or array.
constexpr std::array<bool, 256> kStructural = [] {
  std::array<bool, 256> table{};
  for (unsigned char c : {'"', '{', '}', '[', ']'}) table[c] = true;
  return table;
}();

// Returns the index just past the value that starts at text[i] (no leading whitespace).
size_t SkipValue(std::string_view text, size_t i) {
  if (text[i] == '"') return SkipString(text, i);
  if (text[i] == '{' || text[i] == '[') {
    int depth = 0;
    const size_t n = text.size();
    while (i < n) {
      while (i < n && !kStructural[static_cast<unsigned char>(text[i])]) ++i;
      if (i >= n) break;
      char c = text[i];
      if (c == '"') {
        i = SkipString(text, i);
        continue;
      }
      if (c == '{' || c == '[') {
        ++depth;
      } else if (--depth == 0) {
        return i + 1;
      }
      ++i;
    }
    return i;
  }
  while (i < text.size() && text[i] != ',' && text[i] != '}' && text[i] != ']' && !IsSpace(text[i])) ++i;
  return i;
}

size_t SkipSpace(std::string_view text, size_t i) {
  while (i < text.size() && IsSpace(text[i])) ++i;
  return i;
}

std::string DecodeKey(std::string_view literal) {
  if (literal.find('\\') == std::string_view::npos) return std::string(literal.substr(1, literal.size() - 2));
  Document d;
  d.Parse(literal.data(), literal.size());
  return d.IsString() ? std::string(d.GetString(), d.GetStringLength()) : std::string();
}

}  // namespace

std::string Minify(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  AppendMinified(out, text);
  return out;
}

void AppendMinified(std::string& out, std::string_view text) {
  const size_t n = text.size();
  for (size_t i = 0; i < n;) {
    size_t run = i;  // copy what needs no change in one piece
    while (i < n && text[i] != '"' && !IsSpace(text[i])) ++i;
    out.append(text.data() + run, i - run);
    if (i >= n) break;
    if (text[i] == '"') {
      size_t end = SkipString(text, i);
      out.append(text.data() + i, end - i);
      i = end;
    } else {
      ++i;
    }
  }
}

std::string Pretty(std::string_view text) {
  std::string compact = Minify(text);
  std::string out;
  out.reserve(compact.size() * 2);
  int depth = 0;
  auto newline = [&] {
    out.push_back('\n');
    out.append(static_cast<size_t>(depth) * 2, ' ');
  };
  for (size_t i = 0; i < compact.size();) {
    char c = compact[i];
    if (c == '"') {
      size_t end = SkipString(compact, i);
      out.append(compact, i, end - i);
      i = end;
      continue;
    }
    if ((c == '{' || c == '[') && i + 1 < compact.size() &&
        (compact[i + 1] == '}' || compact[i + 1] == ']')) {
      out.push_back(c);
      out.push_back(compact[i + 1]);
      i += 2;
      continue;
    }
    if (c == '{' || c == '[') {
      out.push_back(c);
      ++depth;
      newline();
    } else if (c == '}' || c == ']') {
      --depth;
      newline();
      out.push_back(c);
    } else if (c == ',') {
      out.push_back(c);
      newline();
    } else if (c == ':') {
      out.append(": ");
    } else {
      out.push_back(c);
    }
    ++i;
  }
  return out;
}

std::vector<RawMember> TopLevelMembers(std::string_view text) {
  std::vector<RawMember> members;
  size_t i = SkipSpace(text, 0);
  if (i >= text.size() || text[i] != '{') return members;
  i = SkipSpace(text, i + 1);
  while (i < text.size() && text[i] == '"') {
    size_t key_end = SkipString(text, i);
    std::string key = DecodeKey(text.substr(i, key_end - i));
    i = SkipSpace(text, key_end);
    i = SkipSpace(text, i + 1);  // the ':'
    size_t value_end = SkipValue(text, i);
    members.push_back({std::move(key), text.substr(i, value_end - i)});
    i = SkipSpace(text, value_end);
    if (i < text.size() && text[i] == ',') i = SkipSpace(text, i + 1);
  }
  return members;
}

std::vector<std::string_view> ArrayElements(std::string_view text) {
  std::vector<std::string_view> elements;
  size_t i = SkipSpace(text, 0);
  if (i >= text.size() || text[i] != '[') return elements;
  i = SkipSpace(text, i + 1);
  while (i < text.size() && text[i] != ']') {
    size_t end = SkipValue(text, i);
    elements.push_back(text.substr(i, end - i));
    i = SkipSpace(text, end);
    if (i < text.size() && text[i] == ',') i = SkipSpace(text, i + 1);
  }
  return elements;
}

void AppendQuoted(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default:
        if (c < 0x20) {
          out.append("\\u00");
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xf]);
        } else {
          out.push_back(ch);
        }
    }
  }
  out.push_back('"');
}

std::string Quote(std::string_view s) {
  std::string out;
  AppendQuoted(out, s);
  return out;
}

const Value* Find(const Value& object, std::string_view key) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(Value(rapidjson::StringRef(key.data(), key.size())));
  return it == object.MemberEnd() ? nullptr : &it->value;
}

std::string_view GetString(const Value& object, std::string_view key) {
  const Value* v = Find(object, key);
  if (v == nullptr || !v->IsString()) return {};
  return {v->GetString(), v->GetStringLength()};
}

bool Equal(const json::Value& a, const json::Value& b) {
  if (a.IsNumber() && b.IsNumber()) {
    if (a.IsInt64() && b.IsInt64()) return a.GetInt64() == b.GetInt64();
    return a.GetDouble() == b.GetDouble();
  }
  if (a.GetType() != b.GetType()) return false;
  if (a.IsString()) {
    return a.GetStringLength() == b.GetStringLength() &&
           std::string_view(a.GetString(), a.GetStringLength()) ==
               std::string_view(b.GetString(), b.GetStringLength());
  }
  if (a.IsArray()) {
    if (a.Size() != b.Size()) return false;
    for (rapidjson::SizeType i = 0; i < a.Size(); ++i) {
      if (!Equal(a[i], b[i])) return false;
    }
    return true;
  }
  if (a.IsObject()) {
    if (a.MemberCount() != b.MemberCount()) return false;
    for (auto it = a.MemberBegin(); it != a.MemberEnd(); ++it) {
      auto other = b.FindMember(it->name);
      if (other == b.MemberEnd() || !Equal(it->value, other->value)) return false;
    }
    return true;
  }
  return a == b;  // true, false, null
}

}  // namespace kiln::json
