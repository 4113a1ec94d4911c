#pragma once
// The identifiers of one-stop desk work, parsed and checked for structure only.
// Lists that change with regulations (province codes, unit codes) are dated
// configuration and are checked by the caller against it, not here.

#include <optional>
#include <string>
#include <string_view>

namespace sohoa {

// Mã hồ sơ (TT 03/2025/TT-VPCP): `<agency>-<YYMMDD>-<NNNN>`, e.g.
// `000.00.00.H49-250115-0001`; a result document adds `-KQ<n>`.
struct DossierCode {
  std::string agency;  // receiving unit code V1V2V3.Z1Z2.Y1Y2.MX1X2
  int year = 0;        // full year of receipt, e.g. 2025
  int month = 0;
  int day = 0;
  int sequence = 0;                        // the unit's counter of that day
  int result_number = 0;                   // n of `-KQn`; 0 for the dossier itself
  [[nodiscard]] std::string text() const;  // canonical form
};

// nullopt unless `text` (surrounding spaces ignored) is exactly a dossier code
// with a real calendar date.
std::optional<DossierCode> parse_dossier_code(std::string_view text);

// Mã thủ tục hành chính `d.dddddd`, e.g. 1.001193.
bool is_procedure_code(std::string_view text);

// Số định danh cá nhân: province (3) + century/sex digit + year of birth (2) + 6.
struct PersonalId {
  std::string digits;         // the 12 digits
  std::string province_code;  // first three digits, e.g. "001" Hà Nội
  int century_sex_digit = 0;  // 0/1: 1900s male/female, 2/3: 2000s, 4/5: 2100s ...
  int birth_year = 0;         // full year from the century digit and the two year digits
  bool female = false;
};

// nullopt unless exactly 12 ASCII digits.
std::optional<PersonalId> parse_personal_id(std::string_view text);

// A calendar date; `valid()` rejects 31/02 and the like.
struct CivilDate {
  int year = 0;
  int month = 0;
  int day = 0;
  [[nodiscard]] bool valid() const;
  [[nodiscard]] std::string dd_mm_yyyy() const;  // "16/08/1974"
  friend bool operator==(const CivilDate&, const CivilDate&) = default;
};

// "16/08/1974", "16-08-1974", "16.08.1974" or "16081974" (ID-card QR form).
std::optional<CivilDate> parse_civil_date(std::string_view text);

}  // namespace sohoa
