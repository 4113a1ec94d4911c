#pragma once
// Recognised text for tests, laid out like a scanned page: one line per string,
// words at a fixed advance, and a wide gap wherever the string has two or more
// spaces in a row (a new cell or a second label on the line).

#include <string>
#include <vector>

#include "sohoa/core/page.hpp"

namespace sohoa::test {

// `word_height_px`: 50 is form text at 300 dpi (about 13 pt), 30 an ID card copy's.
OcrText layout_text(const std::vector<std::string>& lines, int word_height_px = 50);

// Splits a text into lines.
std::vector<std::string> split_lines(const std::string& text);

}  // namespace sohoa::test
