// PdfAWriter judged from the outside: qpdf, poppler (pdftotext, pdfimages,
// pdfinfo, pdftoppm) and the independent PDF/A checker in /work/shared/check.

#include "sohoa/pdf/pdfa_writer.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include "pdf_test_inputs.hpp"
#include "sohoa/core/error.hpp"
#include "test_support.hpp"

namespace sohoa::test {
namespace {

using pdf::PdfALevel;
using pdf::PdfAWriter;

void require_tools() {
  for (const char* tool : {"qpdf", "pdftotext", "pdfimages", "pdfinfo", "pdftoppm"}) {
    if (!have_program(tool)) GTEST_SKIP() << tool << " is not installed";
  }
}

// Tool output with runs of spaces folded, so column alignment does not matter.
std::string folded_output(const std::string& command) {
  std::string folded;
  for (const char c : run_command(command).output) {
    if (c == ' ' && !folded.empty() && folded.back() == ' ') continue;
    folded += c;
  }
  return folded;
}

void expect_qpdf_check_ok(const std::filesystem::path& pdf) {
  const CommandResult result = run_command("qpdf --check " + shell_quote(pdf.string()));
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("No syntax or stream encoding errors"), std::string::npos)
      << result.output;
}

void expect_vietnamese_text(const std::filesystem::path& pdf) {
  const std::string text = extracted_text(pdf);
  for (const std::string& line : kVietnameseLines) {
    EXPECT_NE(text.find(line), std::string::npos) << "missing \"" << line << "\" in: " << text;
  }
}

void expect_pdfa(const std::filesystem::path& pdf, const std::string& level) {
  if (!std::filesystem::exists(shared_dir() / "check" / "check_pdfa.sh")) {
    GTEST_SKIP() << "no shared checker";
  }
  const PdfaVerdict verdict = check_pdfa(pdf, level);
  EXPECT_EQ(verdict.last_line, "PDFA " + level + " OK") << verdict.output;
}

// Mean gray level of the first page rendered at low resolution (0 black .. 255 white).
double mean_gray(const std::filesystem::path& pdf, const ScratchDir& scratch) {
  const auto prefix = scratch / "render";
  run_command("pdftoppm -gray -r 20 -f 1 -l 1 " + shell_quote(pdf.string()) + " " +
              shell_quote(prefix.string()));
  std::filesystem::path rendered;
  for (const auto& entry : std::filesystem::directory_iterator(scratch.path())) {
    if (entry.path().extension() == ".pgm") rendered = entry.path();
  }
  if (rendered.empty()) return -1;
  const std::vector<std::uint8_t> pgm = read_bytes(rendered);
  // P5 header: magic, width, height, maxval, each followed by white space.
  std::size_t at = 0;
  for (int fields = 0; fields < 4; ++fields) {
    while (at < pgm.size() && !std::isspace(pgm[at])) ++at;
    ++at;
  }
  double sum = 0;
  for (std::size_t i = at; i < pgm.size(); ++i) sum += pgm[i];
  std::filesystem::remove(rendered);
  return pgm.size() > at ? sum / static_cast<double>(pgm.size() - at) : -1;
}

TEST(PdfALevelParsing, AcceptsTheThreeLevels) {
  EXPECT_EQ(pdf::parse_pdfa_level("1b"), PdfALevel::A1b);
  EXPECT_EQ(pdf::parse_pdfa_level("2b"), PdfALevel::A2b);
  EXPECT_EQ(pdf::parse_pdfa_level("2u"), PdfALevel::A2u);
  EXPECT_EQ(pdf::to_string(PdfALevel::A2u), "2u");
  try {
    (void)pdf::parse_pdfa_level("3b");
    FAIL() << "3b accepted";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::InvalidArgument);
  }
}

