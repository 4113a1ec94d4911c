#pragma once
// A page's recognised lines prepared for matching: each line's words in their
// original spelling, folded, and with their boxes.

#include <string>
#include <vector>

#include "sohoa/core/page.hpp"

namespace sohoa::understanding::detail {

struct TextLine {
  const OcrLine* source = nullptr;
  std::vector<std::string> words;         // original UTF-8
  std::vector<std::string> folded_words;  // folded, one per word
  std::vector<std::size_t> word_begin;    // offset of each folded word in `folded`
  std::string folded;                     // folded words joined by ' '
  std::string text;                       // original words joined by ' '
  double top_fraction = 0;                // line top / page height
  int word_height = 0;                    // median word box height, px
};

struct PageText {
  std::vector<TextLine> lines;
  int page_height = 0;
  int dpi = 300;
};

PageText prepare_page_text(const OcrText& text, int page_height, int dpi);

// Index of the word holding folded offset `at` (the word starting at or after it
// when `at` falls on a space); words.size() when past the end.
std::size_t word_at(const TextLine& line, std::size_t at);

// True when the first letter of a UTF-8 word is an upper-case (Vietnamese) letter.
bool starts_upper(std::string_view word);
// Share of upper-case letters among the letters of `text`.
double upper_share(std::string_view text);

}  // namespace sohoa::understanding::detail
