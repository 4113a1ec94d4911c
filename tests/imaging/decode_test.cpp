// Decoding: every corpus file, pass-through originals, multi-page TIFF and bad input.
#include "sohoa/imaging/decode.hpp"

#include <gtest/gtest.h>
#include <tiffio.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <random>
#include <thread>

#include "corpus_truth.hpp"
#include "sohoa/imaging/encode.hpp"
#include "test_support.hpp"
#include "tiff_writer.hpp"

// Records the largest single C++ allocation while a test asks for it, to show
// that an oversized header is refused before its pixel buffer is allocated.
namespace {
std::atomic<bool> g_watch_allocations{false};
std::atomic<std::size_t> g_largest_allocation{0};
}  // namespace

void* operator new(std::size_t size) {
  if (g_watch_allocations.load(std::memory_order_relaxed)) {
    std::size_t seen = g_largest_allocation.load();
    while (size > seen && !g_largest_allocation.compare_exchange_weak(seen, size)) {
    }
  }
  if (void* memory = std::malloc(size == 0 ? 1 : size)) return memory;
  throw std::bad_alloc();
}
void operator delete(void* memory) noexcept {
  std::free(memory);
}
void operator delete(void* memory, std::size_t) noexcept {
  std::free(memory);
}

namespace sohoa::imaging {
namespace {

using test::corpus_dir;
using test::load_truth;
using test::read_bytes;
using test::ScratchDir;
using test::TiffFrame;
using test::TruthPage;
using test::write_bytes;
using test::write_tiff;

std::vector<TruthPage> corpus_or_skip() {
  auto pages = load_truth();
  return pages;
}

#define SKIP_WITHOUT_CORPUS(pages) \
  if ((pages).empty()) GTEST_SKIP() << "no corpus at " << corpus_dir()

const TruthPage* first_with(const std::vector<TruthPage>& pages, const std::string& suffix,
                            const std::string& mode = "") {
  for (const auto& page : pages) {
    if (page.file.ends_with(suffix) && (mode.empty() || page.mode == mode)) return &page;
  }
  return nullptr;
}

// Runs `work`, expecting a sohoa::Error with `code` whose text names `name`.
template <typename Work>
void expect_error(ErrorCode code, const std::string& name, Work&& work) {
  try {
    work();
    ADD_FAILURE() << "no error, expected " << to_string(code);
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), code) << error.what();
    EXPECT_NE(std::string(error.what()).find(name), std::string::npos) << error.what();
    EXPECT_EQ(error.context().file, name);
  }
}

