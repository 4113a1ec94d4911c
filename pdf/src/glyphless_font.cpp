#include "glyphless_font.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <string_view>

namespace sohoa::pdf::detail {
namespace {

constexpr int kGlyphHeight = 700;

class BigEndian {
 public:
  void u8(std::uint32_t v) { bytes.push_back(static_cast<std::uint8_t>(v)); }
  void u16(std::uint32_t v) {
    u8(v >> 8);
    u8(v);
  }
  void i16(int v) { u16(static_cast<std::uint16_t>(static_cast<std::int16_t>(v))); }
  void u32(std::uint32_t v) {
    u16(v >> 16);
    u16(v & 0xffff);
  }
  void zeros(std::size_t n) { bytes.insert(bytes.end(), n, 0); }
  std::vector<std::uint8_t> bytes;
};

std::uint32_t table_checksum(const std::vector<std::uint8_t>& data) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i < data.size(); i += 4) {
    std::uint32_t word = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      word = (word << 8) | (i + k < data.size() ? data[i + k] : 0);
    }
    sum += word;
  }
  return sum;
}

std::vector<std::uint8_t> head_table() {
  BigEndian t;
  t.u32(0x00010000);  // version
  t.u32(0x00010000);  // fontRevision
  t.u32(0);           // checkSumAdjustment, patched after assembly
  t.u32(0x5F0F3CF5);  // magicNumber
  t.u16(0x0003);      // flags: baseline at y=0, left sidebearing at x=0
  t.u16(kGlyphlessUnitsPerEm);
  t.zeros(16);  // created, modified: fixed so the font bytes are reproducible
  t.i16(0);     // xMin
  t.i16(0);     // yMin
  t.i16(kGlyphlessAdvance);
  t.i16(kGlyphHeight);
  t.u16(0);  // macStyle
  t.u16(8);  // lowestRecPPEM
  t.i16(2);  // fontDirectionHint
  t.i16(0);  // indexToLocFormat: short offsets
  t.i16(0);  // glyphDataFormat
  return t.bytes;
}

std::vector<std::uint8_t> hhea_table() {
  BigEndian t;
  t.u32(0x00010000);
  t.i16(kGlyphHeight);  // ascender
  t.i16(0);             // descender
  t.i16(0);             // lineGap
  t.u16(kGlyphlessAdvance);
  t.i16(0);                  // minLeftSideBearing
  t.i16(0);                  // minRightSideBearing
  t.i16(kGlyphlessAdvance);  // xMaxExtent
  t.i16(1);                  // caretSlopeRise
  t.i16(0);                  // caretSlopeRun
  t.i16(0);                  // caretOffset
  t.zeros(8);                // reserved
  t.i16(0);                  // metricDataFormat
  t.u16(2);                  // numberOfHMetrics
  return t.bytes;
}

std::vector<std::uint8_t> maxp_table() {
  BigEndian t;
  t.u32(0x00010000);
  t.u16(2);        // numGlyphs
  t.u16(4);        // maxPoints
  t.u16(1);        // maxContours
  t.u16(0);        // maxCompositePoints
  t.u16(0);        // maxCompositeContours
  t.u16(2);        // maxZones
  t.zeros(2 * 8);  // twilight points .. component depth
  return t.bytes;
}

std::vector<std::uint8_t> hmtx_table() {
  BigEndian t;
  for (int glyph = 0; glyph < 2; ++glyph) {
    t.u16(kGlyphlessAdvance);
    t.i16(0);
  }
  return t.bytes;
}

// Glyph 0 (.notdef) is empty; glyph 1 is one rectangular contour.
std::vector<std::uint8_t> glyf_table() {
  BigEndian t;
  t.i16(1);  // numberOfContours
  t.i16(0);
  t.i16(0);
  t.i16(kGlyphlessAdvance);
  t.i16(kGlyphHeight);
  t.u16(3);                                            // endPtsOfContours[0]
  t.u16(0);                                            // instructionLength
  for (int point = 0; point < 4; ++point) t.u8(0x01);  // on curve, 16-bit deltas
  for (int dx : {0, 0, kGlyphlessAdvance, 0}) t.i16(dx);
  for (int dy : {0, kGlyphHeight, 0, -kGlyphHeight}) t.i16(dy);
  if (t.bytes.size() % 2 != 0) t.u8(0);
  return t.bytes;
}

