// Picks the registry's backend from a URL (configuration), see open_registry.hpp.
#include "sohoa/storage/open_registry.hpp"

#include <string>

#include "sohoa/core/error.hpp"
#include "sohoa/storage/pg_registry.hpp"
#include "sohoa/storage/sqlite_registry.hpp"

namespace sohoa::storage {

namespace {

bool is_postgresql(std::string_view url) {
  return url.starts_with("postgresql://") || url.starts_with("postgres://");
}

// The file of a sqlite: URL (sqlite:/abs, sqlite:///abs, sqlite:relative), or
// empty when `url` is not one.
std::optional<std::filesystem::path> sqlite_path(std::string_view url) {
  constexpr std::string_view kSqlite = "sqlite:";
  if (!url.starts_with(kSqlite)) return std::nullopt;
  std::string_view path = url.substr(kSqlite.size());
  if (path.starts_with("//")) path.remove_prefix(2);
  if (path.empty()) {
    throw Error(ErrorCode::InvalidArgument, "the registry URL names no file: " + std::string(url));
  }
  return std::filesystem::path(std::string(path));
}

[[noreturn]] void unknown_scheme(std::string_view url) {
  // Only the scheme goes into the message: the rest may carry a password.
  throw Error(ErrorCode::InvalidArgument,
              "unknown registry URL scheme '" + std::string(url.substr(0, url.find(':'))) +
                  "' (expected sqlite:/path or postgresql://host:port/database)");
}

}  // namespace

std::unique_ptr<Registry> open_registry(std::string_view url, RegistryOptions options) {
  if (const auto path = sqlite_path(url)) {
    SqliteRegistryOptions sqlite;
    sqlite.database = *path;
    sqlite.blobs = std::move(options.blobs);
    sqlite.holidays = std::move(options.holidays);
    sqlite.now = std::move(options.now);
    return open_sqlite_registry(std::move(sqlite));
  }
  if (is_postgresql(url)) {
    PgRegistryOptions pg;
    pg.url = std::string(url);
    pg.blobs = std::move(options.blobs);
    pg.holidays = std::move(options.holidays);
    pg.now = std::move(options.now);
    return open_pg_registry(std::move(pg));
  }
  unknown_scheme(url);
}

AuditVerdict verify_registry_audit_chain(std::string_view url) {
  if (const auto path = sqlite_path(url)) return verify_sqlite_audit_chain(*path);
  if (is_postgresql(url)) return verify_pg_audit_chain(std::string(url));
  unknown_scheme(url);
}

std::vector<UnitProcedureFigures> registry_figures_at(std::string_view url, std::string_view agency,
                                                      std::string_view today) {
  if (const auto path = sqlite_path(url)) return registry_figures(*path, agency, today);
  if (is_postgresql(url)) return pg_registry_figures(std::string(url), agency, today);
  unknown_scheme(url);
}

}  // namespace sohoa::storage
