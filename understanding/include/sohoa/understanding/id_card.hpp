#pragma once
// The QR code on the front of the chip-based citizen ID card (căn cước công dân):
// `ID|old 9-digit ID|full name|ddMMyyyy birth|Nam/Nữ|address|ddMMyyyy issued`.

#include <optional>
#include <string>
#include <string_view>

#include "sohoa/core/identifiers.hpp"

namespace sohoa::understanding {

struct IdCardQr {
  std::string personal_id;  // 12 digits
  std::string old_id;       // 9 digits or empty
  std::string name;         // as printed, UTF-8
  CivilDate birth;
  std::string sex;  // "Nam" or "Nữ"
  std::string address;
  std::optional<CivilDate> issued;
};

// nullopt unless the payload has the card's layout with a 12-digit ID and a valid birth date.
std::optional<IdCardQr> parse_id_card_qr(std::string_view payload);

}  // namespace sohoa::understanding
