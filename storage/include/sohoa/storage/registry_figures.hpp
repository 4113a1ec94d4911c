#pragma once
// Figures for the dashboard, counted from the registry: how many dossiers were
// digitised at reception, and how many were returned by their due date, per unit
// and procedure. Counts only, no personal data, so reading them is not audited.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace sohoa::storage {

struct UnitProcedureFigures {
  std::string unit_code;
  std::string procedure_code;
  int received = 0;
  int digitised = 0;         // with at least one filed document
  int returned = 0;          // result handed back
  int returned_on_time = 0;  // handed back on or before the due date (Vietnam time)
  int open_overdue = 0;      // not yet returned and past the due date on `today`
};

// The figures of the dossiers `agency` owns, in the registry file `database`.
// `today` is an ISO date (YYYY-MM-DD).
std::vector<UnitProcedureFigures> registry_figures(const std::filesystem::path& database,
                                                   std::string_view agency, std::string_view today);

}  // namespace sohoa::storage
