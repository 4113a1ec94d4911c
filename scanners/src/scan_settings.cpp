// Names of settings and the messages for scanner faults (no SANE here).
#include <cctype>
#include <charconv>
#include <string>

#include "sohoa/scanners/scanner.hpp"

namespace sohoa::scanners {

namespace {

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

struct FaultText {
  const char* vi;
  const char* en;
};

// What the staff member at the counter should do, in both languages.
FaultText text_for(FaultKind kind) {
  switch (kind) {
    case FaultKind::Jammed:
      return {
          "Kẹt giấy trong khay nạp. Mở nắp, gỡ tờ bị kẹt, đặt lại các trang chưa quét vào "
          "khay rồi bấm Tiếp tục.",
          "Paper jam in the feeder. Open the cover, remove the jammed sheet, put the pages "
          "not yet scanned back in the feeder and press Resume."};
    case FaultKind::CoverOpen:
      return {"Nắp máy quét đang mở. Đóng nắp rồi bấm Tiếp tục.",
              "The scanner cover is open. Close it and press Resume."};
    case FaultKind::NoDocuments:
      return {"Khay nạp giấy trống. Đặt tài liệu vào khay rồi bấm Tiếp tục, hoặc bấm Kết thúc lô.",
              "The document feeder is empty. Load the pages and press Resume, or Close the batch."};
    case FaultKind::IoError:
      return {"Lỗi giao tiếp với máy quét. Kiểm tra cáp và nguồn điện rồi bấm Tiếp tục.",
              "Communication with the scanner failed. Check the cable and the power, then press "
              "Resume."};
    case FaultKind::DeviceGone:
      return {
          "Không tìm thấy máy quét (đã rút cáp, mất mạng hoặc tắt máy?). Kết nối lại, bật máy "
          "rồi bấm Tiếp tục.",
          "The scanner cannot be found (unplugged, off the network or switched off?). "
          "Reconnect it, switch it on and press Resume."};
    case FaultKind::Busy:
      return {"Máy quét đang bận (một chương trình khác đang dùng). Đợi một lát rồi bấm Tiếp tục.",
              "The scanner is busy (another program is using it). Wait a moment and press Resume."};
    case FaultKind::AccessDenied:
      return {"Không có quyền sử dụng máy quét. Nhờ quản trị viên cấp quyền (nhóm scanner).",
              "No permission to use the scanner. Ask the administrator for access (the scanner "
              "group)."};
    case FaultKind::OutOfMemory:
      return {"Máy quét hết bộ nhớ. Giảm độ phân giải hoặc quét ít trang hơn mỗi lần.",
              "The scanner ran out of memory. Lower the resolution or scan fewer pages at a time."};
    case FaultKind::Cancelled:
      return {"Việc quét đã bị hủy trên máy quét. Bấm Tiếp tục để quét tiếp.",
              "Scanning was cancelled at the scanner. Press Resume to continue."};
    case FaultKind::Unsupported:
      return {
          "Máy quét không chấp nhận thiết lập này (nguồn giấy, chế độ màu, độ phân giải). Chọn "
          "thiết lập khác.",
          "The scanner refused these settings (paper source, colour mode or resolution). "
          "Choose other settings."};
    case FaultKind::NotResponding:
      return {"Máy quét không phản hồi. Tắt máy quét, bật lại, kiểm tra cáp rồi bấm Tiếp tục.",
              "The scanner stopped responding. Switch it off and on again, check the cable, then "
              "press Resume."};
  }
  return {"Lỗi máy quét.", "Scanner error."};
}

}  // namespace

std::string_view to_string(ScanSource source) {
  switch (source) {
    case ScanSource::Flatbed:
      return "flatbed";
    case ScanSource::Adf:
      return "adf";
    case ScanSource::AdfDuplex:
      return "adf-duplex";
  }
  return "unknown";
}

std::string_view to_string(ScanMode mode) {
  switch (mode) {
    case ScanMode::Color:
      return "color";
    case ScanMode::Gray:
      return "gray";
    case ScanMode::Lineart:
      return "lineart";
  }
  return "unknown";
}

std::optional<ScanSource> source_from_string(std::string_view name) {
  const auto lower = lowercase(name);
  for (auto source : {ScanSource::Flatbed, ScanSource::Adf, ScanSource::AdfDuplex}) {
    if (to_string(source) == lower) return source;
  }
  if (lower == "duplex") return ScanSource::AdfDuplex;
  return std::nullopt;
}

std::optional<ScanMode> mode_from_string(std::string_view name) {
  const auto lower = lowercase(name);
  if (lower == "color" || lower == "colour") return ScanMode::Color;
  if (lower == "gray" || lower == "grey") return ScanMode::Gray;
  if (lower == "lineart" || lower == "bilevel" || lower == "bw") return ScanMode::Lineart;
  return std::nullopt;
}

std::optional<PageSize> page_size_from_string(std::string_view name) {
  const auto lower = lowercase(name);
  if (lower == "a4") return kPageA4;
  if (lower == "a5") return kPageA5;
  if (lower == "legal") return kPageLegal;
  const auto x = lower.find('x');
  if (x == std::string::npos) return std::nullopt;
  PageSize size;
  const char* begin = lower.data();
  auto width = std::from_chars(begin, begin + x, size.width_mm);
  auto height = std::from_chars(begin + x + 1, begin + lower.size(), size.height_mm);
  if (width.ec != std::errc() || width.ptr != begin + x || height.ec != std::errc() ||
      height.ptr != begin + lower.size() || size.width_mm <= 0 || size.height_mm <= 0) {
    return std::nullopt;
  }
  return size;
}

std::string_view to_string(FaultKind kind) {
  switch (kind) {
    case FaultKind::Jammed:
      return "jammed";
    case FaultKind::CoverOpen:
      return "cover-open";
    case FaultKind::NoDocuments:
      return "no-documents";
    case FaultKind::IoError:
      return "io-error";
    case FaultKind::DeviceGone:
      return "device-gone";
    case FaultKind::Busy:
      return "busy";
    case FaultKind::AccessDenied:
      return "access-denied";
    case FaultKind::OutOfMemory:
      return "out-of-memory";
    case FaultKind::Cancelled:
      return "cancelled";
    case FaultKind::Unsupported:
      return "unsupported";
    case FaultKind::NotResponding:
      return "not-responding";
  }
  return "unknown";
}

ScannerFault make_fault(FaultKind kind, std::string device, int pages_before, std::string detail) {
  ScannerFault fault;
  fault.kind = kind;
  fault.device = std::move(device);
  fault.pages_before = pages_before;
  fault.detail = std::move(detail);
  const auto text = text_for(kind);
  fault.message_vi = text.vi;
  fault.message_en = text.en;
  if (pages_before > 0) {
    fault.message_vi += " Đã giữ lại " + std::to_string(pages_before) + " trang đã quét.";
    fault.message_en += pages_before == 1 ? std::string(" The 1 page scanned so far is kept.")
                                          : " The " + std::to_string(pages_before) +
                                                " pages scanned so far are kept.";
  }
  return fault;
}

ScannerError::ScannerError(ScannerFault fault)
    : Error(ErrorCode::ScannerFault,
            fault.message_en + (fault.detail.empty() ? "" : " (" + fault.detail + ")"),
            {fault.device}),
      fault_(std::move(fault)) {}

}  // namespace sohoa::scanners
