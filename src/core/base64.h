// Base64 (RFC 4648) through OpenSSL, for Binary.data and attachments.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kiln {

std::string Base64Encode(std::string_view bytes);
// nullopt when `text` is not valid padded base64. Whitespace is not allowed.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace kiln
