// The libtiff adapter: multi-page reading (from a file or from memory), CCITT G4
// pass-through and G4 encoding.
//
// libtiff's error and warning handlers are installed per handle through
// TIFFOpenOptions (libtiff >= 4.5): messages are collected with the handle that
// produced them, nothing is printed and no global handler is touched, so
// workers can decode concurrently.
#include <tiffio.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>

#include "codecs.hpp"
#include "sohoa/imaging/encode.hpp"

namespace sohoa::imaging {
namespace {

// ---------------------------------------------------------------- messages --

struct MessageCapture {
  std::string first_error;
  std::string first_warning;  // the only detail some failures leave (premature EOF)
};

std::string format_message(const char* module, const char* format, va_list arguments) {
  char text[512];
  std::vsnprintf(text, sizeof text, format, arguments);
  return (module != nullptr && *module != '\0') ? std::string(module) + ": " + text
                                                : std::string(text);
}

int on_error(TIFF*, void* user_data, const char* module, const char* format, va_list arguments) {
  auto* capture = static_cast<MessageCapture*>(user_data);
  if (capture->first_error.empty())
    capture->first_error = format_message(module, format, arguments);
  return 1;  // handled: libtiff does not call the global (printing) handler
}

int on_warning(TIFF*, void* user_data, const char* module, const char* format, va_list arguments) {
  auto* capture = static_cast<MessageCapture*>(user_data);
  if (capture->first_warning.empty()) {
    capture->first_warning = format_message(module, format, arguments);
  }
  return 1;
}

// ------------------------------------------------------------ memory files --

// A read-only view or a growing buffer that libtiff reads and writes through
// TIFFClientOpen.
struct MemoryFile {
  const std::uint8_t* data = nullptr;
  std::vector<std::uint8_t>* growing = nullptr;  // set when writing
  toff_t size = 0;
  toff_t position = 0;
};

MemoryFile& file_of(thandle_t handle) {
  return *static_cast<MemoryFile*>(handle);
}

tmsize_t memory_read(thandle_t handle, void* out, tmsize_t length) {
  MemoryFile& file = file_of(handle);
  if (length <= 0 || file.position >= file.size) return 0;
  toff_t available = file.size - file.position;
  toff_t count = std::min<toff_t>(available, static_cast<toff_t>(length));
  const std::uint8_t* base = file.growing != nullptr ? file.growing->data() : file.data;
  std::memcpy(out, base + file.position, count);
  file.position += count;
  return static_cast<tmsize_t>(count);
}

tmsize_t memory_write(thandle_t handle, void* in, tmsize_t length) {
  MemoryFile& file = file_of(handle);
  if (file.growing == nullptr || length < 0) return -1;
  toff_t end = file.position + static_cast<toff_t>(length);
  if (end > file.growing->size()) file.growing->resize(end);
  std::memcpy(file.growing->data() + file.position, in, static_cast<std::size_t>(length));
  file.position = end;
  file.size = std::max<toff_t>(file.size, end);
  return length;
}

toff_t memory_seek(thandle_t handle, toff_t offset, int whence) {
  MemoryFile& file = file_of(handle);
  toff_t base = whence == SEEK_CUR ? file.position : whence == SEEK_END ? file.size : 0;
  // Offsets are unsigned in libtiff's API; a "negative" one wraps around.
  if (offset > std::numeric_limits<toff_t>::max() - base) return static_cast<toff_t>(-1);
  file.position = base + offset;
  return file.position;
}

int memory_close(thandle_t) {
  return 0;
}
toff_t memory_size(thandle_t handle) {
  return file_of(handle).size;
}

int memory_map(thandle_t handle, void** base, toff_t* size) {
  MemoryFile& file = file_of(handle);
  if (file.growing != nullptr) return 0;
  *base = const_cast<std::uint8_t*>(file.data);  // mapped read-only ("r" mode)
  *size = file.size;
  return 1;
}

void memory_unmap(thandle_t, void*, toff_t) {}

// ----------------------------------------------------------------- handles --

struct TiffCloser {
  void operator()(TIFF* tif) const { TIFFClose(tif); }
};
using TiffPtr = std::unique_ptr<TIFF, TiffCloser>;

struct OptionsFree {
  void operator()(TIFFOpenOptions* options) const { TIFFOpenOptionsFree(options); }
};

// An open TIFF with its message capture and (for memory input) its file state;
// the capture and file must outlive the handle, hence one object.
class TiffSession {
 public:
  TiffSession(std::span<const std::uint8_t> data, const DecodeLimits& limits) {
    file_.data = data.data();
    file_.size = data.size();
    auto options = make_options(limits);
    tif_.reset(TIFFClientOpenExt("memory", "rm", &file_, memory_read, memory_write, memory_seek,
                                 memory_close, memory_size, memory_map, memory_unmap,
                                 options.get()));
    if (!tif_) fail_open();
  }