TEST(Decode, SniffsByContentNotName) {
  const std::vector<std::uint8_t> jpeg{0xFF, 0xD8, 0xFF, 0xE0};
  const std::vector<std::uint8_t> png{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  const std::vector<std::uint8_t> tiff_le{'I', 'I', 42, 0};
  const std::vector<std::uint8_t> tiff_be{'M', 'M', 0, 42};
  const std::vector<std::uint8_t> pdf{'%', 'P', 'D', 'F', '-', '1'};
  const std::vector<std::uint8_t> text{'h', 'e', 'l', 'l', 'o'};
  EXPECT_EQ(sniff(jpeg), FileKind::Jpeg);
  EXPECT_EQ(sniff(png), FileKind::Png);
  EXPECT_EQ(sniff(tiff_le), FileKind::Tiff);
  EXPECT_EQ(sniff(tiff_be), FileKind::Tiff);
  EXPECT_EQ(sniff(pdf), FileKind::Pdf);
  EXPECT_EQ(sniff(text), FileKind::Unknown);
  EXPECT_EQ(sniff({}), FileKind::Unknown);
}

TEST(Decode, EveryCorpusFileHasTheRightSizeModeAndResolution) {
  auto pages = corpus_or_skip();
  SKIP_WITHOUT_CORPUS(pages);
  for (const auto& truth : pages) {
    SCOPED_TRACE(truth.file);
    const std::string path = truth.path().string();
    ASSERT_EQ(count_pages(path), 1);
    DecodedPage page = decode_page(path, 0);
    // A4 portrait at the scan resolution, turned when fed sideways.
    int width = truth.dpi == 300 ? 2480 : 1654;
    int height = truth.dpi == 300 ? 3508 : 2339;
    if (truth.rotation == 90 || truth.rotation == 270) std::swap(width, height);
    EXPECT_EQ(page.image.width, width);
    EXPECT_EQ(page.image.height, height);
    EXPECT_EQ(page.image.mode, truth.color_mode());
    EXPECT_EQ(page.image.channels, truth.mode == "color" ? 3 : 1);
    EXPECT_EQ(page.image.pixels.size(), page.image.stride() * page.image.height);
    EXPECT_DOUBLE_EQ(page.image.dpi_x, truth.dpi);
    EXPECT_DOUBLE_EQ(page.image.dpi_y, truth.dpi);
    if (truth.mode == "bilevel") {
      for (std::uint8_t v : page.image.pixels) ASSERT_TRUE(v == 0 || v == 255);
    }
  }
}

TEST(Decode, JpegOriginalIsTheFileItself) {
  auto pages = corpus_or_skip();
  SKIP_WITHOUT_CORPUS(pages);
  int checked = 0;
  for (const auto& truth : pages) {
    if (!truth.file.ends_with(".jpg")) continue;
    SCOPED_TRACE(truth.file);
    auto bytes = read_bytes(truth.path());
    DecodedPage page = decode_page(truth.path().string(), 0);
    ASSERT_EQ(page.original.encoding, Encoding::Jpeg);
    EXPECT_EQ(page.original.bytes, bytes);
    EXPECT_EQ(page.original.width, page.image.width);
    EXPECT_EQ(page.original.height, page.image.height);
    EXPECT_EQ(page.original.components, page.image.channels);
    // The corpus was saved by Pillow (libjpeg) at quality 75..92.
    EXPECT_GE(page.original.jpeg_quality, 75);
    EXPECT_LE(page.original.jpeg_quality, 92);
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

TEST(Decode, MemoryAndFileGiveTheSamePage) {
  auto pages = corpus_or_skip();
  SKIP_WITHOUT_CORPUS(pages);
  for (const char* suffix : {".jpg", ".png", ".tif"}) {
    const TruthPage* truth = first_with(pages, suffix);
    ASSERT_NE(truth, nullptr);
    auto bytes = read_bytes(truth->path());
    DecodedPage from_file = decode_page(truth->path().string(), 0);
    DecodedPage from_memory = decode_page(bytes, 0, truth->file);
    EXPECT_EQ(count_pages(bytes, truth->file), 1);
    EXPECT_EQ(from_file.image.pixels, from_memory.image.pixels) << truth->file;
    EXPECT_EQ(from_file.original.bytes, from_memory.original.bytes) << truth->file;
  }
}

TEST(Decode, PngIsNeverPassedThrough) {
  auto pages = corpus_or_skip();
  SKIP_WITHOUT_CORPUS(pages);
  const TruthPage* truth = first_with(pages, ".png");
  ASSERT_NE(truth, nullptr);
  EXPECT_EQ(decode_page(truth->path().string(), 0).original.encoding, Encoding::None);
}

TEST(Decode, G4OriginalDecodesToTheSamePixels) {
  auto pages = corpus_or_skip();
  SKIP_WITHOUT_CORPUS(pages);
  int checked = 0;
  for (const auto& truth : pages) {
    if (!truth.file.ends_with(".tif")) continue;
    SCOPED_TRACE(truth.file);
    DecodedPage page = decode_page(truth.path().string(), 0);
    ASSERT_EQ(page.original.encoding, Encoding::CcittG4);
    // Pillow writes MinIsBlack G4 in many strips: re-assembled by re-encoding.
    EXPECT_FALSE(page.original.black_is_1);
    DecodedPage again = decode_encoded(page.original);
    EXPECT_EQ(again.image.mode, ColorMode::Bilevel);
    EXPECT_EQ(again.image.pixels, page.image.pixels);
    EXPECT_EQ(again.original.bytes, page.original.bytes);
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

TEST(Decode, EmbeddedJpegDecodesAndKeepsItsBytes) {
  auto pages = corpus_or_skip();
  SKIP_WITHOUT_CORPUS(pages);
  const TruthPage* truth = first_with(pages, ".jpg", "gray");
  ASSERT_NE(truth, nullptr);
  DecodedPage page = decode_page(truth->path().string(), 0);
  DecodedPage embedded = decode_encoded(page.original);
  EXPECT_EQ(embedded.image.pixels, page.image.pixels);
  EXPECT_EQ(embedded.original.bytes, page.original.bytes);
}

// ------------------------------------------------------------ multi-page --

TEST(Decode, MultiPageTiffDecodesEachFrameInOrder) {
  auto pages = corpus_or_skip();
  SKIP_WITHOUT_CORPUS(pages);
  const TruthPage* bilevel = first_with(pages, ".tif", "bilevel");
  const TruthPage* gray = first_with(pages, ".jpg", "gray");
  const TruthPage* color = first_with(pages, ".jpg", "color");
  ASSERT_TRUE(bilevel && gray && color);
  Image g4 = decode_page(bilevel->path().string(), 0).image;
  Image luma = decode_page(gray->path().string(), 0).image;
  Image rgb = decode_page(color->path().string(), 0).image;

  ScratchDir scratch;
  const auto path = scratch / "dossier.tif";
  write_tiff(path, {{&g4, COMPRESSION_CCITTFAX4, PHOTOMETRIC_MINISWHITE},
                    {&luma, COMPRESSION_LZW, PHOTOMETRIC_MINISBLACK},
                    {&rgb, COMPRESSION_ADOBE_DEFLATE, PHOTOMETRIC_RGB},
                    {&luma, COMPRESSION_PACKBITS, PHOTOMETRIC_MINISWHITE},
                    {&g4, COMPRESSION_CCITTFAX4, PHOTOMETRIC_MINISBLACK}});
  ASSERT_EQ(count_pages(path.string()), 5);
  const Image* expected[] = {&g4, &luma, &rgb, &luma, &g4};
  const ColorMode modes[] = {ColorMode::Bilevel, ColorMode::Gray, ColorMode::Rgb, ColorMode::Gray,
                             ColorMode::Bilevel};
  auto bytes = read_bytes(path);
  for (int index = 0; index < 5; ++index) {
    SCOPED_TRACE(index);
    DecodedPage page = decode_page(path.string(), index);
    EXPECT_EQ(page.image.mode, modes[index]);
    EXPECT_EQ(page.image.width, expected[index]->width);
    EXPECT_EQ(page.image.height, expected[index]->height);
    EXPECT_EQ(page.image.pixels, expected[index]->pixels);
    EXPECT_DOUBLE_EQ(page.image.dpi_x, 300);
    EXPECT_EQ(decode_page(bytes, index, "dossier.tif").image.pixels, page.image.pixels);
    if (index == 0 || index == 4) {
      ASSERT_EQ(page.original.encoding, Encoding::CcittG4);
      EXPECT_EQ(page.original.black_is_1, index == 4);
      EXPECT_EQ(decode_encoded(page.original).image.pixels, page.image.pixels);
    } else {
      EXPECT_EQ(page.original.encoding, Encoding::None);
    }
  }
  expect_error(ErrorCode::InvalidArgument, path.string(), [&] { decode_page(path.string(), 5); });
  DecodeLimits few_frames;
  few_frames.max_frames = 3;
  expect_error(ErrorCode::ImageTooLarge, path.string(),
               [&] { count_pages(path.string(), few_frames); });
}

// ------------------------------------------------------------- bad input --

TEST(DecodeErrors, MissingFile) {
  const std::string path = "/nonexistent/dossier/0001.jpg";
  expect_error(ErrorCode::InputNotFound, path, [&] { decode_page(path, 0); });
  expect_error(ErrorCode::InputNotFound, path, [&] { count_pages(path); });
}

TEST(DecodeErrors, ZeroBytes) {
  ScratchDir scratch;
  const auto path = (scratch / "empty.jpg").string();
  write_bytes(path, {});
  expect_error(ErrorCode::EmptyInput, path, [&] { decode_page(path, 0); });
  expect_error(ErrorCode::EmptyInput, path, [&] { count_pages(path); });
  expect_error(ErrorCode::EmptyInput, "empty.png",
               [&] { decode_page(std::span<const std::uint8_t>(), 0, "empty.png"); });
}

TEST(DecodeErrors, TextAndRandomBytesAreNotImages) {
  ScratchDir scratch;
  const auto text = (scratch / "notes.jpg").string();
  test::write_text(text, "Ho so cua ong Nguyen Van A\n");
  expect_error(ErrorCode::UnsupportedFormat, text, [&] { decode_page(text, 0); });
  try {
    decode_page(text, 0);
  } catch (const Error& error) {
    EXPECT_NE(error.message().find("not a JPEG, PNG, TIFF or PDF"), std::string::npos);
  }
  std::mt19937 random(7);
  std::vector<std::uint8_t> noise(4096);
  for (auto& byte : noise) byte = static_cast<std::uint8_t>(random());
  noise[0] = 0x00;  // not accidentally a magic number
  expect_error(ErrorCode::UnsupportedFormat, "noise.bin",
               [&] { decode_page(noise, 0, "noise.bin"); });
}

TEST(DecodeErrors, TruncatedJpegIsCorruptNotHalfGrey) {
  auto pages = corpus_or_skip();
  SKIP_WITHOUT_CORPUS(pages);
  for (const char* mode : {"color", "gray"}) {
    const TruthPage* truth = first_with(pages, ".jpg", mode);
    auto bytes = read_bytes(truth->path());
    bytes.resize(bytes.size() / 2);
    ScratchDir scratch;
    const auto path = (scratch / "half.jpg").string();
    write_bytes(path, bytes);
    expect_error(ErrorCode::CorruptInput, path, [&] { decode_page(path, 0); });
    // Cut inside the headers too.
    bytes.resize(40);
    expect_error(ErrorCode::CorruptInput, "head.jpg", [&] { decode_page(bytes, 0, "head.jpg"); });
  }
}

TEST(DecodeErrors, TruncatedPngAndTiffAreCorrupt) {
  auto pages = corpus_or_skip();
  SKIP_WITHOUT_CORPUS(pages);
  for (const char* suffix : {".png", ".tif"}) {
    const TruthPage* truth = first_with(pages, suffix);
    auto bytes = read_bytes(truth->path());
    for (std::size_t keep : {bytes.size() / 2, std::size_t{200}, std::size_t{12}}) {
      std::vector<std::uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<long>(keep));
      const std::string name = std::string("cut") + suffix;
      expect_error(ErrorCode::CorruptInput, name, [&] { decode_page(cut, 0, name); });
    }
  }
}

TEST(DecodeErrors, TruncatedStripInATiffWhoseDirectoryIsIntact) {
  // libtiff writes strips before the directory; we move the cut to the strip
  // data by zero-filling its second half in place.
  auto pages = corpus_or_skip();
  SKIP_WITHOUT_CORPUS(pages);
  const TruthPage* gray = first_with(pages, ".jpg", "gray");
  Image luma = decode_page(gray->path().string(), 0).image;
  ScratchDir scratch;
  const auto path = scratch / "lzw.tif";
  write_tiff(path, {{&luma, COMPRESSION_LZW, PHOTOMETRIC_MINISBLACK}});
  auto bytes = read_bytes(path);
  std::uint32_t directory = bytes[4] | bytes[5] << 8 | bytes[6] << 16 | bytes[7] << 24;
  for (std::size_t i = directory / 2; i < directory; ++i) bytes[i] = 0xFF;
  expect_error(ErrorCode::CorruptInput, "lzw.tif", [&] { decode_page(bytes, 0, "lzw.tif"); });
}

std::uint32_t crc32_of(const std::uint8_t* data, std::size_t size) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (std::size_t i = 0; i < size; ++i) {
    crc ^= data[i];
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

void put_be32(std::vector<std::uint8_t>& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<std::uint8_t>(value >> shift));
}

// A PNG whose IHDR (with a correct CRC) claims width x height gray pixels.
std::vector<std::uint8_t> png_claiming(std::uint32_t width, std::uint32_t height) {
  std::vector<std::uint8_t> png{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  put_be32(png, 13);
  const std::size_t chunk = png.size();
  for (char c : std::string("IHDR")) png.push_back(static_cast<std::uint8_t>(c));
  put_be32(png, width);
  put_be32(png, height);
  for (std::uint8_t v : {8, 0, 0, 0, 0}) png.push_back(v);  // 8-bit gray, no interlace
  put_be32(png, crc32_of(png.data() + chunk, png.size() - chunk));
  const std::uint8_t idat[] = {0, 0, 0, 2, 'I', 'D', 'A', 'T', 0x78, 0x9C};
  png.insert(png.end(), std::begin(idat), std::end(idat));
  put_be32(png, crc32_of(idat + 4, 6));
  return png;
}

// A real JPEG whose SOF is patched to claim width x height.
std::vector<std::uint8_t> jpeg_claiming(std::uint16_t width, std::uint16_t height) {
  Image tiny;
  tiny.width = 16;
  tiny.height = 16;
  tiny.channels = 1;
  tiny.pixels.assign(256, 200);
  std::vector<std::uint8_t> jpeg = encode_jpeg(tiny, 80).bytes;
  for (std::size_t i = 2; i + 8 < jpeg.size(); ++i) {
    if (jpeg[i] == 0xFF && (jpeg[i + 1] == 0xC0 || jpeg[i + 1] == 0xC2)) {
      jpeg[i + 5] = static_cast<std::uint8_t>(height >> 8);
      jpeg[i + 6] = static_cast<std::uint8_t>(height);
      jpeg[i + 7] = static_cast<std::uint8_t>(width >> 8);
      jpeg[i + 8] = static_cast<std::uint8_t>(width);
      return jpeg;
    }
  }
  ADD_FAILURE() << "no SOF in the encoded JPEG";
  return jpeg;
}

// A little-endian TIFF directory claiming a G4 page of width x height.
std::vector<std::uint8_t> tiff_claiming(std::uint32_t width, std::uint32_t height) {
  std::vector<std::uint8_t> tiff{'I', 'I', 42, 0, 8, 0, 0, 0};
  auto put16 = [&](std::uint16_t v) {
    tiff.push_back(static_cast<std::uint8_t>(v));
    tiff.push_back(static_cast<std::uint8_t>(v >> 8));
  };
  auto put32 = [&](std::uint32_t v) {
    for (int shift = 0; shift < 32; shift += 8)
      tiff.push_back(static_cast<std::uint8_t>(v >> shift));
  };
  struct Entry {
    std::uint16_t tag, type;
    std::uint32_t value;
  };
  const Entry entries[] = {{256, 4, width}, {257, 4, height}, {258, 3, 1},      {259, 3, 4},
                           {262, 3, 0},     {273, 4, 200},    {278, 4, height}, {279, 4, 16}};
  put16(static_cast<std::uint16_t>(std::size(entries)));
  for (const auto& entry : entries) {
    put16(entry.tag);
    put16(entry.type);
    put32(1);
    if (entry.type == 3) {
      put16(static_cast<std::uint16_t>(entry.value));
      put16(0);
    } else {
      put32(entry.value);
    }
  }
  put32(0);
  tiff.resize(216, 0);
  return tiff;
}

// Reading a file into memory is allowed; a pixel buffer is not.
template <typename Work>
void expect_too_large_without_allocating(const std::string& name, Work&& work,
                                         std::size_t file_size = 0) {
  g_largest_allocation = 0;
  g_watch_allocations = true;
  expect_error(ErrorCode::ImageTooLarge, name, work);
  g_watch_allocations = false;
  EXPECT_LE(g_largest_allocation.load(), std::max(file_size, std::size_t{1} << 20)) << name;
}

TEST(DecodeErrors, HugeHeadersAreRefusedBeforeAllocating) {
  const auto png = png_claiming(100000, 100000);
  const auto jpeg = jpeg_claiming(65000, 65000);  // JPEG sizes stop at 65535
  const auto tiff = tiff_claiming(100000, 100000);
  for (const auto* bytes : {&png, &jpeg, &tiff}) {
    expect_too_large_without_allocating("huge", [&] { decode_page(*bytes, 0, "huge"); });
  }
  try {
    decode_page(png, 0, "huge.png");
  } catch (const Error& error) {
    EXPECT_NE(error.message().find("100000x100000"), std::string::npos) << error.what();
    EXPECT_NE(error.message().find("250000000"), std::string::npos) << error.what();
  }
  ScratchDir scratch;
  const auto path = (scratch / "huge.png").string();
  write_bytes(path, png);
  expect_too_large_without_allocating(path, [&] { decode_page(path, 0); });
}

TEST(DecodeErrors, TinyLimitRefusesEveryCorpusFormat) {
  auto pages = corpus_or_skip();
  SKIP_WITHOUT_CORPUS(pages);
  DecodeLimits tiny;
  tiny.max_pixels = 1000;
  for (const char* suffix : {".jpg", ".png", ".tif"}) {
    const TruthPage* truth = first_with(pages, suffix);
    const std::string path = truth->path().string();
    auto bytes = read_bytes(truth->path());
    expect_too_large_without_allocating(
        path, [&] { decode_page(path, 0, tiny); }, bytes.size());
    expect_too_large_without_allocating(truth->file,
                                        [&] { decode_page(bytes, 0, truth->file, tiny); });
  }
}

TEST(DecodeErrors, ConcurrentWorkersKeepTheirOwnErrors) {
  // Each worker decodes good and bad files at once; libtiff/libjpeg/libpng
  // messages must stay with the call that caused them.
  auto pages = corpus_or_skip();
  SKIP_WITHOUT_CORPUS(pages);
  const TruthPage* tif = first_with(pages, ".tif");
  const TruthPage* jpg = first_with(pages, ".jpg", "gray");
  const auto good_tif = read_bytes(tif->path());
  const auto good_jpg = read_bytes(jpg->path());
  const auto expected_tif = decode_page(good_tif, 0, "t").image.pixels;
  std::vector<std::uint8_t> bad_tif(good_tif.begin(), good_tif.begin() + 300);
  std::vector<std::uint8_t> bad_jpg(good_jpg.begin(), good_jpg.begin() + good_jpg.size() / 3);
  std::atomic<int> failures{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&, w] {
      for (int round = 0; round < 3; ++round) {
        const std::string name = "worker" + std::to_string(w);
        try {
          if (decode_page(good_tif, 0, name).image.pixels != expected_tif) ++failures;
        } catch (...) {
          ++failures;
        }
        for (const auto* bad : {&bad_tif, &bad_jpg}) {
          try {
            decode_page(*bad, 0, name);
            ++failures;
          } catch (const Error& error) {
            if (error.code() != ErrorCode::CorruptInput || error.context().file != name) ++failures;
          }
        }
      }
    });
  }
  for (auto& worker : workers) worker.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST(DecodeErrors, PdfIsNotARasterImage) {
  const std::vector<std::uint8_t> pdf{'%', 'P', 'D', 'F', '-', '1', '.', '7', '\n'};
  expect_error(ErrorCode::UnsupportedFormat, "scan.pdf", [&] { decode_page(pdf, 0, "scan.pdf"); });
}

TEST(DecodeErrors, EncodedImageWithoutDataIsRefused) {
  EncodedImage none;
  EXPECT_THROW(decode_encoded(none), Error);
  EncodedImage empty_g4;
  empty_g4.encoding = Encoding::CcittG4;
  empty_g4.width = 10;
  empty_g4.height = 10;
  EXPECT_THROW(decode_encoded(empty_g4), Error);
  EncodedImage garbage_g4 = empty_g4;
  garbage_g4.bytes = {0x00, 0x01, 0x02, 0x03};
  try {
    decode_encoded(garbage_g4);
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::CorruptInput) << error.what();
  }
}

}  // namespace
}  // namespace sohoa::imaging
