// _text and _content (hl7.org/fhir/R4/search.html#text): R4 gives them no expression, so their
// values are gathered here: the narrative's words for _text, every string of the resource for
// _content. Both are searched by words; the store decides how (SQLite: FTS5).
#include <rapidjson/document.h>

#include <cstdlib>

#include "search/kind.h"

namespace kiln::search {

namespace {

// Appends the text of an XHTML fragment: what is outside tags, with character references
// decoded (those XHTML narratives use: the XML five and numeric ones).
void AppendXhtmlText(std::string_view div, std::string& out) {
  bool in_tag = false;
  for (size_t i = 0; i < div.size(); ++i) {
    char c = div[i];
    if (in_tag) {
      if (c == '>') {
        in_tag = false;
        out.push_back(' ');  // tags separate words: "<td>a</td><td>b</td>"
      }
      continue;
    }
    if (c == '<') {
      in_tag = true;
      continue;
    }
    if (c != '&') {
      out.push_back(c);
      continue;
    }
    size_t semi = div.find(';', i);
    if (semi == std::string_view::npos || semi - i > 10) {
      out.push_back(c);
      continue;
    }
    std::string_view ref = div.substr(i + 1, semi - i - 1);
    static constexpr std::pair<std::string_view, char> kNamed[] = {
        {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}, {"nbsp", ' '}};
    bool decoded = false;
    for (const auto& [name, ch] : kNamed) {
      if (ref == name) out.push_back(ch), decoded = true;
    }
    if (!decoded && ref.size() > 1 && ref[0] == '#') {
      bool hex = ref[1] == 'x' || ref[1] == 'X';
      std::string digits(ref.substr(hex ? 2 : 1));
      char* end = nullptr;
      unsigned long cp = std::strtoul(digits.c_str(), &end, hex ? 16 : 10);
      if (end != nullptr && *end == '\0' && !digits.empty() && cp > 0 && cp <= 0x10FFFF) {
        // UTF-8 encoding of the code point.
        if (cp < 0x80) {
          out.push_back(static_cast<char>(cp));
        } else if (cp < 0x800) {
          out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
          out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else if (cp < 0x10000) {
          out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
          out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
          out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else {
          out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
          out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
          out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
          out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        }
        decoded = true;
      }
    }
    if (!decoded) {
      out.push_back(c);
      continue;
    }
    i = semi;
  }
}

// Every string value under `v`, space-separated. base64Binary content ("data": attachments,
// Binary, signatures) is bytes, not words, and the narrative is added as its text.
void AppendStrings(const json::Value& v, std::string& out) {
  if (v.IsString()) {
    out.append(v.GetString(), v.GetStringLength());
    out.push_back(' ');
  } else if (v.IsArray()) {
    for (const auto& item : v.GetArray()) AppendStrings(item, out);
  } else if (v.IsObject()) {
    for (const auto& m : v.GetObject()) {
      std::string_view key(m.name.GetString(), m.name.GetStringLength());
      if (key == "data") continue;
      if (key == "div" && m.value.IsString()) {
        AppendXhtmlText(AsString(m.value), out);
        out.push_back(' ');
        continue;
      }
      AppendStrings(m.value, out);
    }
  }
}

}  // namespace

bool Registry::TextSearchable(const ParamDef& def) const {
  return text_search_ && !def.compiled &&
         (def.url == "http://hl7.org/fhir/SearchParameter/DomainResource-text" ||
          def.url == "http://hl7.org/fhir/SearchParameter/Resource-content");
}

void ExtractText(const json::Value& resource, bool narrative, std::vector<store::IndexEntry>& out) {
  if (narrative) {
    const json::Value* text = json::Find(resource, "text");
    const json::Value* div = text && text->IsObject() ? json::Find(*text, "div") : nullptr;
    if (div && div->IsString()) {
      std::string words;
      AppendXhtmlText(AsString(*div), words);
      if (words.find_first_not_of(" \t\r\n") != std::string::npos) {
        out.push_back({"_text", store::TextValue{std::move(words)}});
      }
    }
  }
  std::string all;
  AppendStrings(resource, all);
  out.push_back({"_content", store::TextValue{std::move(all)}});
}

Result<store::Predicate> CompileText(const ParamDef& def, std::string_view modifier, std::string_view value) {
  if (!modifier.empty()) {
    return Error::At(Issue::kNotSupported, def.code + ":" + std::string(modifier),
                     "Modifier :" + std::string(modifier) + " is not supported for " + def.code);
  }
  if (value.find_first_not_of(" \t") == std::string_view::npos) return BadValue(def, value, "no words");
  store::Predicate p;
  p.kind = store::IndexKind::kText;
  p.param = def.code;
  p.text = std::string(value);
  return p;
}

}  // namespace kiln::search
