// Tokens of the FHIRPath grammar (hl7.org/fhirpath/N1/grammar.html): identifiers (plain and
// `delimited`), 'strings', numbers, @date/@dateTime/@Time literals, $ and % names, and the
// operator symbols. Comments (// and /* */) are skipped. Keywords (and, div, true, ...) come out
// as identifiers; the parser decides by position whether one is an operator.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace kiln::fhirpath {

enum class TokenKind : uint8_t {
  kIdentifier,           // name
  kDelimitedIdentifier,  // `name`, text unescaped
  kString,               // 'text', unescaped
  kNumber,               // 12 or 1.5
  kDate,                 // @2014-01, text without '@'
  kDateTime,             // @2014-01-01T10:00, text without '@' and without a trailing 'T'
  kTime,                 // @T10:00, text without "@T"
  kDollar,               // $this, text "this"
  kPercent,              // %resource, %`vs-x`, %'x': text is the name
  kSymbol,               // . , ( ) [ ] { } + - * / & | = ~ != !~ < <= > >=
  kEnd,
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;
  size_t pos = 0;
};

// kInvalid "FHIRPath syntax error at N: ..." for unterminated strings/comments, bad escapes and
// characters outside the grammar.
Result<std::vector<Token>> Lex(std::string_view text);

Error SyntaxError(size_t pos, std::string_view what);

}  // namespace kiln::fhirpath
