// Encoding of the ScanSession <-> sohoa-sane-worker messages (see the header).
#include "sane_worker_protocol.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <bit>
#include <cerrno>
#include <cstring>

#include "sohoa/core/error.hpp"

namespace sohoa::scanners::worker {

namespace {

[[noreturn]] void malformed(const std::string& what) {
  throw Error(ErrorCode::Internal, "malformed message from the scanner helper: " + what);
}

bool known_type(std::uint8_t type) {
  return (type >= static_cast<std::uint8_t>(MessageType::ListDevices) &&
          type <= static_cast<std::uint8_t>(MessageType::Close)) ||
         (type >= static_cast<std::uint8_t>(MessageType::Devices) &&
          type <= static_cast<std::uint8_t>(MessageType::Refused));
}

// Reads exactly `size` bytes; each wait for more bytes is bounded by `stall_limit`.
ReadOutcome read_exact(int fd, std::uint8_t* data, std::size_t size,
                       std::optional<std::chrono::milliseconds> stall_limit) {
  std::size_t done = 0;
  while (done < size) {
    pollfd watch{fd, POLLIN, 0};
    const int timeout = stall_limit ? static_cast<int>(stall_limit->count()) : -1;
    const int ready = ::poll(&watch, 1, timeout);
    if (ready < 0) {
      if (errno == EINTR) continue;
      return ReadOutcome::Closed;
    }
    if (ready == 0) return ReadOutcome::Stalled;
    const ssize_t got = ::recv(fd, data + done, size - done, 0);
    if (got < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return ReadOutcome::Closed;
    }
    if (got == 0) return ReadOutcome::Closed;
    done += static_cast<std::size_t>(got);
  }
  return ReadOutcome::Message;
}

}  // namespace

void PayloadWriter::put_u32(std::uint32_t value) {
  for (int shift = 0; shift < 32; shift += 8) put_u8(static_cast<std::uint8_t>(value >> shift));
}

void PayloadWriter::put_u64(std::uint64_t value) {
  for (int shift = 0; shift < 64; shift += 8) put_u8(static_cast<std::uint8_t>(value >> shift));
}

void PayloadWriter::put_f64(double value) {
  put_u64(std::bit_cast<std::uint64_t>(value));
}

void PayloadWriter::put_string(const std::string& text) {
  put_u32(static_cast<std::uint32_t>(text.size()));
  bytes_.insert(bytes_.end(), text.begin(), text.end());
}

void PayloadWriter::put_bytes(std::span<const std::uint8_t> block) {
  put_u32(static_cast<std::uint32_t>(block.size()));
  bytes_.insert(bytes_.end(), block.begin(), block.end());
}

std::span<const std::uint8_t> PayloadReader::take(std::size_t count) {
  if (count > bytes_.size() - offset_) malformed("a field runs past the end");
  const auto part = bytes_.subspan(offset_, count);
  offset_ += count;
  return part;
}

std::uint8_t PayloadReader::get_u8() {
  return take(1)[0];
}

std::uint32_t PayloadReader::get_u32() {
  const auto part = take(4);
  std::uint32_t value = 0;
  for (int i = 3; i >= 0; --i) value = (value << 8) | part[static_cast<std::size_t>(i)];
  return value;
}

std::uint64_t PayloadReader::get_u64() {
  const auto part = take(8);
  std::uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | part[static_cast<std::size_t>(i)];
  return value;
}

double PayloadReader::get_f64() {
  return std::bit_cast<double>(get_u64());
}

std::string PayloadReader::get_string() {
  const auto part = take(get_u32());
  return {part.begin(), part.end()};
}

std::vector<std::uint8_t> PayloadReader::get_bytes() {
  const auto part = take(get_u32());
  return {part.begin(), part.end()};
}

void put_settings(PayloadWriter& out, const ScanSettings& settings) {
  out.put_u8(static_cast<std::uint8_t>(settings.source));
  out.put_i32(settings.resolution_dpi);
  out.put_u8(static_cast<std::uint8_t>(settings.mode));
  out.put_u8(settings.page_size ? 1 : 0);
  if (settings.page_size) {
    out.put_f64(settings.page_size->width_mm);
    out.put_f64(settings.page_size->height_mm);
  }
  out.put_u32(static_cast<std::uint32_t>(settings.device_options.size()));
  for (const auto& [name, value] : settings.device_options) {
    out.put_string(name);
    out.put_string(value);
  }
}

ScanSettings get_settings(PayloadReader& in) {
  ScanSettings settings;
  const auto source = in.get_u8();
  if (source > static_cast<std::uint8_t>(ScanSource::AdfDuplex)) malformed("source");
  settings.source = static_cast<ScanSource>(source);
  settings.resolution_dpi = in.get_i32();
  const auto mode = in.get_u8();
  if (mode > static_cast<std::uint8_t>(ScanMode::Lineart)) malformed("mode");
  settings.mode = static_cast<ScanMode>(mode);
  if (in.get_u8() != 0) {
    PageSize size;
    size.width_mm = in.get_f64();
    size.height_mm = in.get_f64();
    settings.page_size = size;
  }
  const auto options = in.get_u32();
  for (std::uint32_t i = 0; i < options; ++i) {
    auto name = in.get_string();
    auto value = in.get_string();
    settings.device_options.emplace_back(std::move(name), std::move(value));
  }
  return settings;
}

void put_fault(PayloadWriter& out, const ScannerFault& fault) {
  out.put_u8(static_cast<std::uint8_t>(fault.kind));
  out.put_string(fault.device);
  out.put_i32(fault.pages_before);
  out.put_string(fault.detail);
}

ScannerFault get_fault(PayloadReader& in) {
  const auto kind = in.get_u8();
  if (kind > static_cast<std::uint8_t>(FaultKind::NotResponding)) malformed("fault kind");
  auto device = in.get_string();
  const int pages_before = in.get_i32();
  auto detail = in.get_string();
  // The messages are made here, from the kind, like every other fault.
  return make_fault(static_cast<FaultKind>(kind), std::move(device), pages_before,
                    std::move(detail));
}

void put_image(PayloadWriter& out, const Image& image) {
  out.put_i32(image.width);
  out.put_i32(image.height);
  out.put_i32(image.channels);
  out.put_u8(static_cast<std::uint8_t>(image.mode));
  out.put_f64(image.dpi_x);
  out.put_f64(image.dpi_y);
  out.put_bytes(image.pixels);
}

Image get_image(PayloadReader& in) {
  Image image;
  image.width = in.get_i32();
  image.height = in.get_i32();
  image.channels = in.get_i32();
  const auto mode = in.get_u8();
  if (mode > static_cast<std::uint8_t>(ColorMode::Rgb)) malformed("colour mode");
  image.mode = static_cast<ColorMode>(mode);
  image.dpi_x = in.get_f64();
  image.dpi_y = in.get_f64();
  image.pixels = in.get_bytes();
  if (image.width < 0 || image.height < 0 || (image.channels != 1 && image.channels != 3) ||
      image.pixels.size() != image.stride() * static_cast<std::size_t>(image.height)) {
    malformed("the page's pixels do not match its size");
  }
  return image;
}

bool write_message(int fd, MessageType type, std::span<const std::uint8_t> payload) {
  std::uint8_t header[5];
  header[0] = static_cast<std::uint8_t>(type);
  const auto length = static_cast<std::uint32_t>(payload.size());
  for (int i = 0; i < 4; ++i) header[1 + i] = static_cast<std::uint8_t>(length >> (8 * i));
  auto send_all = [fd](const std::uint8_t* data, std::size_t size) {
    while (size > 0) {
      const ssize_t sent = ::send(fd, data, size, MSG_NOSIGNAL);
      if (sent < 0) {
        if (errno == EINTR) continue;
        return false;
      }
      data += sent;
      size -= static_cast<std::size_t>(sent);
    }
    return true;
  };
  return send_all(header, sizeof header) && send_all(payload.data(), payload.size());
}

ReadResult read_message(int fd, std::optional<std::chrono::milliseconds> stall_limit) {
  ReadResult result;
  std::uint8_t header[5];
  result.outcome = read_exact(fd, header, sizeof header, stall_limit);
  if (result.outcome != ReadOutcome::Message) return result;
  std::uint32_t length = 0;
  for (int i = 3; i >= 0; --i) length = (length << 8) | header[1 + i];
  if (!known_type(header[0]) || length > kMaxPayloadBytes) {
    result.outcome = ReadOutcome::Closed;
    return result;
  }
  result.message.type = static_cast<MessageType>(header[0]);
  result.message.payload.resize(length);
  result.outcome = read_exact(fd, result.message.payload.data(), length, stall_limit);
  return result;
}

}  // namespace sohoa::scanners::worker
