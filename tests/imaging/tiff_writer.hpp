#pragma once
#include <tiffio.h>

#include <filesystem>
#include <vector>

#include "sohoa/core/image.hpp"

namespace sohoa::test {

// Writes pages into a TIFF with libtiff: bilevel as G4, gray as LZW, RGB as
// Deflate, each with its own photometric.
struct TiffFrame {
  const Image* image;
  std::uint16_t compression;
  std::uint16_t photometric;
  bool single_strip = true;  // bilevel: one strip (G4 pass-through) or 64-row strips
};

void write_tiff(const std::filesystem::path& path, const std::vector<TiffFrame>& frames);

}  // namespace sohoa::test
