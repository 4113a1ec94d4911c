#pragma once
// Accent-insensitive Vietnamese search: page text and queries are both folded the
// same way before they reach the full-text index, so "Nguyễn Văn Đức", "NGUYEN VAN
// DUC" and a decomposed (NFD) "Nguyễn" all meet as "nguyen van duc".
//
// Folding = decompose (NFD) -> drop combining marks -> đ/Đ -> d -> lowercase. The
// decompositions come from a compact table of the Latin blocks Vietnamese uses
// (Latin-1 Supplement, Latin Extended-A/B, Latin Extended Additional); other
// characters pass through unchanged. Each folded letter keeps its position among
// the words, so token i of the folded text is token i of the original.

#include <string>
#include <string_view>
#include <vector>

namespace sohoa::storage {

// The folded form of UTF-8 `text` (invalid bytes become spaces).
std::string fold_for_search(std::string_view text);

// The words of folded text: runs of ASCII letters and digits (and any non-ASCII
// character folding left alone); everything else separates.
std::vector<std::string> search_words(std::string_view folded);

}  // namespace sohoa::storage
