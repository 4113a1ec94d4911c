#pragma once
// Exchange packages (gói trao đổi) between agencies: one dossier of the registry
// as an E-ARK-style submission package (SIP) described by a METS file.
//
//   <package>/METS.xml                           the package's map (profile below)
//   <package>/metadata/descriptive/*.xml         TT 05/2025 records: the dossier, each document
//   <package>/representations/rep1/data/*.pdf    every version of every document's file
//   <package>/schemas/*.xsd                      the schemas the package follows
//
// Every package is checked before it is declared written: METS.xml and the
// descriptive records against our own schemas (config/exchange/, versioned), and
// every file it lists re-read for its size and SHA-256. Writes are atomic: a
// failure leaves nothing at the output path.
//
// The registry decides what the viewer may read (agency isolation, grants) and
// audits every read; exporting a dossier the viewer cannot see is InputNotFound.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "sohoa/storage/registry.hpp"

namespace sohoa::exchange {

// A package as a folder, or as one file that carries the folder (the form to hand over).
enum class PackageFormat : std::uint8_t { Folder, Zip, Tar };

// Zip for ".zip", tar for ".tar", a folder for anything else.
PackageFormat package_format_for(const std::filesystem::path& output);

struct ExportOptions {
  // The folder holding the profile's schemas (config/exchange); see find_schema_dir().
  std::filesystem::path schema_dir;
  // Where a package is assembled before it is archived (the output's folder when empty).
  std::filesystem::path work_dir;
  std::function<std::chrono::system_clock::time_point()> now = [] {
    return std::chrono::system_clock::now();
  };
  std::string software_version = "0.1.0";
};

struct PackageSummary {
  std::string dossier_code;
  std::string package_name;  // the package's top folder (the dossier code, made safe)
  int documents = 0;
  int files = 0;  // data files (document versions)
  std::uint64_t data_bytes = 0;
};

// Writes the package of `dossier_code` to `output` in `format`. Error(InputNotFound)
// when the dossier is absent or not visible to `viewer`; Error(OutputFailed) when
// a folder output already exists; Error(OutputFailed/StorageFull) when writing fails;
// Error(Internal) when the package does not pass its own checks.
PackageSummary export_dossier(storage::Registry& registry, std::string_view dossier_code,
                              const storage::Viewer& viewer, const std::filesystem::path& output,
                              PackageFormat format, const ExportOptions& options);

// The package as the bytes of a zip or tar archive (for the HTTP API).
std::vector<std::uint8_t> export_dossier_archive(storage::Registry& registry,
                                                 std::string_view dossier_code,
                                                 const storage::Viewer& viewer,
                                                 PackageFormat format, const ExportOptions& options,
                                                 PackageSummary* summary = nullptr);

// Checks a package folder: METS.xml and every descriptive record against the schemas
// in `schema_dir`, every file METS.xml lists (present inside the package, size,
// SHA-256) and no file in the package that METS.xml does not list.
// Error(CorruptInput) naming the file and what does not hold.
void validate_package(const std::filesystem::path& package_folder,
                      const std::filesystem::path& schema_dir);

// A name safe as one path segment inside a package: letters, digits, '.', '_' and
// '-' only (others become '_'), never starting with '.', at most 120 bytes, never empty.
std::string package_file_name(std::string_view name);

// The profile's schema folder: $SOHOA_CONFIG_DIR/exchange, then beside the
// installed executable (share/sohoa/config/exchange, ../config/exchange), then the
// source tree's config/exchange. Empty when none holds the profile.
std::filesystem::path find_schema_dir();

// The schema file names of the profile (inside the schema folder).
inline constexpr const char* kMetsProfileSchema = "sohoa-sip-mets-1.0.xsd";
inline constexpr const char* kMetadataSchema = "sohoa-exchange-metadata-1.0.xsd";
inline constexpr const char* kXlinkSchema = "sohoa-xlink-1.0.xsd";

}  // namespace sohoa::exchange
