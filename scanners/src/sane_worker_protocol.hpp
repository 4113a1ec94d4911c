#pragma once
// The messages between a ScanSession and its `sohoa-sane-worker` child process.
//
// libsane runs in the child because a backend can hang or poison the process it
// runs in (sanei_thread cancels reader threads asynchronously, which can leave a
// malloc lock taken; see docs/scanners.md). The parent only reads from a socket
// with a deadline, so a hung backend becomes a fault and the child is killed.
//
// A message is a one-byte type, a four-byte little-endian payload length and the
// payload: fields in a fixed order, integers little-endian, strings and byte
// blocks length-prefixed. Either side checks every length before using it.

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sohoa/core/image.hpp"
#include "sohoa/scanners/scanner.hpp"

namespace sohoa::scanners::worker {

enum class MessageType : std::uint8_t {
  // Requests (parent -> child).
  ListDevices = 1,  // u8 local_only
  Open = 2,         // string device, settings
  Next = 3,         // (empty)
  SetOption = 4,    // string name, string value
  Close = 5,        // (empty): release the device and exit
  // Replies (child -> parent).
  Devices = 20,   // u32 count, then name, vendor, model, type per device
  Opened = 21,    // f64 resolution the device uses
  Page = 22,      // u8 back_side, image
  StackEnd = 23,  // i32 pages in the stack
  Fault = 24,     // fault
  Progress = 25,  // u64 bytes read of the page so far: the backend is alive
  Done = 26,      // (empty): the request succeeded
  Refused = 27,   // u8 is_scanner_fault, then fault or (u8 error code, string message)
};

// The largest page we accept from the child (a 600 dpi A3 colour page is ~210 MB).
inline constexpr std::uint32_t kMaxPayloadBytes = 1024U * 1024U * 1024U;

struct Message {
  MessageType type = MessageType::Done;
  std::vector<std::uint8_t> payload;
};

class PayloadWriter {
 public:
  void put_u8(std::uint8_t value) { bytes_.push_back(value); }
  void put_u32(std::uint32_t value);
  void put_u64(std::uint64_t value);
  void put_i32(std::int32_t value) { put_u32(static_cast<std::uint32_t>(value)); }
  void put_f64(double value);
  void put_string(const std::string& text);
  void put_bytes(std::span<const std::uint8_t> block);
  [[nodiscard]] std::vector<std::uint8_t> take() { return std::move(bytes_); }

 private:
  std::vector<std::uint8_t> bytes_;
};

// Reads what PayloadWriter wrote; throws Error(Internal) on a short or malformed payload.
class PayloadReader {
 public:
  explicit PayloadReader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}
  std::uint8_t get_u8();
  std::uint32_t get_u32();
  std::uint64_t get_u64();
  std::int32_t get_i32() { return static_cast<std::int32_t>(get_u32()); }
  double get_f64();
  std::string get_string();
  std::vector<std::uint8_t> get_bytes();
  [[nodiscard]] bool at_end() const { return offset_ == bytes_.size(); }

 private:
  std::span<const std::uint8_t> take(std::size_t count);
  std::span<const std::uint8_t> bytes_;
  std::size_t offset_ = 0;
};

void put_settings(PayloadWriter& out, const ScanSettings& settings);
ScanSettings get_settings(PayloadReader& in);
void put_fault(PayloadWriter& out, const ScannerFault& fault);
ScannerFault get_fault(PayloadReader& in);
void put_image(PayloadWriter& out, const Image& image);
Image get_image(PayloadReader& in);  // checks the pixel count against the dimensions

// Writes one whole message; false when the other side is gone (never raises SIGPIPE).
bool write_message(int fd, MessageType type, std::span<const std::uint8_t> payload = {});

enum class ReadOutcome : std::uint8_t { Message, Stalled, Closed };

struct ReadResult {
  ReadOutcome outcome = ReadOutcome::Closed;
  Message message;
};

// Reads one message. `stall_limit` bounds the wait for each next byte (not the
// whole message, so a large page that keeps flowing is never cut); none waits
// forever. A malformed header (unknown length over the limit) is reported as Closed.
ReadResult read_message(int fd, std::optional<std::chrono::milliseconds> stall_limit);

}  // namespace sohoa::scanners::worker
