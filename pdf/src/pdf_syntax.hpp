#pragma once
// Small pieces of PDF syntax: numbers, strings and UTF-8 decoding.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace sohoa::pdf::detail {

// A real without exponent, at most 4 decimals, trailing zeros trimmed ("12.5", "-0.25", "3").
std::string pdf_real(double value);

// (literal) string; bytes outside printable ASCII become octal escapes.
std::string pdf_literal_string(std::string_view bytes);

// A PDF text string: printable ASCII as a literal string, anything else as
// UTF-16BE with a byte order mark, written as a hex string.
std::string pdf_text_string(std::string_view utf8);

std::string pdf_hex_string(std::span<const std::uint8_t> bytes);

// Unicode code points of UTF-8 text; malformed sequences become U+FFFD.
std::u32string decode_utf8(std::string_view utf8);

std::string encode_utf8(std::u32string_view code_points);

// Escapes &, <, >, " for XML text and attribute values; drops control characters
// XML 1.0 does not allow; the result is valid UTF-8 whatever the input.
std::string xml_escape(std::string_view utf8);

}  // namespace sohoa::pdf::detail
