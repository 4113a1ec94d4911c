// ScanPdf: round trips through our writer, and hostile or broken inputs that
// must end in the right ErrorCode (never a crash, never a PoDoFo exception).

#include "sohoa/pdf/scan_reader.hpp"

#include <gtest/gtest.h>

#include "pdf_test_inputs.hpp"
#include "sohoa/core/error.hpp"
#include "sohoa/pdf/pdfa_writer.hpp"
#include "test_support.hpp"

namespace sohoa::test {
namespace {

using pdf::ScanPdf;

std::filesystem::path write_pdf(const ScratchDir& scratch, const std::string& name,
                                const std::vector<pdf::PageContent>& pages) {
  const auto out = scratch / name;
  pdf::PdfAWriter writer(out.string(), pdf::PdfALevel::A2b, test_document_info());
  for (const auto& page : pages) writer.add_page(page);
  writer.finish();
  return out;
}

template <typename Action>
ErrorCode error_code_of(Action&& action) {
  try {
    action();
  } catch (const Error& error) {
    return error.code();
  }
  ADD_FAILURE() << "no sohoa::Error thrown";
  return ErrorCode::Internal;
}

// A minimal PDF written as text with correct xref offsets; the extras go into
// the catalog, the page-tree node and the page dictionary.
std::string minimal_pdf(const std::string& catalog_extra, const std::string& pages_extra = "",
                        const std::string& page_extra = "") {
  std::vector<std::string> objects = {
      "<< /Type /Catalog /Pages 2 0 R " + catalog_extra + " >>",
      "<< /Type /Pages /Kids [3 0 R] /Count 1 " + pages_extra + " >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 72 72] /Resources << /XObject << /Im0 4 0 R >> "
      ">> " +
          page_extra + " >>",
      "<< /Type /XObject /Subtype /Image /Width 2 /Height 2 /ColorSpace /DeviceGray "
      "/BitsPerComponent 8 /Length 4 >>\nstream\n\x10\x20\x30\x40\nendstream"};
  return sohoa::test::pdf_from_objects(objects);
}

std::span<const std::uint8_t> as_bytes(const std::string& text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

TEST(ScanPdf, JpegComesBackByteForByte) {
  const EncodedImage jpeg = corpus_jpeg();
  if (jpeg.encoding != Encoding::Jpeg) GTEST_SKIP() << "no corpus";
  ScratchDir scratch;
  pdf::PageContent page;
  page.encoded = jpeg;
  const OcrText text = vietnamese_header_text();
  page.text = &text;
  const auto path = write_pdf(scratch, "jpeg.pdf", {page, page});
  const ScanPdf scan = ScanPdf::open(path.string());
  ASSERT_EQ(scan.page_count(), 2);
  const pdf::ScanPage back = scan.page(1);
  EXPECT_EQ(back.encoded.encoding, Encoding::Jpeg);
  EXPECT_EQ(back.encoded.bytes, jpeg.bytes);
  EXPECT_EQ(back.encoded.width, jpeg.width);
  EXPECT_EQ(back.encoded.height, jpeg.height);
  EXPECT_EQ(back.encoded.components, jpeg.components);
  EXPECT_NEAR(back.dpi_x, 300, 0.01);
  EXPECT_NEAR(back.dpi_y, 300, 0.01);
}

TEST(ScanPdf, G4ComesBackByteForByteFromMemory) {
  ScratchDir scratch;
  const EncodedImage g4 = corpus_g4(scratch.path());
  if (g4.encoding != Encoding::CcittG4) GTEST_SKIP() << "no corpus";
  pdf::PageContent page;
  page.encoded = g4;
  const auto path = write_pdf(scratch, "g4.pdf", {page});
  const std::vector<std::uint8_t> bytes = read_bytes(path);
  const ScanPdf scan = ScanPdf::open(bytes, "g4.pdf");
  const pdf::ScanPage back = scan.page(0);
  EXPECT_EQ(back.encoded.encoding, Encoding::CcittG4);
  EXPECT_EQ(back.encoded.bytes, g4.bytes);
  EXPECT_EQ(back.encoded.black_is_1, g4.black_is_1);
  EXPECT_EQ(back.encoded.width, g4.width);
  EXPECT_EQ(back.encoded.height, g4.height);
}

TEST(ScanPdf, FlatePixelsComeBackExactly) {
  ScratchDir scratch;
  const Image rgb = synthetic_image(301, 211, ColorMode::Rgb);
  const Image gray = synthetic_image(301, 211, ColorMode::Gray);
  const Image bilevel = synthetic_image(301, 211, ColorMode::Bilevel);
  std::vector<pdf::PageContent> pages;
  for (const Image* image : {&rgb, &gray, &bilevel}) {
    pdf::PageContent page;
    page.pixels = image;
    page.dpi_x = 150;
    page.dpi_y = 75;
    pages.push_back(page);
  }
  const ScanPdf scan = ScanPdf::open(write_pdf(scratch, "pixels.pdf", pages).string());
  ASSERT_EQ(scan.page_count(), 3);
  const Image* originals[] = {&rgb, &gray, &bilevel};
  for (int i = 0; i < 3; ++i) {
    const pdf::ScanPage back = scan.page(i);
    EXPECT_EQ(back.encoded.encoding, Encoding::None);
    EXPECT_EQ(back.pixels.mode, originals[i]->mode) << "page " << i;
    EXPECT_EQ(back.pixels.channels, originals[i]->channels);
    EXPECT_EQ(back.pixels.width, 301);
    EXPECT_EQ(back.pixels.height, 211);
    EXPECT_TRUE(back.pixels.pixels == originals[i]->pixels) << "page " << i;
    EXPECT_NEAR(back.dpi_x, 150, 0.01);
    EXPECT_NEAR(back.dpi_y, 75, 0.01);
  }
}

TEST(ScanPdf, MinimalHandWrittenPdfReads) {
  const ScanPdf scan = ScanPdf::open(as_bytes(minimal_pdf("")), "minimal.pdf");
  const pdf::ScanPage page = scan.page(0);
  EXPECT_EQ(page.pixels.width, 2);
  EXPECT_EQ(page.pixels.pixels, (std::vector<std::uint8_t>{0x10, 0x20, 0x30, 0x40}));
  EXPECT_NEAR(page.dpi_x, 2, 0.001);
}

TEST(ScanPdf, RotateIsReportedOwnOrInheritedWithPixelsAsStored) {
  struct Case {
    std::string pages_extra;
    std::string page_extra;
    int rotation;
  };
  const std::vector<Case> cases = {
      {"", "", 0},
      {"", "/Rotate 90", 90},
      {"/Rotate 180", "", 180},            // inherited from the page-tree node
      {"/Rotate 90", "/Rotate 270", 270},  // the page's own value wins
      {"", "/Rotate -90", 270},            // negative: counter-clockwise
      {"", "/Rotate 450", 90},             // beyond a full turn
      {"", "/Rotate 45", 0},               // not a quarter turn: ignored, as viewers do
      {"/Rotate /Ninety", "", 0},          // not a number: ignored
  };
  for (const auto& test_case : cases) {
    const ScanPdf scan = ScanPdf::open(
        as_bytes(minimal_pdf("", test_case.pages_extra, test_case.page_extra)), "rotated.pdf");
    const pdf::ScanPage page = scan.page(0);
    EXPECT_EQ(page.rotation, test_case.rotation)
        << test_case.pages_extra << " | " << test_case.page_extra;
    EXPECT_EQ(page.pixels.width, 2);
    EXPECT_EQ(page.pixels.pixels, (std::vector<std::uint8_t>{0x10, 0x20, 0x30, 0x40}));
  }
}

// Seeds of the fuzz corpus double as fixtures for less common encodings.
TEST(ScanPdf, PngPredictorsAndIndexedColourAreDecoded) {
  const std::filesystem::path seeds = SOHOA_PDF_SEED_DIR;
  if (!std::filesystem::exists(seeds)) GTEST_SKIP() << "no seed corpus";
  const pdf::ScanPage predicted = ScanPdf::open((seeds / "png-predictor.pdf").string()).page(0);
  EXPECT_EQ(predicted.pixels.mode, ColorMode::Rgb);
  EXPECT_EQ(predicted.pixels.pixels,
            (std::vector<std::uint8_t>{10, 20, 30, 20, 40, 60, 30, 60, 90, 11, 21, 31, 21, 41, 61,
                                       31, 61, 91}));
  // 2x2, 1 bit per index, palette red/green, hex-encoded rows 0x40 0x80 -> (0,1) (1,0).
  const pdf::ScanPage indexed = ScanPdf::open((seeds / "indexed-hex.pdf").string()).page(0);
  EXPECT_EQ(indexed.pixels.pixels,
            (std::vector<std::uint8_t>{255, 0, 0, 0, 255, 0, 0, 255, 0, 255, 0, 0}));
}

TEST(ScanPdf, CyclicPageTreeIsCorrupt) {
  const std::filesystem::path seeds = SOHOA_PDF_SEED_DIR;
  if (!std::filesystem::exists(seeds)) GTEST_SKIP() << "no seed corpus";
  EXPECT_EQ(error_code_of([&] { (void)ScanPdf::open((seeds / "cyclic-pages.pdf").string()); }),
            ErrorCode::CorruptInput);
}

TEST(ScanPdf, JavaScriptIsRefused) {
  const std::string with_js =
      minimal_pdf("/OpenAction << /S /JavaScript /JS (app.alert\\(1\\)) >>");
  EXPECT_EQ(error_code_of([&] { (void)ScanPdf::open(as_bytes(with_js), "js.pdf"); }),
            ErrorCode::ActivePdfContent);
  const std::string with_launch = minimal_pdf("/OpenAction << /S /Launch /F (calc.exe) >>");
  EXPECT_EQ(error_code_of([&] { (void)ScanPdf::open(as_bytes(with_launch), "launch.pdf"); }),
            ErrorCode::ActivePdfContent);
  const std::string with_aa = minimal_pdf("/AA << /WC << /S /GoTo /D [3 0 R /Fit] >> >>");
  EXPECT_EQ(error_code_of([&] { (void)ScanPdf::open(as_bytes(with_aa), "aa.pdf"); }),
            ErrorCode::ActivePdfContent);
}

TEST(ScanPdf, EncryptedPdfIsRefusedEvenWithEmptyUserPassword) {
  if (!have_program("qpdf")) GTEST_SKIP() << "qpdf missing";
  ScratchDir scratch;
  const auto plain = scratch / "plain.pdf";
  write_text(plain, minimal_pdf(""));
  const auto encrypted = scratch / "encrypted.pdf";
  const CommandResult made =
      run_command("qpdf --encrypt '' owner 256 -- " + shell_quote(plain.string()) + " " +
                  shell_quote(encrypted.string()));
  ASSERT_TRUE(std::filesystem::exists(encrypted)) << made.output;
  EXPECT_EQ(error_code_of([&] { (void)ScanPdf::open(encrypted.string()); }),
            ErrorCode::EncryptedPdf);
  const auto locked = scratch / "locked.pdf";
  run_command("qpdf --encrypt user owner 256 -- " + shell_quote(plain.string()) + " " +
              shell_quote(locked.string()));
  ASSERT_TRUE(std::filesystem::exists(locked));
  EXPECT_EQ(error_code_of([&] { (void)ScanPdf::open(locked.string()); }), ErrorCode::EncryptedPdf);
}

TEST(ScanPdf, BrokenInputsGiveTheirErrorCodes) {
  ScratchDir scratch;
  const auto empty = scratch / "empty.pdf";
  write_text(empty, "");
  EXPECT_EQ(error_code_of([&] { (void)ScanPdf::open(empty.string()); }), ErrorCode::EmptyInput);
  EXPECT_EQ(error_code_of([&] { (void)ScanPdf::open((scratch / "missing.pdf").string()); }),
            ErrorCode::InputNotFound);
  EXPECT_EQ(error_code_of([&] { (void)ScanPdf::open(std::span<const std::uint8_t>(), "none"); }),
            ErrorCode::EmptyInput);
  EXPECT_EQ(error_code_of([&] { (void)ScanPdf::open(as_bytes("not a pdf at all"), "junk"); }),
            ErrorCode::CorruptInput);

  // Truncated in the middle of the image stream: either the open or the page read fails.
  const Image gray = synthetic_image(400, 400, ColorMode::Gray);
  pdf::PageContent page;
  page.pixels = &gray;
  const std::vector<std::uint8_t> whole = read_bytes(write_pdf(scratch, "whole.pdf", {page}));
  for (const double fraction : {0.1, 0.5, 0.9, 0.99}) {
    const std::vector<std::uint8_t> cut(whole.begin(),
                                        whole.begin() + static_cast<long>(whole.size() * fraction));
    const ErrorCode code = error_code_of([&] {
      const ScanPdf scan = ScanPdf::open(cut, "cut.pdf");
      for (int i = 0; i < scan.page_count(); ++i) (void)scan.page(i);
    });
    EXPECT_EQ(code, ErrorCode::CorruptInput) << "cut at " << fraction;
  }
}

TEST(ScanPdf, PixelLimitIsCheckedBeforeDecoding) {
  ScratchDir scratch;
  const Image gray = synthetic_image(400, 300, ColorMode::Gray);
  pdf::PageContent page;
  page.pixels = &gray;
  const auto path = write_pdf(scratch, "big.pdf", {page});
  const ScanPdf scan = ScanPdf::open(path.string(), 400 * 300 - 1);
  EXPECT_EQ(error_code_of([&] { (void)scan.page(0); }), ErrorCode::ImageTooLarge);
  EXPECT_EQ(error_code_of([&] { (void)scan.page(1); }), ErrorCode::InvalidArgument);
}

}  // namespace
}  // namespace sohoa::test
