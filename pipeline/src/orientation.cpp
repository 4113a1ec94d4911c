#include "orientation.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "sohoa/imaging/cleanup.hpp"
#include "sohoa/ocr/engine.hpp"

namespace sohoa::pipeline {

namespace {

// Upright text read by the LSTM model scores ~80-95; upside-down text 25-50.
constexpr float kConvincing = 75.0F;
constexpr float kReadable = 50.0F;
constexpr float kClearMargin = 12.0F;

float probe(ocr::OcrEngine& engine, const Image& gray, int dpi, int rotation) {
  Image turned = imaging::rotate_clockwise(gray, rotation);
  Box band = densest_text_band(turned, 0.18);
  if (band.height() <= 0) return 0;
  return engine.probe_confidence(turned, dpi, band);
}

}  // namespace

Box densest_text_band(const Image& gray, double band_fraction) {
  if (gray.empty() || gray.channels != 1) return {};
  // Work on every 4th row and column: enough to find lines of text.
  constexpr int kStep = 4;
  const int rows = gray.height / kStep;
  if (rows < 8) return {};
  std::vector<int> dark(static_cast<std::size_t>(rows), 0);
  const int margin_x = gray.width / 20;
  for (int r = 0; r < rows; ++r) {
    const std::uint8_t* row = gray.row(r * kStep);
    int count = 0;
    for (int x = margin_x; x < gray.width - margin_x; x += kStep) count += row[x] < 128 ? 1 : 0;
    dark[static_cast<std::size_t>(r)] = count;
  }
  // A text row has some ink but is not a solid rule or photo: between 1% and 35%
  // of the sampled width.
  const int samples = std::max(1, (gray.width - 2 * margin_x) / kStep);
  std::vector<int> texty(static_cast<std::size_t>(rows), 0);
  for (int r = 0; r < rows; ++r) {
    double share = static_cast<double>(dark[static_cast<std::size_t>(r)]) / samples;
    texty[static_cast<std::size_t>(r)] = share > 0.01 && share < 0.35 ? 1 : 0;
  }
  const int window = std::max(4, static_cast<int>(rows * band_fraction));
  const int edge = rows / 25;  // skip scanner-edge shadows
  int best_start = -1;
  int best_score = 0;
  int score = 0;
  for (int r = edge; r < rows - edge; ++r) {
    score += texty[static_cast<std::size_t>(r)];
    if (r - edge >= window) score -= texty[static_cast<std::size_t>(r - window)];
    if (r - edge + 1 >= window && score > best_score) {
      best_score = score;
      best_start = r - window + 1;
    }
  }
  if (best_start < 0 || best_score < window / 6) return {};
  return {margin_x, best_start * kStep, gray.width - margin_x,
          std::min(gray.height, (best_start + window) * kStep)};
}

OrientationDecision decide_orientation(ocr::OcrEngine& engine, const Image& gray, int dpi,
                                       bool lines_horizontal) {
  // Most likely first: the line direction's two candidates, then the other two
  // in case the direction evidence misled us.
  const int preferred = lines_horizontal ? 0 : 90;
  const std::array<int, 4> candidates = {preferred, (preferred + 180) % 360, (preferred + 90) % 360,
                                         (preferred + 270) % 360};
  std::array<float, 4> confidence{};
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    confidence[i] = probe(engine, gray, dpi, candidates[i]);
    if (confidence[i] >= kConvincing) return {candidates[i], confidence[i], false};
    // A pair that is read clearly one way and poorly the other way round settles it.
    if (i % 2 == 1) {
      const float best = std::max(confidence[i - 1], confidence[i]);
      if (best >= kReadable && std::fabs(confidence[i - 1] - confidence[i]) >= kClearMargin) {
        const std::size_t winner = confidence[i - 1] >= confidence[i] ? i - 1 : i;
        return {candidates[winner], confidence[winner], false};
      }
    }
  }
  // Too little text to read any way: ask Tesseract's orientation detector, or
  // keep the best probe when the detector has no answer.
  OrientationDecision decision;
  decision.ambiguous = true;
  const auto best = static_cast<std::size_t>(
      std::max_element(confidence.begin(), confidence.end()) - confidence.begin());
  decision.rotation = candidates[best];
  decision.confidence = confidence[best];
  auto guess = engine.detect_orientation(gray, dpi);
  if (guess.detected && confidence[best] < kReadable) {
    decision.rotation = guess.rotation;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      if (candidates[i] == guess.rotation) decision.confidence = confidence[i];
    }
  }
  return decision;
}

}  // namespace sohoa::pipeline
