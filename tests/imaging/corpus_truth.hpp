#pragma once
// The corpus's ground truth (shared/corpus/public/truth.json), as the imaging
// tests need it.
#include <filesystem>
#include <string>
#include <vector>

#include "sohoa/core/image.hpp"

namespace sohoa::test {

struct TruthPage {
  std::string file;  // relative to corpus_dir()
  int rotation = 0;  // clockwise degrees that make the page upright
  double skew_deg = 0;
  bool blank = false;
  std::string mode;  // color, gray, bilevel
  int dpi = 0;
  [[nodiscard]] std::filesystem::path path() const;
  [[nodiscard]] ColorMode color_mode() const;
};

// Empty when the shared corpus is not there (the tests then skip).
std::vector<TruthPage> load_truth();

}  // namespace sohoa::test