  TiffSession(const std::string& path, const DecodeLimits& limits) {
    auto options = make_options(limits);
    tif_.reset(TIFFOpenExt(path.c_str(), "rm", options.get()));
    if (!tif_) fail_open();
  }

  // For writing into `out`.
  explicit TiffSession(std::vector<std::uint8_t>& out) {
    file_.growing = &out;
    auto options = make_options({});
    tif_.reset(TIFFClientOpenExt("memory", "w", &file_, memory_read, memory_write, memory_seek,
                                 memory_close, memory_size, memory_map, memory_unmap,
                                 options.get()));
    if (!tif_) throw Error(ErrorCode::Internal, "libtiff could not start writing: " + message());
  }

  TIFF* get() const { return tif_.get(); }

  std::string message() const {
    if (!capture_.first_error.empty()) return capture_.first_error;
    if (!capture_.first_warning.empty()) return capture_.first_warning;
    return "libtiff reported no detail";
  }

  [[noreturn]] void fail(ErrorCode code, const std::string& what) const {
    throw Error(code, what + ": " + message());
  }

  void close() { tif_.reset(); }

 private:
  std::unique_ptr<TIFFOpenOptions, OptionsFree> make_options(const DecodeLimits& limits) {
    std::unique_ptr<TIFFOpenOptions, OptionsFree> options(TIFFOpenOptionsAlloc());
    if (!options) throw Error(ErrorCode::Internal, "libtiff could not allocate options");
    TIFFOpenOptionsSetErrorHandlerExtR(options.get(), on_error, &capture_);
    TIFFOpenOptionsSetWarningHandlerExtR(options.get(), on_warning, &capture_);
    // No single libtiff buffer needs more than a decoded page (4 bytes a pixel in
    // the RGBA fallback); a hostile header must not make it allocate more.
    const std::int64_t page_bytes = std::max<std::int64_t>(limits.max_pixels, 0) * 4;
    TIFFOpenOptionsSetMaxSingleMemAlloc(
        options.get(), static_cast<tmsize_t>(std::max<std::int64_t>(page_bytes, 64 << 20)));
    return options;
  }

  [[noreturn]] void fail_open() const {
    throw Error(ErrorCode::CorruptInput, "TIFF header is unreadable: " + message());
  }

