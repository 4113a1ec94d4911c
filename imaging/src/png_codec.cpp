// The libpng adapter. libpng reports errors through a callback that must not
// return; we longjmp back to run_reader, whose C++ objects are all created by
// its caller before setjmp.
#include <png.h>

#include <csetjmp>
#include <cstdio>
#include <cstring>

#include "codecs.hpp"

namespace sohoa::imaging::detail {
namespace {

struct ReadState {
  std::span<const std::uint8_t> data;
  std::size_t position = 0;
  char message[256]{};
};

void on_error(png_structp png, png_const_charp message) {
  auto* state = static_cast<ReadState*>(png_get_error_ptr(png));
  std::snprintf(state->message, sizeof state->message, "%s", message);
  png_longjmp(png, 1);
}

void on_warning(png_structp, png_const_charp) {}  // benign by definition: never print

void read_bytes(png_structp png, png_bytep out, png_size_t length) {
  auto* state = static_cast<ReadState*>(png_get_io_ptr(png));
  if (length > state->data.size() - state->position) png_error(png, "file is truncated");
  std::memcpy(out, state->data.data() + state->position, length);
  state->position += length;
}

struct PngInfo {
  std::int64_t width = 0;
  std::int64_t height = 0;
  int channels = 0;      // after our transforms: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA
  bool bilevel = false;  // 1-bit gray, or a two-entry black/white palette
  bool gray_palette = false;
  double dpi_x = 0;
  double dpi_y = 0;
  bool too_large = false;
};

bool palette_is_gray(png_structp png, png_infop info, bool& black_white) {
  png_colorp palette = nullptr;
  int count = 0;
  if (png_get_PLTE(png, info, &palette, &count) == 0 || count <= 0) return false;
  black_white = true;
  for (int i = 0; i < count; ++i) {
    if (palette[i].red != palette[i].green || palette[i].red != palette[i].blue) return false;
    if (palette[i].red != 0 && palette[i].red != 255) black_white = false;
  }
  return true;
}

bool run_reader(ReadState& state, const DecodeLimits& limits, PngInfo& result,
                std::vector<std::uint8_t>& pixels, std::vector<png_bytep>& rows) {
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &state, on_error, on_warning);
  if (png == nullptr) {
    std::snprintf(state.message, sizeof state.message, "libpng could not start");
    return false;
  }
  png_infop info = png_create_info_struct(png);
  if (info == nullptr) {
    png_destroy_read_struct(&png, nullptr, nullptr);
    std::snprintf(state.message, sizeof state.message, "libpng could not start");
    return false;
  }
  if (setjmp(png_jmpbuf(png)) != 0) {
    png_destroy_read_struct(&png, &info, nullptr);
    return false;
  }
  png_set_read_fn(png, &state, read_bytes);
  png_read_info(png, info);

  const png_uint_32 width = png_get_image_width(png, info);
  const png_uint_32 height = png_get_image_height(png, info);
  result.width = width;
  result.height = height;
  if (width == 0 || height == 0 ||
      static_cast<std::int64_t>(width) > limits.max_pixels / static_cast<std::int64_t>(height)) {
    result.too_large = true;
    png_destroy_read_struct(&png, &info, nullptr);
    return true;
  }
  png_uint_32 res_x = 0;
  png_uint_32 res_y = 0;
  int unit = 0;
  if (png_get_pHYs(png, info, &res_x, &res_y, &unit) != 0 && unit == PNG_RESOLUTION_METER) {
    result.dpi_x = tidy_dpi(res_x * 0.0254);
    result.dpi_y = tidy_dpi(res_y * 0.0254);
  }

  const int color_type = png_get_color_type(png, info);
  const int bit_depth = png_get_bit_depth(png, info);
  const bool transparency = png_get_valid(png, info, PNG_INFO_tRNS) != 0;
  if (color_type == PNG_COLOR_TYPE_PALETTE) {
    bool black_white = false;
    result.gray_palette = palette_is_gray(png, info, black_white);
    result.bilevel = result.gray_palette && black_white && !transparency;
    png_set_palette_to_rgb(png);
  }
  if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) {
    result.bilevel = bit_depth == 1 && !transparency;
    png_set_expand_gray_1_2_4_to_8(png);  // 1-bit 0/1 become 0/255
  }
  if (transparency) png_set_tRNS_to_alpha(png);
  if (bit_depth == 16) png_set_strip_16(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);

  result.channels = png_get_channels(png, info);
  const std::size_t row_bytes = png_get_rowbytes(png, info);
  pixels.resize(row_bytes * height);
  rows.resize(height);
  for (png_uint_32 y = 0; y < height; ++y) rows[y] = pixels.data() + row_bytes * y;
  png_read_image(png, rows.data());
  // Not png_read_end: chunks after the pixels (text, time) are of no use to us,
  // and a file cut just before IEND still holds every pixel.
  png_destroy_read_struct(&png, &info, nullptr);
  return true;
}

// Composites alpha onto white paper and drops the alpha channel.
std::uint8_t over_white(int value, int alpha) {
  return static_cast<std::uint8_t>((value * alpha + 255 * (255 - alpha) + 127) / 255);
}

}  // namespace

DecodedPage decode_png(std::span<const std::uint8_t> data, const DecodeLimits& limits) {
  // The IHDR chunk always comes first: judge the claimed size from it before
  // libpng reads further, so a header alone cannot make us allocate.
  constexpr std::size_t kIhdrEnd = 24;
  if (data.size() >= kIhdrEnd && data[12] == 'I' && data[13] == 'H' && data[14] == 'D' &&
      data[15] == 'R') {
    auto be32 = [&](std::size_t at) {
      return (std::int64_t{data[at]} << 24) | (std::int64_t{data[at + 1]} << 16) |
             (std::int64_t{data[at + 2]} << 8) | std::int64_t{data[at + 3]};
    };
    check_pixel_limit(be32(16), be32(20), limits);
  }
  ReadState state;
  state.data = data;
  PngInfo info;
  std::vector<std::uint8_t> decoded;
  std::vector<png_bytep> rows;
  if (!run_reader(state, limits, info, decoded, rows)) {
    throw Error(ErrorCode::CorruptInput, std::string("PNG data is corrupt: ") + state.message);
  }
  if (info.too_large) check_pixel_limit(info.width, info.height, limits);

  DecodedPage page;  // PNG pixels are never passed through: a PDF re-compresses them
  Image& image = page.image;
  image.width = static_cast<int>(info.width);
  image.height = static_cast<int>(info.height);
  image.dpi_x = info.dpi_x;
  image.dpi_y = info.dpi_y;
  const bool gray = info.channels <= 2 || info.gray_palette;
  image.channels = gray ? 1 : 3;
  image.mode = info.bilevel ? ColorMode::Bilevel : gray ? ColorMode::Gray : ColorMode::Rgb;
  if (info.channels == image.channels) {
    image.pixels = std::move(decoded);
    return page;
  }
  const std::size_t count = static_cast<std::size_t>(image.width) * image.height;
  image.pixels.resize(count * image.channels);
  const int in = info.channels;
  const bool alpha = in == 2 || in == 4;
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint8_t* source = decoded.data() + i * in;
    int a = alpha ? source[in - 1] : 255;
    if (image.channels == 1) {
      image.pixels[i] = over_white(source[0], a);
    } else {
      for (int c = 0; c < 3; ++c) image.pixels[3 * i + c] = over_white(source[c], a);
    }
  }
  return page;
}

}  // namespace sohoa::imaging::detail
