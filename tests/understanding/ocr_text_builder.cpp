#include "ocr_text_builder.hpp"

#include <sstream>

namespace sohoa::test {

OcrText layout_text(const std::vector<std::string>& lines, int word_height_px) {
  constexpr int kLeft = 250;
  constexpr int kCharWidth = 22;
  constexpr int kSpace = 14;
  constexpr int kCellGap = 160;
  OcrText text;
  int y = 250;
  for (const auto& line : lines) {
    OcrLine out;
    int x = kLeft;
    std::size_t i = 0;
    bool wide = false;
    while (i < line.size()) {
      if (line[i] == ' ') {
        std::size_t run = 0;
        while (i < line.size() && line[i] == ' ') {
          ++run;
          ++i;
        }
        wide = run >= 2;
        continue;
      }
      std::size_t end = line.find(' ', i);
      if (end == std::string::npos) end = line.size();
      OcrWord word;
      word.text = line.substr(i, end - i);
      word.confidence = 90;
      if (!out.words.empty()) x += wide ? kCellGap : kSpace;
      // Count code points, not bytes, for the width.
      int chars = 0;
      for (char c : word.text) chars += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
      word.box = {x, y, x + chars * kCharWidth, y + word_height_px};
      x = word.box.right;
      out.words.push_back(word);
      wide = false;
      i = end;
    }
    if (!out.words.empty()) {
      out.box = {out.words.front().box.left, y, out.words.back().box.right, y + word_height_px};
      text.lines.push_back(out);
    }
    y += word_height_px * 3 / 2;
  }
  text.mean_confidence = 90;
  return text;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace sohoa::test
