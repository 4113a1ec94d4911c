#pragma once
// Reading scanned pages from raster files (JPEG, PNG, TIFF). Headers are read and
// checked against the limits before any pixel buffer is allocated.

#include <cstdint>
#include <span>
#include <string>

#include "sohoa/core/error.hpp"
#include "sohoa/core/image.hpp"

namespace sohoa::imaging {

struct DecodeLimits {
  std::int64_t max_pixels = 250'000'000;  // width * height of one page; A0 at 600 dpi fits
  int max_frames = 10'000;                // pages of one multi-page file
};

enum class FileKind : std::uint8_t { Jpeg, Png, Tiff, Pdf, Unknown };

// Identifies a file by its first bytes (not its name).
FileKind sniff(std::span<const std::uint8_t> head);

// A decoded page plus, when the file held it in a form a PDF can embed as is,
// the original encoded bytes (so unchanged pages are passed through losslessly):
// JPEG files (not CMYK) as they are; fax-coded bilevel TIFF pages as one G4
// stream (the raw strip when the page is a single MSB-first G4 strip, else the
// pixels re-encoded losslessly with encode_g4). PNG pages have none.
struct DecodedPage {
  Image image;
  EncodedImage original;  // encoding == None when not passable
};

// Pages (frames) in a raster file: 1 for JPEG/PNG, the directory count for TIFF.
// Throws sohoa::Error (InputNotFound, EmptyInput, UnsupportedFormat, CorruptInput).
int count_pages(const std::string& path, const DecodeLimits& limits = {});
int count_pages(std::span<const std::uint8_t> data, const std::string& name,
                const DecodeLimits& limits = {});

// Decodes page `index` of a raster file. `name` is used in error messages only.
// Throws sohoa::Error; never allocates more than the limits allow.
DecodedPage decode_page(const std::string& path, int index, const DecodeLimits& limits = {});
DecodedPage decode_page(std::span<const std::uint8_t> data, int index, const std::string& name,
                        const DecodeLimits& limits = {});

// Decodes an encoded image handed over by another reader (e.g. a JPEG or G4 strip
// taken out of a scanned PDF). The result keeps `encoded` as its original.
// Errors carry no file context: the caller adds it with Error::within.
DecodedPage decode_encoded(const EncodedImage& encoded, const DecodeLimits& limits = {});

}  // namespace sohoa::imaging
