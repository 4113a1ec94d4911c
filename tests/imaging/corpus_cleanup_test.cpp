// Clean-up operations measured against the corpus's ground truth.
#include <gtest/gtest.h>

#include <cmath>
#include <iomanip>
#include <iostream>

#include "corpus_truth.hpp"
#include "sohoa/imaging/cleanup.hpp"
#include "sohoa/imaging/decode.hpp"
#include "test_support.hpp"

namespace sohoa::imaging {
namespace {

std::vector<test::TruthPage> corpus() {
  return test::load_truth();
}

TEST(CorpusCleanup, SkewMatchesTruthOnUprightAndUpsideDownPages) {
  auto pages = corpus();
  if (pages.empty()) GTEST_SKIP() << "no corpus";
  double sum_upright = 0;
  double worst = 0;
  int upright = 0;
  for (const auto& truth : pages) {
    if (truth.blank || (truth.rotation != 0 && truth.rotation != 180)) continue;
    Image page = decode_page(truth.path().string(), 0).image;
    // A half turn keeps the slope of the lines, so the truth holds for both.
    const double estimate = estimate_skew(page);
    const double error = std::abs(estimate - truth.skew_deg);
    if (error > 0.2) {
      std::cout << "  skew " << truth.file << ": truth " << truth.skew_deg << " estimate "
                << estimate << '\n';
    }
    worst = std::max(worst, error);
    if (truth.rotation == 0) {
      sum_upright += error;
      ++upright;
    }
  }
  ASSERT_GT(upright, 40);
  const double mean = sum_upright / upright;
  std::cout << "skew: " << upright << " upright pages, mean abs error " << std::setprecision(3)
            << mean << " deg, worst (incl. upside down) " << worst << " deg\n";
  EXPECT_LT(mean, 0.15);
  EXPECT_LT(worst, 0.5);
}

TEST(CorpusCleanup, TextDirectionIsRightOnEveryPage) {
  auto pages = corpus();
  if (pages.empty()) GTEST_SKIP() << "no corpus";
  double weakest = 1e9;
  for (const auto& truth : pages) {
    if (truth.blank) continue;
    Image page = decode_page(truth.path().string(), 0).image;
    const bool sideways = truth.rotation == 90 || truth.rotation == 270;
    TextDirection direction = detect_text_direction(page);
    EXPECT_EQ(direction.horizontal, !sideways)
        << truth.file << " ratio " << direction.evidence_ratio;
    // The same page turned a quarter must flip the verdict.
    TextDirection turned = detect_text_direction(rotate_clockwise(page, 90));
    EXPECT_EQ(turned.horizontal, sideways)
        << truth.file << " turned, ratio " << turned.evidence_ratio;
    const double margin = sideways ? 1 / direction.evidence_ratio : direction.evidence_ratio;
    weakest =
        std::min({weakest, margin, sideways ? turned.evidence_ratio : 1 / turned.evidence_ratio});
  }
  std::cout << "text direction: weakest evidence ratio (right way up) " << weakest << '\n';
}

TEST(CorpusCleanup, BlankPagesAreFoundWithF1One) {
  auto pages = corpus();
  if (pages.empty()) GTEST_SKIP() << "no corpus";
  int true_positive = 0;
  int false_positive = 0;
  int false_negative = 0;
  double most_ink_on_blank = 0;
  double least_ink_on_content = 1;
  for (const auto& truth : pages) {
    Image page = decode_page(truth.path().string(), 0).image;
    BlankVerdict verdict = detect_blank(page);
    if (verdict.blank && truth.blank) ++true_positive;
    if (verdict.blank && !truth.blank) ++false_positive;
    if (!verdict.blank && truth.blank) ++false_negative;
    if (truth.blank) {
      most_ink_on_blank = std::max(most_ink_on_blank, verdict.ink_fraction);
      std::cout << "  blank " << truth.file << ": ink " << verdict.ink_fraction << ", marks "
                << verdict.components << (verdict.blank ? "" : "  <-- MISSED") << '\n';
    } else {
      least_ink_on_content = std::min(least_ink_on_content, verdict.ink_fraction);
    }
    EXPECT_EQ(verdict.blank, truth.blank)
        << truth.file << " ink " << verdict.ink_fraction << " marks " << verdict.components;
  }
  const double f1 = 2.0 * true_positive / (2.0 * true_positive + false_positive + false_negative);
  std::cout << "blank: F1 " << f1 << " (tp " << true_positive << ", fp " << false_positive
            << ", fn " << false_negative << "); most ink on a blank page " << most_ink_on_blank
            << ", least on a content page " << least_ink_on_content << '\n';
  EXPECT_DOUBLE_EQ(f1, 1.0);
}

}  // namespace
}  // namespace sohoa::imaging
