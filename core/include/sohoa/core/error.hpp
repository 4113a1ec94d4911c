#pragma once
// One error type for all of sohoa: a code a program can branch on, the place it
// concerns (file, page) and a message a person can act on.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace sohoa {

enum class ErrorCode : std::uint8_t {
  InvalidArgument,    // the caller asked for something impossible
  InputNotFound,      // a named input does not exist or cannot be opened
  EmptyInput,         // zero bytes
  UnsupportedFormat,  // not an image or PDF we read
  CorruptInput,       // truncated or malformed data
  ImageTooLarge,      // dimensions above the configured pixel limit
  EncryptedPdf,       // the PDF is encrypted; we do not process those
  ActivePdfContent,   // the PDF carries JavaScript or launch actions
  OcrFailed,          // Tesseract could not be set up or failed on a page
  OutputFailed,       // writing an output file failed (permissions, I/O error)
  StorageFull,        // the file system or a file-size limit is full: nothing more is accepted
  ScannerFault,       // a scanner could not be opened or stopped (jam, cover open, unplugged...)
  Internal,           // a bug: an invariant did not hold
};

std::string_view to_string(ErrorCode code);

// Where an error or warning belongs; empty fields are unknown.
struct ErrorContext {
  std::string file;
  int page = -1;  // 0-based page within the file, -1 when the file as a whole
};

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, std::string message, ErrorContext context = {});

  [[nodiscard]] ErrorCode code() const noexcept { return code_; }
  [[nodiscard]] const ErrorContext& context() const noexcept { return context_; }
  [[nodiscard]] const std::string& message() const noexcept { return message_; }

  // A copy of this error placed in `context` (fields already set are kept).
  [[nodiscard]] Error within(const ErrorContext& context) const;

 private:
  static std::string describe(ErrorCode code, const std::string& message,
                              const ErrorContext& context);
  ErrorCode code_;
  std::string message_;
  ErrorContext context_;
};

// Something the user should know about a page or file that did not stop the job;
// warnings travel with the page/job result instead of being only logged.
struct Warning {
  std::string code;  // short stable identifier, e.g. "reencoded-lossy"
  std::string message;
  ErrorContext context;
};

using Warnings = std::vector<Warning>;

}  // namespace sohoa
