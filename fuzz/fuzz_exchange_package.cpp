// Checks a received exchange package whose METS.xml is arbitrary bytes: the
// validator (libxml2 parsing, schema validation, references, checksums) must
// answer with sohoa::Error, never crash or read outside the package folder.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "sohoa/core/error.hpp"
#include "sohoa/exchange/sip_export.hpp"

namespace {

// Never destroyed, so the exit handler that removes the folder can still read it.
const std::filesystem::path& package_folder() {
  static const auto* const folder = [] {
    auto* path = new std::filesystem::path(std::filesystem::temp_directory_path() /
                                           ("sohoa-fuzz-package-" + std::to_string(::getpid())));
    std::filesystem::create_directories(*path / "representations" / "rep1" / "data");
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(package_folder(), ignored);
    });
    return path;
  }();
  return *folder;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::filesystem::path schemas = sohoa::exchange::find_schema_dir();
  const auto& folder = package_folder();
  {
    std::ofstream mets(folder / "METS.xml", std::ios::binary | std::ios::trunc);
    mets.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  try {
    sohoa::exchange::validate_package(folder, schemas);
  } catch (const sohoa::Error&) {
    // A clear refusal is the expected answer to almost every input.
  }
  return 0;
}