TEST(PdfAWriter, JpegPassesThroughIntoValidPdfA1b) {
  require_tools();
  const EncodedImage jpeg = corpus_jpeg();
  if (jpeg.encoding != Encoding::Jpeg) GTEST_SKIP() << "no corpus";
  ScratchDir scratch;
  const auto out = scratch / "jpeg-1b.pdf";
  const OcrText text = vietnamese_header_text();
  {
    PdfAWriter writer(out.string(), PdfALevel::A1b, test_document_info());
    pdf::PageContent page;
    page.encoded = jpeg;
    page.text = &text;
    writer.add_page(page);
    writer.finish();
    EXPECT_EQ(writer.page_count(), 1);
    EXPECT_EQ(writer.bytes_written(), std::filesystem::file_size(out));
  }
  expect_qpdf_check_ok(out);
  expect_vietnamese_text(out);

  // Selection lines up with the scan: the last word of the first line (no trailing
  // space) spans exactly its OCR box, 1264..1360 px at 300 dpi = 303.36..326.4 pt.
  const std::string boxes =
      run_command("pdftotext -bbox " + shell_quote(out.string()) + " -").output;
  EXPECT_NE(boxes.find("<word xMin=\"303.360000\""), std::string::npos) << boxes;
  EXPECT_NE(boxes.find("xMax=\"326.399997\" yMax=\"64.224000\">NAM</word>"), std::string::npos)
      << boxes;

  const CommandResult list = run_command("pdfimages -list " + shell_quote(out.string()));
  EXPECT_NE(list.output.find("jpeg"), std::string::npos) << list.output;
  run_command("pdfimages -j " + shell_quote(out.string()) + " " +
              shell_quote((scratch / "img").string()));
  ASSERT_TRUE(std::filesystem::exists(scratch / "img-000.jpg"));
  EXPECT_EQ(read_bytes(scratch / "img-000.jpg"), jpeg.bytes)
      << "JPEG bytes were not passed through";

  const std::string info = folded_output("pdfinfo " + shell_quote(out.string()));
  // 2480 x 3508 px at 300 dpi = A4.
  EXPECT_NE(info.find("Page size: 595.2 x 841.92 pts"), std::string::npos) << info;
  EXPECT_NE(info.find("Title: Hồ sơ đăng ký khai sinh"), std::string::npos) << info;
  EXPECT_NE(info.find("PDF version: 1.4"), std::string::npos) << info;
  expect_pdfa(out, "1b");
}

TEST(PdfAWriter, G4PassesThroughIntoValidPdfA2bAndRendersUpright) {
  require_tools();
  ScratchDir scratch;
  const EncodedImage g4 = corpus_g4(scratch.path());
  if (g4.encoding != Encoding::CcittG4) GTEST_SKIP() << "no corpus";
  const auto out = scratch / "g4-2b.pdf";
  const OcrText text = vietnamese_header_text();
  PdfAWriter writer(out.string(), PdfALevel::A2b, test_document_info());
  pdf::PageContent page;
  page.encoded = g4;
  page.text = &text;
  writer.add_page(page);
  writer.finish();

  expect_qpdf_check_ok(out);
  expect_vietnamese_text(out);
  const CommandResult list = run_command("pdfimages -list " + shell_quote(out.string()));
  EXPECT_NE(list.output.find("ccitt"), std::string::npos) << list.output;
  // A scanned form is mostly white paper: an inverted /BlackIs1 would make it mostly black.
  EXPECT_GT(mean_gray(out, scratch), 180);
  expect_pdfa(out, "2b");
}

TEST(PdfAWriter, PixelPagesOfEveryModeMakeValidPdfA2u) {
  require_tools();
  ScratchDir scratch;
  const auto out = scratch / "pixels-2u.pdf";
  const Image rgb = synthetic_image(850, 1100, ColorMode::Rgb);
  const Image gray = synthetic_image(850, 1100, ColorMode::Gray);
  const Image bilevel =
      synthetic_image(853, 1100, ColorMode::Bilevel);    // width not a multiple of 8
  const OcrText text = vietnamese_header_text(1.0 / 3);  // laid out for 300 dpi, pages are 100
  PdfAWriter writer(out.string(), PdfALevel::A2u, test_document_info());
  for (const Image* image : {&rgb, &gray, &bilevel}) {
    pdf::PageContent page;
    page.pixels = image;
    page.dpi_x = page.dpi_y = 100;
    page.text = image == &gray ? nullptr : &text;
    writer.add_page(page);
  }
  writer.finish();

  expect_qpdf_check_ok(out);
  const std::string info = folded_output("pdfinfo " + shell_quote(out.string()));
  EXPECT_NE(info.find("Pages: 3"), std::string::npos) << info;
  EXPECT_NE(info.find("Page size: 612 x 792 pts"), std::string::npos) << info;
  EXPECT_NE(info.find("PDF version: 1.7"), std::string::npos) << info;
  const std::string list = folded_output("pdfimages -list " + shell_quote(out.string()));
  EXPECT_NE(list.find("rgb 3 8 image"), std::string::npos) << list;
  EXPECT_NE(list.find("gray 1 8 image"), std::string::npos) << list;
  EXPECT_NE(list.find("gray 1 1 image"), std::string::npos) << list;
  expect_vietnamese_text(out);
  expect_pdfa(out, "2u");
}

TEST(PdfAWriter, PixelPagesAlsoMakeValidPdfA1b) {
  require_tools();
  ScratchDir scratch;
  const auto out = scratch / "pixels-1b.pdf";
  const Image bilevel = synthetic_image(2480, 3508, ColorMode::Bilevel);
  const OcrText text = vietnamese_header_text();
  PdfAWriter writer(out.string(), PdfALevel::A1b, test_document_info());
  pdf::PageContent page;
  page.pixels = &bilevel;
  page.text = &text;
  writer.add_page(page);
  writer.finish();
  expect_qpdf_check_ok(out);
  expect_vietnamese_text(out);
  expect_pdfa(out, "1b");
}

