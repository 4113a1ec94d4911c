#include "sohoa/understanding/id_card.hpp"

#include <vector>

namespace sohoa::understanding {

std::optional<IdCardQr> parse_id_card_qr(std::string_view payload) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (parts.size() < 16) {
    const std::size_t bar = payload.find('|', start);
    parts.push_back(payload.substr(start, bar == std::string_view::npos ? bar : bar - start));
    if (bar == std::string_view::npos) break;
    start = bar + 1;
  }
  if (parts.size() != 7) return std::nullopt;
  auto id = parse_personal_id(parts[0]);
  auto birth = parse_civil_date(parts[3]);
  if (!id || !birth || parts[2].empty()) return std::nullopt;
  if (!parts[1].empty() && (parts[1].size() != 9 && parts[1].size() != 12)) return std::nullopt;
  IdCardQr card;
  card.personal_id = id->digits;
  card.old_id = std::string(parts[1]);
  card.name = std::string(parts[2]);
  card.birth = *birth;
  card.sex = std::string(parts[4]);
  card.address = std::string(parts[5]);
  card.issued = parse_civil_date(parts[6]);
  return card;
}

}  // namespace sohoa::understanding
