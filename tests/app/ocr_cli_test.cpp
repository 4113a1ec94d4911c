// End-to-end tests of `sohoa ocr` through the real executable, judged by
// independent tools: PDFBox Preflight + structural rules (shared/check),
// qpdf, and poppler's pdftotext.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "cli_support.hpp"

namespace sohoa::test {
namespace {

struct TruthPage {
  std::string file;
  std::string text;
  std::string mode;
  int rotation = 0;
  bool blank = false;
};

std::vector<TruthPage> truth_pages() {
  std::ifstream in(corpus_dir() / "truth.json");
  auto truth = nlohmann::json::parse(in);
  std::vector<TruthPage> pages;
  for (const auto& page : truth["pages"]) {
    pages.push_back({page["file"], page["text"], page["mode"], page["rotation"], page["blank"]});
  }
  return pages;
}

// One page of each kind the corpus has: every file type and colour mode, every
// rotation, and a blank back.
std::vector<TruthPage> varied_sample() {
  std::vector<TruthPage> sample;
  std::set<std::string> seen;
  for (const auto& page : truth_pages()) {
    std::string ext = page.file.substr(page.file.rfind('.'));
    std::string kind =
        page.blank ? "blank" : ext + "/" + page.mode + "/" + std::to_string(page.rotation);
    if (seen.insert(kind).second) sample.push_back(page);
  }
  return sample;
}

// Words of 4+ letters of the truth found in the PDF's text, as a share.
double share_of_words_found(const std::string& truth, const std::string& pdf_text) {
  std::istringstream words(truth);
  std::string folded = " " + fold_spaces(pdf_text) + " ";
  std::string word;
  int total = 0;
  int found = 0;
  while (words >> word) {
    if (word.size() < 4) continue;
    ++total;
    found += folded.find(word) != std::string::npos ? 1 : 0;
  }
  return total > 0 ? static_cast<double>(found) / total : 1.0;
}

class OcrCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(corpus_dir() / "truth.json")) GTEST_SKIP() << "no shared corpus";
  }
  ScratchDir scratch_;
};

void expect_valid_searchable_pdfa(const std::filesystem::path& pdf, const std::string& level,
                                  const std::vector<TruthPage>& pages) {
  EXPECT_EQ(check_pdfa(pdf, level), "PDFA " + level + " OK");
  auto qpdf = run_command("qpdf --check " + shell_quote(pdf.string()));
  EXPECT_EQ(qpdf.exit_code, 0) << qpdf.output;
  int content_pages = 0;
  for (const auto& page : pages) content_pages += page.blank ? 0 : 1;
  EXPECT_EQ(pdf_page_count(pdf), content_pages);
  std::string text = pdf_text(pdf);
  for (const auto& page : pages) {
    if (page.blank) continue;
    EXPECT_GE(share_of_words_found(page.text, text), 0.9) << page.file;
  }
}

TEST_F(OcrCli, VariedPagesBecomeValidSearchablePdfA1b) {
  auto sample = varied_sample();
  ASSERT_GE(sample.size(), 6u);
  std::vector<std::string> args = {"ocr"};
  for (const auto& page : sample) args.push_back(page.file);
  auto out = scratch_ / "sample-1b.pdf";
  auto results = scratch_ / "results.json";
  args.insert(args.end(), {"-o", out.string(), "--pdfa", "1b", "--results", results.string()});
  auto run = run_sohoa(args, corpus_dir());
  ASSERT_EQ(run.exit_code, 0) << run.output;
  expect_valid_searchable_pdfa(out, "1b", sample);

  // The results file speaks the scorer's language and matches the truth.
  std::ifstream in(results);
  auto json = nlohmann::json::parse(in);
  ASSERT_EQ(json["pages"].size(), sample.size());
  for (std::size_t i = 0; i < sample.size(); ++i) {
    const auto& page = json["pages"][i];
    EXPECT_EQ(page["source"], sample[i].file);
    EXPECT_EQ(page["rotation"], sample[i].rotation) << sample[i].file;
    EXPECT_EQ(page["blank"], sample[i].blank) << sample[i].file;
  }
}

