#include "sohoa/scanners/intake_spool.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cstring>
#include <ctime>
#include <random>

#include "sohoa/core/durable_file.hpp"

namespace sohoa::scanners {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kClaimSuffix = ".claim";

bool starts_with(std::span<const std::uint8_t> bytes, std::string_view magic) {
  return bytes.size() >= magic.size() && std::memcmp(bytes.data(), magic.data(), magic.size()) == 0;
}

// Batch ids sort by time and say where they came from: 20250115T083012Z-quay-1-3fa2c1.
std::string sanitise(std::string_view label) {
  std::string out;
  for (char c : label) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0) {
      out += static_cast<char>(std::tolower(u));
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
    if (out.size() >= 40) break;
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "batch" : out;
}

void list_files(const fs::path& folder, const fs::path& relative, std::vector<fs::path>& out) {
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(folder / relative, error)) {
    const auto name = entry.path().filename().string();
    if (name.empty() || name.front() == '.') continue;  // markers, temp files
    if (entry.is_directory(error)) {
      list_files(folder, relative / name, out);
    } else if (entry.is_regular_file(error)) {
      out.push_back(relative / name);
    }
  }
}

// The door a batch came through, recorded inside its folder (empty when missing).
std::string read_origin(const fs::path& folder) {
  std::string origin;
  std::vector<char> text(4096);
  const int fd = ::open((folder / ".origin").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    const ssize_t n = ::read(fd, text.data(), text.size());
    ::close(fd);
    if (n > 0) origin.assign(text.data(), static_cast<std::size_t>(n));
  }
  return origin;
}

bool plain_id(const std::string& id) {
  return !id.empty() && id.find('/') == std::string::npos && id.front() != '.';
}

}  // namespace

std::string_view to_string(IntakeFileKind kind) {
  switch (kind) {
    case IntakeFileKind::Jpeg:
      return "jpeg";
    case IntakeFileKind::Png:
      return "png";
    case IntakeFileKind::Tiff:
      return "tiff";
    case IntakeFileKind::Pdf:
      return "pdf";
    case IntakeFileKind::Pnm:
      return "pnm";
    case IntakeFileKind::Unknown:
      return "unknown";
  }
  return "unknown";
}

SniffResult sniff_intake_file(const fs::path& file) {
  SniffResult result;
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    result.problem = Error(ErrorCode::InputNotFound,
                           std::string("cannot open: ") + std::strerror(errno), {file.string()});
    return result;
  }
  std::array<std::uint8_t, 16> head{};
  const ssize_t n = ::read(fd, head.data(), head.size());
  ::close(fd);
  if (n <= 0) {
    result.problem = Error(ErrorCode::EmptyInput, "the file is empty (0 bytes)", {file.string()});
    return result;
  }
  const std::span<const std::uint8_t> bytes(head.data(), static_cast<std::size_t>(n));
  if (starts_with(bytes, "\xFF\xD8\xFF")) {
    result.kind = IntakeFileKind::Jpeg;
  } else if (starts_with(bytes, "\x89PNG\r\n\x1A\n")) {
    result.kind = IntakeFileKind::Png;
  } else if (starts_with(bytes, std::string_view("II*\0", 4)) ||
             starts_with(bytes, std::string_view("MM\0*", 4))) {
    result.kind = IntakeFileKind::Tiff;
  } else if (starts_with(bytes, "%PDF-")) {
    result.kind = IntakeFileKind::Pdf;
  } else if (bytes.size() >= 2 && bytes[0] == 'P' && bytes[1] >= '1' && bytes[1] <= '6') {
    result.kind = IntakeFileKind::Pnm;
  } else {
    result.problem = Error(ErrorCode::UnsupportedFormat,
                           "not a scan: neither JPEG, PNG, TIFF, PDF nor PNM", {file.string()});
  }
  return result;
}

std::size_t IntakeBatch::good_files() const {
  return static_cast<std::size_t>(
      std::count_if(files.begin(), files.end(), [](const auto& f) { return !f.problem; }));
}

bool natural_less(std::string_view a, std::string_view b) {
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < a.size() && j < b.size()) {
    const auto ca = static_cast<unsigned char>(a[i]);
    const auto cb = static_cast<unsigned char>(b[j]);
    if (std::isdigit(ca) != 0 && std::isdigit(cb) != 0) {
      std::size_t ei = i;
      std::size_t ej = j;
      while (ei < a.size() && std::isdigit(static_cast<unsigned char>(a[ei])) != 0) ++ei;
      while (ej < b.size() && std::isdigit(static_cast<unsigned char>(b[ej])) != 0) ++ej;
      // Compare the numbers without leading zeros: longer is larger.
      auto na = a.substr(i, ei - i);
      auto nb = b.substr(j, ej - j);
      while (na.size() > 1 && na.front() == '0') na.remove_prefix(1);
      while (nb.size() > 1 && nb.front() == '0') nb.remove_prefix(1);
      if (na.size() != nb.size()) return na.size() < nb.size();
      if (na != nb) return na < nb;
      i = ei;
      j = ej;
      continue;
    }
    const auto la = std::tolower(ca);
    const auto lb = std::tolower(cb);
    if (la != lb) return la < lb;
    ++i;
    ++j;
  }
  if ((a.size() - i) != (b.size() - j)) return (a.size() - i) < (b.size() - j);
  return a < b;
}

