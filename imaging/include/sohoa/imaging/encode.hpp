#pragma once
// Re-encoding pixels that had to change (rotation, deskew) in the form closest
// to the original: bilevel stays CCITT G4 (lossless), JPEG stays JPEG at the
// quality the original was saved with.

#include "sohoa/core/error.hpp"
#include "sohoa/core/image.hpp"

namespace sohoa::imaging {

// `image` must be Bilevel (8-bit 0/255; values < 128 count as black). Result:
// Encoding::CcittG4, K < 0, one stream with EOFB, black_is_1 = false.
// black_is_1 is the stream's PDF /BlackIs1: true only for the raw strips of
// MinIsBlack TIFFs, whose coded "black" runs are the paper.
EncodedImage encode_g4(const Image& image);

// `image` is Gray or Rgb; quality 1..100.
EncodedImage encode_jpeg(const Image& image, int quality);

// Estimated libjpeg quality (1..100) of a JPEG stream from its luminance
// quantisation table, 0 when it cannot tell.
int estimate_jpeg_quality(const EncodedImage& jpeg);

}  // namespace sohoa::imaging