TEST_F(OcrCli, PdfA2uAnd2bAreValid) {
  auto sample = varied_sample();
  sample.resize(3);
  for (const std::string level : {"2u", "2b"}) {
    std::vector<std::string> args = {"ocr"};
    for (const auto& page : sample) args.push_back(page.file);
    auto out = scratch_ / ("sample-" + level + ".pdf");
    args.insert(args.end(), {"-o", out.string(), "--pdfa", level, "--jobs", "1"});
    auto run = run_sohoa(args, corpus_dir());
    ASSERT_EQ(run.exit_code, 0) << run.output;
    expect_valid_searchable_pdfa(out, level, sample);
  }
}

TEST_F(OcrCli, UnchangedJpegAndG4PagesArePassedThrough) {
  // With deskew off, an upright JPEG page is embedded byte for byte and a G4
  // page stays G4: no generation loss.
  std::string jpeg;
  std::string tiff;
  for (const auto& page : truth_pages()) {
    if (page.blank || page.rotation != 0) continue;
    if (jpeg.empty() && page.file.ends_with(".jpg")) jpeg = page.file;
    if (tiff.empty() && page.file.ends_with(".tif")) tiff = page.file;
  }
  ASSERT_FALSE(jpeg.empty());
  ASSERT_FALSE(tiff.empty());
  auto out = scratch_ / "pass.pdf";
  auto run = run_sohoa({"ocr", jpeg, tiff, "-o", out.string(), "--no-deskew"}, corpus_dir());
  ASSERT_EQ(run.exit_code, 0) << run.output;
  auto list = run_command("pdfimages -list " + shell_quote(out.string()));
  EXPECT_NE(list.output.find("jpeg"), std::string::npos) << list.output;
  EXPECT_NE(list.output.find("ccitt"), std::string::npos) << list.output;
  auto extracted = scratch_ / "img";
  run_command("pdfimages -j " + shell_quote(out.string()) + " " + shell_quote(extracted.string()));
  EXPECT_EQ(read_bytes(scratch_ / "img-000.jpg"), read_bytes(corpus_dir() / jpeg));
}

// A minimal PDF with a JavaScript open action, offsets computed here.
std::string javascript_pdf() {
  std::vector<std::string> objects = {
      "<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>",
      "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"};
  std::string pdf = "%PDF-1.4\n";
  std::vector<std::size_t> offsets;
  for (std::size_t i = 0; i < objects.size(); ++i) {
    offsets.push_back(pdf.size());
    pdf += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
  }
  std::size_t xref = pdf.size();
  pdf += "xref\n0 " + std::to_string(objects.size() + 1) + "\n0000000000 65535 f \n";
  for (auto offset : offsets) {
    std::string number = std::to_string(offset);
    pdf += std::string(10 - number.size(), '0') + number + " 00000 n \n";
  }
  pdf += "trailer\n<< /Size " + std::to_string(objects.size() + 1) +
         " /Root 1 0 R >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
  return pdf;
}

// A PNG signature + IHDR chunk claiming width x height, with a correct CRC, and
// nothing after it: decoders must refuse it from the header alone.
std::vector<std::uint8_t> png_header_claiming(std::uint32_t width, std::uint32_t height) {
  std::vector<std::uint8_t> bytes = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13};
  std::vector<std::uint8_t> chunk = {'I', 'H', 'D', 'R'};
  for (auto value : {width, height}) {
    for (int shift = 24; shift >= 0; shift -= 8)
      chunk.push_back(static_cast<std::uint8_t>(value >> shift));
  }
  chunk.insert(chunk.end(), {8, 2, 0, 0, 0});
  std::uint32_t crc = 0xffffffffU;
  for (auto byte : chunk) {
    crc ^= byte;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xedb88320U & (0U - (crc & 1U)));
  }
  crc ^= 0xffffffffU;
  bytes.insert(bytes.end(), chunk.begin(), chunk.end());
  for (int shift = 24; shift >= 0; shift -= 8)
    bytes.push_back(static_cast<std::uint8_t>(crc >> shift));
  return bytes;
}

