#pragma once
// Re-encoding pixels that had to change (rotation, deskew) in the form closest
// to the original: bilevel stays CCITT G4 (lossless), JPEG stays JPEG at the
// quality the original was saved with.

#include "sohoa/core/image.hpp"

namespace sohoa::imaging {

// `image` must be Bilevel (8-bit 0/255). Result: Encoding::CcittG4, black_is_1 = false.
EncodedImage encode_g4(const Image& image);

// `image` is Gray or Rgb; quality 1..100.
EncodedImage encode_jpeg(const Image& image, int quality);

// Estimated libjpeg quality (1..100) of a JPEG stream from its luminance
// quantisation table, 0 when it cannot tell.
int estimate_jpeg_quality(const EncodedImage& jpeg);

}  // namespace sohoa::imaging
