// The libarchive adapter: a package folder as one zip or tar file (the form that
// travels between agencies), and the digests of an archive's entries so the
// written archive can be checked against the folder it was made from.
#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <memory>

#include "package_model.hpp"
#include "sohoa/core/error.hpp"

namespace sohoa::exchange::detail {

namespace {

namespace fs = std::filesystem;

struct WriterDeleter {
  void operator()(archive* handle) const { archive_write_free(handle); }
};
struct ReaderDeleter {
  void operator()(archive* handle) const { archive_read_free(handle); }
};
struct EntryDeleter {
  void operator()(archive_entry* entry) const { archive_entry_free(entry); }
};

Error archive_error(archive* handle, const std::string& what) {
  const char* reason = archive_error_string(handle);
  return Error(ErrorCode::OutputFailed,
               what + ": " + (reason != nullptr ? reason : "libarchive failed"));
}

la_ssize_t append_to_vector(archive*, void* target, const void* buffer, size_t length) {
  auto* bytes = static_cast<std::vector<std::uint8_t>*>(target);
  const auto* begin = static_cast<const std::uint8_t*>(buffer);
  bytes->insert(bytes->end(), begin, begin + length);
  return static_cast<la_ssize_t>(length);
}

std::vector<std::uint8_t> file_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::InputNotFound, "cannot read", {path.string()});
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

std::vector<std::uint8_t> archive_folder(const fs::path& folder, const std::string& top_name,
                                         PackageFormat format, std::int64_t modified_seconds) {
  std::vector<std::string> names;
  for (const auto& entry : fs::recursive_directory_iterator(folder)) {
    if (entry.is_regular_file())
      names.push_back(fs::relative(entry.path(), folder).generic_string());
  }
  std::sort(names.begin(), names.end());  // METS.xml first, then a stable order

  std::vector<std::uint8_t> out;
  std::unique_ptr<archive, WriterDeleter> writer(archive_write_new());
  const int selected = format == PackageFormat::Zip
                           ? archive_write_set_format_zip(writer.get())
                           : archive_write_set_format_pax_restricted(writer.get());
  if (selected != ARCHIVE_OK) throw archive_error(writer.get(), "cannot select the archive format");
  // An archive of a few files in one block: no padding of the last block needed.
  if (format == PackageFormat::Tar) archive_write_set_bytes_in_last_block(writer.get(), 1);
  if (archive_write_open(writer.get(), &out, nullptr, append_to_vector, nullptr) != ARCHIVE_OK) {
    throw archive_error(writer.get(), "cannot start the archive");
  }
  for (const auto& name : names) {
    const auto bytes = file_bytes(folder / name);
    std::unique_ptr<archive_entry, EntryDeleter> entry(archive_entry_new());
    std::string entry_name = top_name;
    entry_name.append("/").append(name);
    archive_entry_set_pathname(entry.get(), entry_name.c_str());
    archive_entry_set_size(entry.get(), static_cast<la_int64_t>(bytes.size()));
    archive_entry_set_filetype(entry.get(), AE_IFREG);
    archive_entry_set_perm(entry.get(), 0644);
    archive_entry_set_mtime(entry.get(), static_cast<time_t>(modified_seconds), 0);
    if (archive_write_header(writer.get(), entry.get()) != ARCHIVE_OK) {
      throw archive_error(writer.get(), "cannot add " + name);
    }
    if (!bytes.empty() && archive_write_data(writer.get(), bytes.data(), bytes.size()) !=
                              static_cast<la_ssize_t>(bytes.size())) {
      throw archive_error(writer.get(), "cannot add " + name);
    }
  }
  if (archive_write_close(writer.get()) != ARCHIVE_OK) {
    throw archive_error(writer.get(), "cannot finish the archive");
  }
  return out;
}

std::map<std::string, std::string> archive_digests(std::span<const std::uint8_t> bytes) {
  std::unique_ptr<archive, ReaderDeleter> reader(archive_read_new());
  archive_read_support_format_zip(reader.get());
  archive_read_support_format_tar(reader.get());
  if (archive_read_open_memory(reader.get(), bytes.data(), bytes.size()) != ARCHIVE_OK) {
    throw Error(ErrorCode::CorruptInput, "not a zip or tar archive");
  }
  std::map<std::string, std::string> digests;
  archive_entry* entry = nullptr;
  int status = ARCHIVE_OK;
  while ((status = archive_read_next_header(reader.get(), &entry)) == ARCHIVE_OK) {
    if (archive_entry_filetype(entry) != AE_IFREG) continue;
    std::vector<std::uint8_t> content;
    std::vector<std::uint8_t> block(std::size_t{64} * 1024);
    la_ssize_t got = 0;
    while ((got = archive_read_data(reader.get(), block.data(), block.size())) > 0) {
      content.insert(content.end(), block.begin(), block.begin() + got);
    }
    if (got < 0) {
      throw Error(ErrorCode::CorruptInput,
                  std::string("archive entry cannot be read: ") + archive_entry_pathname(entry));
    }
    digests[archive_entry_pathname(entry)] = sha256_hex(content);
  }
  if (status != ARCHIVE_EOF) throw Error(ErrorCode::CorruptInput, "the archive is damaged");
  return digests;
}

}  // namespace sohoa::exchange::detail
