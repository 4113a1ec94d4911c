// Names and codes shared by every Registry implementation.
#include "sohoa/storage/registry.hpp"

#include <array>
#include <cstdio>

namespace sohoa::storage {

namespace {
constexpr std::array<std::string_view, 5> kStatusNames = {"received", "digitised", "in-review",
                                                          "signed", "returned"};
}  // namespace

std::string_view to_string(Role role) {
  switch (role) {
    case Role::CounterStaff:
      return "counter-staff";
    case Role::Official:
      return "official";
    case Role::RecordsOfficer:
      return "records-officer";
    case Role::Auditor:
      return "auditor";
  }
  return "unknown";
}

std::string_view to_string(DossierStatus status) {
  return kStatusNames.at(static_cast<std::size_t>(status));
}

std::optional<DossierStatus> dossier_status_from_string(std::string_view name) {
  for (std::size_t i = 0; i < kStatusNames.size(); ++i) {
    if (kStatusNames[i] == name) return static_cast<DossierStatus>(i);
  }
  return std::nullopt;
}

std::string format_dossier_code(std::string_view unit_code, Date received_on, int sequence) {
  char tail[32];
  std::snprintf(tail, sizeof tail, "-%02d%02u%02u-%04d", static_cast<int>(received_on.year()) % 100,
                static_cast<unsigned>(received_on.month()),
                static_cast<unsigned>(received_on.day()), sequence);
  return std::string(unit_code) + tail;
}

std::string format_result_code(std::string_view dossier_code, int result_number) {
  return std::string(dossier_code) + "-KQ" + std::to_string(result_number);
}

}  // namespace sohoa::storage
