// Re-encoding: G4 round trips bit-exactly, JPEG keeps the quality and 4:2:0.
#include "sohoa/imaging/encode.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>

#include "corpus_truth.hpp"
#include "sohoa/imaging/decode.hpp"
#include "test_support.hpp"
#include "tiff_writer.hpp"

namespace sohoa::imaging {
namespace {

Image synthetic(int width, int height, int channels, ColorMode mode, unsigned seed) {
  Image image;
  image.width = width;
  image.height = height;
  image.channels = channels;
  image.mode = mode;
  image.dpi_x = image.dpi_y = 300;
  image.pixels.resize(image.stride() * height);
  std::mt19937 random(seed);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      for (int c = 0; c < channels; ++c) {
        std::uint8_t value = 0;
        if (mode == ColorMode::Bilevel) {
          value = ((x / 3 + y / 5) % 4 == 0 || random() % 17 == 0) ? 0 : 255;  // strokes + noise
        } else {
          value = static_cast<std::uint8_t>(40 + (x + y + c * 50) * 170 / (width + height + 100));
        }
        image.row(y)[x * channels + c] = value;
      }
    }
  }
  return image;
}

double psnr(const Image& a, const Image& b) {
  double sum = 0;
  for (std::size_t i = 0; i < a.pixels.size(); ++i) {
    double d = static_cast<double>(a.pixels[i]) - b.pixels[i];
    sum += d * d;
  }
  double mse = sum / static_cast<double>(a.pixels.size());
  return mse == 0 ? 99 : 10 * std::log10(255.0 * 255.0 / mse);
}

TEST(EncodeG4, SyntheticPageRoundTripsExactly) {
  for (int width : {1, 7, 8, 13, 1000}) {
    Image page = synthetic(width, 37, 1, ColorMode::Bilevel, static_cast<unsigned>(width));
    EncodedImage g4 = encode_g4(page);
    EXPECT_EQ(g4.encoding, Encoding::CcittG4);
    EXPECT_FALSE(g4.black_is_1);
    EXPECT_EQ(g4.width, width);
    EXPECT_EQ(g4.height, 37);
    DecodedPage back = decode_encoded(g4);
    EXPECT_EQ(back.image.mode, ColorMode::Bilevel);
    EXPECT_EQ(back.image.pixels, page.pixels) << "width " << width;
  }
}

