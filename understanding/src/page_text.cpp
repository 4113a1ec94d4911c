#include "page_text.hpp"

#include <algorithm>
#include <cstdint>

#include "sohoa/understanding/text_match.hpp"

namespace sohoa::understanding::detail {

namespace {

char32_t first_code_point(std::string_view s, std::size_t& i) {
  const auto b0 = static_cast<std::uint8_t>(s[i]);
  if (b0 < 0x80) return s[i++];
  int length = (b0 >> 5) == 6 ? 2 : (b0 >> 4) == 14 ? 3 : (b0 >> 3) == 30 ? 4 : 1;
  if (i + static_cast<std::size_t>(length) > s.size() || length == 1) {
    ++i;
    return 0xFFFD;
  }
  char32_t cp = b0 & (0x7F >> length);
  for (int k = 1; k < length; ++k) cp = (cp << 6) | (static_cast<std::uint8_t>(s[i + k]) & 0x3F);
  i += static_cast<std::size_t>(length);
  return cp;
}

// +1 upper, -1 lower, 0 not a letter we know.
int letter_case(char32_t cp) {
  if (cp < 0x80) {
    if (cp >= 'A' && cp <= 'Z') return 1;
    if (cp >= 'a' && cp <= 'z') return -1;
    return 0;
  }
  if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) return 1;
  if (cp >= 0xDF && cp <= 0xFF && cp != 0xF7) return -1;
  if (cp >= 0x100 && cp <= 0x17F) return cp % 2 == 0 ? 1 : -1;
  if (cp == 0x1A0 || cp == 0x1AF) return 1;
  if (cp == 0x1A1 || cp == 0x1B0) return -1;
  if (cp >= 0x1EA0 && cp <= 0x1EF9) return cp % 2 == 0 ? 1 : -1;
  return 0;
}

}  // namespace

bool starts_upper(std::string_view word) {
  if (word.empty()) return false;
  std::size_t i = 0;
  return letter_case(first_code_point(word, i)) > 0;
}

double upper_share(std::string_view text) {
  int upper = 0;
  int letters = 0;
  for (std::size_t i = 0; i < text.size();) {
    const int c = letter_case(first_code_point(text, i));
    if (c != 0) ++letters;
    if (c > 0) ++upper;
  }
  return letters == 0 ? 0.0 : static_cast<double>(upper) / letters;
}

PageText prepare_page_text(const OcrText& text, int page_height, int dpi) {
  PageText page;
  page.dpi = dpi;
  page.page_height = page_height;
  if (page.page_height <= 0) {
    for (const auto& line : text.lines)
      page.page_height = std::max(page.page_height, line.box.bottom);
  }
  for (const auto& line : text.lines) {
    TextLine out;
    out.source = &line;
    std::vector<int> heights;
    for (const auto& word : line.words) {
      std::string folded = fold(word.text);
      if (!out.folded.empty()) out.folded += ' ';
      if (!out.text.empty()) out.text += ' ';
      out.word_begin.push_back(out.folded.size());
      out.folded += folded;
      out.text += word.text;
      out.words.push_back(word.text);
      out.folded_words.push_back(std::move(folded));
      heights.push_back(word.box.height());
    }
    if (out.words.empty()) continue;
    std::nth_element(heights.begin(), heights.begin() + static_cast<long>(heights.size() / 2),
                     heights.end());
    out.word_height = heights[heights.size() / 2];
    out.top_fraction =
        page.page_height > 0 ? static_cast<double>(line.box.top) / page.page_height : 0.0;
    page.lines.push_back(std::move(out));
  }
  return page;
}

std::size_t word_at(const TextLine& line, std::size_t at) {
  for (std::size_t i = 0; i < line.words.size(); ++i) {
    if (at < line.word_begin[i] + line.folded_words[i].size()) return i;
  }
  return line.words.size();
}

}  // namespace sohoa::understanding::detail
