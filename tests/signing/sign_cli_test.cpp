// `sohoa ocr` -> `sohoa sign --digitisation-stamp` (agency key, .p12) -> `sohoa
// sign --visible` (person key on the SoftHSM2 token) -> `sohoa verify`, judged
// by the independent checkers: check_pades.sh, check_pdfa.sh (PDFBox for 1b),
// pdffonts/pdftotext for the embedded font and the text a reader can search.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "signing_fixtures.hpp"

namespace sohoa::test {
namespace {

const char* kModule = "/usr/lib/softhsm/libsofthsm2.so";

std::string exe() {
  return shell_quote(sohoa_exe().string());
}

std::string q(const std::filesystem::path& path) {
  return shell_quote(path.string());
}

// A blue handwriting-like stroke on a transparent background and a red seal on
// white (PNG), as a desk's signer would configure them.
bool make_images(const ScratchDir& dir) {
  const std::string script =
      "from PIL import Image, ImageDraw\n"
      "import math, sys\n"
      "im = Image.new('RGBA', (480, 200), (0, 0, 0, 0))\n"
      "d = ImageDraw.Draw(im)\n"
      "pts = [(30 + 420 * i / 300, 100 + 50 * math.sin(i / 300 * 14)) for i in range(301)]\n"
      "d.line(pts, fill=(20, 40, 170, 255), width=6)\n"
      "im.save(sys.argv[1])\n"
      "s = Image.new('RGB', (300, 300), (255, 255, 255))\n"
      "d = ImageDraw.Draw(s)\n"
      "d.ellipse((8, 8, 292, 292), outline=(210, 20, 30), width=12)\n"
      "d.regular_polygon((150, 150, 50), 5, fill=(210, 20, 30))\n"
      "s.save(sys.argv[2])\n";
  write_text(dir / "images.py", script);
  return run_command("/usr/bin/python3 " + q(dir / "images.py") + " " + q(dir / "sig.png") + " " +
                     q(dir / "seal.png"))
             .exit_code == 0;
}

class SignCli : public ::testing::Test {
 protected:
  void SetUp() override {
    const TestPki& pki = test_pki();
    if (!pki.ready) GTEST_SKIP() << pki.why_not;
    if (!std::filesystem::exists(kModule)) GTEST_SKIP() << "SoftHSM2 missing";
    if (!std::filesystem::exists(sohoa_exe())) GTEST_SKIP() << "sohoa not built";
    write_text(dir_ / "pin.txt", "1234\n");
  }

  // The PIN travels in the environment or a file, never on the command line.
  CommandResult sign_stamp(const std::filesystem::path& in, const std::filesystem::path& out) {
    const TestPki& pki = test_pki();
    return run_command("SOHOA_PIN=1234 " + exe() + " sign " + q(in) + " -o " + q(out) + " --p12 " +
                       q(pki.p12("org")) + " --digitisation-stamp --level B-T --tsa " +
                       pki.tsa_url() + " 2>&1");
  }
  CommandResult sign_visible(const std::filesystem::path& in, const std::filesystem::path& out,
                             const std::string& extra = "") {
    const TestPki& pki = test_pki();
    return run_command("env -u SOHOA_PIN " + exe() + " sign " + q(in) + " -o " + q(out) +
                       " --pkcs11 " + kModule + " --key-id 01 --chain " + q(pki.dir / "chain.pem") +
                       " --pin-file " + q(dir_ / "pin.txt") +
                       " --visible --signer-title 'Phó Chủ tịch' --level B-T --tsa " +
                       pki.tsa_url() + " " + extra + " 2>&1");
  }
  CommandResult verify_json(const std::filesystem::path& file) {
    return run_command(exe() + " verify " + q(file) + " --offline --json --trust " +
                       q(test_pki().ca_bundle()) + " 2>/dev/null");
  }