  MessageCapture capture_;
  MemoryFile file_;
  TiffPtr tif_;
};

// -------------------------------------------------------------- directories --

int count_directories(TiffSession& session, const DecodeLimits& limits) {
  tdir_t count = TIFFNumberOfDirectories(session.get());
  if (count == 0) session.fail(ErrorCode::CorruptInput, "TIFF has no readable page");
  if (count > static_cast<tdir_t>(std::max(limits.max_frames, 0))) {
    throw Error(ErrorCode::ImageTooLarge, "TIFF has " + std::to_string(count) +
                                              " pages, above the limit of " +
                                              std::to_string(limits.max_frames));
  }
  return static_cast<int>(count);
}

double resolution_to_dpi(float value, std::uint16_t unit) {
  if (unit == RESUNIT_INCH) return detail::tidy_dpi(value);
  if (unit == RESUNIT_CENTIMETER) return detail::tidy_dpi(value * 2.54);
  return 0;
}

struct Layout {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::uint16_t bits = 1;
  std::uint16_t samples = 1;
  std::uint16_t photometric = PHOTOMETRIC_MINISWHITE;
  std::uint16_t compression = COMPRESSION_NONE;
  std::uint16_t planar = PLANARCONFIG_CONTIG;
  std::uint16_t fill_order = FILLORDER_MSB2LSB;
  std::uint16_t orientation = ORIENTATION_TOPLEFT;
  std::uint16_t extra_samples = 0;
};

Layout read_layout(TiffSession& session) {
  TIFF* tif = session.get();
  Layout layout;
  if (TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &layout.width) != 1 ||
      TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &layout.height) != 1) {
    session.fail(ErrorCode::CorruptInput, "TIFF page has no size");
  }
  TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &layout.bits);
  TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &layout.samples);
  TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &layout.compression);
  TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &layout.planar);
  TIFFGetFieldDefaulted(tif, TIFFTAG_FILLORDER, &layout.fill_order);
  TIFFGetFieldDefaulted(tif, TIFFTAG_ORIENTATION, &layout.orientation);
  std::uint16_t* extra_kinds = nullptr;
  TIFFGetFieldDefaulted(tif, TIFFTAG_EXTRASAMPLES, &layout.extra_samples, &extra_kinds);
  if (TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &layout.photometric) != 1) {
    // Absent in some old fax files: bilevel means fax convention, else gray/RGB.
    layout.photometric = layout.samples >= 3 ? PHOTOMETRIC_RGB
                         : layout.bits == 1  ? PHOTOMETRIC_MINISWHITE
                                             : PHOTOMETRIC_MINISBLACK;
  }
  return layout;
}

bool is_gray(std::uint16_t photometric) {
  return photometric == PHOTOMETRIC_MINISWHITE || photometric == PHOTOMETRIC_MINISBLACK;
}

// The strip-by-strip path handles what scans are made of; everything else
// (tiles, 16-bit, planar, alpha, CMYK, YCbCr, odd orientation) goes through
// libtiff's RGBA reader.
bool strip_path_handles(TIFF* tif, const Layout& layout) {
  if (TIFFIsTiled(tif) || layout.planar != PLANARCONFIG_CONTIG ||
      layout.orientation != ORIENTATION_TOPLEFT) {
    return false;
  }
  if (layout.samples == 1 && is_gray(layout.photometric))
    return layout.bits == 1 || layout.bits == 8;
  if (layout.samples == 1 && layout.photometric == PHOTOMETRIC_PALETTE) return layout.bits == 8;
  return layout.samples == 3 && layout.bits == 8 && layout.photometric == PHOTOMETRIC_RGB;
}

