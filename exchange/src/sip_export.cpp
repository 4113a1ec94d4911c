// Exporting a dossier as an exchange package: gather it from the registry (every
// read goes through the viewer's isolation and is audited there), assemble the
// folder in a hidden temp folder, check it as a receiver would, then move it into
// place or archive it. Nothing appears at the output until the package passed.
#include "sohoa/exchange/sip_export.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <set>

#include "package_model.hpp"
#include "sohoa/core/durable_file.hpp"
#include "sohoa/core/error.hpp"

namespace sohoa::exchange {

namespace {

namespace fs = std::filesystem;
using detail::DocumentEntry;
using detail::PackageContent;
using detail::PackageFile;
using detail::VersionEntry;

constexpr std::size_t kMaxNameBytes = 120;
constexpr const char* kDataFolder = "representations/rep1/data";
constexpr const char* kDescriptiveFolder = "metadata/descriptive";
constexpr const char* kSchemaFolder = "schemas";

std::atomic<unsigned> temp_counter{0};

// "2025-03-03T09:15:00+07:00": Vietnam time (UTC+7, no daylight saving), as TT 05/2025 writes it.
std::string vietnam_time(std::chrono::system_clock::time_point when) {
  const auto local = std::chrono::floor<std::chrono::seconds>(when) + std::chrono::hours(7);
  const auto day = std::chrono::floor<std::chrono::days>(local);
  const std::chrono::year_month_day date{day};
  const std::chrono::hh_mm_ss time{local - day};
  char text[40];
  std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02d+07:00",
                static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()), static_cast<int>(time.hours().count()),
                static_cast<int>(time.minutes().count()), static_cast<int>(time.seconds().count()));
  return text;
}

std::string extension_for(const std::string& media_type) {
  if (media_type == "application/pdf") return ".pdf";
  if (media_type == "image/tiff") return ".tif";
  if (media_type == "image/jpeg") return ".jpg";
  if (media_type == "image/png") return ".png";
  return ".bin";
}

// Signature dictionaries carry a /ByteRange; counting them tells a receiver that
// signatures are present (whether they hold is for `sohoa verify`).
int count_signature_dictionaries(const std::vector<std::uint8_t>& bytes) {
  static constexpr std::string_view kMarker = "/ByteRange";
  int count = 0;
  auto at = bytes.begin();
  while ((at = std::search(at, bytes.end(), kMarker.begin(), kMarker.end())) != bytes.end()) {
    ++count;
    at += static_cast<std::ptrdiff_t>(kMarker.size());
  }
  return count;
}

std::vector<std::uint8_t> read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::InputNotFound, "cannot read", {path.string()});
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Writes one file of the package (fsynced) and describes it.
PackageFile put_file(const fs::path& root, const std::string& relative, const std::string& id,
                     const std::string& mime_type, std::span<const std::uint8_t> bytes,
                     const std::string& created) {
  const fs::path target = root / relative;
  fs::create_directories(target.parent_path());
  write_file_durably(target, bytes);
  return {id, relative, mime_type, bytes.size(), detail::sha256_hex(bytes), created};
}

PackageFile put_text(const fs::path& root, const std::string& relative, const std::string& id,
                     const std::string& text, const std::string& created) {
  const auto* begin = reinterpret_cast<const std::uint8_t*>(text.data());
  return put_file(root, relative, id, "text/xml", {begin, text.size()}, created);
}

// A hidden folder beside `near` (".NAME.sohoa-tmp.PID.N"), removed unless released.
class TempFolder {
 public:
  TempFolder(const fs::path& parent, const std::string& name)
      : path_(parent / ("." + name + ".sohoa-tmp." + std::to_string(::getpid()) + "." +
                        std::to_string(temp_counter++))) {
    fs::create_directories(path_);
  }
  ~TempFolder() {
    if (!released_) {
      std::error_code ignored;
      fs::remove_all(path_, ignored);
    }
  }
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;
  [[nodiscard]] const fs::path& path() const { return path_; }
  void release() { released_ = true; }

 private:
  fs::path path_;
  bool released_ = false;
};

