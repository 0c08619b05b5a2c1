#include "core/fhirpath/lexer.h"

namespace kiln::fhirpath {

Error SyntaxError(size_t pos, std::string_view what) {
  return Error::Make(Issue::kInvalid,
                     "FHIRPath syntax error at " + std::to_string(pos) + ": " + std::string(what));
}

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsIdentStart(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool IsIdentChar(char c) { return IsIdentStart(c) || IsDigit(c); }

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}

  Result<std::vector<Token>> Run() {
    std::vector<Token> tokens;
    while (true) {
      KILN_TRY(SkipSpaceAndComments());
      if (i_ >= s_.size()) break;
      KILN_TRY_ASSIGN(Token t, Next());
      tokens.push_back(std::move(t));
    }
    tokens.push_back(Token{TokenKind::kEnd, "", s_.size()});
    return tokens;
  }

 private:
  bool At(std::string_view what) const { return s_.substr(i_).starts_with(what); }
  bool DigitAt(size_t k) const { return k < s_.size() && IsDigit(s_[k]); }

  Result<Ok> SkipSpaceAndComments() {
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        ++i_;
      } else if (At("//")) {
        while (i_ < s_.size() && s_[i_] != '\n') ++i_;
      } else if (At("/*")) {
        size_t end = s_.find("*/", i_ + 2);
        if (end == std::string_view::npos) return SyntaxError(i_, "unterminated comment");
        i_ = end + 2;
      } else {
        break;
      }
    }
    return Ok{};
  }

  Result<Token> Next() {
    size_t start = i_;
    char c = s_[i_];
    if (IsIdentStart(c)) return Make(TokenKind::kIdentifier, Identifier(), start);
    if (IsDigit(c)) return Make(TokenKind::kNumber, Number(), start);
    if (c == '\'' || c == '`') {
      KILN_TRY_ASSIGN(std::string text, Quoted(c));
      return Make(c == '\'' ? TokenKind::kString : TokenKind::kDelimitedIdentifier, std::move(text), start);
    }
    if (c == '@') return Temporal(start);
    if (c == '$') {
      ++i_;
      if (i_ >= s_.size() || !IsIdentStart(s_[i_])) return SyntaxError(start, "expected a name after '$'");
      return Make(TokenKind::kDollar, Identifier(), start);
    }
    if (c == '%') {
      ++i_;
      if (i_ < s_.size() && IsIdentStart(s_[i_])) return Make(TokenKind::kPercent, Identifier(), start);
      if (i_ < s_.size() && (s_[i_] == '`' || s_[i_] == '\'')) {
        KILN_TRY_ASSIGN(std::string text, Quoted(s_[i_]));
        return Make(TokenKind::kPercent, std::move(text), start);
      }
      return SyntaxError(start, "expected a name after '%'");
    }
    for (std::string_view two : {"!=", "!~", "<=", ">="}) {
      if (At(two)) {
        i_ += 2;
        return Make(TokenKind::kSymbol, std::string(two), start);
      }
    }
    if (std::string_view(".,()[]{}+-*/&|=~<>").find(c) != std::string_view::npos) {
      ++i_;
      return Make(TokenKind::kSymbol, std::string(1, c), start);
    }
    return SyntaxError(start, "unexpected character '" + std::string(1, c) + "'");
  }

  static Token Make(TokenKind kind, std::string text, size_t pos) {
    return Token{kind, std::move(text), pos};
  }

  std::string Identifier() {
    size_t start = i_;
    while (i_ < s_.size() && IsIdentChar(s_[i_])) ++i_;
    return std::string(s_.substr(start, i_ - start));
  }

  std::string Number() {
    size_t start = i_;
    while (DigitAt(i_)) ++i_;
    if (i_ < s_.size() && s_[i_] == '.' && DigitAt(i_ + 1)) {
      ++i_;
      while (DigitAt(i_)) ++i_;
    }
    return std::string(s_.substr(start, i_ - start));
  }

  // A string or delimited identifier, with the escapes of the grammar's ESC rule.
  Result<std::string> Quoted(char quote) {
    size_t start = i_++;
    std::string out;
    while (i_ < s_.size() && s_[i_] != quote) {
      char c = s_[i_++];
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i_ >= s_.size()) break;
      char e = s_[i_++];
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
        case 'f':
          out += '\f';
          break;
        case '\'':
        case '"':
        case '`':
        case '\\':
        case '/':
          out += e;
          break;
        case 'u': {
          KILN_TRY_ASSIGN(uint32_t cp, Hex4(start));
          if (cp >= 0xD800 && cp < 0xDC00 && At("\\u")) {  // a surrogate pair
            i_ += 2;
            KILN_TRY_ASSIGN(uint32_t low, Hex4(start));
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          AppendUtf8(out, cp);
          break;
        }
        default:
          return SyntaxError(i_ - 2, "unknown escape '\\" + std::string(1, e) + "'");
      }
    }
    if (i_ >= s_.size())
      return SyntaxError(start, "unterminated " + std::string(quote == '`' ? "identifier" : "string"));
    ++i_;
    return out;
  }

  Result<uint32_t> Hex4(size_t start) {
    if (i_ + 4 > s_.size()) return SyntaxError(start, "bad \\u escape");
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      char h = s_[i_++];
      v <<= 4;
      if (IsDigit(h)) {
        v |= static_cast<uint32_t>(h - '0');
      } else if ((h | 0x20) >= 'a' && (h | 0x20) <= 'f') {
        v |= static_cast<uint32_t>((h | 0x20) - 'a' + 10);
      } else {
        return SyntaxError(start, "bad \\u escape");
      }
    }
    return v;
  }

  bool Digits(size_t n) {
    for (size_t k = 0; k < n; ++k) {
      if (!DigitAt(i_ + k)) return false;
    }
    i_ += n;
    return true;
  }

  // hh(:mm(:ss(.fff)?)?)?
  void Clock() {
    if (!Digits(2)) return;
    if (At(":") && DigitAt(i_ + 1) && (++i_, Digits(2)) && At(":") && DigitAt(i_ + 1) && (++i_, Digits(2)) &&
        At(".") && DigitAt(i_ + 1)) {
      ++i_;
      while (DigitAt(i_)) ++i_;
    }
  }

  Result<Token> Temporal(size_t start) {
    ++i_;
    if (At("T")) {
      ++i_;
      size_t from = i_;
      Clock();
      if (i_ == from) return SyntaxError(start, "bad time literal");
      return Make(TokenKind::kTime, std::string(s_.substr(from, i_ - from)), start);
    }
    size_t from = i_;
    if (!Digits(4)) return SyntaxError(start, "bad date literal");
    if (At("-") && DigitAt(i_ + 1)) {
      ++i_;
      if (!Digits(2)) return SyntaxError(start, "bad date literal");
      if (At("-") && DigitAt(i_ + 1)) {
        ++i_;
        if (!Digits(2)) return SyntaxError(start, "bad date literal");
      }
    }
    if (!At("T")) return Make(TokenKind::kDate, std::string(s_.substr(from, i_ - from)), start);
    size_t date_end = i_++;
    if (!DigitAt(i_)) return Make(TokenKind::kDateTime, std::string(s_.substr(from, date_end - from)), start);
    Clock();
    if (At("Z")) {
      ++i_;
    } else if ((At("+") || At("-")) && DigitAt(i_ + 1) && DigitAt(i_ + 2) && i_ + 3 < s_.size() &&
               s_[i_ + 3] == ':' && DigitAt(i_ + 4) && DigitAt(i_ + 5)) {
      i_ += 6;
    }
    return Make(TokenKind::kDateTime, std::string(s_.substr(from, i_ - from)), start);
  }

  std::string_view s_;
  size_t i_ = 0;
};

}  // namespace

Result<std::vector<Token>> Lex(std::string_view text) { return Lexer(text).Run(); }

}  // namespace kiln::fhirpath
