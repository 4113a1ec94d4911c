#include "sohoa/understanding/text_match.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace sohoa::understanding {

namespace {

// Decodes one UTF-8 code point at `i` (advancing it); malformed bytes yield 0xFFFD.
char32_t next_code_point(std::string_view s, std::size_t& i) {
  const auto byte = [&](std::size_t k) { return static_cast<std::uint8_t>(s[k]); };
  const std::uint8_t lead = byte(i);
  int length = lead < 0x80         ? 1
               : (lead >> 5) == 6  ? 2
               : (lead >> 4) == 14 ? 3
               : (lead >> 3) == 30 ? 4
                                   : 0;
  if (length == 0 || i + static_cast<std::size_t>(length) > s.size()) {
    ++i;
    return 0xFFFD;
  }
  char32_t cp = length == 1 ? lead : lead & (0x7F >> length);
  for (int k = 1; k < length; ++k) {
    const std::uint8_t b = byte(i + static_cast<std::size_t>(k));
    if ((b >> 6) != 2) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  i += static_cast<std::size_t>(length);
  return cp;
}

// Base letter of a precomposed Latin letter, 0 when it has none we know.
char base_letter(char32_t cp) {
  if (cp < 0x80) {
    const char c = static_cast<char>(cp);
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  // Latin-1 Supplement, upper and lower halves share one table.
  if (cp == 0xFF) return 'y';
  if (cp >= 0xC0 && cp <= 0xFF && cp != 0xD7 && cp != 0xF7) {
    static constexpr char kLatin1[] = "aaaaaaaceeeeiiiidnooooo_ouuuuyts";
    const char c = kLatin1[(cp - 0xC0) % 32];
    return c == '_' ? 0 : c;
  }
  switch (cp) {
    case 0x102:
    case 0x103:
      return 'a';  // Ă ă
    case 0x110:
    case 0x111:
      return 'd';  // Đ đ
    case 0x128:
    case 0x129:
      return 'i';  // Ĩ ĩ
    case 0x168:
    case 0x169:
      return 'u';  // Ũ ũ
    case 0x1A0:
    case 0x1A1:
      return 'o';  // Ơ ơ
    case 0x1AF:
    case 0x1B0:
      return 'u';  // Ư ư
    default:
      break;
  }
  // Latin Extended Additional: the Vietnamese letters with tone marks, in blocks.
  if (cp >= 0x1EA0 && cp <= 0x1EB7) return 'a';
  if (cp >= 0x1EB8 && cp <= 0x1EC7) return 'e';
  if (cp >= 0x1EC8 && cp <= 0x1ECB) return 'i';
  if (cp >= 0x1ECC && cp <= 0x1EE3) return 'o';
  if (cp >= 0x1EE4 && cp <= 0x1EF1) return 'u';
  if (cp >= 0x1EF2 && cp <= 0x1EF9) return 'y';
  if (cp == 0x2013 || cp == 0x2014) return '-';
  if (cp == 0x201C || cp == 0x201D) return '"';
  if (cp == 0x2018 || cp == 0x2019) return '\'';
  return 0;
}

}  // namespace

std::string fold(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  bool pending_space = false;
  std::size_t i = 0;
  while (i < utf8.size()) {
    const char32_t cp = next_code_point(utf8, i);
    if (cp >= 0x300 && cp <= 0x36F) continue;  // combining marks of NFD text
    const bool space = cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f' ||
                       cp == 0xA0 || cp == 0x2009;
    if (space) {
      pending_space = !out.empty();
      continue;
    }
    const char c = base_letter(cp);
    if (c == 0 || static_cast<unsigned char>(c) < 0x20) continue;
    if (pending_space) out += ' ';
    pending_space = false;
    out += c;
  }
  return out;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0U : 1U)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

FuzzyHit fuzzy_find(std::string_view text, std::string_view pattern, std::size_t max_distance) {
  FuzzyHit best;
  if (pattern.empty()) return best;
  const std::size_t m = pattern.size();
  // cost[i]: edits to match pattern[0, i) ending at the current text position;
  // start[i]: where that match begins in the text.
  std::vector<std::size_t> cost(m + 1), start(m + 1);
  for (std::size_t i = 0; i <= m; ++i) {
    cost[i] = i;
    start[i] = 0;
  }
  std::size_t best_distance = max_distance + 1;
  for (std::size_t j = 1; j <= text.size(); ++j) {
    std::size_t diagonal_cost = cost[0];
    std::size_t diagonal_start = start[0];
    cost[0] = 0;  // a match may begin anywhere
    start[0] = j;
    for (std::size_t i = 1; i <= m; ++i) {
      const std::size_t above_cost = cost[i];
      const std::size_t above_start = start[i];
      std::size_t c = diagonal_cost + (pattern[i - 1] == text[j - 1] ? 0U : 1U);
      std::size_t s = diagonal_start;
      if (cost[i] + 1 < c) {  // skip a text character
        c = cost[i] + 1;
        s = start[i];
      }
      if (cost[i - 1] + 1 < c) {  // skip a pattern character
        c = cost[i - 1] + 1;
        s = start[i - 1];
      }
      cost[i] = c;
      start[i] = s;
      diagonal_cost = above_cost;
      diagonal_start = above_start;
    }
    if (cost[m] < best_distance) {
      best_distance = cost[m];
      best = {start[m], j, cost[m]};
    }
  }
  return best;
}

std::size_t tolerated_edits(std::size_t pattern_length) {
  return pattern_length < 4 ? 0 : std::max<std::size_t>(1, pattern_length / 7);
}

double similarity(std::string_view a, std::string_view b) {
  const std::size_t longer = std::max(a.size(), b.size());
  if (longer == 0) return 1.0;
  return 1.0 - static_cast<double>(edit_distance(a, b)) / static_cast<double>(longer);
}

}  // namespace sohoa::understanding