IntakeSpool::IntakeSpool(fs::path root) : root_(std::move(root)) {
  std::error_code error;
  fs::create_directories(root_ / "incoming", error);
  fs::create_directories(root_ / "ready", error);
  fs::create_directories(root_ / "open", error);
  if (!fs::is_directory(root_ / "ready") || !fs::is_directory(root_ / "incoming") ||
      !fs::is_directory(root_ / "open")) {
    throw Error(ErrorCode::OutputFailed, "cannot create the intake spool folders",
                {root_.string()});
  }
  // Recovery: a claim that got its file is finished; anything else was an
  // interrupted upload or scan, which the sender was never told succeeded.
  for (const auto& entry : fs::directory_iterator(root_ / "incoming")) {
    const auto name = entry.path().filename().string();
    if (name.size() > kClaimSuffix.size() && name.ends_with(kClaimSuffix) &&
        !fs::is_empty(entry.path(), error)) {
      rename_durably(entry.path(),
                     root_ / "ready" / name.substr(0, name.size() - kClaimSuffix.size()));
    } else {
      fs::remove_all(entry.path(), error);
    }
  }
  fsync_directory(root_ / "incoming");
}

std::string IntakeSpool::new_id(std::string_view label) const {
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  ::gmtime_r(&now, &utc);
  std::array<char, 32> stamp{};
  std::strftime(stamp.data(), stamp.size(), "%Y%m%dT%H%M%SZ", &utc);
  thread_local std::mt19937_64 random(std::random_device{}());
  std::array<char, 16> suffix{};
  std::snprintf(suffix.data(), suffix.size(), "%06llx",
                static_cast<unsigned long long>(random() & 0xffffffULL));
  return std::string(stamp.data()) + "-" + sanitise(label) + "-" + suffix.data();
}

IntakeBatch IntakeSpool::describe(const std::string& id, const std::string& origin) const {
  return describe_in(root_ / "ready" / id, id, origin);
}

IntakeBatch IntakeSpool::describe_in(const fs::path& folder, const std::string& id,
                                     const std::string& origin) const {
  IntakeBatch batch;
  batch.id = id;
  batch.origin = origin;
  batch.folder = folder;
  std::vector<fs::path> names;
  list_files(batch.folder, {}, names);
  std::sort(names.begin(), names.end(), [](const fs::path& a, const fs::path& b) {
    return natural_less(a.string(), b.string());
  });
  for (const auto& name : names) {
    IntakeFile file;
    file.path = batch.folder / name;
    file.name = name.string();
    std::error_code error;
    file.size = fs::file_size(file.path, error);
    auto sniffed = sniff_intake_file(file.path);
    file.kind = sniffed.kind;
    if (sniffed.problem) {
      // Name the file as it arrived, not by its place in the spool.
      file.problem = Error(sniffed.problem->code(), sniffed.problem->message(),
                           {origin.empty() ? file.name : origin + ": " + file.name});
    }
    batch.files.push_back(std::move(file));
  }
  return batch;
}

IntakeSpool::BatchWriter::BatchWriter(IntakeSpool& spool, std::string id, std::string origin,
                                      bool resumable)
    : spool_(&spool),
      id_(std::move(id)),
      origin_(std::move(origin)),
      folder_(spool.root_ / (resumable ? "open" : "incoming") / id_),
      resumable_(resumable) {
  std::error_code error;
  if (resumable && fs::is_directory(folder_, error)) return;  // resuming
  if (!fs::create_directory(folder_, error)) {
    throw Error(ErrorCode::OutputFailed,
                "cannot create " + folder_.string() + ": " + error.message(), {folder_.string()});
  }
  if (resumable) {
    // Whole before anything else is written, so a restart finds where the pages came from.
    write_file_durably(folder_ / ".origin", origin_);
    fsync_directory(folder_.parent_path());
  }
}

IntakeSpool::BatchWriter::BatchWriter(BatchWriter&& other) noexcept
    : spool_(other.spool_),
      id_(std::move(other.id_)),
      origin_(std::move(other.origin_)),
      folder_(std::move(other.folder_)),
      open_(other.open_),
      resumable_(other.resumable_) {
  other.open_ = false;
}

IntakeSpool::BatchWriter::~BatchWriter() {
  if (!resumable_) abort();
}

int IntakeSpool::BatchWriter::files_written() const {
  std::vector<fs::path> names;
  list_files(folder_, {}, names);
  return static_cast<int>(names.size());
}