void read_strips(TiffSession& session, const Layout& layout, Image& image) {
  TIFF* tif = session.get();
  const tmsize_t line_bytes = TIFFScanlineSize(tif);
  std::uint32_t rows_per_strip = 0;
  TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &rows_per_strip);
  rows_per_strip = std::clamp<std::uint32_t>(rows_per_strip, 1, layout.height);
  const std::uint32_t strips = TIFFNumberOfStrips(tif);
  const std::uint64_t needed_strips =
      (static_cast<std::uint64_t>(layout.height) + rows_per_strip - 1) / rows_per_strip;
  if (line_bytes <= 0 || strips < needed_strips) {
    session.fail(ErrorCode::CorruptInput, "TIFF strip layout does not cover the page");
  }

  std::uint16_t* red = nullptr;
  std::uint16_t* green = nullptr;
  std::uint16_t* blue = nullptr;
  int colormap_shift = 8;
  if (layout.photometric == PHOTOMETRIC_PALETTE) {
    if (TIFFGetField(tif, TIFFTAG_COLORMAP, &red, &green, &blue) != 1) {
      session.fail(ErrorCode::CorruptInput, "TIFF palette page has no colour map");
    }
    // Some writers store 8-bit values in the 16-bit colour map.
    bool eight_bit = true;
    for (int i = 0; i < 256; ++i)
      eight_bit = eight_bit && red[i] < 256 && green[i] < 256 && blue[i] < 256;
    colormap_shift = eight_bit ? 0 : 8;
  }

  std::vector<std::uint8_t> strip(static_cast<std::size_t>(line_bytes) * rows_per_strip);
  const bool white_is_zero = layout.photometric == PHOTOMETRIC_MINISWHITE;
  for (std::uint32_t first = 0, index = 0; first < layout.height;
       first += rows_per_strip, ++index) {
    const std::uint32_t rows = std::min(rows_per_strip, layout.height - first);
    const tmsize_t wanted = line_bytes * rows;
    tmsize_t got = TIFFReadEncodedStrip(tif, index, strip.data(), wanted);
    if (got < wanted) {
      session.fail(ErrorCode::CorruptInput,
                   "TIFF image data is truncated or corrupt in strip " + std::to_string(index));
    }
    for (std::uint32_t r = 0; r < rows; ++r) {
      const std::uint8_t* in = strip.data() + static_cast<std::size_t>(line_bytes) * r;
      std::uint8_t* out = image.row(static_cast<int>(first + r));
      const std::uint32_t width = layout.width;
      if (layout.bits == 1) {
        for (std::uint32_t x = 0; x < width; ++x) {
          bool bit = (in[x >> 3] >> (7 - (x & 7))) & 1;
          out[x] = (bit != white_is_zero) ? 255 : 0;
        }
      } else if (layout.photometric == PHOTOMETRIC_PALETTE) {
        for (std::uint32_t x = 0; x < width; ++x) {
          const int i = in[x];
          if (image.channels == 1) {
            out[x] = static_cast<std::uint8_t>(red[i] >> colormap_shift);
          } else {
            out[3 * x] = static_cast<std::uint8_t>(red[i] >> colormap_shift);
            out[3 * x + 1] = static_cast<std::uint8_t>(green[i] >> colormap_shift);
            out[3 * x + 2] = static_cast<std::uint8_t>(blue[i] >> colormap_shift);
          }
        }
      } else if (white_is_zero) {
        for (std::uint32_t x = 0; x < width; ++x) out[x] = static_cast<std::uint8_t>(255 - in[x]);
      } else {
        std::memcpy(out, in, image.stride());
      }
    }
  }
}

bool palette_is_gray(TIFF* tif) {
  std::uint16_t* red = nullptr;
  std::uint16_t* green = nullptr;
  std::uint16_t* blue = nullptr;
  if (TIFFGetField(tif, TIFFTAG_COLORMAP, &red, &green, &blue) != 1) return false;
  for (int i = 0; i < 256; ++i) {
    if (red[i] != green[i] || red[i] != blue[i]) return false;
  }
  return true;
}

