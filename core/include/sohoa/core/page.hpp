#pragma once
// What the pipeline learns about one page: where it came from, how it was
// straightened, what text it holds. Independent of any library's types.

#include <optional>
#include <string>
#include <vector>

#include "sohoa/core/error.hpp"

namespace sohoa {

// A page of an input file: the path as the user gave it and the index in the file.
struct PageSource {
  std::string path;
  int index = 0;  // 0-based page/frame within the file
};

struct Box {
  int left = 0;
  int top = 0;
  int right = 0;
  int bottom = 0;
  [[nodiscard]] int width() const { return right - left; }
  [[nodiscard]] int height() const { return bottom - top; }
};

struct OcrWord {
  std::string text;      // UTF-8, NFC
  Box box;               // pixels of the upright, deskewed page
  float confidence = 0;  // 0..100
};

struct OcrLine {
  Box box;
  std::vector<OcrWord> words;
  // Baseline of the line as y = baseline_y0 + slope * (x - box.left), page pixels.
  double baseline_y0 = 0;
  double baseline_slope = 0;
  int font_size_px = 0;  // x-height-derived estimate used to size the text layer
};

struct OcrText {
  std::vector<OcrLine> lines;
  float mean_confidence = 0;  // 0..100 over all words, 0 when none

  [[nodiscard]] std::string plain_text() const;  // lines joined with '\n', words with ' '
  [[nodiscard]] std::size_t word_count() const;
};

// The clean-up decisions the pipeline took for a page.
struct PageGeometry {
  int rotation = 0;           // clockwise degrees applied to make it upright: 0/90/180/270
  double deskew_degrees = 0;  // counter-clockwise degrees applied after the rotation
  bool blank = false;
};

}  // namespace sohoa