void IntakeSpool::BatchWriter::add_file(std::string_view name,
                                        std::span<const std::uint8_t> bytes) {
  if (!open_) throw Error(ErrorCode::InvalidArgument, "the batch is already committed", {id_});
  if (name.empty() || name.front() == '.' || name.find('/') != std::string_view::npos ||
      name == "..") {
    throw Error(ErrorCode::InvalidArgument, "a file name must be plain (no folder, not hidden)",
                {std::string(name)});
  }
  write_file_durably(folder_ / std::string(name), bytes);
}

IntakeBatch IntakeSpool::BatchWriter::commit() {
  if (!open_) throw Error(ErrorCode::InvalidArgument, "the batch is already committed", {id_});
  write_file_durably(folder_ / ".origin", origin_);
  rename_durably(folder_, spool_->root_ / "ready" / id_);
  open_ = false;
  return spool_->describe(id_, origin_);
}

void IntakeSpool::BatchWriter::abort() {
  if (!open_) return;
  open_ = false;
  std::error_code error;
  fs::remove_all(folder_, error);
}

IntakeSpool::BatchWriter IntakeSpool::begin_batch(std::string_view origin, std::string_view label) {
  return BatchWriter(*this, new_id(label), std::string(origin), false);
}

IntakeSpool::BatchWriter IntakeSpool::begin_open_batch(std::string_view origin,
                                                       std::string_view label) {
  return BatchWriter(*this, new_id(label), std::string(origin), true);
}

IntakeSpool::BatchWriter IntakeSpool::resume_open_batch(const std::string& id) {
  std::error_code error;
  if (!plain_id(id) || !fs::is_directory(root_ / "open" / id, error)) {
    throw Error(ErrorCode::InputNotFound, "no open batch by that id", {id});
  }
  remove_stale_temp_files(root_ / "open" / id);  // a page cut short by a crash
  return BatchWriter(*this, id, read_origin(root_ / "open" / id), true);
}

std::vector<IntakeBatch> IntakeSpool::open_batches() const {
  std::vector<std::string> ids;
  for (const auto& entry : fs::directory_iterator(root_ / "open")) {
    if (entry.is_directory()) ids.push_back(entry.path().filename().string());
  }
  std::sort(ids.begin(), ids.end());
  std::vector<IntakeBatch> batches;
  for (const auto& id : ids) {
    const auto folder = root_ / "open" / id;
    batches.push_back(describe_in(folder, id, read_origin(folder)));
  }
  return batches;
}

std::optional<IntakeBatch> IntakeSpool::adopt(const fs::path& source, std::string_view origin) {
  const std::string id = new_id(source.stem().string());
  std::error_code error;
  if (fs::is_directory(source, error)) {
    // Record the origin inside first: the folder moves as one.
    write_file_durably(source / ".origin", origin);
    if (::rename(source.c_str(), (root_ / "ready" / id).c_str()) != 0) {
      if (errno == ENOENT) return std::nullopt;  // claimed by someone else
      throw Error(ErrorCode::OutputFailed, std::string("cannot claim: ") + std::strerror(errno),
                  {source.string()});
    }
    fsync_directory(root_ / "ready");
    fsync_directory(source.parent_path());
    return describe(id, std::string(origin));
  }
  // A single file: into a claim folder (the claim itself is this one rename),
  // then the folder into ready/. A crash in between is finished on start-up.
  const auto claim = root_ / "incoming" / (id + std::string(kClaimSuffix));
  fs::create_directory(claim, error);
  write_file_durably(claim / ".origin", origin);
  if (::rename(source.c_str(), (claim / source.filename()).c_str()) != 0) {
    const int saved = errno;
    fs::remove_all(claim, error);
    if (saved == ENOENT) return std::nullopt;
    throw Error(ErrorCode::OutputFailed, std::string("cannot claim: ") + std::strerror(saved),
                {source.string()});
  }
  fsync_directory(claim);
  fsync_directory(source.parent_path());
  rename_durably(claim, root_ / "ready" / id);
  return describe(id, std::string(origin));
}

std::vector<IntakeBatch> IntakeSpool::ready_batches() const {
  std::vector<std::string> ids;
  for (const auto& entry : fs::directory_iterator(root_ / "ready")) {
    if (entry.is_directory()) ids.push_back(entry.path().filename().string());
  }
  std::sort(ids.begin(), ids.end());
  std::vector<IntakeBatch> batches;
  for (const auto& id : ids) {
    if (auto batch = ready_batch(id)) batches.push_back(std::move(*batch));
  }
  return batches;
}

std::optional<IntakeBatch> IntakeSpool::ready_batch(const std::string& id) const {
  const auto folder = root_ / "ready" / id;
  if (!fs::is_directory(folder)) return std::nullopt;
  return describe(id, read_origin(folder));
}

void IntakeSpool::release(const std::string& id) {
  if (id.empty() || id.find('/') != std::string::npos || id.front() == '.') {
    throw Error(ErrorCode::InvalidArgument, "not a batch id", {id});
  }
  std::error_code error;
  fs::remove_all(root_ / "ready" / id, error);
  fsync_directory(root_ / "ready");
}

}  // namespace sohoa::scanners