void read_rgba(TiffSession& session, const Layout& layout, Image& image) {
  TIFF* tif = session.get();
  char reason[1024] = "";
  if (TIFFRGBAImageOK(tif, reason) != 1) {
    throw Error(ErrorCode::UnsupportedFormat,
                std::string("TIFF page layout is not supported: ") + reason);
  }
  std::vector<std::uint32_t> raster(static_cast<std::size_t>(layout.width) * layout.height);
  if (TIFFReadRGBAImageOriented(tif, layout.width, layout.height, raster.data(),
                                ORIENTATION_TOPLEFT, 0) != 1) {
    session.fail(ErrorCode::CorruptInput, "TIFF image data is truncated or corrupt");
  }
  // libtiff hands back premultiplied alpha: compositing on white adds 255 - alpha.
  for (std::size_t i = 0; i < raster.size(); ++i) {
    const std::uint32_t pixel = raster[i];
    const int lift = 255 - static_cast<int>(TIFFGetA(pixel));
    auto channel = [lift](std::uint32_t value) {
      return static_cast<std::uint8_t>(std::min(255, static_cast<int>(value) + lift));
    };
    if (image.channels == 1) {
      image.pixels[i] = channel(TIFFGetR(pixel));
    } else {
      image.pixels[3 * i] = channel(TIFFGetR(pixel));
      image.pixels[3 * i + 1] = channel(TIFFGetG(pixel));
      image.pixels[3 * i + 2] = channel(TIFFGetB(pixel));
    }
  }
}

// The page's G4 data as a PDF can embed it, when it is one strip read MSB first.
EncodedImage g4_original(TiffSession& session, const Layout& layout) {
  TIFF* tif = session.get();
  EncodedImage original;
  std::uint32_t t6_options = 0;
  TIFFGetFieldDefaulted(tif, TIFFTAG_GROUP4OPTIONS, &t6_options);
  if (layout.compression != COMPRESSION_CCITTFAX4 || layout.bits != 1 || layout.samples != 1 ||
      !is_gray(layout.photometric) || TIFFIsTiled(tif) || TIFFNumberOfStrips(tif) != 1 ||
      layout.fill_order != FILLORDER_MSB2LSB || layout.orientation != ORIENTATION_TOPLEFT ||
      (t6_options & GROUP4OPT_UNCOMPRESSED) != 0) {
    return original;
  }
  std::uint64_t* byte_counts = nullptr;
  if (TIFFGetField(tif, TIFFTAG_STRIPBYTECOUNTS, &byte_counts) != 1 || byte_counts == nullptr ||
      byte_counts[0] == 0 || byte_counts[0] > (std::uint64_t{1} << 31)) {
    return original;
  }
  std::vector<std::uint8_t> bytes(byte_counts[0]);
  tmsize_t got = TIFFReadRawStrip(tif, 0, bytes.data(), static_cast<tmsize_t>(bytes.size()));
  if (got != static_cast<tmsize_t>(bytes.size())) return original;
  original.encoding = Encoding::CcittG4;
  original.bytes = std::move(bytes);
  original.width = static_cast<int>(layout.width);
  original.height = static_cast<int>(layout.height);
  original.components = 1;
  // The G4 code has "white" and "black" runs and libtiff decodes black runs to 1
  // bits whatever the photometric says. MinIsWhite (fax convention) makes coded
  // black real black: PDF's default BlackIs1 false renders it so. With MinIsBlack
  // the coded black runs are the paper, which PDF shows right only with BlackIs1 true.
  original.black_is_1 = layout.photometric == PHOTOMETRIC_MINISBLACK;
  return original;
}

