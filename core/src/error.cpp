#include "sohoa/core/error.hpp"

namespace sohoa {

std::string_view to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::InvalidArgument:
      return "invalid-argument";
    case ErrorCode::InputNotFound:
      return "input-not-found";
    case ErrorCode::EmptyInput:
      return "empty-input";
    case ErrorCode::UnsupportedFormat:
      return "unsupported-format";
    case ErrorCode::CorruptInput:
      return "corrupt-input";
    case ErrorCode::ImageTooLarge:
      return "image-too-large";
    case ErrorCode::EncryptedPdf:
      return "encrypted-pdf";
    case ErrorCode::ActivePdfContent:
      return "active-pdf-content";
    case ErrorCode::OcrFailed:
      return "ocr-failed";
    case ErrorCode::OutputFailed:
      return "output-failed";
    case ErrorCode::StorageFull:
      return "storage-full";
    case ErrorCode::ScannerFault:
      return "scanner-fault";
    case ErrorCode::Internal:
      return "internal";
  }
  return "unknown";
}

Error::Error(ErrorCode code, std::string message, ErrorContext context)
    : std::runtime_error(describe(code, message, context)),
      code_(code),
      message_(std::move(message)),
      context_(std::move(context)) {}

Error Error::within(const ErrorContext& context) const {
  ErrorContext merged = context_;
  if (merged.file.empty()) merged.file = context.file;
  if (merged.page < 0) merged.page = context.page;
  return Error(code_, message_, merged);
}

std::string Error::describe(ErrorCode code, const std::string& message,
                            const ErrorContext& context) {
  std::string text;
  if (!context.file.empty()) {
    text += context.file;
    if (context.page >= 0) text += " page " + std::to_string(context.page + 1);
    text += ": ";
  }
  text += message;
  text += " [";
  text += to_string(code);
  text += "]";
  return text;
}

}  // namespace sohoa
