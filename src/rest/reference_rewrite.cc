#include "rest/reference_rewrite.h"

#include <vector>

namespace kiln::rest {

namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Narrative is XHTML inside a JSON string, so its attribute quotes arrive escaped (\") or as
// single quotes. Replaces the values of src= and href= attributes that are local URLs.
std::optional<std::string> RewriteNarrative(std::string_view div, const LocalUrls& urls) {
  std::string out;
  size_t copied = 0;
  bool changed = false;
  for (size_t pos = 0; pos < div.size(); ++pos) {
    size_t name_len = div.compare(pos, 4, "src=") == 0 ? 4 : div.compare(pos, 5, "href=") == 0 ? 5 : 0;
    if (name_len == 0) continue;
    size_t start = pos + name_len;
    std::string_view close;
    if (div.compare(start, 2, "\\\"") == 0) {
      close = "\\\"";
    } else if (start < div.size() && div[start] == '\'') {
      close = "'";
    } else {
      continue;
    }
    start += close.size();
    size_t end = div.find(close, start);
    if (end == std::string_view::npos) break;
    auto it = urls.find(div.substr(start, end - start));
    if (it != urls.end()) {
      out.append(div.substr(copied, start - copied));
      out += it->second;
      copied = end;
      changed = true;
    }
    pos = end;
  }
  if (!changed) return std::nullopt;
  out.append(div.substr(copied));
  return out;
}

}  // namespace

Result<std::string> RewriteStrings(std::string_view s, const StringRewrite& rewrite) {
  std::string out;
  out.reserve(s.size());
  size_t copied = 0;
  std::string_view key;
  std::vector<std::string_view> open;  // per open object or array: the key that named it
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '{' || c == '[') {
      open.push_back(key);
    } else if (c == '}' || c == ']') {
      if (!open.empty()) {
        key = open.back();
        open.pop_back();
      }
    } else if (c == '"') {
      size_t end = i + 1;
      while (end < s.size() && s[end] != '"') end += s[end] == '\\' ? 2 : 1;
      std::string_view token = s.substr(i + 1, end - i - 1);
      size_t next = end + 1;
      while (next < s.size() && IsSpace(s[next])) ++next;
      if (next < s.size() && s[next] == ':') {
        key = token;
      } else {
        KILN_TRY_ASSIGN(std::optional<std::string> replacement, rewrite(key, token));
        if (replacement) {
          out.append(s.substr(copied, i + 1 - copied));
          out += *replacement;
          copied = end;
        }
      }
      i = end;
    }
  }
  out.append(s.substr(copied));
  return out;
}

std::optional<std::string> LocalUrlReplacement(std::string_view key, std::string_view raw,
                                               const LocalUrls& urls) {
  if (key == "div") return RewriteNarrative(raw, urls);
  // Identifier.value and ContactPoint.value are strings, which the rules leave alone: a document's
  // masterIdentifier often is its own urn:uuid, and must stay that.
  if (key == "value") return std::nullopt;
  auto it = urls.find(raw);
  if (it == urls.end()) return std::nullopt;
  return it->second;
}

std::string RewriteLocalUrls(std::string_view json, const LocalUrls& urls) {
  auto out = RewriteStrings(
      json, [&](std::string_view key, std::string_view raw) -> Result<std::optional<std::string>> {
        return LocalUrlReplacement(key, raw, urls);
      });
  return std::move(out).value();  // LocalUrlReplacement never fails
}

}  // namespace kiln::rest
