#pragma once
// What a package holds, as sip_export.cpp gathers it from the registry, and the
// functions of the adapter files (libxml2, libarchive, OpenSSL) that turn it
// into files. Internal to exchange/.

#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "sohoa/exchange/sip_export.hpp"
#include "sohoa/storage/registry.hpp"

namespace sohoa::exchange::detail {

// One file of the package as METS.xml lists it.
struct PackageFile {
  std::string id;    // METS ID
  std::string path;  // relative to the package root, '/'-separated
  std::string mime_type;
  std::uint64_t size = 0;
  std::string sha256;
  std::string created;  // ISO 8601
};

// One version of a document's file, with its provenance.
struct VersionEntry {
  PackageFile file;
  std::string provenance_id;  // the digiprovMD ID
  storage::DocumentVersion version;
  std::string created_at;      // ISO 8601, Vietnam time
  int signature_dictionaries;  // signature dictionaries found in the PDF (not verified)
};

struct DocumentEntry {
  storage::Document document;
  std::string key;  // "01", "02"… : the order within the dossier, used in METS IDs
  PackageFile descriptive;
  std::vector<VersionEntry> versions;
};

struct PackageContent {
  storage::Dossier dossier;
  storage::Viewer exported_by;
  std::string created;  // ISO 8601, Vietnam time
  std::string software_version;
  PackageFile dossier_descriptive;
  std::vector<DocumentEntry> documents;
  std::vector<PackageFile> schemas;
};

// ---- libxml_mets.cpp ----------------------------------------------------------------

std::string dossier_record_xml(const PackageContent& content);
std::string document_record_xml(const PackageContent& content, const DocumentEntry& document);
std::string mets_xml(const PackageContent& content);

// A file METS.xml refers to (fileSec or mdRef), with what it says about it.
struct ReferencedFile {
  std::string href;
  std::uint64_t size = 0;
  std::string sha256;
  bool descriptive = false;  // a descriptive record (validated against the metadata schema)
};

// Validates `xml_file` against `schema_file`; Error(CorruptInput) with the first
// problems (line and message) otherwise.
void validate_against_schema(const std::filesystem::path& xml_file,
                             const std::filesystem::path& schema_file);
// The files a (valid) METS.xml lists.
std::vector<ReferencedFile> referenced_files(const std::filesystem::path& mets_file);

// ---- libarchive_package.cpp ---------------------------------------------------------

// The folder's files (relative '/'-paths → bytes on disk) as one archive whose
// entries sit under `top_name/`.
std::vector<std::uint8_t> archive_folder(const std::filesystem::path& folder,
                                         const std::string& top_name, PackageFormat format,
                                         std::int64_t modified_seconds);
// The archive's regular files: entry name → SHA-256.
std::map<std::string, std::string> archive_digests(std::span<const std::uint8_t> archive);

// ---- openssl_sha256.cpp -------------------------------------------------------------

std::string sha256_hex(std::span<const std::uint8_t> bytes);

}  // namespace sohoa::exchange::detail
