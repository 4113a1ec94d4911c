#pragma once
// A TrueType font program to embed in a PDF: glyphs and metrics from the font's
// own tables (cmap, hmtx, head, OS/2, post) and a subset that keeps only the
// glyphs a text uses. The HarfBuzz adapter (harfbuzz_font.cpp) implements it.

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace sohoa::signing {

class FontProgram {
 public:
  // Reads a TrueType (glyf) font file. Throws sohoa::Error (InputNotFound,
  // UnsupportedFormat) when it is missing or not usable.
  explicit FontProgram(const std::filesystem::path& file);
  ~FontProgram();
  FontProgram(const FontProgram&) = delete;
  FontProgram& operator=(const FontProgram&) = delete;

  // The glyph for a Unicode code point from the font's cmap, or 0 (.notdef).
  [[nodiscard]] std::uint16_t glyph(char32_t code_point) const;
  // Horizontal advance of a glyph in PDF glyph space (1/1000 em).
  [[nodiscard]] double advance(std::uint16_t glyph) const;

  // Metrics for the PDF font descriptor, in 1/1000 em.
  [[nodiscard]] double ascent() const { return ascent_; }
  [[nodiscard]] double descent() const { return descent_; }
  [[nodiscard]] double cap_height() const { return cap_height_; }
  [[nodiscard]] double italic_angle() const { return italic_angle_; }
  [[nodiscard]] const std::array<double, 4>& bbox() const { return bbox_; }
  [[nodiscard]] const std::string& postscript_name() const { return postscript_name_; }

  // A font file holding only `glyphs` (plus .notdef) with every glyph keeping
  // its number, so a PDF can address glyphs by their original id (CIDToGIDMap
  // /Identity). Hinting is dropped: PDF viewers do not need it at signature sizes.
  [[nodiscard]] std::vector<std::uint8_t> subset(const std::set<std::uint16_t>& glyphs) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  double ascent_ = 0;
  double descent_ = 0;
  double cap_height_ = 0;
  double italic_angle_ = 0;
  std::array<double, 4> bbox_{0, 0, 0, 0};
  std::string postscript_name_;
};

}  // namespace sohoa::signing
