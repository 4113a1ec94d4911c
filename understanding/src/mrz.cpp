#include "sohoa/understanding/mrz.hpp"

#include <algorithm>
#include <cctype>

namespace sohoa::understanding {

namespace {

constexpr std::size_t kLine = 30;

// Upper case, no spaces, '«' (a common OCR reading of "<<") expanded.
std::string clean_line(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0xAB) {
      out += "<<";
      ++i;
    } else if (c >= 'a' && c <= 'z') {
      // The zone has no lower case: OCR reads the thin '<' fillers as c, e, k...
      out += '<';
    } else if (std::isalnum(c) != 0 && c < 0x80) {
      out += static_cast<char>(c);
    } else if (c == '<') {
      out += '<';
    }
  }
  return out;
}

bool mrz_like(const std::string& line) {
  if (line.size() < 20 || line.size() > 44) return false;
  return std::count(line.begin(), line.end(), '<') >= 2;
}

// Letters OCR reads in place of digits.
char as_digit(char c) {
  switch (c) {
    case 'O':
    case 'Q':
    case 'D':
    case 'U':
      return '0';
    case 'I':
    case 'L':
    case 'T':
      return '1';
    case 'Z':
      return '2';
    case 'S':
      return '5';
    case 'G':
      return '6';
    case 'B':
      return '8';
    default:
      return c;
  }
}

void digits_at(std::string& line, std::size_t from, std::size_t count) {
  for (std::size_t i = from; i < from + count && i < line.size(); ++i) line[i] = as_digit(line[i]);
}

// Fits a line to 30 characters by growing or shrinking its longest run of '<'
// (OCR miscounts fillers) or padding/cutting at the end.
std::string fit(std::string line, bool keep_last) {
  if (line.size() == kLine) return line;
  std::size_t best_at = std::string::npos;
  std::size_t best_len = 0;
  for (std::size_t i = 0; i < line.size();) {
    if (line[i] != '<') {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < line.size() && line[j] == '<') ++j;
    const bool usable = !keep_last || j < line.size();
    if (usable && j - i > best_len) {
      best_len = j - i;
      best_at = i;
    }
    i = j;
  }
  if (best_at != std::string::npos) {
    if (line.size() < kLine) {
      line.insert(best_at, kLine - line.size(), '<');
    } else {
      const std::size_t extra = std::min(line.size() - kLine, best_len);
      line.erase(best_at, extra);
    }
  }
  if (line.size() < kLine) line.append(kLine - line.size(), '<');
  if (line.size() > kLine) line.resize(kLine);
  return line;
}

std::optional<CivilDate> mrz_date(std::string_view yymmdd, int century_hint) {
  for (char c : yymmdd) {
    if (std::isdigit(static_cast<unsigned char>(c)) == 0) return std::nullopt;
  }
  const int yy = (yymmdd[0] - '0') * 10 + (yymmdd[1] - '0');
  CivilDate date{century_hint + yy, (yymmdd[2] - '0') * 10 + (yymmdd[3] - '0'),
                 (yymmdd[4] - '0') * 10 + (yymmdd[5] - '0')};
  if (!date.valid()) return std::nullopt;
  return date;
}

bool check(std::string_view field, char digit) {
  const int expected = mrz_check_digit(field);
  return expected >= 0 && digit == static_cast<char>('0' + expected);
}

}  // namespace

int mrz_check_digit(std::string_view field) {
  static constexpr int kWeights[] = {7, 3, 1};
  int sum = 0;
  for (std::size_t i = 0; i < field.size(); ++i) {
    const char c = field[i];
    int value = 0;
    if (c >= '0' && c <= '9') {
      value = c - '0';
    } else if (c >= 'A' && c <= 'Z') {
      value = c - 'A' + 10;
    } else if (c != '<') {
      return -1;
    }
    sum += value * kWeights[i % 3];
  }
  return sum % 10;
}

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Digits OCR has been seen to read as this character.
std::string confusable_digits(char c) {
  switch (c) {
    case 'O':
    case 'D':
    case 'U':
      return "0";
    case 'Q':
      return "09";
    case 'I':
    case 'L':
    case 'T':
      return "1";
    case 'Z':
      return "2";
    case 'A':
      return "4";
    case 'S':
      return "5";
    case 'G':
      return "6";
    case 'B':
      return "8";
    case 'g':
      return "9";
    default:
      return "";
  }
}