// More pages than one page-tree node holds (4096): the tree gets a second node,
// arrays stay under the PDF/A-1 limit of 8191 entries.
TEST(PdfAWriter, ManyPagesSpreadOverSeveralPageTreeNodes) {
  if (!have_program("qpdf") || !have_program("pdfinfo")) GTEST_SKIP() << "tools missing";
  ScratchDir scratch;
  const auto out = scratch / "many.pdf";
  const Image gray = synthetic_image(40, 40, ColorMode::Gray);
  PdfAWriter writer(out.string(), PdfALevel::A1b, test_document_info());
  pdf::PageContent page;
  page.pixels = &gray;
  page.dpi_x = page.dpi_y = 72;
  for (int i = 0; i < 4100; ++i) writer.add_page(page);
  writer.finish();
  expect_qpdf_check_ok(out);
  EXPECT_NE(folded_output("pdfinfo " + shell_quote(out.string())).find("Pages: 4100"),
            std::string::npos);
}

TEST(PdfAWriter, NothingAppearsWithoutFinish) {
  ScratchDir scratch;
  const auto out = scratch / "abandoned.pdf";
  const Image gray = synthetic_image(300, 400, ColorMode::Gray);
  {
    PdfAWriter writer(out.string(), PdfALevel::A2b, test_document_info());
    pdf::PageContent page;
    page.pixels = &gray;
    writer.add_page(page);
    EXPECT_GT(writer.bytes_written(), 0u);
  }
  EXPECT_FALSE(std::filesystem::exists(out));
  EXPECT_TRUE(std::filesystem::is_empty(scratch.path())) << "a temp file was left behind";
}

TEST(PdfAWriter, MissingFolderIsAnOutputFailureNamingThePath) {
  ScratchDir scratch;
  const auto out = scratch / "no-such-folder" / "out.pdf";
  try {
    PdfAWriter writer(out.string(), PdfALevel::A1b, test_document_info());
    FAIL() << "writer opened a file in a missing folder";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::OutputFailed);
    EXPECT_NE(error.message().find(out.string()), std::string::npos) << error.message();
  }
}

// A write that fails half-way (here: the file size limit, as a full disk would)
// surfaces as OutputFailed and leaves no file. Run in a child so the limit stays there.
TEST(PdfAWriter, FailingWriteIsAnOutputFailureAndLeavesNothing) {
  ScratchDir scratch;
  const auto out = scratch / "too-big.pdf";
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::signal(SIGXFSZ, SIG_IGN);
    rlimit limit{200 * 1024, 200 * 1024};
    setrlimit(RLIMIT_FSIZE, &limit);
    int status = 3;
    try {
      const Image rgb = synthetic_image(1200, 1200, ColorMode::Rgb);
      PdfAWriter writer(out.string(), PdfALevel::A2b, test_document_info());
      pdf::PageContent page;
      page.pixels = &rgb;
      for (int i = 0; i < 20; ++i) writer.add_page(page);
      writer.finish();
      status = 2;  // no failure reported
    } catch (const Error& error) {
      status = error.code() == ErrorCode::OutputFailed &&
                       error.message().find(out.string()) != std::string::npos
                   ? 0
                   : 1;
    }
    _exit(status);
  }
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "2: no error, 1: wrong error code/message";
  EXPECT_FALSE(std::filesystem::exists(out));
  EXPECT_TRUE(std::filesystem::is_empty(scratch.path()));
}

TEST(PdfAWriter, RefusesCmykJpegUnderAnSrgbOutputIntent) {
  ScratchDir scratch;
  PdfAWriter writer((scratch / "cmyk.pdf").string(), PdfALevel::A1b, test_document_info());
  pdf::PageContent page;
  page.encoded.encoding = Encoding::Jpeg;
  page.encoded.bytes = {0xFF, 0xD8, 0xFF, 0xD9};
  page.encoded.width = 100;
  page.encoded.height = 100;
  page.encoded.components = 4;
  try {
    writer.add_page(page);
    FAIL() << "CMYK accepted";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::UnsupportedFormat);
  }
  EXPECT_EQ(writer.page_count(), 0);
}

TEST(PdfAWriter, FinishWithoutPagesIsRefused) {
  ScratchDir scratch;
  PdfAWriter writer((scratch / "empty.pdf").string(), PdfALevel::A1b, test_document_info());
  try {
    writer.finish();
    FAIL() << "empty PDF written";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::InvalidArgument);
  }
}

}  // namespace
}  // namespace sohoa::test