  ScratchDir dir_;
};

TEST_F(SignCli, OcrStampThenTokenSignatureStaysPdfA1bAndValid) {
  ASSERT_TRUE(make_images(dir_)) << "python3-pil is needed to draw the test images";
  const auto scan = corpus_dir() / "batches" / "b01" / "0001.jpg";
  if (!std::filesystem::exists(scan)) GTEST_SKIP() << "corpus missing";
  CommandResult ocr =
      run_command(exe() + " ocr " + q(scan) + " -o " + q(dir_ / "in.pdf") + " --pdfa 1b 2>&1");
  ASSERT_EQ(ocr.exit_code, 0) << ocr.output;

  CommandResult stamp = sign_stamp(dir_ / "in.pdf", dir_ / "stamped.pdf");
  ASSERT_EQ(stamp.exit_code, 0) << stamp.output;
  CommandResult visible =
      sign_visible(dir_ / "stamped.pdf", dir_ / "signed.pdf",
                   "--signature-image " + q(dir_ / "sig.png") + " --seal-image " +
                       q(dir_ / "seal.png") + " --rect 300,40,260,80");
  ASSERT_EQ(visible.exit_code, 0) << visible.output;

  // Our verifier: exit 0, two valid B-T signatures, the org's first.
  CommandResult verified = verify_json(dir_ / "signed.pdf");
  EXPECT_EQ(verified.exit_code, 0) << verified.output;
  nlohmann::json report = nlohmann::json::parse(verified.output, nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << verified.output;
  ASSERT_EQ(report["signatures"].size(), 2u) << verified.output;
  for (const auto& signature : report["signatures"]) {
    EXPECT_EQ(signature["verdict"], "valid") << signature.dump(2);
    EXPECT_EQ(signature["level"], "B-T") << signature.dump(2);
  }
  EXPECT_NE(report["signatures"][0]["signer"].get<std::string>().find("MST:"), std::string::npos);
  EXPECT_NE(report["signatures"][1]["signer"].get<std::string>().find("Nguyễn Văn An"),
            std::string::npos);

  // Independent oracles.
  CommandResult pades = check_pades(dir_ / "signed.pdf", "B-T");
  EXPECT_NE(pades.output.find("PADES B-T OK sigs=2"), std::string::npos) << pades.output;
  CommandResult pdfa = run_command("bash " + q(shared_dir() / "check" / "check_pdfa.sh") + " " +
                                   q(dir_ / "signed.pdf") + " 2>&1");
  EXPECT_NE(pdfa.output.find("PDFA 1b OK"), std::string::npos) << pdfa.output;
  EXPECT_EQ(pdfa.exit_code, 0) << pdfa.output;

  // The text is real text in an embedded font: findable and copyable.
  CommandResult text = run_command("pdftotext -f 1 -l 1 " + q(dir_ / "signed.pdf") + " - 2>&1");
  EXPECT_NE(text.output.find("UBND Phường Ba Đình"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("Ký bởi: Nguyễn Văn An"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("Phó Chủ tịch"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("+07:00"), std::string::npos) << text.output;
  CommandResult fonts = run_command("pdffonts " + q(dir_ / "signed.pdf") + " 2>&1");
  EXPECT_NE(fonts.output.find("+LiberationSerif"), std::string::npos) << fonts.output;
  for (const std::string& line : {std::string("+LiberationSerif")}) {
    std::size_t at = fonts.output.find(line);
    ASSERT_NE(at, std::string::npos);
    std::string row = fonts.output.substr(at, fonts.output.find('\n', at) - at);
    EXPECT_NE(row.find("yes yes yes"), std::string::npos) << "embedded, subset, ToUnicode: " << row;
  }

  // One byte changed inside the first revision: exit 6 and a reason a person can act on.
  std::string bytes = read_text(dir_ / "signed.pdf");
  bytes[bytes.size() / 3] = static_cast<char>(bytes[bytes.size() / 3] ^ 0x20);
  write_text(dir_ / "tampered.pdf", bytes);
  CommandResult tampered = verify_json(dir_ / "tampered.pdf");
  EXPECT_EQ(tampered.exit_code, 6) << tampered.output;
  EXPECT_NE(tampered.output.find("digest mismatch"), std::string::npos) << tampered.output;
}

TEST_F(SignCli, StampOnPdfA2bKeepsItValidAndSitsTopRight) {
  const auto scan = corpus_dir() / "batches" / "b01" / "0002.jpg";
  if (!std::filesystem::exists(scan)) GTEST_SKIP() << "corpus missing";
  CommandResult ocr =
      run_command(exe() + " ocr " + q(scan) + " -o " + q(dir_ / "in.pdf") + " --pdfa 2b 2>&1");
  ASSERT_EQ(ocr.exit_code, 0) << ocr.output;
  CommandResult stamp = sign_stamp(dir_ / "in.pdf", dir_ / "stamped.pdf");
  ASSERT_EQ(stamp.exit_code, 0) << stamp.output;
  CommandResult pdfa = run_command("bash " + q(shared_dir() / "check" / "check_pdfa.sh") + " " +
                                   q(dir_ / "stamped.pdf") + " 2>&1");
  EXPECT_NE(pdfa.output.find("PDFA 2b OK"), std::string::npos) << pdfa.output;
  // Top right: the text's box lies in the top-right quarter of page 1.
  CommandResult box = run_command("pdftotext -bbox -f 1 -l 1 " + q(dir_ / "stamped.pdf") +
                                  " - 2>&1 | grep -m1 -A3 '>UBND<'");
  std::smatch m;
  std::regex word(R"re(<page width="([\d.]+)" height="([\d.]+)")re");
  CommandResult page = run_command("pdftotext -bbox -f 1 -l 1 " + q(dir_ / "stamped.pdf") +
                                   " - 2>&1 | grep -m1 '<page'");
  ASSERT_TRUE(std::regex_search(page.output, m, word)) << page.output;
  const double width = std::stod(m[1]);
  const double height = std::stod(m[2]);
  std::regex coords(R"re(xMin="([\d.]+)" yMin="([\d.]+)")re");
  ASSERT_TRUE(std::regex_search(box.output, m, coords)) << box.output;
  EXPECT_GT(std::stod(m[1]), width / 2) << box.output;
  EXPECT_LT(std::stod(m[2]), height / 8) << box.output;  // pdftotext's y grows downwards
}

TEST_F(SignCli, PinIsNeverAnOptionAndBadAppearanceInputsAreUsageErrors) {
  const TestPki& pki = test_pki();
  write_text(dir_ / "in.pdf", minimal_pdf());
  const std::string base = "SOHOA_PIN=1234 " + exe() + " sign " + q(dir_ / "in.pdf") + " -o " +
                           q(dir_ / "out.pdf") + " --p12 " + q(pki.p12("person"));
  EXPECT_EQ(run_command(base + " --pin 1234 2>&1").exit_code, 1);
  CommandResult both = run_command(base + " --visible --digitisation-stamp 2>&1");
  EXPECT_EQ(both.exit_code, 1) << both.output;
  CommandResult rect = run_command(base + " --visible --rect 10,20,30 2>&1");
  EXPECT_EQ(rect.exit_code, 1) << rect.output;
  EXPECT_NE(rect.output.find("x,y,w,h"), std::string::npos) << rect.output;
  CommandResult page = run_command(base + " --visible --page 9 2>&1");
  EXPECT_EQ(page.exit_code, 1) << page.output;
  EXPECT_NE(page.output.find("page 9"), std::string::npos) << page.output;
  // A character the font cannot draw is refused, not silently dropped.
  CommandResult glyph = run_command(base + " --visible --signer-name 'Nguyễn \xE2\x98\x83' 2>&1");
  EXPECT_EQ(glyph.exit_code, 1) << glyph.output;
  EXPECT_NE(glyph.output.find("U+2603"), std::string::npos) << glyph.output;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "out.pdf"));
  // Without a visible option the signature stays invisible and valid.
  CommandResult plain = run_command(base + " 2>&1");
  EXPECT_EQ(plain.exit_code, 0) << plain.output;
}

}  // namespace
}  // namespace sohoa::test
