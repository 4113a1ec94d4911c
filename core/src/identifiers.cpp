#include "sohoa/core/identifiers.hpp"

#include <cctype>
#include <cstdio>

namespace sohoa {

namespace {

bool all_digits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (std::isdigit(static_cast<unsigned char>(c)) == 0) return false;
  }
  return true;
}

int to_int(std::string_view digits) {
  int value = 0;
  for (char c : digits) value = value * 10 + (c - '0');
  return value;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())) != 0) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0) {
    text.remove_suffix(1);
  }
  return text;
}

bool is_code_char(char c) {
  return std::isdigit(static_cast<unsigned char>(c)) != 0 || (c >= 'A' && c <= 'Z');
}

// V1V2V3.Z1Z2.Y1Y2.MX1X2: four dot-separated groups of 3, 2, 2 and 3 characters
// (digits or capitals); the last group starts with a letter (H.., G.., ...).
bool is_agency_code(std::string_view text) {
  constexpr std::size_t kGroups[] = {3, 2, 2, 3};
  std::size_t at = 0;
  for (std::size_t g = 0; g < 4; ++g) {
    if (g > 0) {
      if (at >= text.size() || text[at] != '.') return false;
      ++at;
    }
    if (text.size() < at + kGroups[g]) return false;
    for (std::size_t i = 0; i < kGroups[g]; ++i) {
      if (!is_code_char(text[at + i])) return false;
    }
    if (g == 3 && !(text[at] >= 'A' && text[at] <= 'Z')) return false;
    at += kGroups[g];
  }
  return at == text.size();
}

}  // namespace

bool CivilDate::valid() const {
  if (year < 1800 || year > 2200 || month < 1 || month > 12 || day < 1) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  const int last = kDays[month - 1] + (month == 2 && leap ? 1 : 0);
  return day <= last;
}

std::string CivilDate::dd_mm_yyyy() const {
  char out[16];
  std::snprintf(out, sizeof out, "%02d/%02d/%04d", day % 100, month % 100, year % 10000);
  return out;
}

std::optional<CivilDate> parse_civil_date(std::string_view text) {
  text = trim(text);
  CivilDate date;
  if (text.size() == 8 && all_digits(text)) {
    date = {to_int(text.substr(4, 4)), to_int(text.substr(2, 2)), to_int(text.substr(0, 2))};
  } else if (text.size() == 10 && (text[2] == '/' || text[2] == '-' || text[2] == '.') &&
             text[5] == text[2] && all_digits(text.substr(0, 2)) && all_digits(text.substr(3, 2)) &&
             all_digits(text.substr(6, 4))) {
    date = {to_int(text.substr(6, 4)), to_int(text.substr(3, 2)), to_int(text.substr(0, 2))};
  } else {
    return std::nullopt;
  }
  if (!date.valid()) return std::nullopt;
  return date;
}

std::string DossierCode::text() const {
  char tail[48];
  std::snprintf(tail, sizeof tail, "-%02d%02d%02d-%04d", year % 100, month % 100, day % 100,
                sequence % 100000);
  std::string out = agency + tail;
  if (result_number > 0) out += "-KQ" + std::to_string(result_number);
  return out;
}

std::optional<DossierCode> parse_dossier_code(std::string_view text) {
  text = trim(text);
  DossierCode code;
  // Optional result suffix `-KQ<n>`.
  if (auto kq = text.rfind("-KQ"); kq != std::string_view::npos) {
    std::string_view number = text.substr(kq + 3);
    if (!all_digits(number) || number.size() > 3 || to_int(number) == 0) return std::nullopt;
    code.result_number = to_int(number);
    text = text.substr(0, kq);
  }
  const auto last_dash = text.rfind('-');
  if (last_dash == std::string_view::npos || last_dash == 0) return std::nullopt;
  const auto date_dash = text.rfind('-', last_dash - 1);
  if (date_dash == std::string_view::npos) return std::nullopt;
  const std::string_view agency = text.substr(0, date_dash);
  const std::string_view date = text.substr(date_dash + 1, last_dash - date_dash - 1);
  const std::string_view sequence = text.substr(last_dash + 1);
  if (!is_agency_code(agency) || date.size() != 6 || !all_digits(date)) return std::nullopt;
  if (sequence.size() < 4 || sequence.size() > 5 || !all_digits(sequence)) return std::nullopt;
  code.agency = std::string(agency);
  code.year = 2000 + to_int(date.substr(0, 2));
  code.month = to_int(date.substr(2, 2));
  code.day = to_int(date.substr(4, 2));
  code.sequence = to_int(sequence);
  if (!CivilDate{code.year, code.month, code.day}.valid()) return std::nullopt;
  return code;
}

bool is_procedure_code(std::string_view text) {
  text = trim(text);
  return text.size() == 8 && text[1] == '.' && all_digits(text.substr(0, 1)) &&
         all_digits(text.substr(2));
}

std::optional<PersonalId> parse_personal_id(std::string_view text) {
  text = trim(text);
  if (text.size() != 12 || !all_digits(text)) return std::nullopt;
  PersonalId id;
  id.digits = std::string(text);
  id.province_code = id.digits.substr(0, 3);
  id.century_sex_digit = text[3] - '0';
  id.female = id.century_sex_digit % 2 == 1;
  id.birth_year = 1900 + 100 * (id.century_sex_digit / 2) + to_int(text.substr(4, 2));
  return id;
}

}  // namespace sohoa
