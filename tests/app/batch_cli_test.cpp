// `sohoa batch` end to end: the public corpus and a corpus generated here with
// other fonts and seed, scored by the corpus's own scorer against the issue's
// bars; the dossier PDFs judged by the independent checkers; and the bad inputs
// the issue names, each of which must give a clear review item.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "cli_support.hpp"

namespace sohoa::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

json read_json(const fs::path& path) {
  std::ifstream in(path);
  return json::parse(in);
}

json score(const fs::path& corpus, const fs::path& results) {
  auto run = run_command(
      "/usr/bin/python3 " + shell_quote((shared_dir() / "corpus/score.py").string()) + " " +
      shell_quote(corpus.string()) + " " + shell_quote(results.string()) + " --json");
  EXPECT_EQ(run.exit_code, 0) << run.output;
  return json::parse(run.output);
}

// Runs `sohoa batch` on every batch folder of a corpus.
CommandResult batch_corpus(const fs::path& corpus, const fs::path& out, const fs::path& results,
                           const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args = {"batch"};
  std::vector<std::string> batches;
  for (const auto& entry : fs::directory_iterator(corpus / "batches")) {
    batches.push_back(entry.path().string());
  }
  std::sort(batches.begin(), batches.end());
  args.insert(args.end(), batches.begin(), batches.end());
  args.insert(args.end(), {"-o", out.string(), "--results", results.string(), "--source-root",
                           corpus.string(), "--jobs", "2", "-q"});
  args.insert(args.end(), extra.begin(), extra.end());
  return run_sohoa(args);
}

void expect_bars(const json& figures) {
  std::cout << "score: " << figures.dump() << '\n';
  EXPECT_EQ(figures["missing"], 0);
  EXPECT_EQ(figures["dossier_acc"], 1.0);
  EXPECT_EQ(figures["qr_recall"], 1.0);
  EXPECT_GE(figures["class_acc"].get<double>(), 0.98);
  EXPECT_GE(figures["doc_pair_f1"].get<double>(), 0.98);
  EXPECT_GE(figures["field_acc"].get<double>(), 0.95);
  EXPECT_GE(figures["blank_f1"].get<double>(), 0.99);
}

std::vector<json> review_items(const fs::path& out) {
  // Keep the document alive: a range-for over a member of a temporary dangles.
  const json review = read_json(out / "review.json");
  return {review["review"].begin(), review["review"].end()};
}

bool has_review(const fs::path& out, const std::string& code) {
  for (const auto& item : review_items(out)) {
    if (item["code"] == code) return true;
  }
  return false;
}

// Outline titles of a PDF, through pikepdf (an independent reader).
std::vector<std::string> bookmarks(const fs::path& pdf) {
  auto run = run_command(
      "/usr/bin/python3 -c 'import sys,pikepdf\n"
      "with pikepdf.open(sys.argv[1]) as p:\n"
      "  with p.open_outline() as o:\n"
      "    [print(i.title) for i in o.root]' " +
      shell_quote(pdf.string()));
  EXPECT_EQ(run.exit_code, 0) << run.output;
  std::vector<std::string> titles;
  std::istringstream in(run.output);
  for (std::string line; std::getline(in, line);) titles.push_back(line);
  return titles;
}

std::string python(const std::string& script) {
  auto run = run_command("/usr/bin/python3 -c " + shell_quote(script));
  EXPECT_EQ(run.exit_code, 0) << run.output;
  return run.output;
}

TEST(BatchCorpus, PublicCorpusMeetsTheBarsAndFilesValidDossiers) {
  if (!fs::exists(corpus_dir() / "truth.json")) GTEST_SKIP() << "no shared corpus";
  ScratchDir scratch;
  const auto out = scratch / "out";
  const auto results = scratch / "results.json";
  auto run = batch_corpus(corpus_dir(), out, results);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  expect_bars(score(corpus_dir(), results));

  // One PDF per dossier of the truth, named by its code, one bookmark per document.
  const auto truth = read_json(corpus_dir() / "truth.json");
  for (const auto& dossier : truth["dossiers"]) {
    const fs::path pdf = out / (dossier["code"].get<std::string>() + ".pdf");
    ASSERT_TRUE(fs::exists(pdf)) << pdf;
    const auto titles = bookmarks(pdf);
    EXPECT_EQ(titles.size(), dossier["documents"].size()) << pdf;
    // The TT 05/2025 metadata names the dossier (the packet is not compressed).
    const std::string bytes = read_text(pdf);
    EXPECT_NE(bytes.find("<hoso:MaHoSo>" + dossier["code"].get<std::string>() + "</hoso:MaHoSo>"),
              std::string::npos);
  }
  const auto first = out / (truth["dossiers"][0]["code"].get<std::string>() + ".pdf");
  EXPECT_EQ(bookmarks(first).front(), "Giấy tiếp nhận hồ sơ và hẹn trả kết quả");
  EXPECT_EQ(check_pdfa(first, "2b"), "PDFA 2b OK");
  EXPECT_TRUE(fs::exists(out / "review.txt"));
}

