#pragma once
// Picks the registry's backend from a URL (configuration), as open_job_queue does:
//   sqlite:/var/lib/sohoa/registry.sqlite   one file, one machine
//   postgresql://user@host:5432/sohoa       one database shared by several nodes
// The blob store is not in the URL: every node of a PostgreSQL registry must
// mount the same blob folder.

#include <chrono>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "sohoa/storage/blob_store.hpp"
#include "sohoa/storage/holiday_calendar.hpp"
#include "sohoa/storage/registry.hpp"
#include "sohoa/storage/registry_figures.hpp"

namespace sohoa::storage {

struct RegistryOptions {
  std::shared_ptr<BlobStore> blobs;
  HolidayCalendar holidays;
  std::function<std::chrono::system_clock::time_point()> now = [] {
    return std::chrono::system_clock::now();
  };
};

// Error(InvalidArgument) for any other scheme (the message names only the scheme).
std::unique_ptr<Registry> open_registry(std::string_view url, RegistryOptions options);

// `sohoa audit verify` and the dashboard on either backend.
AuditVerdict verify_registry_audit_chain(std::string_view url);
std::vector<UnitProcedureFigures> registry_figures_at(std::string_view url, std::string_view agency,
                                                      std::string_view today);

}  // namespace sohoa::storage
