// The libjpeg-turbo adapter: decoding, encoding and quality estimation.
//
// libjpeg reports fatal errors through error_exit, which must not return; we
// longjmp back to the function that called into libjpeg. Only trivially
// destructible locals live between setjmp and the calls that may jump, and every
// C++ object those functions fill is created before setjmp.
#include <algorithm>
#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

// jpeglib.h needs size_t and FILE declared first.
#include <jerror.h>
#include <jpeglib.h>

#include "codecs.hpp"
#include "sohoa/imaging/encode.hpp"

namespace sohoa::imaging {
namespace {

struct ErrorTrap {
  jpeg_error_mgr manager{};
  std::jmp_buf jump{};
  char message[JMSG_LENGTH_MAX]{};
  bool data_lost = false;  // a warning that means pixels are missing or wrong
};

ErrorTrap& trap_of(j_common_ptr cinfo) {
  // error_mgr is the first member, so the pointer libjpeg holds is the trap's.
  return *reinterpret_cast<ErrorTrap*>(cinfo->err);
}

[[noreturn]] void on_fatal_error(j_common_ptr cinfo) {
  ErrorTrap& trap = trap_of(cinfo);
  (*cinfo->err->format_message)(cinfo, trap.message);
  std::longjmp(trap.jump, 1);
}

// Warnings (level -1) that mean the decoder substituted data: a truncated file
// decodes to a half-grey page with nothing but a warning, which we must refuse.
void on_message(j_common_ptr cinfo, int level) {
  if (level != -1) return;  // trace messages: ignore, never print
  ErrorTrap& trap = trap_of(cinfo);
  switch (cinfo->err->msg_code) {
    case JWRN_JPEG_EOF:       // premature end of data
    case JWRN_HIT_MARKER:     // premature end of data segment
    case JWRN_HUFF_BAD_CODE:  // bad Huffman code
    case JWRN_MUST_RESYNC:    // lost sync with the restart markers
    case JWRN_BOGUS_PROGRESSION:
      if (!trap.data_lost) (*cinfo->err->format_message)(cinfo, trap.message);
      trap.data_lost = true;
      break;
    default:
      break;  // e.g. extraneous bytes before a marker: the pixels are intact
  }
}

void install_trap(ErrorTrap& trap) {
  jpeg_std_error(&trap.manager);
  trap.manager.error_exit = on_fatal_error;
  trap.manager.emit_message = on_message;
  trap.manager.output_message = [](j_common_ptr) {};
}

struct DecodedJpeg {
  int width = 0;
  int height = 0;
  int components = 0;
  bool cmyk = false;
  bool adobe_inverted = false;
  int density_unit = 0;
  int x_density = 0;
  int y_density = 0;
  bool too_large = false;
};

// Reads the header, checks the size against the limit, then decodes into
// `pixels` (gray, RGB, or raw CMYK). Returns false with trap.message set when
// libjpeg failed. No C++ object is created after setjmp.
bool run_decoder(std::span<const std::uint8_t> data, const DecodeLimits& limits, ErrorTrap& trap,
                 DecodedJpeg& info, std::vector<std::uint8_t>& pixels,
                 std::vector<JSAMPROW>& rows) {
  jpeg_decompress_struct cinfo{};
  cinfo.err = &trap.manager;
  if (setjmp(trap.jump) != 0) {
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, data.data(), static_cast<unsigned long>(data.size()));
  jpeg_read_header(&cinfo, TRUE);
  info.width = static_cast<int>(cinfo.image_width);
  info.height = static_cast<int>(cinfo.image_height);
  info.components = cinfo.num_components;
  info.density_unit = cinfo.saw_JFIF_marker ? cinfo.density_unit : 0;
  info.x_density = cinfo.X_density;
  info.y_density = cinfo.Y_density;
  if (cinfo.image_width == 0 || cinfo.image_height == 0 ||
      static_cast<std::int64_t>(cinfo.image_width) >
          limits.max_pixels / static_cast<std::int64_t>(cinfo.image_height)) {
    info.too_large = true;
    jpeg_destroy_decompress(&cinfo);
    return true;
  }
  switch (cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE:
      cinfo.out_color_space = JCS_GRAYSCALE;
      break;
    case JCS_CMYK:
    case JCS_YCCK:
      cinfo.out_color_space = JCS_CMYK;
      info.cmyk = true;
      info.adobe_inverted = cinfo.saw_Adobe_marker != 0;
      break;
    default:
      cinfo.out_color_space = JCS_RGB;
      break;
  }
  jpeg_start_decompress(&cinfo);
  const std::size_t stride = static_cast<std::size_t>(cinfo.output_width) *
                             static_cast<std::size_t>(cinfo.output_components);
  pixels.resize(stride * cinfo.output_height);
  rows.resize(cinfo.output_height);
  for (JDIMENSION y = 0; y < cinfo.output_height; ++y) rows[y] = pixels.data() + stride * y;
  while (cinfo.output_scanline < cinfo.output_height && !trap.data_lost) {
    JDIMENSION before = cinfo.output_scanline;
    jpeg_read_scanlines(&cinfo, rows.data() + cinfo.output_scanline,
                        cinfo.output_height - cinfo.output_scanline);
    if (cinfo.output_scanline == before) break;  // suspended: no more data
  }
  if (cinfo.output_scanline < cinfo.output_height && !trap.data_lost) {
    std::snprintf(trap.message, sizeof trap.message, "image data ends at row %u of %u",
                  cinfo.output_scanline, cinfo.output_height);
    trap.data_lost = true;
  }
  if (!trap.data_lost) jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  return true;
}

void cmyk_to_rgb(const std::vector<std::uint8_t>& cmyk, bool inverted, Image& out) {
  out.pixels.resize(out.stride() * out.height);
  const std::size_t count = static_cast<std::size_t>(out.width) * out.height;
  for (std::size_t i = 0; i < count; ++i) {
    int c = cmyk[4 * i];
    int m = cmyk[4 * i + 1];
    int y = cmyk[4 * i + 2];
    int k = cmyk[4 * i + 3];
    if (!inverted) {  // Adobe writes CMYK inverted (255 = no ink); others do not
      c = 255 - c;
      m = 255 - m;
      y = 255 - y;
      k = 255 - k;
    }
    out.pixels[3 * i] = static_cast<std::uint8_t>(c * k / 255);
    out.pixels[3 * i + 1] = static_cast<std::uint8_t>(m * k / 255);
    out.pixels[3 * i + 2] = static_cast<std::uint8_t>(y * k / 255);
  }
}

double density_to_dpi(int unit, int density) {
  if (density <= 0) return 0;
  if (unit == 1) return detail::tidy_dpi(density);
  if (unit == 2) return detail::tidy_dpi(density * 2.54);
  return 0;  // unit 0: only an aspect ratio
}

// The IJG reference luminance table (ITU T.81 Annex K), natural order.
constexpr unsigned kStandardLuminance[DCTSIZE2] = {
    16, 11, 10, 16, 24,  40,  51,  61,  12, 12, 14, 19, 26,  58,  60,  55,
    14, 13, 16, 24, 40,  57,  69,  56,  14, 17, 22, 29, 51,  87,  80,  62,
    18, 22, 37, 56, 68,  109, 103, 77,  24, 35, 55, 64, 81,  104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99};

// Reads the luminance quantisation table (natural order); false if none.
bool read_luminance_table(std::span<const std::uint8_t> data, unsigned (&table)[DCTSIZE2]) {
  ErrorTrap trap;
  install_trap(trap);
  jpeg_decompress_struct cinfo{};
  cinfo.err = &trap.manager;
  if (setjmp(trap.jump) != 0) {
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, data.data(), static_cast<unsigned long>(data.size()));
  jpeg_read_header(&cinfo, TRUE);
  bool found = false;
  if (cinfo.num_components > 0) {
    int slot = cinfo.comp_info[0].quant_tbl_no;
    if (slot >= 0 && slot < NUM_QUANT_TBLS && cinfo.quant_tbl_ptrs[slot] != nullptr) {
      for (int i = 0; i < DCTSIZE2; ++i) table[i] = cinfo.quant_tbl_ptrs[slot]->quantval[i];
      found = true;
    }
  }
  jpeg_destroy_decompress(&cinfo);
  return found;
}

}  // namespace

namespace detail {

DecodedPage decode_jpeg(std::span<const std::uint8_t> data, const DecodeLimits& limits) {
  ErrorTrap trap;
  install_trap(trap);
  DecodedJpeg info;
  std::vector<std::uint8_t> pixels;
  std::vector<JSAMPROW> rows;
  if (!run_decoder(data, limits, trap, info, pixels, rows)) {
    throw Error(ErrorCode::CorruptInput, std::string("JPEG data is corrupt: ") + trap.message);
  }
  if (info.too_large) check_pixel_limit(info.width, info.height, limits);
  if (trap.data_lost) {
    throw Error(ErrorCode::CorruptInput,
                std::string("JPEG data is truncated or corrupt: ") + trap.message);
  }

  DecodedPage page;
  Image& image = page.image;
  image.width = info.width;
  image.height = info.height;
  image.dpi_x = density_to_dpi(info.density_unit, info.x_density);
  image.dpi_y = density_to_dpi(info.density_unit, info.y_density);
  if (info.cmyk) {
    image.channels = 3;
    image.mode = ColorMode::Rgb;
    cmyk_to_rgb(pixels, info.adobe_inverted, image);
    return page;  // PDF viewers disagree on inverted CMYK JPEGs: never pass through
  }
  image.channels = info.components == 1 ? 1 : 3;
  image.mode = info.components == 1 ? ColorMode::Gray : ColorMode::Rgb;
  image.pixels = std::move(pixels);

  EncodedImage& original = page.original;
  original.encoding = Encoding::Jpeg;
  original.bytes.assign(data.begin(), data.end());
  original.width = info.width;
  original.height = info.height;
  original.components = info.components;
  original.jpeg_quality = estimate_jpeg_quality(original);
  return page;
}

}  // namespace detail

EncodedImage encode_jpeg(const Image& image, int quality) {
  if (image.empty() || image.width <= 0 || image.height <= 0 ||
      (image.channels != 1 && image.channels != 3) ||
      image.pixels.size() < image.stride() * image.height) {
    throw Error(ErrorCode::InvalidArgument, "encode_jpeg: not a gray or RGB image");
  }
  if (quality < 1 || quality > 100) {
    throw Error(ErrorCode::InvalidArgument,
                "encode_jpeg: quality " + std::to_string(quality) + " is outside 1..100");
  }
  ErrorTrap trap;
  install_trap(trap);
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  jpeg_compress_struct cinfo{};
  cinfo.err = &trap.manager;
  if (setjmp(trap.jump) != 0) {
    jpeg_destroy_compress(&cinfo);
    std::free(buffer);
    throw Error(ErrorCode::Internal, std::string("JPEG encoding failed: ") + trap.message);
  }
  jpeg_create_compress(&cinfo);
  jpeg_mem_dest(&cinfo, &buffer, &size);
  cinfo.image_width = static_cast<JDIMENSION>(image.width);
  cinfo.image_height = static_cast<JDIMENSION>(image.height);
  cinfo.input_components = image.channels;
  cinfo.in_color_space = image.channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&cinfo);  // colour: YCbCr with 2x2 luma sampling, i.e. 4:2:0
  jpeg_set_quality(&cinfo, quality, TRUE);
  cinfo.optimize_coding = TRUE;
  cinfo.write_JFIF_header = TRUE;
  if (image.dpi_x > 0 && image.dpi_y > 0 && image.dpi_x < 65535 && image.dpi_y < 65535) {
    cinfo.density_unit = 1;
    cinfo.X_density = static_cast<UINT16>(std::lround(image.dpi_x));
    cinfo.Y_density = static_cast<UINT16>(std::lround(image.dpi_y));
  }
  jpeg_start_compress(&cinfo, TRUE);
  const std::size_t stride = image.stride();
  while (cinfo.next_scanline < cinfo.image_height) {
    // libjpeg's API takes non-const rows but only reads them when compressing.
    JSAMPROW row = const_cast<JSAMPROW>(image.pixels.data() + stride * cinfo.next_scanline);
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);