fs::path schema_dir_of(const ExportOptions& options) {
  fs::path dir = options.schema_dir.empty() ? find_schema_dir() : options.schema_dir;
  if (dir.empty() || !fs::is_regular_file(dir / kMetsProfileSchema)) {
    throw Error(ErrorCode::InputNotFound,
                "the exchange package schemas are missing (config/exchange/" +
                    std::string(kMetsProfileSchema) + ")",
                {dir.string()});
  }
  return dir;
}

// Reads the dossier from the registry and writes the package's files into `root`.
PackageSummary build_package(storage::Registry& registry, std::string_view dossier_code,
                             const storage::Viewer& viewer, const fs::path& root,
                             const fs::path& schema_dir, const ExportOptions& options) {
  const auto dossier = registry.dossier(dossier_code, viewer);
  if (!dossier) {
    throw Error(ErrorCode::InputNotFound, "no dossier '" + std::string(dossier_code) +
                                              "' visible to agency " + viewer.agency);
  }
  PackageContent content;
  content.dossier = *dossier;
  content.exported_by = viewer;
  content.created = vietnam_time(options.now());
  content.software_version = options.software_version;

  std::set<std::string> used_names;
  const auto unique_name = [&](const std::string& stem, const std::string& extension) {
    std::string name = package_file_name(stem + extension);
    for (int n = 2; used_names.contains(name); ++n) {
      std::string numbered = stem;
      numbered.append("-").append(std::to_string(n)).append(extension);
      name = package_file_name(numbered);
    }
    used_names.insert(name);
    return name;
  };

  PackageSummary summary;
  summary.dossier_code = dossier->code;
  summary.package_name = package_file_name(dossier->code);
  int index = 0;
  for (auto& document : registry.documents(dossier->code, viewer)) {
    DocumentEntry entry;
    char key[16];
    std::snprintf(key, sizeof key, "%02d", ++index);
    entry.key = key;
    for (const auto& version : registry.versions(document.id, viewer)) {
      const auto bytes = registry.read_file(document.id, version.version, viewer);
      VersionEntry stored;
      stored.version = version;
      stored.created_at = vietnam_time(
          std::chrono::system_clock::time_point(std::chrono::milliseconds(version.created_at_ms)));
      stored.signature_dictionaries = count_signature_dictionaries(bytes);
      stored.provenance_id = "digiprov-" + entry.key + "-v" + std::to_string(version.version);
      const std::string name = unique_name(document.code + "_" + document.metadata.document_class +
                                               "_v" + std::to_string(version.version),
                                           extension_for(version.media_type));
      stored.file =
          put_file(root, std::string(kDataFolder) + "/" + name,
                   "file-" + entry.key + "-v" + std::to_string(version.version),
                   version.media_type.empty() ? "application/octet-stream" : version.media_type,
                   bytes, stored.created_at);
      if (stored.file.sha256 != version.blob_sha256) {
        throw Error(ErrorCode::CorruptInput,
                    "the registry's file does not match its recorded SHA-256",
                    {document.code + " v" + std::to_string(version.version)});
      }
      summary.data_bytes += bytes.size();
      ++summary.files;
      entry.versions.push_back(std::move(stored));
    }
    entry.document = std::move(document);
    content.documents.push_back(std::move(entry));
  }
  summary.documents = static_cast<int>(content.documents.size());

  used_names.insert("dossier.xml");
  for (auto& entry : content.documents) {
    const std::string name = unique_name(entry.document.code, ".xml");
    entry.descriptive =
        put_text(root, std::string(kDescriptiveFolder) + "/" + name, "md-doc-" + entry.key,
                 detail::document_record_xml(content, entry), content.created);
  }
  content.dossier_descriptive =
      put_text(root, std::string(kDescriptiveFolder) + "/dossier.xml", "md-dossier",
               detail::dossier_record_xml(content), content.created);
  int schema_index = 0;
  for (const char* schema : {kMetsProfileSchema, kMetadataSchema, kXlinkSchema}) {
    const auto bytes = read_bytes(schema_dir / schema);
    content.schemas.push_back(put_file(root, std::string(kSchemaFolder) + "/" + schema,
                                       "schema-" + std::to_string(++schema_index), "text/xml",
                                       bytes, content.created));
  }
  put_text(root, "METS.xml", "mets", detail::mets_xml(content), content.created);
  return summary;
}