std::vector<std::uint8_t> loca_table(std::size_t glyph1_length) {
  BigEndian t;  // short format: offsets divided by two
  t.u16(0);
  t.u16(0);
  t.u16(static_cast<std::uint32_t>(glyph1_length / 2));
  return t.bytes;
}

// A (3,1) format 4 subtable holding only the mandatory final segment: PDF
// readers address glyphs through the CIDToGIDMap, not through this table.
std::vector<std::uint8_t> cmap_table() {
  BigEndian t;
  t.u16(0);  // version
  t.u16(1);  // numTables
  t.u16(3);
  t.u16(1);
  t.u32(12);      // offset of the subtable
  t.u16(4);       // format
  t.u16(24);      // length
  t.u16(0);       // language
  t.u16(2);       // segCountX2
  t.u16(2);       // searchRange
  t.u16(0);       // entrySelector
  t.u16(0);       // rangeShift
  t.u16(0xFFFF);  // endCode
  t.u16(0);       // reservedPad
  t.u16(0xFFFF);  // startCode
  t.i16(1);       // idDelta
  t.u16(0);       // idRangeOffset
  return t.bytes;
}

std::vector<std::uint8_t> name_table() {
  const std::array<std::pair<int, std::string_view>, 4> names{
      {{1, "GlyphLessFont"}, {2, "Regular"}, {4, "GlyphLessFont"}, {6, "GlyphLessFont"}}};
  BigEndian t;
  t.u16(0);
  t.u16(static_cast<std::uint32_t>(names.size()));
  t.u16(static_cast<std::uint32_t>(6 + 12 * names.size()));  // string storage offset
  std::size_t string_offset = 0;
  for (const auto& [id, text] : names) {
    t.u16(3);       // platform Windows
    t.u16(1);       // Unicode BMP
    t.u16(0x0409);  // en-US
    t.u16(id);
    t.u16(static_cast<std::uint32_t>(text.size() * 2));
    t.u16(static_cast<std::uint32_t>(string_offset));
    string_offset += text.size() * 2;
  }
  for (const auto& entry : names) {
    for (const char c : entry.second) t.u16(static_cast<unsigned char>(c));
  }
  return t.bytes;
}

std::vector<std::uint8_t> post_table() {
  BigEndian t;
  t.u32(0x00030000);  // format 3: no glyph names
  t.u32(0);           // italicAngle
  t.i16(-100);        // underlinePosition
  t.i16(50);          // underlineThickness
  t.u32(1);           // isFixedPitch
  t.zeros(16);        // memory hints
  return t.bytes;
}

}  // namespace

std::vector<std::uint8_t> glyphless_truetype() {
  const std::vector<std::uint8_t> glyf = glyf_table();
  std::vector<std::pair<std::string, std::vector<std::uint8_t>>> tables{
      {"cmap", cmap_table()}, {"glyf", glyf},         {"head", head_table()},
      {"hhea", hhea_table()}, {"hmtx", hmtx_table()}, {"loca", loca_table(glyf.size())},
      {"maxp", maxp_table()}, {"name", name_table()}, {"post", post_table()}};
  // Tables are sorted by tag, as the directory requires (the list above is).
  const auto count = static_cast<std::uint32_t>(tables.size());
  std::uint32_t power = 1;
  std::uint32_t log2 = 0;
  while (power * 2 <= count) {
    power *= 2;
    ++log2;
  }
  BigEndian font;
  font.u32(0x00010000);
  font.u16(count);
  font.u16(power * 16);
  font.u16(log2);
  font.u16(count * 16 - power * 16);
  std::uint32_t offset = 12 + 16 * count;
  std::size_t head_offset = 0;
  for (const auto& [tag, data] : tables) {
    for (const char c : tag) font.u8(static_cast<unsigned char>(c));
    font.u32(table_checksum(data));
    font.u32(offset);
    font.u32(static_cast<std::uint32_t>(data.size()));
    if (tag == "head") head_offset = offset;
    offset += static_cast<std::uint32_t>((data.size() + 3) & ~std::size_t{3});
  }
  for (const auto& entry : tables) {
    font.bytes.insert(font.bytes.end(), entry.second.begin(), entry.second.end());
    while (font.bytes.size() % 4 != 0) font.u8(0);
  }
  const std::uint32_t adjustment = 0xB1B0AFBA - table_checksum(font.bytes);
  for (int k = 0; k < 4; ++k) {
    font.bytes[head_offset + 8 + k] = static_cast<std::uint8_t>(adjustment >> (24 - 8 * k));
  }
  return font.bytes;
}

}  // namespace sohoa::pdf::detail
