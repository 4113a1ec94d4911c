#pragma once
// The invisible text layer: OCR words placed over the page image in text
// rendering mode 3, one CID per Unicode code point (Identity-H, 2-byte codes),
// each word stretched with Tz to the width of its box so that selecting or
// searching in a viewer highlights the right place on the scan.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sohoa/core/page.hpp"

namespace sohoa::pdf::detail {

// The CID that shows `code_point`: its BMP value. Code points outside the BMP
// have no CID of their own (2-byte codes) and show as U+FFFD; control
// characters and non-characters (U+FEFF, U+FFFE, U+FFFF) are dropped (nullopt).
std::optional<std::uint16_t> cid_for_code_point(char32_t code_point);

struct PageGeometryPt {
  double dpi_x = 300;
  double dpi_y = 300;
  double height_pt = 0;  // page height in points (PDF origin is bottom-left)
};

// Content stream operators (BT ... ET) for `text`; empty when there are no words.
std::string text_layer_operators(const OcrText& text, const PageGeometryPt& page,
                                 std::string_view font_resource);

// ToUnicode CMap mapping every CID cid_for_code_point() can produce back to it.
std::string identity_to_unicode_cmap();

// CIDToGIDMap stream content: CID 0 -> glyph 0, every other CID -> glyph 1.
std::vector<std::uint8_t> cid_to_glyph_map();

}  // namespace sohoa::pdf::detail
