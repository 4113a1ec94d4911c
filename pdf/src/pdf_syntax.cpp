#include "pdf_syntax.hpp"

#include <cmath>
#include <cstdio>

namespace sohoa::pdf::detail {

std::string pdf_real(double value) {
  if (!std::isfinite(value)) value = 0;
  // PDF/A implementation limit for reals is +-32767 (1b); callers stay well inside.
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.4f", value);
  std::string text(buffer);
  while (!text.empty() && text.back() == '0') text.pop_back();
  if (!text.empty() && text.back() == '.') text.pop_back();
  if (text == "-0" || text.empty()) text = "0";
  return text;
}

std::string pdf_literal_string(std::string_view bytes) {
  std::string out = "(";
  for (const char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '(' || c == ')' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20 || byte > 0x7e) {
      char escape[8];
      std::snprintf(escape, sizeof escape, "\\%03o", byte);
      out += escape;
    } else {
      out += c;
    }
  }
  out += ')';
  return out;
}

std::string pdf_hex_string(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out = "<";
  out.reserve(bytes.size() * 2 + 2);
  for (const std::uint8_t byte : bytes) {
    out += kDigits[byte >> 4];
    out += kDigits[byte & 0x0f];
  }
  out += '>';
  return out;
}

std::string pdf_text_string(std::string_view utf8) {
  bool printable_ascii = true;
  for (const char c : utf8) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte > 0x7e) printable_ascii = false;
  }
  if (printable_ascii) return pdf_literal_string(utf8);
  std::basic_string<std::uint8_t> utf16{0xFE, 0xFF};
  for (char32_t code_point : decode_utf8(utf8)) {
    auto put = [&utf16](std::uint32_t unit) {
      utf16 += static_cast<std::uint8_t>(unit >> 8);
      utf16 += static_cast<std::uint8_t>(unit & 0xff);
    };
    if (code_point >= 0x10000) {
      const std::uint32_t v = code_point - 0x10000;
      put(0xD800 + (v >> 10));
      put(0xDC00 + (v & 0x3ff));
    } else {
      put(code_point);
    }
  }
  return pdf_hex_string(std::span<const std::uint8_t>(utf16.data(), utf16.size()));
}

std::u32string decode_utf8(std::string_view utf8) {
  std::u32string out;
  out.reserve(utf8.size());
  std::size_t i = 0;
  while (i < utf8.size()) {
    const auto lead = static_cast<unsigned char>(utf8[i]);
    int length = 0;
    char32_t code_point = 0;
    char32_t minimum = 0;
    if (lead < 0x80) {
      length = 1;
      code_point = lead;
    } else if ((lead & 0xE0) == 0xC0) {
      length = 2;
      code_point = lead & 0x1F;
      minimum = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3;
      code_point = lead & 0x0F;
      minimum = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4;
      code_point = lead & 0x07;
      minimum = 0x10000;
    }
    bool valid = length > 0 && i + length <= utf8.size();
    for (int k = 1; valid && k < length; ++k) {
      const auto next = static_cast<unsigned char>(utf8[i + k]);
      if ((next & 0xC0) != 0x80) {
        valid = false;
      } else {
        code_point = (code_point << 6) | (next & 0x3F);
      }
    }
    if (valid && (code_point < minimum || code_point > 0x10FFFF ||
                  (code_point >= 0xD800 && code_point <= 0xDFFF))) {
      valid = false;
    }
    if (valid) {
      out += code_point;
      i += length;
    } else {
      out += U'\uFFFD';
      ++i;  // resynchronise on the next byte
    }
  }
  return out;
}

std::string encode_utf8(std::u32string_view code_points) {
  std::string out;
  for (const char32_t c : code_points) {
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (c < 0x800) {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
      out += static_cast<char>(0xE0 | (c >> 12));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (c >> 18));
      out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

std::string xml_escape(std::string_view utf8) {
  std::u32string kept;
  for (const char32_t c : decode_utf8(utf8)) {
    switch (c) {
      case U'&':
        kept += U"&amp;";
        break;
      case U'<':
        kept += U"&lt;";
        break;
      case U'>':
        kept += U"&gt;";
        break;
      case U'"':
        kept += U"&quot;";
        break;
      default:
        // XML 1.0 forbids most control characters and U+FFFE/U+FFFF.
        if ((c < 0x20 && c != U'\t' && c != U'\n' && c != U'\r') || c == 0xFFFE || c == 0xFFFF)
          break;
        kept += c;
    }
  }
  return encode_utf8(kept);
}

}  // namespace sohoa::pdf::detail
