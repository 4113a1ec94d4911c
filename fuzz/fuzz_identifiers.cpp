// Parsers of outside data in understanding/: QR payloads (receipt dossier code,
// ID-card payload), the MRZ read by OCR, and the identifiers inside them.
// Any input must parse or be refused without crashing; a parsed dossier code
// must print back to something that parses to the same code.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "sohoa/core/identifiers.hpp"
#include "sohoa/understanding/id_card.hpp"
#include "sohoa/understanding/mrz.hpp"
#include "sohoa/understanding/text_match.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  using namespace sohoa;
  if (auto code = parse_dossier_code(text)) {
    auto again = parse_dossier_code(code->text());
    if (!again || again->text() != code->text()) std::abort();
  }
  (void)is_procedure_code(text);
  (void)parse_personal_id(text);
  if (auto date = parse_civil_date(text)) {
    if (!date->valid()) std::abort();
  }
  (void)understanding::parse_id_card_qr(text);

  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start <= text.size() && lines.size() < 64) {
    const std::size_t end = text.find('\n', start);
    lines.emplace_back(
        text.substr(start, end == std::string_view::npos ? text.size() - start : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  if (lines.size() >= 3) {
    if (auto mrz = understanding::parse_mrz({lines[0], lines[1], lines[2]})) {
      for (const auto& line : mrz->lines) {
        if (line.size() != 30) std::abort();
      }
    }
  }
  (void)understanding::find_mrz(lines);
  const std::string folded = understanding::fold(text);
  if (!lines.empty() && lines[0].size() < 64) {
    (void)understanding::fuzzy_find(folded, understanding::fold(lines[0]), 3);
  }
  return 0;
}