TEST(EncodeG4, CorpusPagesRoundTripExactly) {
  auto pages = test::load_truth();
  if (pages.empty()) GTEST_SKIP() << "no corpus";
  int checked = 0;
  for (const auto& truth : pages) {
    if (truth.mode != "bilevel") continue;
    Image page = decode_page(truth.path().string(), 0).image;
    DecodedPage back = decode_encoded(encode_g4(page));
    EXPECT_EQ(back.image.pixels, page.pixels) << truth.file;
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

TEST(EncodeG4, RefusesColour) {
  Image rgb = synthetic(8, 8, 3, ColorMode::Rgb, 1);
  EXPECT_THROW(encode_g4(rgb), Error);
  EXPECT_THROW(encode_g4(Image{}), Error);
}

// A one-image PDF whose image is the G4 data with /BlackIs1 as our field says:
// poppler is an independent reader of what black_is_1 means in a PDF.
std::string pdf_with_g4(const EncodedImage& g4) {
  std::ostringstream pdf;
  std::vector<long> offsets;
  pdf << "%PDF-1.4\n";
  auto object = [&](const std::string& body) {
    offsets.push_back(static_cast<long>(pdf.tellp()));
    pdf << offsets.size() << " 0 obj\n" << body << "\nendobj\n";
  };
  const std::string w = std::to_string(g4.width);
  const std::string h = std::to_string(g4.height);
  object("<< /Type /Catalog /Pages 2 0 R >>");
  object("<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
  object("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 " + w + " " + h +
         "] /Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>");
  std::string image = "<< /Type /XObject /Subtype /Image /Width " + w + " /Height " + h +
                      " /ColorSpace /DeviceGray /BitsPerComponent 1 /Filter /CCITTFaxDecode"
                      " /DecodeParms << /K -1 /Columns " +
                      w + " /Rows " + h + " /BlackIs1 " + (g4.black_is_1 ? "true" : "false") +
                      " >> /Length " + std::to_string(g4.bytes.size()) + " >>\nstream\n" +
                      std::string(g4.bytes.begin(), g4.bytes.end()) + "\nendstream";
  object(image);
  const std::string content = "q " + w + " 0 0 " + h + " 0 0 cm /Im0 Do Q";
  object("<< /Length " + std::to_string(content.size()) + " >>\nstream\n" + content +
         "\nendstream");
  const long xref = static_cast<long>(pdf.tellp());
  pdf << "xref\n0 " << offsets.size() + 1 << "\n0000000000 65535 f \n";
  for (long offset : offsets) {
    char line[21];
    std::snprintf(line, sizeof line, "%010ld 00000 n \n", offset);
    pdf << line;
  }
  pdf << "trailer\n<< /Size " << offsets.size() + 1 << " /Root 1 0 R >>\nstartxref\n"
      << xref << "\n%%EOF\n";
  return pdf.str();
}

// Renders page 1 at 72 dpi (one pixel per image pixel) as 8-bit gray.
std::vector<std::uint8_t> render_gray(const std::filesystem::path& pdf, int width, int height) {
  auto stem = pdf.parent_path() / "render";
  auto result =
      test::run_command("pdftoppm -gray -aa no -aaVector no -r 72 -singlefile " +
                        test::shell_quote(pdf.string()) + " " + test::shell_quote(stem.string()));
  EXPECT_EQ(result.exit_code, 0) << result.output;
  auto pgm = test::read_bytes(stem.string() + ".pgm");
  const std::size_t pixels = static_cast<std::size_t>(width) * height;
  EXPECT_GE(pgm.size(), pixels);
  return {pgm.end() - static_cast<long>(pixels), pgm.end()};
}

TEST(EncodeG4, BlackIs1MeansWhatPdfReadersThink) {
  if (!test::have_program("pdftoppm")) GTEST_SKIP() << "pdftoppm (poppler-utils) missing";
  // 8-pixel blocks, mostly white paper: the renderer's resampling may move a
  // block edge by a pixel, so only block interiors are compared.
  Image page = synthetic(64, 40, 1, ColorMode::Bilevel, 3);
  auto black_block = [](int x, int y) { return (x / 8 + y / 8) % 3 == 0; };
  for (int y = 0; y < page.height; ++y) {
    for (int x = 0; x < page.width; ++x) page.row(y)[x] = black_block(x, y) ? 0 : 255;
  }
  test::ScratchDir scratch;
  // G4 TIFFs written by libtiff with either photometric; the page looks the same.
  test::write_tiff(scratch / "g4.tif", {{&page, COMPRESSION_CCITTFAX4, PHOTOMETRIC_MINISWHITE},
                                        {&page, COMPRESSION_CCITTFAX4, PHOTOMETRIC_MINISBLACK}});
  std::vector<EncodedImage> originals;
  for (int index : {0, 1}) {
    DecodedPage decoded = decode_page((scratch / "g4.tif").string(), index);
    EXPECT_EQ(decoded.image.pixels, page.pixels) << index;
    ASSERT_EQ(decoded.original.encoding, Encoding::CcittG4);
    EXPECT_EQ(decoded.original.black_is_1, index == 1);
    originals.push_back(decoded.original);
  }
  originals.push_back(encode_g4(page));
  // A PDF reader shows each original, with /BlackIs1 from our field, as the page.
  for (const auto& g4 : originals) {
    test::write_text(scratch / "g4.pdf", pdf_with_g4(g4));
    auto rendered = render_gray(scratch / "g4.pdf", page.width, page.height);
    ASSERT_EQ(rendered.size(), page.pixels.size());
    int wrong = 0;
    for (int y = 0; y < page.height; ++y) {
      for (int x = 0; x < page.width; ++x) {
        if (x % 8 == 0 || x % 8 == 7 || y % 8 == 0 || y % 8 == 7) continue;
        const std::size_t i = static_cast<std::size_t>(y) * page.width + x;
        wrong += (rendered[i] < 128) != (page.pixels[i] == 0);
      }
    }
    EXPECT_EQ(wrong, 0) << "black_is_1 " << g4.black_is_1;
  }
}

TEST(EncodeJpeg, GrayAndColourRoundTripWithQualityAndResolution) {
  for (int channels : {1, 3}) {
    Image page = synthetic(301, 203, channels, channels == 1 ? ColorMode::Gray : ColorMode::Rgb, 2);
    for (int quality : {20, 50, 75, 85, 92}) {
      EncodedImage jpeg = encode_jpeg(page, quality);
      EXPECT_EQ(jpeg.encoding, Encoding::Jpeg);
      EXPECT_EQ(jpeg.components, channels);
      EXPECT_EQ(jpeg.jpeg_quality, quality);
      EXPECT_EQ(estimate_jpeg_quality(jpeg), quality);
      DecodedPage back = decode_encoded(jpeg);
      EXPECT_EQ(back.image.width, 301);
      EXPECT_EQ(back.image.height, 203);
      EXPECT_EQ(back.image.channels, channels);
      EXPECT_DOUBLE_EQ(back.image.dpi_x, 300);
      if (quality >= 75) EXPECT_GT(psnr(back.image, page), 30) << quality;
    }
  }
}

TEST(EncodeJpeg, ColourIsSubsampled420) {
  Image page = synthetic(64, 64, 3, ColorMode::Rgb, 4);
  auto bytes = encode_jpeg(page, 85).bytes;
  bool found = false;
  for (std::size_t i = 0; i + 15 < bytes.size() && !found; ++i) {
    if (bytes[i] == 0xFF && bytes[i + 1] == 0xC0) {  // SOF0: components from offset 10
      EXPECT_EQ(bytes[i + 9], 3);
      EXPECT_EQ(bytes[i + 11], 0x22);  // luma 2x2
      EXPECT_EQ(bytes[i + 14], 0x11);  // Cb 1x1
      found = true;
    }
  }
  EXPECT_TRUE(found);
  EXPECT_EQ(bytes[6], 'J');  // JFIF APP0
}

TEST(EncodeJpeg, RefusesBadArguments) {
  Image page = synthetic(8, 8, 1, ColorMode::Gray, 5);
  EXPECT_THROW(encode_jpeg(page, 0), Error);
  EXPECT_THROW(encode_jpeg(page, 101), Error);
  EXPECT_THROW(encode_jpeg(Image{}, 80), Error);
  EncodedImage not_jpeg;
  not_jpeg.encoding = Encoding::Jpeg;
  not_jpeg.bytes = {1, 2, 3};
  EXPECT_EQ(estimate_jpeg_quality(not_jpeg), 0);
}

}  // namespace
}  // namespace sohoa::imaging
