#pragma once
// A registry with agency A's dossier of two documents, the first with a signed
// second version; readers of a package's METS.xml (libxml2 XPath) for the checks.

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "sohoa/storage/blob_store.hpp"
#include "sohoa/storage/registry.hpp"

namespace sohoa::exchange::test {

inline const std::string kAgencyA = "000.00.21.H49";
inline const std::string kAgencyB = "000.00.22.H49";

struct SampleDossier {
  std::string code;
  storage::Document birth_certificate;  // two versions: digitised, signed
  storage::Document id_card;            // one version
  std::vector<std::uint8_t> signed_bytes;
};

storage::Viewer records_of(const std::string& agency, const std::string& account);

// Opens (creating) DATA/registry.sqlite with DATA/blobs, as `sohoa serve` does.
std::unique_ptr<storage::Registry> open_registry_in(const std::filesystem::path& data_dir);

// Files the sample dossier of agency A in `registry`; `document_class` of the
// second document may be hostile (names are made from it).
SampleDossier file_sample_dossier(storage::Registry& registry,
                                  const std::string& second_class = "can_cuoc",
                                  const std::string& second_summary = "Căn cước công dân");

// The values an XPath expression selects in `xml_file` (attributes or element
// text); prefixes mets, xlink and hs are bound.
std::vector<std::string> xpath_values(const std::filesystem::path& xml_file,
                                      const std::string& expression);

// Extracts an archive with an independent tool (python3's zipfile, tar).
void extract_archive(const std::filesystem::path& archive, const std::filesystem::path& into);

std::string sha256_of(const std::filesystem::path& file);

}  // namespace sohoa::exchange::test
