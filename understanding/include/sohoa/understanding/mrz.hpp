#pragma once
// The machine-readable zone on the back of the citizen ID card: ICAO 9303 TD1,
// three lines of 30 characters with check digits (weights 7-3-1).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sohoa/core/identifiers.hpp"

namespace sohoa::understanding {

struct Mrz {
  std::string document_number;  // 9 characters (the last nine digits of the personal ID)
  std::string optional_data;    // line 1 positions 16-30; Vietnamese cards: the 12-digit ID
  std::string personal_id;      // 12 digits found in optional_data, else empty
  std::optional<CivilDate> birth;
  char sex = '<';  // 'M', 'F' or '<'
  std::optional<CivilDate> expiry;
  std::string nationality;                 // "VNM"
  std::string name;                        // "NGO VAN TRUNG" (surname first, separators as spaces)
  std::vector<std::string> failed_checks;  // "document_number", "birth", "expiry", "composite"
  std::vector<std::string> unreadable_checks;  // check digit not read as a digit (OCR)
  [[nodiscard]] bool checks_ok() const { return failed_checks.empty(); }
  std::vector<std::string> lines;  // the three lines as parsed (30 characters each)
};

// ICAO check digit of `field` ('<' = 0, A = 10 ...); -1 on a character outside the MRZ set.
int mrz_check_digit(std::string_view field);

// Parses three TD1 lines. Tolerates what OCR does to them: spaces, lower case,
// runs of '<' read too short or too long, and letters read in digit positions
// (O->0, I->1, ...); where a line has a character too many or fillers read as
// letters, the reading whose check digits hold is taken (the check digits are
// the arbiter, never a guess). nullopt when the text is not a TD1 zone at all;
// check-digit failures are reported in `failed_checks`, not by refusing.
std::optional<Mrz> parse_mrz(const std::vector<std::string>& lines);

// Finds a TD1 zone among the lines of a page's text (any three consecutive
// MRZ-looking lines, line 1 starting with "I").
std::optional<Mrz> find_mrz(const std::vector<std::string>& page_lines);

}  // namespace sohoa::understanding