DecodedPage decode_directory(TiffSession& session, int index, const DecodeLimits& limits) {
  TIFF* tif = session.get();
  const int pages = count_directories(session, limits);
  if (index < 0 || index >= pages) {
    throw Error(
        ErrorCode::InvalidArgument,
        "page " + std::to_string(index + 1) + " asked for, the TIFF has " + std::to_string(pages));
  }
  if (TIFFSetDirectory(tif, static_cast<tdir_t>(index)) != 1) {
    session.fail(ErrorCode::CorruptInput, "TIFF page directory is unreadable");
  }
  Layout layout = read_layout(session);
  detail::check_pixel_limit(layout.width, layout.height, limits);
  if (layout.compression == COMPRESSION_OJPEG) {
    throw Error(ErrorCode::UnsupportedFormat,
                "old-style JPEG compression in TIFF is not supported");
  }
  if (TIFFIsCODECConfigured(layout.compression) != 1) {
    throw Error(ErrorCode::UnsupportedFormat,
                "TIFF compression " + std::to_string(layout.compression) + " is not supported");
  }
  if (layout.compression == COMPRESSION_JPEG && layout.photometric == PHOTOMETRIC_YCBCR) {
    TIFFSetField(tif, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);  // libjpeg converts to RGB
    layout.photometric = PHOTOMETRIC_RGB;
  }

  DecodedPage page;
  Image& image = page.image;
  image.width = static_cast<int>(layout.width);
  image.height = static_cast<int>(layout.height);
  const bool gray = (is_gray(layout.photometric) && layout.samples - layout.extra_samples <= 1) ||
                    (layout.photometric == PHOTOMETRIC_PALETTE && palette_is_gray(tif));
  image.channels = gray ? 1 : 3;
  image.mode = !gray                                             ? ColorMode::Rgb
               : layout.bits == 1 && is_gray(layout.photometric) ? ColorMode::Bilevel
                                                                 : ColorMode::Gray;
  float resolution_x = 0;
  float resolution_y = 0;
  std::uint16_t unit = RESUNIT_INCH;
  TIFFGetFieldDefaulted(tif, TIFFTAG_RESOLUTIONUNIT, &unit);
  if (TIFFGetField(tif, TIFFTAG_XRESOLUTION, &resolution_x) == 1) {
    image.dpi_x = resolution_to_dpi(resolution_x, unit);
  }
  if (TIFFGetField(tif, TIFFTAG_YRESOLUTION, &resolution_y) == 1) {
    image.dpi_y = resolution_to_dpi(resolution_y, unit);
  }
  image.pixels.resize(image.stride() * image.height);
  if (strip_path_handles(tif, layout)) {
    read_strips(session, layout, image);
    page.original = g4_original(session, layout);
    const bool fax = layout.compression == COMPRESSION_CCITTFAX4 ||
                     layout.compression == COMPRESSION_CCITTFAX3 ||
                     layout.compression == COMPRESSION_CCITTRLE;
    if (page.original.encoding == Encoding::None && fax && image.mode == ColorMode::Bilevel) {
      // G4 in several strips cannot be joined bit for bit (each strip restarts
      // from a white reference line), and G3 is not G4: re-encoding the pixels
      // gives the same page losslessly, as one G4 stream a PDF can embed.
      page.original = encode_g4(image);
    }
  } else {
    read_rgba(session, layout, image);
  }
  return page;
}

// A minimal one-strip TIFF around raw G4 data, so libtiff's decoder can read it.
std::vector<std::uint8_t> wrap_g4(const EncodedImage& encoded) {
  std::vector<std::uint8_t> out;
  TiffSession writer(out);
  TIFF* tif = writer.get();
  TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, static_cast<std::uint32_t>(encoded.width));
  TIFFSetField(tif, TIFFTAG_IMAGELENGTH, static_cast<std::uint32_t>(encoded.height));
  TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 1);
  TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 1);
  TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_CCITTFAX4);
  TIFFSetField(tif, TIFFTAG_PHOTOMETRIC,
               encoded.black_is_1 ? PHOTOMETRIC_MINISBLACK : PHOTOMETRIC_MINISWHITE);
  TIFFSetField(tif, TIFFTAG_FILLORDER, FILLORDER_MSB2LSB);
  TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, static_cast<std::uint32_t>(encoded.height));
  TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
  if (TIFFWriteRawStrip(tif, 0, const_cast<std::uint8_t*>(encoded.bytes.data()),
                        static_cast<tmsize_t>(encoded.bytes.size())) < 0 ||
      TIFFWriteDirectory(tif) != 1) {
    writer.fail(ErrorCode::Internal, "could not wrap G4 data in a TIFF");
  }
  writer.close();
  return out;
}

}  // namespace