void fsync_tree(const fs::path& root) {
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_directory()) fsync_directory(entry.path());
  }
  fsync_directory(root);
}

// Our own package must pass the receiver's check; if it does not, that is our bug.
void check_own_package(const fs::path& root, const fs::path& schema_dir) {
  try {
    validate_package(root, schema_dir);
  } catch (const Error& error) {
    throw Error(ErrorCode::Internal, "the package failed its own check: " + error.message(),
                error.context());
  }
}

template <typename Body>
auto mapping_file_system_errors(Body body) {
  try {
    return body();
  } catch (const fs::filesystem_error& error) {
    throw Error(is_storage_full_errno(error.code().value()) ? ErrorCode::StorageFull
                                                            : ErrorCode::OutputFailed,
                error.code().message(), {error.path1().string()});
  }
}

std::vector<std::uint8_t> archive_checked(const fs::path& folder, const std::string& top_name,
                                          PackageFormat format, const ExportOptions& options) {
  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(options.now().time_since_epoch()).count();
  auto bytes = detail::archive_folder(folder, top_name, format, seconds);
  // The archive is read back: every file of the folder, same digest, nothing else.
  std::map<std::string, std::string> expected;
  for (const auto& entry : fs::recursive_directory_iterator(folder)) {
    if (!entry.is_regular_file()) continue;
    expected[top_name + "/" + fs::relative(entry.path(), folder).generic_string()] =
        detail::sha256_hex(read_bytes(entry.path()));
  }
  if (detail::archive_digests(bytes) != expected) {
    throw Error(ErrorCode::Internal, "the archive does not hold the package as written");
  }
  return bytes;
}

}  // namespace

PackageFormat package_format_for(const fs::path& output) {
  std::string extension = output.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (extension == ".zip") return PackageFormat::Zip;
  if (extension == ".tar") return PackageFormat::Tar;
  return PackageFormat::Folder;
}

std::string package_file_name(std::string_view name) {
  std::string safe;
  for (const char c : name) {
    if (safe.size() >= kMaxNameBytes) break;
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    safe += allowed ? c : '_';
  }
  // No hidden names, no "." or "..": a leading dot becomes '_'.
  if (!safe.empty() && safe.front() == '.') safe.front() = '_';
  if (safe.empty()) safe = "_";
  return safe;
}

fs::path find_schema_dir() {
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("SOHOA_CONFIG_DIR"); env != nullptr && *env != '\0') {
    candidates.push_back(fs::path(env) / "exchange");
  }
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    candidates.push_back(exe.parent_path().parent_path() / "share/sohoa/config/exchange");
    candidates.push_back(exe.parent_path().parent_path() / "config/exchange");
  }
#ifdef SOHOA_SOURCE_CONFIG_DIR
  candidates.push_back(fs::path(SOHOA_SOURCE_CONFIG_DIR) / "exchange");
#endif
  for (const auto& candidate : candidates) {
    if (fs::is_regular_file(candidate / kMetsProfileSchema, ec)) return candidate;
  }
  return {};
}

PackageSummary export_dossier(storage::Registry& registry, std::string_view dossier_code,
                              const storage::Viewer& viewer, const fs::path& output,
                              PackageFormat format, const ExportOptions& options) {
  const fs::path schema_dir = schema_dir_of(options);
  return mapping_file_system_errors([&] {
    const fs::path target = fs::absolute(output);
    const fs::path parent = target.parent_path();
    if (format == PackageFormat::Folder) {
      if (fs::exists(fs::symlink_status(target))) {
        throw Error(ErrorCode::OutputFailed, "the output folder already exists", {target.string()});
      }
      fs::create_directories(parent);
      TempFolder temp(parent, target.filename().string());
      auto summary =
          build_package(registry, dossier_code, viewer, temp.path(), schema_dir, options);
      check_own_package(temp.path(), schema_dir);
      fsync_tree(temp.path());
      rename_durably(temp.path(), target);
      temp.release();
      return summary;
    }
    fs::create_directories(parent);
    const fs::path work = options.work_dir.empty() ? parent : options.work_dir;
    fs::create_directories(work);
    TempFolder temp(work, target.filename().string());
    auto summary = build_package(registry, dossier_code, viewer, temp.path(), schema_dir, options);
    check_own_package(temp.path(), schema_dir);
    const auto bytes = archive_checked(temp.path(), summary.package_name, format, options);
    write_file_durably(target, bytes);
    // Read back what reached the disk.
    if (detail::sha256_hex(read_bytes(target)) != detail::sha256_hex(bytes)) {
      throw Error(ErrorCode::OutputFailed, "the written archive differs from the package",
                  {target.string()});
    }
    return summary;
  });
}

