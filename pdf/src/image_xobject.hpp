#pragma once
// The image XObject of one page: JPEG and CCITT G4 bytes pass through untouched,
// raw pixels are Flate-compressed (bilevel packed to 1 bit, 0 = black).

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "sohoa/pdf/pdfa_writer.hpp"

namespace sohoa::pdf::detail {

struct ImageXObject {
  std::string dictionary_entries;             // without << >> and /Length
  std::vector<std::uint8_t> owned;            // compressed pixels when we encoded them
  std::span<const std::uint8_t> passthrough;  // the caller's JPEG/G4 bytes otherwise
  int width = 0;
  int height = 0;

  [[nodiscard]] std::span<const std::uint8_t> stream_bytes() const {
    return owned.empty() ? passthrough : std::span<const std::uint8_t>(owned);
  }
};

// Throws Error(InvalidArgument / UnsupportedFormat) for pages that cannot be
// written as PDF/A with an sRGB output intent (e.g. CMYK JPEG).
ImageXObject make_image_xobject(const PageContent& page);

}  // namespace sohoa::pdf::detail
