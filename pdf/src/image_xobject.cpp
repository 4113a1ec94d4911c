#include "image_xobject.hpp"

#include "sohoa/core/error.hpp"
#include "zlib_codec.hpp"

namespace sohoa::pdf::detail {
namespace {

std::string image_header(int width, int height) {
  return " /Type /XObject /Subtype /Image /Width " + std::to_string(width) + " /Height " +
         std::to_string(height);
}

ImageXObject jpeg_xobject(const EncodedImage& jpeg) {
  if (jpeg.width <= 0 || jpeg.height <= 0 || jpeg.bytes.empty()) {
    throw Error(ErrorCode::InvalidArgument, "JPEG page without size or bytes");
  }
  const char* color_space = nullptr;
  switch (jpeg.components) {
    case 1:
      color_space = "/DeviceGray";
      break;
    case 3:
      color_space = "/DeviceRGB";
      break;
    case 4:
      // DeviceCMYK is not allowed under an sRGB (RGB) output intent.
      throw Error(ErrorCode::UnsupportedFormat,
                  "CMYK JPEG cannot be written to PDF/A with an sRGB output intent; "
                  "convert the page to RGB first");
    default:
      throw Error(ErrorCode::InvalidArgument,
                  "JPEG with " + std::to_string(jpeg.components) + " components");
  }
  ImageXObject x;
  x.width = jpeg.width;
  x.height = jpeg.height;
  x.dictionary_entries = image_header(jpeg.width, jpeg.height) + " /ColorSpace " + color_space +
                         " /BitsPerComponent 8 /Filter /DCTDecode";
  x.passthrough = jpeg.bytes;
  return x;
}

ImageXObject g4_xobject(const EncodedImage& g4) {
  if (g4.width <= 0 || g4.height <= 0 || g4.bytes.empty()) {
    throw Error(ErrorCode::InvalidArgument, "CCITT G4 page without size or bytes");
  }
  ImageXObject x;
  x.width = g4.width;
  x.height = g4.height;
  x.dictionary_entries = image_header(g4.width, g4.height) +
                         " /ColorSpace /DeviceGray /BitsPerComponent 1 /Filter /CCITTFaxDecode"
                         " /DecodeParms << /K -1 /Columns " +
                         std::to_string(g4.width) + " /Rows " + std::to_string(g4.height) +
                         (g4.black_is_1 ? " /BlackIs1 true" : "") + " >>";
  x.passthrough = g4.bytes;
  return x;
}

ImageXObject pixel_xobject(const Image& image) {
  if (image.width <= 0 || image.height <= 0) {
    throw Error(ErrorCode::InvalidArgument, "page image without pixels");
  }
  const int expected_channels = image.mode == ColorMode::Rgb ? 3 : 1;
  if (image.channels != expected_channels ||
      image.pixels.size() < image.stride() * static_cast<std::size_t>(image.height)) {
    throw Error(ErrorCode::InvalidArgument, "page image buffer does not match its size/mode");
  }
  ImageXObject x;
  x.width = image.width;
  x.height = image.height;
  std::string color;
  if (image.mode == ColorMode::Bilevel) {
    // 1 bit per pixel, rows padded to a byte; DeviceGray 1 bpc already reads 0 as black.
    const std::size_t row_bytes = (static_cast<std::size_t>(image.width) + 7) / 8;
    std::vector<std::uint8_t> packed(row_bytes * image.height, 0);
    for (int y = 0; y < image.height; ++y) {
      const std::uint8_t* source = image.row(y);
      std::uint8_t* target = packed.data() + row_bytes * y;
      for (int column = 0; column < image.width; ++column) {
        if (source[column] >= 128)
          target[column >> 3] |= static_cast<std::uint8_t>(0x80 >> (column & 7));
      }
    }
    x.owned = deflate_bytes(packed);
    color = " /ColorSpace /DeviceGray /BitsPerComponent 1";
  } else {
    x.owned = deflate_bytes(
        std::span<const std::uint8_t>(image.pixels.data(),
                                      image.stride() * static_cast<std::size_t>(image.height)),
        DeflateFor::ScannedImage);
    color = image.mode == ColorMode::Rgb ? " /ColorSpace /DeviceRGB /BitsPerComponent 8"
                                         : " /ColorSpace /DeviceGray /BitsPerComponent 8";
  }
  x.dictionary_entries = image_header(image.width, image.height) + color + " /Filter /FlateDecode";
  return x;
}

}  // namespace

ImageXObject make_image_xobject(const PageContent& page) {
  switch (page.encoded.encoding) {
    case Encoding::Jpeg:
      return jpeg_xobject(page.encoded);
    case Encoding::CcittG4:
      return g4_xobject(page.encoded);
    case Encoding::None:
      break;
  }
  if (page.pixels == nullptr) {
    throw Error(ErrorCode::InvalidArgument, "page has neither encoded bytes nor pixels");
  }
  return pixel_xobject(*page.pixels);
}

}  // namespace sohoa::pdf::detail
