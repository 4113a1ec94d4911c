#pragma once
// Accent-insensitive, typo-tolerant text matching for Vietnamese OCR output.
// Folding maps every Vietnamese letter to its base ASCII letter (NFD with the
// marks dropped, đ -> d), lowercases, and turns runs of spaces into one space,
// so "Số định danh" and "SO DINH DANH" compare equal.

#include <cstddef>
#include <string>
#include <string_view>

namespace sohoa::understanding {

// Folded form of UTF-8 text: ASCII lowercase letters, digits, punctuation kept,
// other code points dropped, whitespace runs collapsed, trimmed.
std::string fold(std::string_view utf8);

// Levenshtein distance of two byte strings.
std::size_t edit_distance(std::string_view a, std::string_view b);

struct FuzzyHit {
  std::size_t begin = 0;  // byte offsets of the best match in the text
  std::size_t end = 0;
  std::size_t distance = 0;  // edits between the pattern and text[begin, end)
  [[nodiscard]] bool found() const { return end > begin; }
};

// The substring of `text` closest to `pattern` (Sellers' approximate matching),
// if it needs at most `max_distance` edits. Both are expected folded.
FuzzyHit fuzzy_find(std::string_view text, std::string_view pattern, std::size_t max_distance);

// The edits a pattern of this length tolerates: about one in seven characters.
std::size_t tolerated_edits(std::size_t pattern_length);

// 1 - distance / length of the longer, in 0..1.
double similarity(std::string_view a, std::string_view b);

}  // namespace sohoa::understanding