TEST(BatchCorpus, PdfA1bDossierPassesPreflight) {
  if (!fs::exists(corpus_dir() / "truth.json")) GTEST_SKIP() << "no shared corpus";
  ScratchDir scratch;
  std::vector<std::string> args = {"batch"};
  for (int i = 1; i <= 5; ++i) {
    for (const char* ext : {".jpg", ".tif", ".png"}) {
      const auto page = corpus_dir() / "batches/b01" / ("000" + std::to_string(i) + ext);
      if (fs::exists(page)) args.push_back(page.string());
    }
  }
  args.insert(args.end(), {"-o", (scratch / "out").string(), "--pdfa", "1b", "-q"});
  auto run = run_sohoa(args);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const auto pdf = scratch / "out/000.11.58.H01-251104-0010.pdf";
  ASSERT_TRUE(fs::exists(pdf));
  EXPECT_EQ(check_pdfa(pdf, "1b"), "PDFA 1b OK");
  EXPECT_EQ(bookmarks(pdf).size(), 4U);  // receipt, form, ID card, two-page contract
  EXPECT_EQ(pdf_page_count(pdf), 5);
}

// Layouts and fonts the public pages do not have.
TEST(BatchCorpus, GeneratedCorpusWithOtherFontsMeetsTheBars) {
  if (!fs::exists(shared_dir() / "corpus/make_corpus.py")) GTEST_SKIP() << "no corpus generator";
  ScratchDir scratch;
  const auto corpus = scratch / "corpus";
  auto made = run_command("/usr/bin/python3 " +
                          shell_quote((shared_dir() / "corpus/make_corpus.py").string()) + " " +
                          shell_quote(corpus.string()) +
                          " --seed 7 --batches 1 --dossiers 3 --fonts noto-serif,dejavu-serif");
  ASSERT_EQ(made.exit_code, 0) << made.output;
  const auto results = scratch / "results.json";
  auto run = batch_corpus(corpus, scratch / "out", results);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  expect_bars(score(corpus, results));
}

TEST(BatchBadInput, OnlyBlankPagesGiveAReviewItemAndNoDossier) {
  if (!fs::exists(corpus_dir() / "truth.json")) GTEST_SKIP() << "no shared corpus";
  ScratchDir scratch;
  std::vector<std::string> args = {"batch"};
  const json truth = read_json(corpus_dir() / "truth.json");
  for (const auto& page : truth["pages"]) {
    if (page["blank"].get<bool>() && args.size() < 4) {
      args.push_back((corpus_dir() / page["file"].get<std::string>()).string());
    }
  }
  const auto out = scratch / "out";
  const auto results = scratch / "results.json";
  args.insert(args.end(), {"-o", out.string(), "--results", results.string(), "-q"});
  auto run = run_sohoa(args);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_TRUE(has_review(out, "no-content"));
  for (const auto& entry : fs::directory_iterator(out)) {
    EXPECT_NE(entry.path().extension(), ".pdf") << entry.path();
  }
  const json written = read_json(results);
  for (const auto& page : written["pages"]) {
    EXPECT_TRUE(page["blank"].get<bool>());
    EXPECT_TRUE(page["dossier"].is_null());
  }
}

