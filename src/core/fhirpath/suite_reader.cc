#include "core/fhirpath/suite_reader.h"

namespace kiln::fhirpath::testing {

namespace {

struct Line {
  size_t indent = 0;
  std::string_view text;  // without the indentation
};

std::vector<Line> SplitLines(std::string_view yaml) {
  std::vector<Line> lines;
  size_t start = 0;
  while (start <= yaml.size()) {
    size_t end = yaml.find('\n', start);
    if (end == std::string_view::npos) end = yaml.size();
    std::string_view l = yaml.substr(start, end - start);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    size_t indent = l.find_first_not_of(' ');
    lines.push_back(indent == std::string_view::npos ? Line{0, {}} : Line{indent, l.substr(indent)});
    start = end + 1;
  }
  return lines;
}

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::string UnescapeDouble(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 == s.size()) {
      out += s[i];
      continue;
    }
    char e = s[++i];
    switch (e) {
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case '0':
        out += '\0';
        break;
      case 'u':
        if (i + 4 < s.size()) {
          AppendUtf8(out, static_cast<uint32_t>(std::stoul(std::string(s.substr(i + 1, 4)), nullptr, 16)));
          i += 4;
        }
        break;
      default:
        out += e;
        break;  // \" \\ \/ and the rest stand for themselves
    }
  }
  return out;
}

bool IsNumber(std::string_view s) {
  size_t i = 0, digits = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) ++digits;
  if (i < s.size() && s[i] == '.') {
    for (++i; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) ++digits;
  }
  return digits > 0 && i == s.size();
}

// Continuation lines of a scalar are the following lines indented deeper than its key; YAML folds
// them into the first with single spaces (an empty line becomes a newline).
std::string Fold(const std::vector<Line>& lines, size_t& i, size_t key_indent, std::string first) {
  std::string text = std::move(first);
  while (i + 1 < lines.size() && (lines[i + 1].text.empty() || lines[i + 1].indent > key_indent)) {
    if (lines[i + 1].text.empty()) {
      // An empty line ends the scalar unless more continuation follows it.
      size_t j = i + 1;
      while (j < lines.size() && lines[j].text.empty()) ++j;
      if (j == lines.size() || lines[j].indent <= key_indent) break;
      text += '\n';
      i = j - 1;
      continue;
    }
    ++i;
    if (!text.empty() && text.back() != '\n') text += ' ';
    text += lines[i].text;
  }
  return text;
}

// The scalar that starts at `rest` on line i (a key's value or a list item).
Result<SuiteValue> Scalar(const std::vector<Line>& lines, size_t& i, size_t key_indent,
                          std::string_view rest) {
  SuiteValue v;
  if (rest == ">-" || rest == ">" || rest == "|" || rest == "|-") {
    std::string text = Fold(lines, i, key_indent, "");
    v.text = text;
    return v;
  }
  if (rest.starts_with('\'') || rest.starts_with('"')) {
    char q = rest[0];
    std::string raw(rest.substr(1));
    // Find the closing quote, joining folded lines until it appears.
    auto closing = [&](const std::string& s) -> size_t {
      for (size_t k = 0; k < s.size(); ++k) {
        if (q == '"' && s[k] == '\\') {
          ++k;
        } else if (s[k] == q) {
          if (q == '\'' && k + 1 < s.size() && s[k + 1] == '\'') {
            ++k;
          } else {
            return k;
          }
        }
      }
      return std::string::npos;
    };
    while (closing(raw) == std::string::npos) {
      if (i + 1 >= lines.size()) return Error::Make(Issue::kInvalid, "unterminated quoted scalar");
      ++i;
      if (lines[i].text.empty()) {
        raw += '\n';
      } else {
        raw += ' ';
        raw += lines[i].text;
      }
    }
    raw.resize(closing(raw));
    if (q == '"') {
      v.text = UnescapeDouble(raw);
    } else {
      for (size_t k = 0; k < raw.size(); ++k) {
        v.text += raw[k];
        if (raw[k] == '\'' && k + 1 < raw.size() && raw[k + 1] == '\'') ++k;
      }
    }
    return v;
  }
  v.text = Fold(lines, i, key_indent, std::string(rest));
  if (v.text == "true" || v.text == "false") {
    v.kind = SuiteValue::Kind::kBoolean;
    v.boolean = v.text == "true";
  } else if (IsNumber(v.text)) {
    v.kind = SuiteValue::Kind::kNumber;
  }
  return v;
}

// "key: rest" -> key and rest; false when the text is no "word:" pair.
bool SplitKey(std::string_view text, std::string_view& key, std::string_view& rest) {
  size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  for (char c : text.substr(0, colon)) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) return false;
  }
  key = text.substr(0, colon);
  rest = text.substr(colon + 1);
  while (rest.starts_with(' ')) rest.remove_prefix(1);
  return true;
}

}  // namespace

Result<std::vector<SuiteCase>> ReadSuite(std::string_view yaml) {
  std::vector<Line> lines = SplitLines(yaml);
  std::vector<SuiteCase> cases;
  std::string group;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view text = lines[i].text;
    size_t indent = lines[i].indent;
    if (text.empty() || text == "tests:") continue;
    if (text.starts_with("- 'group: ") || text.starts_with("- group: ")) {
      size_t from = text.find("group: ") + 7;
      size_t to = text.rfind(text[2] == '\'' ? "':" : ":");
      group = std::string(text.substr(from, to - from));
      continue;
    }
    if (text.starts_with("- ")) {  // a new case: "- desc: ..."
      cases.push_back(SuiteCase{});
      cases.back().group = group;
      cases.back().line = i + 1;
      text.remove_prefix(2);
      indent += 2;
    }
    std::string_view key, rest;
    if (cases.empty() || !SplitKey(text, key, rest)) {
      return Error::Make(Issue::kInvalid,
                         "unexpected line " + std::to_string(i + 1) + ": " + std::string(text));
    }
    SuiteCase& c = cases.back();
    if (key == "result") {
      if (rest == "[]") continue;
      while (i + 1 < lines.size() && lines[i + 1].indent > indent && lines[i + 1].text.starts_with("- ")) {
        ++i;
        KILN_TRY_ASSIGN(SuiteValue item, Scalar(lines, i, lines[i].indent, lines[i].text.substr(2)));
        c.result.push_back(std::move(item));
      }
      continue;
    }
    KILN_TRY_ASSIGN(SuiteValue value, Scalar(lines, i, indent, rest));
    if (key == "desc") c.desc = value.text;
    if (key == "inputfile") c.inputfile = value.text;
    if (key == "expression") c.expression = value.text;
    if (key == "error") c.error = value.boolean;
    if (key == "disable") c.disable = value.boolean;
  }
  return cases;
}

}  // namespace kiln::fhirpath::testing
