#pragma once
// A tiny TrueType font for the invisible text layer, generated here rather than
// read from Tesseract's data folder (pdf.ttf): the PDF module then needs no file
// of another package at run time and we control the metrics the PDF declares.
// Glyph 0 is .notdef, glyph 1 is a plain box; every CID maps to glyph 1 through
// the CIDToGIDMap, so the font carries no real letter shapes: the text is only
// there to be searched and selected (rendering mode 3 never paints it).

#include <cstdint>
#include <vector>

namespace sohoa::pdf::detail {

inline constexpr int kGlyphlessUnitsPerEm = 1000;
inline constexpr int kGlyphlessAdvance = 500;  // every glyph; the PDF's /DW matches it

std::vector<std::uint8_t> glyphless_truetype();

}  // namespace sohoa::pdf::detail
