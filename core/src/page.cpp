#include "sohoa/core/page.hpp"

namespace sohoa {

std::string OcrText::plain_text() const {
  std::string out;
  for (const auto& line : lines) {
    if (line.words.empty()) continue;
    if (!out.empty()) out += '\n';
    bool first = true;
    for (const auto& word : line.words) {
      if (!first) out += ' ';
      out += word.text;
      first = false;
    }
  }
  return out;
}

std::size_t OcrText::word_count() const {
  std::size_t n = 0;
  for (const auto& line : lines) n += line.words.size();
  return n;
}

}  // namespace sohoa