TEST(BatchBadInput, DamagedReceiptQrAndNoisePageAreReviewedNeverFiled) {
  if (!fs::exists(corpus_dir() / "truth.json")) GTEST_SKIP() << "no shared corpus";
  ScratchDir scratch;
  const auto in = scratch / "stack";
  fs::create_directories(in);
  // A good dossier (receipt + form), then a receipt whose QR is painted over
  // with the papers that follow it, then a page of random noise.
  const auto b01 = corpus_dir() / "batches/b01";
  fs::copy_file(b01 / "0001.jpg", in / "0001.jpg");
  fs::copy_file(b01 / "0002.jpg", in / "0002.jpg");
  python(
      "import numpy as np\nfrom PIL import Image\n"
      "im = Image.open('" +
      (b01 / "0006.jpg").string() +
      "').convert('RGB')\n"
      "a = np.asarray(im).copy()\n"
      "g = a.mean(axis=2)\n"
      "h, w = g.shape\n"
      "dark = g[: h // 4, : w // 2] < 100\n"
      "ys, xs = np.nonzero(dark)\n"
      "# the QR is the densest dark block at the top left: paint over its middle\n"
      "x0, x1 = np.percentile(xs, [5, 40]).astype(int); y0, y1 = np.percentile(ys, [5, "
      "60]).astype(int)\n"
      "a[y0 + (y1 - y0) // 4 : y1 - (y1 - y0) // 4, :x1] = 255\n"
      "Image.fromarray(a).save('" +
      (in / "0003.jpg").string() +
      "', dpi=(300, 300), quality=90)\n"
      "rng = np.random.default_rng(1)\n"
      "Image.fromarray(rng.integers(0, 256, (3508, 2480), dtype=np.uint8)).save('" +
      (in / "0005.png").string() + "', dpi=(300, 300))\n");
  fs::copy_file(b01 / "0007.jpg", in / "0004.jpg");
  const auto out = scratch / "out";
  const auto results = scratch / "results.json";
  auto run =
      run_sohoa({"batch", in.string(), "-o", out.string(), "--results", results.string(), "-q"});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_TRUE(fs::exists(out / "000.11.58.H01-251104-0010.pdf"));
  EXPECT_FALSE(fs::exists(out / "000.62.45.H40-251104-0011.pdf"));  // its QR is damaged
  EXPECT_TRUE(has_review(out, "receipt-qr-unreadable"));
  EXPECT_TRUE(has_review(out, "class-unknown"));  // the noise page
  const json written = read_json(results);
  const json& pages = written["pages"];
  ASSERT_EQ(pages.size(), 5U);
  EXPECT_EQ(pages[0]["dossier"], "000.11.58.H01-251104-0010");
  EXPECT_EQ(pages[1]["dossier"], "000.11.58.H01-251104-0010");
  for (int i = 2; i < 5; ++i) EXPECT_TRUE(pages[i]["dossier"].is_null()) << i;
  EXPECT_NE(read_text(out / "review.txt").find("receipt-qr-unreadable"), std::string::npos);
}

TEST(BatchBadInput, WrongMrzCheckDigitIsReviewed) {
  if (!fs::exists(shared_dir() / "corpus/make_corpus.py")) GTEST_SKIP() << "no corpus generator";
  ScratchDir scratch;
  const auto corpus = scratch / "corpus";
  // The corpus generator with the ID cards' birth-date check digit off by one.
  python("import sys\nsys.path.insert(0, '" + (shared_dir() / "corpus").string() +
         "')\n"
         "import make_corpus as m\n"
         "right = m.mrz_lines\n"
         "def wrong(p):\n"
         "    l = right(p)\n"
         "    l[1] = l[1][:6] + str((int(l[1][6]) + 1) % 10) + l[1][7:]\n"
         "    return l\n"
         "m.mrz_lines = wrong\n"
         "sys.argv = ['make_corpus', '" +
         corpus.string() +
         "', '--seed', '3', '--batches', '1',"
         " '--dossiers', '1']\n"
         "m.main()\n");
  const auto out = scratch / "out";
  const auto results = scratch / "results.json";
  auto run = batch_corpus(corpus, out, results);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  int cards = 0;
  int flagged = 0;
  const json written = read_json(results);
  for (const auto& page : written["pages"]) {
    if (page["class"] != "can_cuoc") continue;
    ++cards;
    for (const auto& flag : page["review"]) flagged += flag["code"] == "mrz-check-failed";
  }
  EXPECT_GT(cards, 0);
  EXPECT_EQ(flagged, cards);
  EXPECT_TRUE(has_review(out, "mrz-check-failed"));
  // The dossier is still filed: its QR codes are right; the card waits for a person.
  expect_bars(score(corpus, results));
}

}  // namespace
}  // namespace sohoa::test
