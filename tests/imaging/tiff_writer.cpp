// Test helper: writes pages with libtiff (independently of the code under test).
#include "tiff_writer.hpp"

#include <algorithm>
#include <stdexcept>

namespace sohoa::test {

void write_tiff(const std::filesystem::path& path, const std::vector<TiffFrame>& frames) {
  TIFF* tif = TIFFOpen(path.c_str(), "w");
  if (tif == nullptr) throw std::runtime_error("cannot write " + path.string());
  for (const auto& frame : frames) {
    const Image& image = *frame.image;
    const bool bilevel = image.mode == ColorMode::Bilevel;
    TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, static_cast<std::uint32_t>(image.width));
    TIFFSetField(tif, TIFFTAG_IMAGELENGTH, static_cast<std::uint32_t>(image.height));
    TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, bilevel ? 1 : 8);
    TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, image.channels);
    TIFFSetField(tif, TIFFTAG_COMPRESSION, frame.compression);
    TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, frame.photometric);
    TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, bilevel && frame.single_strip ? image.height : 64);
    TIFFSetField(tif, TIFFTAG_XRESOLUTION, 300.0F);
    TIFFSetField(tif, TIFFTAG_YRESOLUTION, 300.0F);
    TIFFSetField(tif, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH);
    const std::size_t line = bilevel ? (image.width + 7) / 8 : image.stride();
    std::vector<std::uint8_t> row(line);
    for (int y = 0; y < image.height; ++y) {
      const std::uint8_t* in = image.row(y);
      if (bilevel) {
        std::fill(row.begin(), row.end(), 0);
        const bool one_is_white = frame.photometric == PHOTOMETRIC_MINISBLACK;
        for (int x = 0; x < image.width; ++x) {
          if ((in[x] == 255) == one_is_white)
            row[x / 8] |= static_cast<std::uint8_t>(0x80 >> (x % 8));
        }
      } else if (frame.photometric == PHOTOMETRIC_MINISWHITE) {
        for (std::size_t x = 0; x < line; ++x) row[x] = static_cast<std::uint8_t>(255 - in[x]);
      } else {
        std::copy(in, in + line, row.begin());
      }
      if (TIFFWriteScanline(tif, row.data(), static_cast<std::uint32_t>(y), 0) != 1) {
        throw std::runtime_error("TIFFWriteScanline failed");
      }
    }
    if (TIFFWriteDirectory(tif) != 1) throw std::runtime_error("TIFFWriteDirectory failed");
  }
  TIFFClose(tif);
}

}  // namespace sohoa::test
