#pragma once
// The embedded registry: one SQLite file (WAL, FTS5 search index) plus a blob
// store. Safe from several threads (calls are serialised per Registry object) and
// from several processes on one machine (BEGIN IMMEDIATE, busy timeout).

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>

#include "sohoa/storage/blob_store.hpp"
#include "sohoa/storage/holiday_calendar.hpp"
#include "sohoa/storage/registry.hpp"

namespace sohoa::storage {

struct SqliteRegistryOptions {
  std::filesystem::path database;  // created when absent
  std::shared_ptr<BlobStore> blobs;
  HolidayCalendar holidays;
  std::function<std::chrono::system_clock::time_point()> now = [] {
    return std::chrono::system_clock::now();
  };
  std::chrono::milliseconds busy_timeout{10000};
};

std::unique_ptr<Registry> open_sqlite_registry(SqliteRegistryOptions options);

// Checks the audit chain of a registry file without a blob store or calendar
// (what `sohoa audit verify` runs).
AuditVerdict verify_sqlite_audit_chain(const std::filesystem::path& database);

}  // namespace sohoa::storage