TEST_F(OcrCli, BadInputsAreNamedAndGoodPagesStillProcessed) {
  std::string good;
  for (const auto& page : truth_pages()) {
    if (!page.blank && page.file.ends_with(".jpg")) {
      good = (corpus_dir() / page.file).string();
      break;
    }
  }
  auto jpeg = read_bytes(good);
  write_bytes(scratch_ / "empty.jpg", {});
  write_bytes(
      scratch_ / "truncated.jpg",
      std::vector<std::uint8_t>(jpeg.begin(), jpeg.begin() + static_cast<long>(jpeg.size() / 3)));
  write_text(scratch_ / "notes.txt", "Biên nhận hồ sơ — not an image\n");
  write_bytes(scratch_ / "huge.png", png_header_claiming(100000, 100000));
  write_text(scratch_ / "script.pdf", javascript_pdf());

  // An encrypted PDF made from a valid sohoa output.
  auto plain = scratch_ / "plain.pdf";
  ASSERT_EQ(run_sohoa({"ocr", good, "-o", plain.string(), "-q"}).exit_code, 0);
  auto encrypt = run_command("qpdf --encrypt '' owner 256 -- " + shell_quote(plain.string()) + " " +
                             shell_quote((scratch_ / "locked.pdf").string()));
  ASSERT_EQ(encrypt.exit_code, 0) << encrypt.output;

  const std::map<std::string, std::string> expected_reason = {
      {"empty.jpg", "empty-input"},         {"truncated.jpg", "corrupt-input"},
      {"notes.txt", "unsupported-format"},  {"huge.png", "image-too-large"},
      {"script.pdf", "active-pdf-content"}, {"locked.pdf", "encrypted-pdf"}};
  std::vector<std::string> args = {"ocr"};
  for (const auto& [name, reason] : expected_reason) args.push_back((scratch_ / name).string());
  args.push_back(good);
  auto out = scratch_ / "out.pdf";
  args.insert(args.end(), {"-o", out.string()});
  auto run = run_sohoa(args);

  EXPECT_EQ(run.exit_code, 2) << run.output;
  for (const auto& [name, reason] : expected_reason) {
    // One line naming the file and the reason.
    bool named = false;
    std::istringstream lines(run.output);
    std::string line;
    while (std::getline(lines, line)) {
      named = named || (line.find(name) != std::string::npos &&
                        line.find("[" + reason + "]") != std::string::npos);
    }
    EXPECT_TRUE(named) << name << " / " << reason << "\n" << run.output;
  }
  EXPECT_EQ(pdf_page_count(out), 1);
}

TEST_F(OcrCli, OnlyEncryptedInputGivesItsOwnExitCode) {
  std::string good = (corpus_dir() / truth_pages().front().file).string();
  auto plain = scratch_ / "plain.pdf";
  ASSERT_EQ(run_sohoa({"ocr", good, "-o", plain.string(), "-q"}).exit_code, 0);
  run_command("qpdf --encrypt user owner 256 -- " + shell_quote(plain.string()) + " " +
              shell_quote((scratch_ / "locked.pdf").string()));
  auto run =
      run_sohoa({"ocr", (scratch_ / "locked.pdf").string(), "-o", (scratch_ / "x.pdf").string()});
  EXPECT_EQ(run.exit_code, 8) << run.output;
  EXPECT_FALSE(std::filesystem::exists(scratch_ / "x.pdf"));
}