  EncodedImage encoded;
  encoded.encoding = Encoding::Jpeg;
  encoded.bytes.assign(buffer, buffer + size);
  std::free(buffer);
  encoded.width = image.width;
  encoded.height = image.height;
  encoded.components = image.channels;
  encoded.jpeg_quality = quality;
  return encoded;
}

int estimate_jpeg_quality(const EncodedImage& jpeg) {
  if (jpeg.encoding != Encoding::Jpeg || jpeg.bytes.empty()) return 0;
  unsigned table[DCTSIZE2]{};
  if (!read_luminance_table(jpeg.bytes, table)) return 0;
  // The IJG scaling: factor 5000/q below 50, 200-2q above; values clamped to 1..255.
  // Choose the quality whose scaled reference table is closest; for tables made
  // by other encoders this is the nearest IJG-equivalent quality.
  int best_quality = 0;
  long best_distance = std::numeric_limits<long>::max();
  for (int quality = 1; quality <= 100; ++quality) {
    long scale = quality < 50 ? 5000 / quality : 200 - 2 * quality;
    long distance = 0;
    for (int i = 0; i < DCTSIZE2; ++i) {
      long expected = (static_cast<long>(kStandardLuminance[i]) * scale + 50) / 100;
      expected = std::clamp(expected, 1L, 255L);
      distance += std::labs(expected - static_cast<long>(table[i]));
    }
    if (distance < best_distance) {
      best_distance = distance;
      best_quality = quality;
    }
  }
  return best_quality;
}

}  // namespace sohoa::imaging
