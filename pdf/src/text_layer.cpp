#include "text_layer.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "glyphless_font.hpp"
#include "pdf_syntax.hpp"

namespace sohoa::pdf::detail {
namespace {

bool is_dropped(char32_t code_point) {
  return code_point < 0x20 || code_point == 0xFEFF || code_point == 0xFFFE ||
         code_point == 0xFFFF || (code_point >= 0xD800 && code_point <= 0xDFFF);
}

std::string hex_cids(const std::vector<std::uint16_t>& cids) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out = "<";
  for (const std::uint16_t cid : cids) {
    for (int shift = 12; shift >= 0; shift -= 4) out += kDigits[(cid >> shift) & 0xF];
  }
  out += '>';
  return out;
}

std::vector<std::uint16_t> cids_of(std::string_view utf8) {
  std::vector<std::uint16_t> cids;
  for (const char32_t code_point : decode_utf8(utf8)) {
    if (code_point == U'\t' || code_point == U'\n' || code_point == U'\r') {
      cids.push_back(0x20);
    } else if (const auto cid = cid_for_code_point(code_point)) {
      cids.push_back(*cid);
    }
  }
  return cids;
}

// Font size in pixels for a line: the OCR estimate when it is plausible, else the line height.
double line_font_px(const OcrLine& line) {
  const double height = std::max(1, line.box.height());
  if (line.font_size_px > 0 && line.font_size_px <= 3 * height) return line.font_size_px;
  return height;
}

// Baseline y (pixels) at x, falling back to the box bottom when the OCR gave none.
double baseline_px(const OcrLine& line, double x) {
  const double height = std::max(1, line.box.height());
  const bool plausible = line.baseline_y0 > line.box.top - height &&
                         line.baseline_y0 < line.box.bottom + height &&
                         std::abs(line.baseline_slope) < 1.0;
  if (!plausible) return line.box.bottom;
  return line.baseline_y0 + line.baseline_slope * (x - line.box.left);
}

}  // namespace

std::optional<std::uint16_t> cid_for_code_point(char32_t code_point) {
  if (code_point > 0xFFFF) return 0xFFFD;
  if (is_dropped(code_point)) return std::nullopt;
  return static_cast<std::uint16_t>(code_point);
}

std::string text_layer_operators(const OcrText& text, const PageGeometryPt& page,
                                 std::string_view font_resource) {
  const double x_scale = 72.0 / (page.dpi_x > 0 ? page.dpi_x : 300);
  const double y_scale = 72.0 / (page.dpi_y > 0 ? page.dpi_y : 300);
  const double advance_em = static_cast<double>(kGlyphlessAdvance) / kGlyphlessUnitsPerEm;
  std::string ops;
  for (const OcrLine& line : text.lines) {
    if (line.words.empty()) continue;
    const double font_pt = line_font_px(line) * y_scale;
    const double slope = std::abs(line.baseline_slope) < 1.0 ? line.baseline_slope : 0.0;
    // Image y grows downwards, PDF y upwards: a positive slope turns clockwise.
    const double angle = -std::atan(slope * y_scale / x_scale);
    const double cos_a = std::cos(angle);
    const double sin_a = std::sin(angle);
    std::string line_ops;
    for (std::size_t i = 0; i < line.words.size(); ++i) {
      const OcrWord& word = line.words[i];
      std::vector<std::uint16_t> cids = cids_of(word.text);
      if (cids.empty()) continue;
      // Words but the last carry a trailing space and reach to the next word, so
      // extracted text has its spaces and the selection has no gaps.
      double right_px = word.box.right;
      if (i + 1 < line.words.size() && line.words[i + 1].box.left > word.box.left) {
        right_px = std::max<double>(right_px, line.words[i + 1].box.left);
        cids.push_back(0x20);
      }
      const double width_pt = std::max(0.0, right_px - word.box.left) * x_scale / cos_a;
      const double natural_pt = static_cast<double>(cids.size()) * advance_em * font_pt;
      double stretch = natural_pt > 0 && width_pt > 0 ? 100.0 * width_pt / natural_pt : 100.0;
      stretch = std::clamp(stretch, 1.0, 10000.0);
      const double x_pt = word.box.left * x_scale;
      const double y_pt = page.height_pt - baseline_px(line, word.box.left) * y_scale;
      line_ops += pdf_real(cos_a) + ' ' + pdf_real(sin_a) + ' ' + pdf_real(-sin_a) + ' ' +
                  pdf_real(cos_a) + ' ' + pdf_real(x_pt) + ' ' + pdf_real(y_pt) + " Tm " +
                  pdf_real(stretch) + " Tz " + hex_cids(cids) + " Tj\n";
    }
    if (line_ops.empty()) continue;
    ops += '/';
    ops += font_resource;
    ops += ' ' + pdf_real(std::max(font_pt, 0.1)) + " Tf\n" + line_ops;
  }
  if (ops.empty()) return {};
  return "BT\n3 Tr\n" + ops + "ET\n";
}

std::string identity_to_unicode_cmap() {
  std::vector<std::string> ranges;
  char entry[64];
  for (std::uint32_t high = 0; high <= 0xFF; ++high) {
    if (high >= 0xD8 && high <= 0xDF) continue;  // surrogates are never CIDs
    std::uint32_t first = high << 8;
    std::uint32_t last = first | 0xFF;
    if (high == 0) first = 0x20;
    if (high == 0xFF) last = 0xFFFD;
    if (high == 0xFE) {  // U+FEFF (byte order mark) is not a character to map
      std::snprintf(entry, sizeof entry, "<%04X> <%04X> <%04X>\n", first, 0xFEFEu, first);
      ranges.emplace_back(entry);
      continue;
    }
    std::snprintf(entry, sizeof entry, "<%04X> <%04X> <%04X>\n", first, last, first);
    ranges.emplace_back(entry);
  }
  std::string cmap =
      "/CIDInit /ProcSet findresource begin\n"
      "12 dict begin\n"
      "begincmap\n"
      "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
      "/CMapName /Adobe-Identity-UCS def\n"
      "/CMapType 2 def\n"
      "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n";
  // At most 100 entries per block (PDF limit for bfrange blocks).
  for (std::size_t start = 0; start < ranges.size(); start += 100) {
    const std::size_t count = std::min<std::size_t>(100, ranges.size() - start);
    cmap += std::to_string(count) + " beginbfrange\n";
    for (std::size_t k = start; k < start + count; ++k) cmap += ranges[k];
    cmap += "endbfrange\n";
  }
  cmap +=
      "endcmap\n"
      "CMapName currentdict /CMap defineresource pop\n"
      "end\n"
      "end\n";
  return cmap;
}

std::vector<std::uint8_t> cid_to_glyph_map() {
  std::vector<std::uint8_t> map(65536 * 2, 0);
  for (std::size_t cid = 1; cid < 65536; ++cid) map[cid * 2 + 1] = 1;
  return map;
}

}  // namespace sohoa::pdf::detail
