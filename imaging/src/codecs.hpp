#pragma once
// Internal seam between the format dispatcher (decode.cpp) and the one-adapter-per-
// library codec files. Every function throws sohoa::Error with the code and the
// message; the dispatcher adds the file/page context.

#include <cmath>
#include <cstdint>
#include <span>
#include <string>

#include "sohoa/core/error.hpp"
#include "sohoa/imaging/decode.hpp"

namespace sohoa::imaging::detail {

// jpeg_codec.cpp (libjpeg-turbo)
DecodedPage decode_jpeg(std::span<const std::uint8_t> data, const DecodeLimits& limits);

// png_codec.cpp (libpng)
DecodedPage decode_png(std::span<const std::uint8_t> data, const DecodeLimits& limits);

// tiff_codec.cpp (libtiff). The path variants let libtiff map the file instead of
// reading a whole multi-page file for every page.
int count_tiff_pages(std::span<const std::uint8_t> data, const DecodeLimits& limits);
int count_tiff_pages(const std::string& path, const DecodeLimits& limits);
DecodedPage decode_tiff(std::span<const std::uint8_t> data, int index, const DecodeLimits& limits);
DecodedPage decode_tiff(const std::string& path, int index, const DecodeLimits& limits);
// Raw CCITT G4 data (as in a PDF /CCITTFaxDecode stream, K < 0, EncodedByteAlign false).
DecodedPage decode_ccitt_g4(const EncodedImage& encoded, const DecodeLimits& limits);

// Shared checks, so every codec refuses with the same wording.
inline void check_pixel_limit(std::int64_t width, std::int64_t height, const DecodeLimits& limits) {
  if (width <= 0 || height <= 0) {
    throw Error(ErrorCode::CorruptInput, "image has no pixels (" + std::to_string(width) + "x" +
                                             std::to_string(height) + ")");
  }
  if (width > limits.max_pixels / height) {
    throw Error(ErrorCode::ImageTooLarge,
                "image is " + std::to_string(width) + "x" + std::to_string(height) +
                    " pixels, above the limit of " + std::to_string(limits.max_pixels) + " pixels");
  }
}

// 299.9994 dpi (11811 px/m in a PNG) is 300 dpi meant; keep other values as they are.
inline double tidy_dpi(double dpi) {
  if (!(dpi > 0) || !std::isfinite(dpi) || dpi > 100'000) return 0;
  double rounded = std::round(dpi);
  return std::abs(dpi - rounded) < 0.01 ? rounded : dpi;
}

}  // namespace sohoa::imaging::detail
