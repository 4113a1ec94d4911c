#include "sohoa/pipeline/results_json.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string_view>

#include "results_common.hpp"

namespace sohoa::pipeline {

std::string display_source(const std::string& path, const std::string& root) {
  if (root.empty()) return path;
  std::error_code ec;
  auto relative = std::filesystem::relative(path, root, ec);
  return ec || relative.empty() ? path : relative.generic_string();
}

nlohmann::json warnings_json(const Warnings& warnings) {
  auto out = nlohmann::json::array();
  for (const auto& warning : warnings) {
    out.push_back({{"code", warning.code}, {"message", warning.message}});
  }
  return out;
}

nlohmann::json error_json(const Error& error) {
  return {{"code", std::string(to_string(error.code()))}, {"message", error.message()}};
}

nlohmann::json page_json(const PageReport& page, const std::string& source_root) {
  nlohmann::json entry;
  entry["source"] = display_source(page.source.path, source_root);
  entry["page_index"] = page.source.index;
  if (page.ok) {
    entry["text"] = page.text.plain_text();
    entry["rotation"] = page.geometry.rotation;
    entry["blank"] = page.geometry.blank;
    entry["deskew_degrees"] = page.geometry.deskew_degrees;
    entry["confidence"] = page.text.mean_confidence;
    entry["dpi"] = page.dpi;
    entry["in_pdf"] = page.in_pdf;
    entry["image_encoding"] = page.image_encoding;
    entry["reencoded"] = page.reencoded;
  } else if (page.error) {
    entry["error"] = error_json(*page.error);
  }
  entry["warnings"] = warnings_json(page.warnings);
  return entry;
}

namespace {

constexpr int kIndent = 1;

// Invalid UTF-8 from a recogniser must not cost the whole results file.
std::string dump(const nlohmann::json& value) {
  return value.dump(kIndent, ' ', false, nlohmann::json::error_handler_t::replace);
}

// A file built in pieces under a temp name beside its target: commit() makes
// it durable and renames it into place; destroyed before that, it is removed.
class TempFile {
 public:
  explicit TempFile(std::string path) : path_(std::move(path)), temp_(path_ + ".tmp-XXXXXX") {
    fd_ = ::mkstemp(temp_.data());
    if (fd_ < 0) fail("cannot create", errno);
    // mkstemp makes the file private; results are ordinary readable files.
    ::fchmod(fd_, 0644);
  }
  ~TempFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(temp_.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  void write(std::string_view bytes) {
    if (fd_ < 0) fail("cannot write", EBADF);
    while (!bytes.empty()) {
      const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) fail("cannot write", n < 0 ? errno : ENOSPC);
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  void commit() {
    if (fd_ < 0) fail("cannot write", EBADF);
    const int synced = ::fsync(fd_);
    const int sync_errno = errno;
    const int closed = ::close(fd_);
    fd_ = -1;
    if (synced != 0 || closed != 0) fail("cannot write", synced != 0 ? sync_errno : errno);
    if (::rename(temp_.c_str(), path_.c_str()) != 0) fail("cannot rename", errno);
    committed_ = true;
  }

 private:
  [[noreturn]] void fail(const char* what, int error_number) {
    // A half-written file is useless: later writes and commit() refuse too.
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    throw Error(ErrorCode::OutputFailed, std::string(what) + ": " + std::strerror(error_number),
                {path_});
  }

  std::string path_;
  std::string temp_;
  int fd_ = -1;
  bool committed_ = false;
};

}  // namespace

void write_text_file_atomically(const std::string& path, const std::string& content) {
  TempFile file(path);
  file.write(content);
  file.commit();
}

struct ResultsWriter::State {
  explicit State(const std::string& path) : file(path) {}
  TempFile file;
  std::string source_root;
  bool first_page = true;
};

ResultsWriter::ResultsWriter(const std::string& path, std::string source_root)
    : state_(std::make_unique<State>(path)) {
  state_->source_root = std::move(source_root);
  state_->file.write("{\n\"pages\": [");
}

ResultsWriter::~ResultsWriter() = default;

void ResultsWriter::add_page(const PageReport& page) {
  state_->file.write(state_->first_page ? "\n" : ",\n");
  state_->file.write(dump(page_json(page, state_->source_root)));
  state_->first_page = false;
}

void ResultsWriter::finish(const JobReport& report) {
  nlohmann::json failed = nlohmann::json::array();
  for (const auto& failure : report.failed_inputs) {
    failed.push_back({{"source", display_source(failure.path, state_->source_root)},
                      {"error", error_json(failure.error)}});
  }
  std::string tail = "\n],\n\"failed_inputs\": " + dump(failed) +
                     ",\n\"pages_written\": " + std::to_string(report.pages_written) +
                     ",\n\"seconds\": " + dump(report.seconds);
  if (report.output_error) tail += ",\n\"output_error\": " + dump(error_json(*report.output_error));
  tail += "\n}\n";
  state_->file.write(tail);
  state_->file.commit();
}

struct SidecarWriter::State {
  explicit State(const std::string& path) : file(path) {}
  TempFile file;
  bool first_page = true;
};

SidecarWriter::SidecarWriter(const std::string& path) : state_(std::make_unique<State>(path)) {}

SidecarWriter::~SidecarWriter() = default;

void SidecarWriter::add_page(const PageReport& page) {
  if (!page.in_pdf) return;
  if (!state_->first_page) state_->file.write("\f");
  state_->file.write(page.text.plain_text() + '\n');
  state_->first_page = false;
}

void SidecarWriter::finish() {
  state_->file.commit();
}

}  // namespace sohoa::pipeline