namespace detail {

int count_tiff_pages(std::span<const std::uint8_t> data, const DecodeLimits& limits) {
  TiffSession session(data, limits);
  return count_directories(session, limits);
}

int count_tiff_pages(const std::string& path, const DecodeLimits& limits) {
  TiffSession session(path, limits);
  return count_directories(session, limits);
}

DecodedPage decode_tiff(std::span<const std::uint8_t> data, int index, const DecodeLimits& limits) {
  TiffSession session(data, limits);
  return decode_directory(session, index, limits);
}

DecodedPage decode_tiff(const std::string& path, int index, const DecodeLimits& limits) {
  TiffSession session(path, limits);
  return decode_directory(session, index, limits);
}

DecodedPage decode_ccitt_g4(const EncodedImage& encoded, const DecodeLimits& limits) {
  check_pixel_limit(encoded.width, encoded.height, limits);
  if (encoded.bytes.empty()) throw Error(ErrorCode::EmptyInput, "G4 image has no data");
  std::vector<std::uint8_t> file = wrap_g4(encoded);
  TiffSession session(file, limits);
  DecodedPage page = decode_directory(session, 0, limits);
  page.original = encoded;
  return page;
}

}  // namespace detail

EncodedImage encode_g4(const Image& image) {
  if (image.empty() || image.width <= 0 || image.height <= 0 || image.channels != 1 ||
      image.pixels.size() < image.stride() * image.height) {
    throw Error(ErrorCode::InvalidArgument, "encode_g4: needs a one-channel bilevel image");
  }
  // Pack MinIsWhite: a 1 bit is black. Values below the midpoint count as black,
  // so a gray page that was thresholded elsewhere packs the same way.
  const std::size_t packed_stride = (static_cast<std::size_t>(image.width) + 7) / 8;
  std::vector<std::uint8_t> packed(packed_stride * image.height, 0);
  for (int y = 0; y < image.height; ++y) {
    const std::uint8_t* in = image.row(y);
    std::uint8_t* out = packed.data() + packed_stride * y;
    for (int x = 0; x < image.width; ++x) {
      if (in[x] < 128) out[x >> 3] |= static_cast<std::uint8_t>(0x80 >> (x & 7));
    }
  }

  std::vector<std::uint8_t> file;
  {
    TiffSession writer(file);
    TIFF* tif = writer.get();
    TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, static_cast<std::uint32_t>(image.width));
    TIFFSetField(tif, TIFFTAG_IMAGELENGTH, static_cast<std::uint32_t>(image.height));
    TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 1);
    TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 1);
    TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_CCITTFAX4);
    TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISWHITE);
    TIFFSetField(tif, TIFFTAG_FILLORDER, FILLORDER_MSB2LSB);
    TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, static_cast<std::uint32_t>(image.height));
    TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    if (TIFFWriteEncodedStrip(tif, 0, packed.data(), static_cast<tmsize_t>(packed.size())) < 0 ||
        TIFFWriteDirectory(tif) != 1) {
      writer.fail(ErrorCode::Internal, "G4 encoding failed");
    }
  }

  TiffSession reader(file, DecodeLimits{});
  std::uint64_t* byte_counts = nullptr;
  if (TIFFGetField(reader.get(), TIFFTAG_STRIPBYTECOUNTS, &byte_counts) != 1 ||
      byte_counts == nullptr) {
    reader.fail(ErrorCode::Internal, "G4 encoding produced no strip");
  }
  EncodedImage encoded;
  encoded.bytes.resize(byte_counts[0]);
  if (TIFFReadRawStrip(reader.get(), 0, encoded.bytes.data(),
                       static_cast<tmsize_t>(encoded.bytes.size())) !=
      static_cast<tmsize_t>(encoded.bytes.size())) {
    reader.fail(ErrorCode::Internal, "G4 encoding produced a short strip");
  }
  encoded.encoding = Encoding::CcittG4;
  encoded.width = image.width;
  encoded.height = image.height;
  encoded.components = 1;
  encoded.black_is_1 = false;
  return encoded;
}

}  // namespace sohoa::imaging
