#pragma once
// The byte level of our PDF writer: a temp file next to the target, numbered
// objects with recorded offsets, a classic xref table and an atomic commit
// (fsync, rename, fsync of the directory). Every write is checked; failures
// become Error(OutputFailed) naming the target path.

#include <openssl/evp.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sohoa::pdf::detail {

class PdfFileWriter {
 public:
  explicit PdfFileWriter(std::string final_path);
  ~PdfFileWriter();  // removes the temp file unless commit() succeeded
  PdfFileWriter(const PdfFileWriter&) = delete;
  PdfFileWriter& operator=(const PdfFileWriter&) = delete;

  // A new object number; its object must be written before write_xref_and_trailer().
  int reserve_object();

  void write(std::string_view bytes);
  void write(std::span<const std::uint8_t> bytes);

  // `dictionary` is the complete "<< ... >>" text.
  void write_object(int number, std::string_view body);
  // `dictionary_entries` without the enclosing << >> and without /Length.
  void write_stream_object(int number, std::string_view dictionary_entries,
                           std::span<const std::uint8_t> data);

  // A 16-byte digest of everything written so far (for the trailer /ID).
  std::vector<std::uint8_t> content_digest16();

  // Writes xref + trailer ("/Size" is added here) + startxref + %%EOF.
  void write_xref_and_trailer(std::string_view trailer_entries);
  // Flushes, fsyncs, renames the temp file to the final path and fsyncs the folder.
  void commit();

  [[nodiscard]] std::uint64_t offset() const { return offset_; }
  [[nodiscard]] const std::string& final_path() const { return final_path_; }

 private:
  void flush();
  [[noreturn]] void fail(const std::string& what, int error_number) const;

  std::string final_path_;
  std::string temp_path_;
  int fd_ = -1;
  bool committed_ = false;
  std::uint64_t offset_ = 0;
  std::string buffer_;
  std::vector<std::uint64_t> object_offsets_{0};  // index = object number; 0 = not written
  EVP_MD_CTX* digest_ = nullptr;
};

}  // namespace sohoa::pdf::detail
