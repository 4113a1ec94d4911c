// The dashboard's counts, straight from the registry's tables (read-only SQL;
// the registry's schema is in sqlite_registry.cpp).
#include "sohoa/storage/registry.hpp"
#include "sohoa/storage/registry_figures.hpp"
#include "sqlite_connection.hpp"

namespace sohoa::storage {

std::vector<UnitProcedureFigures> registry_figures(const std::filesystem::path& database,
                                                   std::string_view agency,
                                                   std::string_view today) {
  detail::SqliteConnection db(database, 10000);
  const int returned = static_cast<int>(DossierStatus::Returned);
  // status_history.at is milliseconds since the epoch; due dates are Vietnam dates (UTC+7).
  auto rows = db.query(
      "SELECT d.unit_code, d.procedure_code, COUNT(*), "
      "  SUM(d.document_count > 0), "
      "  SUM(d.status = ?1), "
      "  SUM(d.status = ?1 AND (SELECT date(MIN(h.at) / 1000 + 25200, 'unixepoch') "
      "      FROM status_history h WHERE h.dossier_id = d.id AND h.status = ?1) <= d.due_on), "
      "  SUM(d.status <> ?1 AND d.due_on < ?3) "
      "FROM dossiers d WHERE d.agency = ?2 "
      "GROUP BY d.unit_code, d.procedure_code ORDER BY d.unit_code, d.procedure_code");
  rows.bind(1, returned).bind(2, agency).bind(3, today);
  std::vector<UnitProcedureFigures> figures;
  while (rows.step()) {
    figures.push_back({rows.text(0), rows.text(1), static_cast<int>(rows.integer(2)),
                       static_cast<int>(rows.integer(3)), static_cast<int>(rows.integer(4)),
                       static_cast<int>(rows.integer(5)), static_cast<int>(rows.integer(6))});
  }
  return figures;
}

}  // namespace sohoa::storage