std::vector<std::uint8_t> export_dossier_archive(storage::Registry& registry,
                                                 std::string_view dossier_code,
                                                 const storage::Viewer& viewer,
                                                 PackageFormat format, const ExportOptions& options,
                                                 PackageSummary* summary) {
  if (format == PackageFormat::Folder) {
    throw Error(ErrorCode::InvalidArgument, "an archive is a zip or a tar");
  }
  const fs::path schema_dir = schema_dir_of(options);
  return mapping_file_system_errors([&] {
    const fs::path work =
        options.work_dir.empty() ? fs::temp_directory_path() : fs::path(options.work_dir);
    fs::create_directories(work);
    TempFolder temp(work, "export");
    auto built = build_package(registry, dossier_code, viewer, temp.path(), schema_dir, options);
    check_own_package(temp.path(), schema_dir);
    auto bytes = archive_checked(temp.path(), built.package_name, format, options);
    if (summary != nullptr) *summary = built;
    return bytes;
  });
}

void validate_package(const fs::path& package_folder, const fs::path& schema_dir) {
  const fs::path mets = package_folder / "METS.xml";
  if (!fs::is_regular_file(fs::symlink_status(mets))) {
    throw Error(ErrorCode::CorruptInput, "the package has no METS.xml", {package_folder.string()});
  }
  detail::validate_against_schema(mets, schema_dir / kMetsProfileSchema);

  const fs::path root = fs::canonical(package_folder);
  std::set<fs::path> listed;
  for (const auto& reference : detail::referenced_files(mets)) {
    // The schema already limits references to plain relative names; checked again
    // here so that a package can never make us read outside itself.
    const fs::path relative = fs::path(reference.href).lexically_normal();
    const bool inside = !reference.href.empty() && relative.is_relative() && !relative.empty() &&
                        *relative.begin() != "..";
    if (!inside) {
      throw Error(ErrorCode::CorruptInput,
                  "METS.xml refers to a file outside the package: '" + reference.href + "'",
                  {mets.string()});
    }
    const fs::path file = root / relative;
    if (!fs::is_regular_file(fs::symlink_status(file))) {
      throw Error(ErrorCode::CorruptInput, "listed in METS.xml but missing (or not a plain file)",
                  {reference.href});
    }
    // A folder on the way may be a link out of the package.
    const fs::path real = fs::canonical(file).lexically_relative(root);
    if (real.empty() || *real.begin() == "..") {
      throw Error(ErrorCode::CorruptInput, "leads outside the package", {reference.href});
    }
    const auto bytes = read_bytes(file);
    if (bytes.size() != reference.size) {
      throw Error(ErrorCode::CorruptInput,
                  "size is " + std::to_string(bytes.size()) + " bytes, METS.xml says " +
                      std::to_string(reference.size),
                  {reference.href});
    }
    const auto digest = detail::sha256_hex(bytes);
    if (digest != reference.sha256) {
      throw Error(ErrorCode::CorruptInput,
                  "SHA-256 is " + digest + ", METS.xml says " + reference.sha256, {reference.href});
    }
    if (reference.descriptive) {
      detail::validate_against_schema(file, schema_dir / kMetadataSchema);
    }
    listed.insert(relative);
  }
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    const auto status = entry.symlink_status();
    if (fs::is_directory(status)) continue;
    const fs::path relative = fs::relative(entry.path(), root);
    if (!fs::is_regular_file(status)) {
      throw Error(ErrorCode::CorruptInput, "the package holds something that is not a file",
                  {relative.generic_string()});
    }
    if (relative != "METS.xml" && !listed.contains(relative)) {
      throw Error(ErrorCode::CorruptInput, "in the package but not listed in METS.xml",
                  {relative.generic_string()});
    }
  }
}

}  // namespace sohoa::exchange
