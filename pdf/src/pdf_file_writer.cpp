#include "pdf_file_writer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "sohoa/core/error.hpp"

namespace sohoa::pdf::detail {
namespace {

constexpr std::size_t kFlushThreshold = 1 << 20;

}  // namespace

PdfFileWriter::PdfFileWriter(std::string final_path) : final_path_(std::move(final_path)) {
  digest_ = EVP_MD_CTX_new();
  if (digest_ == nullptr || EVP_DigestInit_ex(digest_, EVP_sha256(), nullptr) != 1) {
    EVP_MD_CTX_free(digest_);
    throw Error(ErrorCode::Internal, "OpenSSL SHA-256 is unavailable");
  }
  std::string pattern = final_path_ + ".tmp-XXXXXX";
  fd_ = ::mkostemp(pattern.data(), O_CLOEXEC);
  if (fd_ < 0) {
    const int error_number = errno;
    EVP_MD_CTX_free(digest_);
    fail("cannot create a temporary file next to it", error_number);
  }
  temp_path_ = pattern;
  ::fchmod(fd_, 0644);  // mkostemp makes 0600; outputs are ordinary documents
}

PdfFileWriter::~PdfFileWriter() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_ && !temp_path_.empty()) ::unlink(temp_path_.c_str());
  EVP_MD_CTX_free(digest_);
}

void PdfFileWriter::fail(const std::string& what, int error_number) const {
  throw Error(ErrorCode::OutputFailed,
              "writing PDF " + final_path_ + ": " + what + ": " + std::strerror(error_number),
              ErrorContext{final_path_, -1});
}

int PdfFileWriter::reserve_object() {
  object_offsets_.push_back(0);
  return static_cast<int>(object_offsets_.size() - 1);
}

void PdfFileWriter::write(std::string_view bytes) {
  EVP_DigestUpdate(digest_, bytes.data(), bytes.size());
  buffer_.append(bytes);
  offset_ += bytes.size();
  if (buffer_.size() >= kFlushThreshold) flush();
}

void PdfFileWriter::write(std::span<const std::uint8_t> bytes) {
  write(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

void PdfFileWriter::flush() {
  std::size_t done = 0;
  while (done < buffer_.size()) {
    const ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("write failed", errno);
    }
    if (n == 0) fail("write made no progress", EIO);
    done += static_cast<std::size_t>(n);
  }
  buffer_.clear();
}

void PdfFileWriter::write_object(int number, std::string_view body) {
  if (number <= 0 || static_cast<std::size_t>(number) >= object_offsets_.size() ||
      object_offsets_[number] != 0) {
    throw Error(ErrorCode::Internal,
                "PDF object " + std::to_string(number) + " was not reserved or is written twice");
  }
  object_offsets_[number] = offset_;
  write(std::to_string(number) + " 0 obj\n");
  write(body);
  write("\nendobj\n");
}

void PdfFileWriter::write_stream_object(int number, std::string_view dictionary_entries,
                                        std::span<const std::uint8_t> data) {
  std::string head = "<<";
  head += dictionary_entries;
  head += " /Length " + std::to_string(data.size()) + " >>\nstream\n";
  if (number <= 0 || static_cast<std::size_t>(number) >= object_offsets_.size() ||
      object_offsets_[number] != 0) {
    throw Error(ErrorCode::Internal,
                "PDF object " + std::to_string(number) + " was not reserved or is written twice");
  }
  object_offsets_[number] = offset_;
  write(std::to_string(number) + " 0 obj\n");
  write(head);
  write(data);
  // The EOL before endstream is not counted in /Length (ISO 32000 7.3.8.1).
  write("\nendstream\nendobj\n");
}

std::vector<std::uint8_t> PdfFileWriter::content_digest16() {
  EVP_MD_CTX* copy = EVP_MD_CTX_new();
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (copy == nullptr || EVP_MD_CTX_copy_ex(copy, digest_) != 1 ||
      EVP_DigestFinal_ex(copy, digest, &length) != 1 || length < 16) {
    EVP_MD_CTX_free(copy);
    throw Error(ErrorCode::Internal, "OpenSSL digest failed");
  }
  EVP_MD_CTX_free(copy);
  return {digest, digest + 16};
}

void PdfFileWriter::write_xref_and_trailer(std::string_view trailer_entries) {
  for (std::size_t number = 1; number < object_offsets_.size(); ++number) {
    if (object_offsets_[number] == 0) {
      throw Error(ErrorCode::Internal,
                  "PDF object " + std::to_string(number) + " was reserved but never written");
    }
  }
  const std::uint64_t xref_offset = offset_;
  std::string xref = "xref\n0 " + std::to_string(object_offsets_.size()) + "\n";
  xref += "0000000000 65535 f\r\n";
  char entry[32];
  for (std::size_t number = 1; number < object_offsets_.size(); ++number) {
    std::snprintf(entry, sizeof entry, "%010llu 00000 n\r\n",
                  static_cast<unsigned long long>(object_offsets_[number]));
    xref += entry;
  }
  write(xref);
  write("trailer\n<< /Size " + std::to_string(object_offsets_.size()) +
        std::string(trailer_entries) + " >>\nstartxref\n" + std::to_string(xref_offset) +
        "\n%%EOF\n");
}

void PdfFileWriter::commit() {
  flush();
  while (::fsync(fd_) != 0) {
    if (errno != EINTR) fail("fsync failed", errno);
  }
  if (::close(fd_) != 0) {
    fd_ = -1;
    fail("close failed", errno);
  }
  fd_ = -1;
  if (::rename(temp_path_.c_str(), final_path_.c_str()) != 0) fail("rename failed", errno);
  committed_ = true;
  // Make the rename itself durable.
  std::filesystem::path folder = std::filesystem::path(final_path_).parent_path();
  if (folder.empty()) folder = ".";
  const int folder_fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (folder_fd >= 0) {
    ::fsync(folder_fd);
    ::close(folder_fd);
  }
}

}  // namespace sohoa::pdf::detail
