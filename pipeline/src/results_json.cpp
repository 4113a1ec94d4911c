#include "sohoa/pipeline/results_json.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

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

std::string results_to_json(const JobReport& report, const std::string& source_root) {
  nlohmann::json pages = nlohmann::json::array();
  for (const auto& page : report.pages) pages.push_back(page_json(page, source_root));
  nlohmann::json failed = nlohmann::json::array();
  for (const auto& failure : report.failed_inputs) {
    failed.push_back({{"source", display_source(failure.path, source_root)},
                      {"error", error_json(failure.error)}});
  }
  nlohmann::json root = {{"pages", std::move(pages)},
                         {"failed_inputs", std::move(failed)},
                         {"pages_written", report.pages_written},
                         {"seconds", report.seconds}};
  if (report.output_error) root["output_error"] = error_json(*report.output_error);
  return root.dump(1) + "\n";
}

std::string sidecar_text(const JobReport& report) {
  std::string out;
  bool first = true;
  for (const auto& page : report.pages) {
    if (!page.in_pdf) continue;
    if (!first) out += '\f';
    out += page.text.plain_text();
    out += '\n';
    first = false;
  }
  return out;
}

void write_text_file_atomically(const std::string& path, const std::string& content) {
  const std::string temp = path + ".tmp-" + std::to_string(getpid());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw Error(ErrorCode::OutputFailed, std::string("cannot create: ") + std::strerror(errno),
                {path});
  }
  std::size_t written = 0;
  while (written < content.size()) {
    ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int saved = errno;
      ::close(fd);
      ::unlink(temp.c_str());
      throw Error(ErrorCode::OutputFailed, std::string("cannot write: ") + std::strerror(saved),
                  {path});
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    int saved = errno;
    ::unlink(temp.c_str());
    throw Error(ErrorCode::OutputFailed, std::string("cannot write: ") + std::strerror(saved),
                {path});
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    int saved = errno;
    ::unlink(temp.c_str());
    throw Error(ErrorCode::OutputFailed, std::string("cannot rename: ") + std::strerror(saved),
                {path});
  }
}

}  // namespace sohoa::pipeline
