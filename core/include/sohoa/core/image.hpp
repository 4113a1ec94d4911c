#pragma once
// The raster page model shared by every stage. Pixels are owned, row-major,
// tightly packed (stride == width * channels); bilevel scans are kept as 8-bit
// 0/255 gray while processed and re-packed to 1 bit only when written.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sohoa {

enum class ColorMode : std::uint8_t { Bilevel, Gray, Rgb };

struct Image {
  int width = 0;
  int height = 0;
  int channels = 0;  // 1 (gray or bilevel) or 3 (RGB)
  ColorMode mode = ColorMode::Gray;
  double dpi_x = 0;  // 0 when the file does not say
  double dpi_y = 0;
  std::vector<std::uint8_t> pixels;

  [[nodiscard]] bool empty() const { return pixels.empty(); }
  [[nodiscard]] std::size_t stride() const { return static_cast<std::size_t>(width) * channels; }
  [[nodiscard]] const std::uint8_t* row(int y) const { return pixels.data() + stride() * y; }
  [[nodiscard]] std::uint8_t* row(int y) { return pixels.data() + stride() * y; }
};

// How the original file stored a page's pixels, so writers can pass them through
// untouched when the page did not need to change.
enum class Encoding : std::uint8_t {
  None,     // no usable original bytes: write from pixels
  Jpeg,     // baseline/progressive JPEG (DCTDecode)
  CcittG4,  // CCITT Group 4, 1 bit per pixel, 0 = black unless black_is_1
};

struct EncodedImage {
  Encoding encoding = Encoding::None;
  std::vector<std::uint8_t> bytes;
  int width = 0;
  int height = 0;
  int components = 0;       // JPEG: 1 gray, 3 YCbCr/RGB, 4 CMYK
  bool black_is_1 = false;  // CCITT: the PDF /BlackIs1 flag (MinIsWhite TIFF -> false)
  int jpeg_quality = 0;     // estimated from quantisation tables, 0 if unknown
};

struct Size {
  int width = 0;
  int height = 0;
};

}  // namespace sohoa