TEST_F(OcrCli, ScannedPdfInputIsReadBack) {
  // A PDF made of scans (our own output) goes in again: same text, no loss.
  auto sample = varied_sample();
  sample.resize(2);
  auto first = scratch_ / "first.pdf";
  std::vector<std::string> args = {"ocr"};
  for (const auto& page : sample) args.push_back(page.file);
  args.insert(args.end(), {"-o", first.string(), "-q"});
  ASSERT_EQ(run_sohoa(args, corpus_dir()).exit_code, 0);
  auto second = scratch_ / "second.pdf";
  auto run = run_sohoa({"ocr", first.string(), "-o", second.string(), "-q"});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  expect_valid_searchable_pdfa(second, "2b", sample);
}

TEST_F(OcrCli, MultiPageTiffPagesKeepTheirOrder) {
  // Three content pages saved as one TIFF with three encodings (G4, LZW gray,
  // LZW RGB) by an independent writer (Pillow), then a JPEG after it: the PDF
  // holds the four pages in that order, each with its own text.
  std::vector<TruthPage> content;
  for (const auto& page : truth_pages()) {
    if (!page.blank && page.rotation == 0 && content.size() < 4) content.push_back(page);
  }
  ASSERT_EQ(content.size(), 4u);
  auto tiff = scratch_ / "stack.tif";
  std::string script =
      "import sys\n"
      "from PIL import Image, TiffImagePlugin\n"
      "a, b, c, out = sys.argv[1:5]\n"
      "pages = [(Image.open(a).convert('1'), 'group4'), (Image.open(b).convert('L'), 'tiff_lzw'),\n"
      "         (Image.open(c).convert('RGB'), 'tiff_lzw')]\n"
      "with TiffImagePlugin.AppendingTiffWriter(out, True) as tiff:\n"
      "    for image, compression in pages:\n"
      "        image.save(tiff, compression=compression, dpi=(300, 300))\n"
      "        tiff.newFrame()\n";
  write_text(scratch_ / "make_tiff.py", script);
  auto make = run_command("/usr/bin/python3 " + shell_quote((scratch_ / "make_tiff.py").string()) +
                          " " + shell_quote((corpus_dir() / content[0].file).string()) + " " +
                          shell_quote((corpus_dir() / content[1].file).string()) + " " +
                          shell_quote((corpus_dir() / content[2].file).string()) + " " +
                          shell_quote(tiff.string()));
  ASSERT_EQ(make.exit_code, 0) << make.output;
  auto out = scratch_ / "stack.pdf";
  auto results = scratch_ / "stack.json";
  auto run = run_sohoa({"ocr", tiff.string(), (corpus_dir() / content[3].file).string(), "-o",
                        out.string(), "--results", results.string()});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  ASSERT_EQ(pdf_page_count(out), 4);
  std::ifstream in(results);
  auto json = nlohmann::json::parse(in);
  ASSERT_EQ(json["pages"].size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(json["pages"][i]["page_index"], i < 3 ? static_cast<int>(i) : 0);
    auto page_text = run_command("pdftotext -enc UTF-8 -f " + std::to_string(i + 1) + " -l " +
                                 std::to_string(i + 1) + " " + shell_quote(out.string()) + " -");
    EXPECT_GE(share_of_words_found(content[i].text, page_text.output), 0.9) << "page " << i + 1;
  }
}