// Decodes fitted lines (30 characters each) and evaluates the check digits.
Mrz decode(std::string l1, std::string l2, const std::string& l3) {
  // Check digits as read, before letters are turned into digits.
  const char raw_checks[] = {l1[14], l2[6], l2[14], l2[29]};
  digits_at(l1, 14, 1);
  digits_at(l2, 0, 7);
  digits_at(l2, 8, 7);
  digits_at(l2, 29, 1);
  // The document number and the personal ID are digits on Vietnamese cards.
  std::string number = l1.substr(5, 9);
  std::transform(number.begin(), number.end(), number.begin(), as_digit);
  if (std::all_of(number.begin(), number.end(), is_digit)) l1.replace(5, 9, number);
  std::string id = l1.substr(15, 12);
  std::transform(id.begin(), id.end(), id.begin(), as_digit);
  const bool has_id = std::all_of(id.begin(), id.end(), is_digit);
  if (has_id) l1.replace(15, 12, id);

  Mrz mrz;
  mrz.lines = {l1, l2, l3};
  mrz.document_number = l1.substr(5, 9);
  mrz.optional_data = l1.substr(15, 15);
  if (has_id) mrz.personal_id = id;
  int century = 1900;
  if (has_id) century = 1900 + 100 * ((id[3] - '0') / 2);
  mrz.birth = mrz_date(l2.substr(0, 6), century);
  mrz.sex = l2[7] == 'M' || l2[7] == 'F' ? l2[7] : '<';
  const int expiry_yy = is_digit(l2[8]) && is_digit(l2[9]) ? (l2[8] - '0') * 10 + (l2[9] - '0') : 0;
  mrz.expiry = mrz_date(l2.substr(8, 6), expiry_yy >= 70 ? 1900 : 2000);
  mrz.nationality = l2.substr(15, 3);
  // Name: SURNAME<<GIVEN<NAMES, then fillers; a second "<<" ends it.
  std::string name;
  const std::size_t split = l3.find("<<");
  const std::size_t end = split == std::string::npos ? std::string::npos : l3.find("<<", split + 2);
  for (char c : l3.substr(0, end)) {
    if (c == '<') {
      if (!name.empty() && name.back() != ' ') name += ' ';
    } else if (c >= 'A' && c <= 'Z') {
      name += c;
    }
  }
  while (!name.empty() && name.back() == ' ') name.pop_back();
  mrz.name = name;

  // A digit that does not verify is a wrong check digit; a letter where the
  // digit should be is a misreading, accepted only as a digit that verifies.
  auto verify = [&mrz](const char* what, const std::string& field, char raw) {
    if (is_digit(raw)) {
      if (!check(field, raw)) mrz.failed_checks.emplace_back(what);
      return;
    }
    const std::string candidates = confusable_digits(raw);
    if (std::none_of(candidates.begin(), candidates.end(),
                     [&](char digit) { return check(field, digit); })) {
      mrz.unreadable_checks.emplace_back(what);
    }
  };
  verify("document_number", l1.substr(5, 9), raw_checks[0]);
  verify("birth", l2.substr(0, 6), raw_checks[1]);
  verify("expiry", l2.substr(8, 6), raw_checks[2]);
  verify("composite", l1.substr(5, 25) + l2.substr(0, 7) + l2.substr(8, 7) + l2.substr(18, 11),
         raw_checks[3]);
  return mrz;
}

std::string fillers_from(std::string line, std::size_t from, std::size_t to) {
  for (std::size_t i = from; i < to && i < line.size(); ++i) {
    if (line[i] >= 'A' && line[i] <= 'Z') line[i] = '<';
  }
  return line;
}

}  // namespace

std::optional<Mrz> parse_mrz(const std::vector<std::string>& raw_lines) {
  if (raw_lines.size() != 3) return std::nullopt;
  std::string l1 = clean_line(raw_lines[0]);
  std::string l2 = clean_line(raw_lines[1]);
  std::string l3 = clean_line(raw_lines[2]);
  if (l1.size() < 15 || l2.size() < 19 || l3.empty() || l1.size() > 40 || l2.size() > 40) {
    return std::nullopt;
  }
  // Line 1 of an ID card starts with I (ID, IC...); OCR reads it as T or 1 at times.
  if (l1[0] == 'T' || l1[0] == '1' || l1[0] == 'L') l1[0] = 'I';
  if (l1[0] != 'I') return std::nullopt;

  // Readings to try, most literal first.
  std::vector<std::string> line1 = {fit(l1, false)};
  if (l1.size() > kLine && l1.size() <= kLine + 2) {
    for (std::size_t i = 5; i < l1.size(); ++i) {
      std::string shorter = l1;
      shorter.erase(i, 1);
      line1.push_back(fit(shorter, false));
    }
  }
  const std::size_t base1 = line1.size();
  for (std::size_t i = 0; i < base1; ++i) line1.push_back(fillers_from(line1[i], 27, 30));
  const std::string fitted2 = fit(l2, true);
  const std::vector<std::string> line2 = {fitted2, fillers_from(fitted2, 18, 29)};
  const std::string line3 = fit(l3, false);

  // Vietnamese cards repeat the document number as the last nine digits of the
  // personal ID: a reading where they disagree is penalised, so a repair that
  // happens to satisfy the check digits by chance is not taken.
  auto cost = [](const Mrz& m) {
    const bool agrees = m.personal_id.empty() || m.personal_id.substr(3) == m.document_number;
    return m.failed_checks.size() + m.unreadable_checks.size() + (agrees ? 0U : 2U);
  };
  std::optional<Mrz> best;
  for (const auto& a : line1) {
    for (const auto& b : line2) {
      Mrz candidate = decode(a, b, line3);
      if (!best || cost(candidate) < cost(*best)) best = std::move(candidate);
      if (cost(*best) == 0) return best;
    }
  }
  return best;
}

std::optional<Mrz> find_mrz(const std::vector<std::string>& page_lines) {
  std::vector<std::string> cleaned;
  cleaned.reserve(page_lines.size());
  for (const auto& line : page_lines) cleaned.push_back(clean_line(line));
  for (std::size_t i = 0; i + 2 < cleaned.size(); ++i) {
    if (!mrz_like(cleaned[i]) || !mrz_like(cleaned[i + 1]) || cleaned[i + 2].size() < 5) continue;
    if (auto mrz = parse_mrz({page_lines[i], page_lines[i + 1], page_lines[i + 2]})) return mrz;
  }
  return std::nullopt;
}

}  // namespace sohoa::understanding
