#pragma once
// The registry for several nodes: the tables of the SQLite registry (prefixed
// `registry_`, so they sit beside the job queue's in one database) in PostgreSQL,
// with the blob store in a folder every node mounts. Same rules, same codes, same
// audit chain; search runs on PostgreSQL full-text over our own folded words
// (text_folding.hpp), so it finds what the SQLite registry finds. Each Registry
// object owns one connection; calls from several threads are serialised on it.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sohoa/storage/blob_store.hpp"
#include "sohoa/storage/holiday_calendar.hpp"
#include "sohoa/storage/registry.hpp"
#include "sohoa/storage/registry_figures.hpp"

namespace sohoa::storage {

struct PgRegistryOptions {
  // A libpq connection URI (postgresql://user@host:port/database) or key=value
  // string. The tables are created in the connection's schema when absent.
  std::string url;
  std::shared_ptr<BlobStore> blobs;  // shared by every node
  HolidayCalendar holidays;
  std::function<std::chrono::system_clock::time_point()> now = [] {
    return std::chrono::system_clock::now();
  };
};

// Throws Error(OutputFailed) when the server cannot be reached, Error(CorruptInput)
// when the database holds registry tables of something else.
std::unique_ptr<Registry> open_pg_registry(PgRegistryOptions options);

// The audit chain of a PostgreSQL registry (what `sohoa audit verify URL` runs).
AuditVerdict verify_pg_audit_chain(const std::string& url);

// The dashboard's figures from a PostgreSQL registry (see registry_figures.hpp).
std::vector<UnitProcedureFigures> pg_registry_figures(const std::string& url,
                                                      std::string_view agency,
                                                      std::string_view today);

}  // namespace sohoa::storage