// A scanned PDF whose pages display upright only through /Rotate: page 1
// inherits /Rotate 270 from the page tree, pages 2 and 3 carry their own 180
// and 90; each stored image is turned the other way (by Pillow). The pages are
// read as displayed and come out upright without /Rotate, text layer included:
// read back again, they need no turning and give the same text.
TEST_F(OcrCli, PdfPagesWithRotateComeOutUpright) {
  TruthPage upright;
  for (const auto& page : truth_pages()) {
    if (!page.blank && page.rotation == 0 && page.file.ends_with(".jpg")) {
      upright = page;
      break;
    }
  }
  ASSERT_FALSE(upright.file.empty());
  std::string script =
      "import io, sys\n"
      "from PIL import Image\n"
      "source, out = sys.argv[1:3]\n"
      "page = Image.open(source)\n"
      "page = page.convert('RGB' if page.mode not in ('L', 'RGB') else page.mode)\n"
      "dpi = 300\n"
      "# PIL turns counter-clockwise, a viewer turns by /Rotate clockwise.\n"
      "turns = [(270, ''), (180, '/Rotate 180'), (90, '/Rotate 90')]\n"
      "objects = ['<< /Type /Catalog /Pages 2 0 R >>',\n"
      "           '<< /Type /Pages /Kids [%s] /Count 3 /Rotate 270 >>' %\n"
      "           ' '.join('%d 0 R' % (3 + 3 * i) for i in range(3))]\n"
      "for i, (turn, own) in enumerate(turns):\n"
      "    stored = page.rotate(turn, expand=True)\n"
      "    jpeg = io.BytesIO()\n"
      "    stored.save(jpeg, 'JPEG', quality=90)\n"
      "    w, h = stored.size[0] * 72 / dpi, stored.size[1] * 72 / dpi\n"
      "    image, content = 4 + 3 * i, 5 + 3 * i\n"
      "    objects.append(('<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.2f %.2f] /Resources '\n"
      "                    '<< /XObject << /Im0 %d 0 R >> >> /Contents %d 0 R %s >>')\n"
      "                   % (w, h, image, content, own))\n"
      "    space = '/DeviceGray' if stored.mode == 'L' else '/DeviceRGB'\n"
      "    objects.append(b'<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace %s "
      "'\n"
      "                   b'/BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\\nstream\\n'\n"
      "                   % (stored.size[0], stored.size[1], space.encode(), "
      "len(jpeg.getvalue()))\n"
      "                   + jpeg.getvalue() + b'\\nendstream')\n"
      "    draw = b'q %.2f 0 0 %.2f 0 0 cm /Im0 Do Q' % (w, h)\n"
      "    objects.append(b'<< /Length %d >>\\nstream\\n' % len(draw) + draw + b'\\nendstream')\n"
      "pdf = bytearray(b'%PDF-1.4\\n')\n"
      "offsets = []\n"
      "for number, body in enumerate(objects, 1):\n"
      "    offsets.append(len(pdf))\n"
      "    body = body if isinstance(body, bytes) else body.encode()\n"
      "    pdf += b'%d 0 obj\\n' % number + body + b'\\nendobj\\n'\n"
      "xref = len(pdf)\n"
      "pdf += b'xref\\n0 %d\\n0000000000 65535 f \\n' % (len(objects) + 1)\n"
      "pdf += b''.join(b'%010d 00000 n \\n' % offset for offset in offsets)\n"
      "pdf += b'trailer\\n<< /Size %d /Root 1 0 R >>\\nstartxref\\n%d\\n%%%%EOF\\n' % "
      "(len(objects) + 1, xref)\n"
      "open(out, 'wb').write(pdf)\n";
  write_text(scratch_ / "make_rotated.py", script);
  const auto rotated = scratch_ / "rotated.pdf";
  auto make = run_command(
      "/usr/bin/python3 " + shell_quote((scratch_ / "make_rotated.py").string()) + " " +
      shell_quote((corpus_dir() / upright.file).string()) + " " + shell_quote(rotated.string()));
  ASSERT_EQ(make.exit_code, 0) << make.output;
  ASSERT_EQ(run_command("qpdf --check " + shell_quote(rotated.string())).exit_code, 0);

  const auto out = scratch_ / "upright.pdf";
  const auto results = scratch_ / "upright.json";
  auto run =
      run_sohoa({"ocr", rotated.string(), "-o", out.string(), "--results", results.string()});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  expect_valid_searchable_pdfa(out, "2b", {upright, upright, upright});
  std::ifstream in(results);
  auto json = nlohmann::json::parse(in);
  ASSERT_EQ(json["pages"].size(), 3U);
  // No /Rotate in the output and every page portrait, as the corpus page is.
  auto info = run_command("pdfinfo -f 1 -l 3 " + shell_quote(out.string()));
  for (int i = 0; i < 3; ++i) {
    const auto& page = json["pages"][static_cast<std::size_t>(i)];
    EXPECT_EQ(page["rotation"], 0) << "page " << i + 1 << " needed turning beyond its /Rotate";
    EXPECT_EQ(page["reencoded"], true) << "page " << i + 1;
    const std::string label = "Page " + std::string(i < 9 ? "   " : "  ") + std::to_string(i + 1);
    const auto rot = info.output.find(label + " rot:");
    ASSERT_NE(rot, std::string::npos) << info.output;
    EXPECT_EQ(std::stoi(info.output.substr(info.output.find(':', rot) + 1)), 0);
    const auto size = info.output.find(label + " size:");
    ASSERT_NE(size, std::string::npos) << info.output;
    std::istringstream dims(info.output.substr(info.output.find(':', size) + 1));
    double width = 0;
    double height = 0;
    std::string times;
    dims >> width >> times >> height;
    EXPECT_LT(width, height) << "page " << i + 1 << " is not portrait";
  }
  // Read back: the output's pages are upright as stored, so nothing turns.
  const auto again = scratch_ / "again.json";
  auto reread = run_sohoa({"ocr", out.string(), "--results", again.string(), "-q"});
  ASSERT_EQ(reread.exit_code, 0) << reread.output;
  std::ifstream again_in(again);
  auto again_json = nlohmann::json::parse(again_in);
  ASSERT_EQ(again_json["pages"].size(), 3U);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(again_json["pages"][i]["rotation"], 0) << "page " << i + 1;
    EXPECT_GE(share_of_words_found(upright.text, again_json["pages"][i]["text"]), 0.9)
        << "page " << i + 1;
  }
}

