// The whole public corpus through `sohoa ocr`, scored by the corpus's own
// scorer (shared/corpus/score.py). The bars are what the issue demands:
// orientation always right, blank pages found, and text at least as good as
// OCRmyPDF on the same pages (its figures are measured by bench/ocr_bench.sh
// and recorded in bench/reference.json).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "cli_support.hpp"

namespace sohoa::test {
namespace {

TEST(CorpusScore, WholePublicCorpusMeetsTheBars) {
  if (!std::filesystem::exists(corpus_dir() / "truth.json")) GTEST_SKIP() << "no shared corpus";
  ScratchDir scratch;
  std::vector<std::string> args = {"ocr"};
  std::ifstream truth_in(corpus_dir() / "truth.json");
  auto truth = nlohmann::json::parse(truth_in);
  for (const auto& page : truth["pages"]) args.push_back(page["file"]);
  auto pdf = scratch / "corpus.pdf";
  auto results = scratch / "results.json";
  args.insert(args.end(), {"-o", pdf.string(), "--results", results.string(), "--jobs", "2"});
  auto run = run_sohoa(args, corpus_dir());
  ASSERT_EQ(run.exit_code, 0) << run.output;

  auto score = run_command(
      "/usr/bin/python3 " + shell_quote((shared_dir() / "corpus/score.py").string()) + " " +
      shell_quote(corpus_dir().string()) + " " + shell_quote(results.string()) + " --json");
  ASSERT_EQ(score.exit_code, 0) << score.output;
  auto figures = nlohmann::json::parse(score.output);
  std::ifstream reference_in(source_dir() / "bench/reference.json");
  auto ocrmypdf = nlohmann::json::parse(reference_in)["ocrmypdf"];
  std::cout << "sohoa: " << figures.dump() << "\nOCRmyPDF: " << ocrmypdf.dump() << '\n';

  EXPECT_EQ(figures["missing"], 0);
  EXPECT_EQ(figures["rotation_acc"], 1.0);
  EXPECT_GE(figures["blank_f1"].get<double>(), 0.99);
  EXPECT_LE(figures["mean_cer"].get<double>(), ocrmypdf["mean_cer"].get<double>());
  EXPECT_GE(figures["word_f1"].get<double>(), ocrmypdf["word_f1"].get<double>());

  // The bundled PDF is valid too.
  EXPECT_EQ(check_pdfa(pdf, "2b"), "PDFA 2b OK");
}

}  // namespace
}  // namespace sohoa::test
