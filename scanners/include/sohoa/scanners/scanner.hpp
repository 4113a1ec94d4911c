#pragma once
// Counter scanners through SANE: list the devices, scan a feeder stack page by
// page as the scanner delivers it, and turn every scanner status into a fault
// counter staff can act on (Vietnamese and English), keeping the pages already
// scanned. Network scanners (eSCL/AirScan, WSD) appear through SANE's `airscan`
// backend like USB ones; see docs/scanners.md.
//
// Usage:
//   ScanSession session("fujitsu:fi-7160:123", {ScanSource::AdfDuplex, 300, ScanMode::Gray});
//   for (;;) {
//     auto result = session.scan_stack([&](ScannedPage page) { spool(page); });
//     if (!result.fault) break;                    // feeder empty: the batch is complete
//     show(result.fault->message_vi);              // "Kẹt giấy..." -> staff clears it
//     if (!staff_wants_to_resume()) break;         // close: pages so far are kept
//   }

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "sohoa/core/error.hpp"
#include "sohoa/core/image.hpp"

namespace sohoa::scanners {

struct DeviceInfo {
  std::string name;  // what ScanSession takes, e.g. "airscan:e0:Canon MF240" or "test:0"
  std::string vendor;
  std::string model;
  std::string type;  // "flatbed scanner", "sheetfed scanner", "virtual device"...
};

// Every device SANE finds; `local_only` skips network backends (faster).
// Throws ScannerError when SANE (or its helper process) cannot start or hangs.
std::vector<DeviceInfo> list_devices(bool local_only = false);

enum class ScanSource : std::uint8_t { Flatbed, Adf, AdfDuplex };
enum class ScanMode : std::uint8_t { Color, Gray, Lineart };  // lineart: bilevel 0/255 gray

struct PageSize {
  double width_mm = 0;
  double height_mm = 0;
};
inline constexpr PageSize kPageA4{210.0, 297.0};
inline constexpr PageSize kPageA5{148.0, 210.0};
inline constexpr PageSize kPageLegal{215.9, 355.6};

std::string_view to_string(ScanSource source);
std::string_view to_string(ScanMode mode);
std::optional<ScanSource> source_from_string(std::string_view name);   // flatbed, adf, adf-duplex
std::optional<ScanMode> mode_from_string(std::string_view name);       // color, gray, lineart
std::optional<PageSize> page_size_from_string(std::string_view name);  // a4, a5, legal, WxH (mm)

struct ScanSettings {
  ScanSource source = ScanSource::Adf;
  int resolution_dpi = 300;
  ScanMode mode = ScanMode::Gray;
  std::optional<PageSize> page_size;  // none: the scanner's whole area
  // Backend-specific options by SANE name, applied after the settings above,
  // e.g. {"swdeskew", "yes"} on a Fujitsu.
  std::vector<std::pair<std::string, std::string>> device_options;
  // A scanner that sends nothing for this long while scanning is taken as hung:
  // its helper process is stopped and the batch gets a not-responding fault,
  // the pages so far kept. Generous, as some flatbeds warm their lamp first.
  std::chrono::milliseconds stall_limit{std::chrono::seconds(120)};
};

enum class FaultKind : std::uint8_t {
  Jammed,         // paper jam (kẹt giấy)
  CoverOpen,      // cover or feeder door open (nắp mở)
  NoDocuments,    // the feeder is empty at the start of a stack (khay trống)
  IoError,        // communication failed (lỗi giao tiếp)
  DeviceGone,     // unplugged, switched off, or not found (mất kết nối)
  Busy,           // another program holds the scanner
  AccessDenied,   // no permission for the device
  OutOfMemory,    // the scanner or backend ran out of memory
  Cancelled,      // cancelled at the device
  Unsupported,    // the device refused the settings
  NotResponding,  // the scanner or its driver stopped answering mid-scan (máy không phản hồi)
};

std::string_view to_string(FaultKind kind);

struct ScannerFault {
  FaultKind kind = FaultKind::IoError;
  std::string device;
  std::string message_vi;  // for counter staff, says what to do
  std::string message_en;
  int pages_before = 0;  // pages of this batch delivered before the fault; they are kept
  std::string detail;    // SANE's own words, for the log
};

// Fills the messages for `kind`.
ScannerFault make_fault(FaultKind kind, std::string device, int pages_before,
                        std::string detail = {});

// Thrown when a scanner cannot even be opened or set up (the fault says why).
class ScannerError : public Error {
 public:
  explicit ScannerError(ScannerFault fault);
  [[nodiscard]] const ScannerFault& fault() const noexcept { return fault_; }

 private:
  ScannerFault fault_;
};

struct ScannedPage {
  Image image;             // gray/RGB 8-bit; lineart as 0/255 gray with mode Bilevel
  int number = 0;          // 0-based within the batch (the whole session)
  bool back_side = false;  // duplex: the back of the sheet
};

// The feeder ran out after at least one page: the stack is done.
struct StackEnd {
  int pages_in_stack = 0;
};

using ScanEvent = std::variant<ScannedPage, StackEnd, ScannerFault>;

struct StackResult {
  int pages = 0;  // delivered by this call
  std::optional<ScannerFault> fault;
};

// One batch on one scanner. Not thread-safe: one thread drives a session.
// libsane runs in a `sohoa-sane-worker` child process per session, never in the
// caller's: a backend that hangs or crashes becomes a fault (not-responding,
// io-error) and the next call starts a fresh helper. The helper is found through
// $SOHOA_SANE_WORKER, beside the running executable, or in the build tree.
class ScanSession {
 public:
  // Opens and sets up the device; throws ScannerError (device gone, busy,
  // access denied) or Error(InvalidArgument) when it cannot do the settings
  // (e.g. ADF on a flatbed-only device).
  ScanSession(std::string device, ScanSettings settings);
  ~ScanSession();
  ScanSession(const ScanSession&) = delete;
  ScanSession& operator=(const ScanSession&) = delete;
  ScanSession(ScanSession&&) noexcept;
  ScanSession& operator=(ScanSession&&) noexcept;

  // Pull: the next page as soon as the scanner has delivered it, the end of the
  // stack, or a fault. After a fault, calling next() again resumes the batch
  // (the staff cleared the jam/closed the cover/reconnected the device); a page
  // that was cut short by the fault is not delivered and is scanned again.
  // Flatbed: one page per stack.
  ScanEvent next();

  // Push: scans until the stack ends or a fault stops it, handing each page to
  // `on_page` as it arrives.
  StackResult scan_stack(const std::function<void(ScannedPage)>& on_page);

  // Sets a backend option by its SANE name (kept for re-opens after a fault).
  // Throws Error(InvalidArgument) for an unknown or inactive option.
  void set_device_option(const std::string& name, const std::string& value);

  // Ends the batch: the scanner is released; pages delivered stay delivered.
  void close();

  [[nodiscard]] int pages_delivered() const;
  [[nodiscard]] const std::string& device() const;
  [[nodiscard]] int resolution_dpi() const;  // what the scanner actually uses

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sohoa::scanners