TEST_F(OcrCli, UsageErrorsExitWithBadArgs) {
  EXPECT_EQ(run_sohoa({"ocr"}).exit_code, 1);
  EXPECT_EQ(run_sohoa({"ocr", "x.jpg", "-o", "y.pdf", "--pdfa", "3z"}).exit_code, 1);
}

// libgomp reads OMP_THREAD_LIMIT before main(); sohoa re-executes itself so the
// limit holds. Count the threads of a running `sohoa ocr --jobs 1`: the main
// thread and one worker, no OpenMP team.
TEST_F(OcrCli, TesseractRunsWithoutOpenMpThreads) {
  std::string page = (corpus_dir() / truth_pages().front().file).string();
  auto out = scratch_ / "t.pdf";
  std::string command =
      "env -u OMP_THREAD_LIMIT " + shell_quote(sohoa_exe().string()) + " ocr " + shell_quote(page) +
      " " + shell_quote(page) + " -q --jobs 1 -o " + shell_quote(out.string()) +
      " & pid=$!; max=0; env_ok=0;"
      " while kill -0 $pid 2>/dev/null; do"
      "  n=$(ls /proc/$pid/task 2>/dev/null | wc -l); [ \"$n\" -gt \"$max\" ] && max=$n;"
      "  tr '\\0' '\\n' < /proc/$pid/environ 2>/dev/null | grep -qx OMP_THREAD_LIMIT=1 && env_ok=1;"
      "  sleep 0.05; done; wait $pid; echo \"rc=$? max=$max env=$env_ok\"";
  auto run = run_command(command);
  EXPECT_NE(run.output.find("rc=0"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("env=1"), std::string::npos) << run.output;
  auto max_pos = run.output.find("max=");
  ASSERT_NE(max_pos, std::string::npos);
  int max_threads = std::stoi(run.output.substr(max_pos + 4));
  EXPECT_GE(max_threads, 1);
  EXPECT_LE(max_threads, 2) << "more threads than main + 1 worker: OpenMP is active";
}

}  // namespace
}  // namespace sohoa::test
