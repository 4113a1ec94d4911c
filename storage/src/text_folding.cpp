// Our own folding for Vietnamese search (no ICU): a table maps each precomposed
// Latin letter to its lowercase ASCII base; combining marks are dropped.
#include "sohoa/storage/text_folding.hpp"

#include <cstdint>
#include <utility>

namespace sohoa::storage {

namespace {

// Base letter of U+00C0..U+024F ('.' = no ASCII base, kept as is). Generated
// from the Unicode canonical decompositions; U+0110/U+0111 (Đ/đ) have none in
// Unicode but fold to d for Vietnamese readers.
constexpr std::string_view kLatinExtended =
    "aaaaaa.ceeeeiiii.nooooo..uuuuy..aaaaaa.ceeeeiiii.nooooo..uuuuy.y"
    "aaaaaaccccccccddddeeeeeeeeeegggggggghh..iiiiiiiii...jjkk.llllll."
    "...nnnnnn...oooooo..rrrrrrsssssssstttt..uuuuuuuuuuuuwwyyyzzzzzz."
    "................................oo.............uu..............."
    ".............aaiioouuuuuuuuuu.aaaa....ggkkoooo..j...gg..nnaa...."
    "aaaaeeeeiiiioooorrrruuuusstt..hh......aaeeooooooooyy............"
    "................";
// U+1E00..U+1EFF, Latin Extended Additional (most Vietnamese letters with tones).
constexpr std::string_view kLatinExtendedAdditional =
    "aabbbbbbccddddddddddeeeeeeeeeeffgghhhhhhhhhhiiiikkkkkkllllllllmm"
    "mmmmnnnnnnnnoooooooopppprrrrrrrrssssssssssttttttttuuuuuuuuuuvvvv"
    "wwwwwwwwwwxxxxyyzzzzzzhtwy......aaaaaaaaaaaaaaaaaaaaaaaaeeeeeeee"
    "eeeeeeeeiiiioooooooooooooooooooooooouuuuuuuuuuuuuuyyyyyyyy......";

// Decodes one UTF-8 sequence at `text[i]`; returns the code point and advances
// `i`, or -1 (advancing one byte) for an invalid sequence.
std::int32_t decode(std::string_view text, std::size_t& i) {
  const auto lead = static_cast<unsigned char>(text[i]);
  int length = 0;
  std::int32_t code_point = 0;
  if (lead < 0x80) {
    ++i;
    return lead;
  }
  if ((lead & 0xE0) == 0xC0) {
    length = 2;
    code_point = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3;
    code_point = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4;
    code_point = lead & 0x07;
  } else {
    ++i;
    return -1;
  }
  if (i + static_cast<std::size_t>(length) > text.size()) {
    ++i;
    return -1;
  }
  for (int k = 1; k < length; ++k) {
    const auto next = static_cast<unsigned char>(text[i + static_cast<std::size_t>(k)]);
    if ((next & 0xC0) != 0x80) {
      ++i;
      return -1;
    }
    code_point = (code_point << 6) | (next & 0x3F);
  }
  i += static_cast<std::size_t>(length);
  return code_point;
}

bool is_combining_mark(std::int32_t code_point) {
  return (code_point >= 0x0300 && code_point <= 0x036F) ||
         (code_point >= 0x1DC0 && code_point <= 0x1DFF);
}

char base_letter(std::int32_t code_point) {
  if (code_point >= 0xC0 && code_point < 0xC0 + static_cast<std::int32_t>(kLatinExtended.size())) {
    return kLatinExtended[static_cast<std::size_t>(code_point - 0xC0)];
  }
  if (code_point >= 0x1E00 && code_point <= 0x1EFF) {
    return kLatinExtendedAdditional[static_cast<std::size_t>(code_point - 0x1E00)];
  }
  return '.';
}

bool is_word_byte(unsigned char byte) {
  return (byte >= 'a' && byte <= 'z') || (byte >= '0' && byte <= '9') || byte >= 0x80;
}

}  // namespace

std::string fold_for_search(std::string_view text) {
  std::string folded;
  folded.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t start = i;
    const std::int32_t code_point = decode(text, i);
    if (code_point < 0) {
      folded.push_back(' ');
    } else if (code_point < 0x80) {
      const char ascii = static_cast<char>(code_point);
      folded.push_back(ascii >= 'A' && ascii <= 'Z' ? static_cast<char>(ascii - 'A' + 'a') : ascii);
    } else if (is_combining_mark(code_point)) {
      // NFD input: the base letter was already written; its marks go.
    } else if (const char base = base_letter(code_point); base != '.' && base != ' ') {
      folded.push_back(base);
    } else {
      folded.append(text.substr(start, i - start));
    }
  }
  return folded;
}

std::vector<std::string> search_words(std::string_view folded) {
  std::vector<std::string> words;
  std::string word;
  for (const char c : folded) {
    if (is_word_byte(static_cast<unsigned char>(c))) {
      word.push_back(c);
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

}  // namespace sohoa::storage
