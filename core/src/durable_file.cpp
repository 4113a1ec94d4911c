#include "sohoa/core/durable_file.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>

#include "sohoa/core/error.hpp"

namespace sohoa {

namespace {

constexpr std::string_view kTempMarker = ".sohoa-tmp.";

std::atomic<unsigned> temp_counter{0};

[[noreturn]] void throw_io(int error_number, const std::string& what,
                           const std::filesystem::path& path) {
  const ErrorCode code =
      is_storage_full_errno(error_number) ? ErrorCode::StorageFull : ErrorCode::OutputFailed;
  std::string message = what + ": " + std::strerror(error_number);
  if (code == ErrorCode::StorageFull) message += " (free space or raise the limit, then retry)";
  throw Error(code, message, {path.string()});
}

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  [[nodiscard]] int get() const { return fd_; }
  // Closes now and reports close(2)'s result (NFS reports write errors there).
  int close_checked() {
    int result = ::close(fd_);
    fd_ = -1;
    return result;
  }

 private:
  int fd_;
};

std::filesystem::path parent_or_dot(const std::filesystem::path& path) {
  auto parent = path.parent_path();
  return parent.empty() ? std::filesystem::path(".") : parent;
}

}  // namespace

bool is_storage_full_errno(int error_number) {
  return error_number == ENOSPC || error_number == EDQUOT || error_number == EFBIG;
}

void write_file_durably(const std::filesystem::path& path, std::span<const std::uint8_t> bytes) {
  const auto folder = parent_or_dot(path);
  const auto temp =
      folder / ("." + path.filename().string() + std::string(kTempMarker) +
                std::to_string(::getpid()) + "." + std::to_string(temp_counter.fetch_add(1)));
  FileDescriptor fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (fd.get() < 0) throw_io(errno, "cannot create", path);

  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd.get(), bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      // A short write of 0 bytes means the device is full as well.
      const int saved = n < 0 ? errno : ENOSPC;
      ::unlink(temp.c_str());
      throw_io(saved, "cannot write", path);
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0 || fd.close_checked() != 0) {
    const int saved = errno;
    ::unlink(temp.c_str());
    throw_io(saved, "cannot write", path);
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int saved = errno;
    ::unlink(temp.c_str());
    throw_io(saved, "cannot rename into place", path);
  }
  fsync_directory(folder);
}

void write_file_durably(const std::filesystem::path& path, std::string_view text) {
  write_file_durably(path,
                     std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

void fsync_directory(const std::filesystem::path& folder) {
  FileDescriptor fd(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) throw_io(errno, "cannot open folder", folder);
  // EINVAL: the file system cannot sync folders (some FUSE mounts); nothing more to do.
  if (::fsync(fd.get()) != 0 && errno != EINVAL) throw_io(errno, "cannot sync folder", folder);
}

void rename_durably(const std::filesystem::path& from, const std::filesystem::path& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) throw_io(errno, "cannot move " + from.string(), to);
  fsync_directory(parent_or_dot(to));
  if (parent_or_dot(from) != parent_or_dot(to)) fsync_directory(parent_or_dot(from));
}

bool is_durable_temp_name(std::string_view file_name) {
  return !file_name.empty() && file_name.front() == '.' &&
         file_name.find(kTempMarker) != std::string_view::npos;
}

std::size_t remove_stale_temp_files(const std::filesystem::path& folder) {
  std::size_t removed = 0;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(folder, error)) {
    const std::string name = entry.path().filename().string();
    if (!is_durable_temp_name(name) || !entry.is_regular_file(error)) continue;
    // ".NAME.sohoa-tmp.PID.N": keep files of a writer that is still alive.
    const auto marker = name.rfind(kTempMarker);
    const std::string rest = name.substr(marker + kTempMarker.size());
    const pid_t pid = static_cast<pid_t>(std::strtol(rest.c_str(), nullptr, 10));
    const bool writer_alive =
        pid > 0 && pid != ::getpid() && (::kill(pid, 0) == 0 || errno == EPERM);
    if (writer_alive) continue;
    if (pid == ::getpid()) continue;  // ours: a write in progress on another thread
    if (std::filesystem::remove(entry.path(), error)) ++removed;
  }
  if (removed > 0) fsync_directory(folder);
  return removed;
}

}  // namespace sohoa
