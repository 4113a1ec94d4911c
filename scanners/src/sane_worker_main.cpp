// sohoa-sane-worker: runs one scan session (or one device listing) for a
// ScanSession of the parent process, over the socket the parent passes as fd 3.
// It holds libsane so the service never does: a backend that hangs or breaks the
// process takes only this helper down. It exits when asked to close, or at once
// when the parent hangs up (even while stuck inside the backend).
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "sane_device.hpp"
#include "sane_worker_protocol.hpp"

namespace {

using namespace sohoa;
using namespace sohoa::scanners;
using namespace sohoa::scanners::worker;

constexpr int kParentSocket = 3;
// Often enough for any sensible stall limit, rare enough to cost nothing.
constexpr auto kProgressInterval = std::chrono::milliseconds(200);

// The parent closing its end means it gave up on us (watchdog, close, crash):
// nothing we could still send matters, and the backend may be stuck.
void exit_when_the_parent_hangs_up(int fd) {
  std::thread([fd] {
    pollfd watch{fd, POLLRDHUP, 0};
    while (::poll(&watch, 1, -1) < 0 && errno == EINTR) {
    }
    ::_exit(3);
  }).detach();
}

void send(int fd, MessageType type, PayloadWriter& payload) {
  const auto bytes = payload.take();
  if (!write_message(fd, type, bytes)) ::_exit(3);
}

void send(int fd, MessageType type) {
  if (!write_message(fd, type)) ::_exit(3);
}

void refuse(int fd, const Error& error) {
  PayloadWriter out;
  if (const auto* fault = dynamic_cast<const ScannerError*>(&error)) {
    out.put_u8(1);
    put_fault(out, fault->fault());
  } else {
    out.put_u8(0);
    out.put_u8(static_cast<std::uint8_t>(error.code()));
    out.put_string(error.message());
  }
  send(fd, MessageType::Refused, out);
}

void next_page(int fd, SaneDevice& device) {
  auto last_progress = std::chrono::steady_clock::now();
  auto progress = [&](std::uint64_t bytes) {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_progress < kProgressInterval) return;
    last_progress = now;
    PayloadWriter out;
    out.put_u64(bytes);
    send(fd, MessageType::Progress, out);
  };
  auto event = device.next(progress);
  PayloadWriter out;
  if (auto* page = std::get_if<SaneDevice::PageRead>(&event)) {
    out.put_u8(page->back_side ? 1 : 0);
    put_image(out, page->image);
    page->image.pixels = {};  // the payload holds its copy; keep one page in memory
    send(fd, MessageType::Page, out);
  } else if (auto* end = std::get_if<StackEnd>(&event)) {
    out.put_i32(end->pages_in_stack);
    send(fd, MessageType::StackEnd, out);
  } else {
    put_fault(out, std::get<ScannerFault>(event));
    send(fd, MessageType::Fault, out);
  }
}

int serve(int fd) {
  std::unique_ptr<SaneDevice> device;
  for (;;) {
    auto request = read_message(fd, std::nullopt);
    if (request.outcome != ReadOutcome::Message) return 0;  // the parent is gone
    PayloadReader in(request.message.payload);
    try {
      switch (request.message.type) {
        case MessageType::ListDevices: {
          const auto devices = SaneDevice::list(in.get_u8() != 0);
          PayloadWriter out;
          out.put_u32(static_cast<std::uint32_t>(devices.size()));
          for (const auto& found : devices) {
            out.put_string(found.name);
            out.put_string(found.vendor);
            out.put_string(found.model);
            out.put_string(found.type);
          }
          send(fd, MessageType::Devices, out);
          break;
        }
        case MessageType::Open: {
          auto name = in.get_string();
          auto settings = get_settings(in);
          device.reset();
          device = std::make_unique<SaneDevice>(std::move(name), std::move(settings));
          PayloadWriter out;
          out.put_f64(device->resolution());
          send(fd, MessageType::Opened, out);
          break;
        }
        case MessageType::Next:
          if (!device) throw Error(ErrorCode::Internal, "no device is open in the scanner helper");
          next_page(fd, *device);
          break;
        case MessageType::SetOption: {
          if (!device) throw Error(ErrorCode::Internal, "no device is open in the scanner helper");
          auto name = in.get_string();
          auto value = in.get_string();
          device->set_device_option(name, value);
          send(fd, MessageType::Done);
          break;
        }
        case MessageType::Close:
          if (device) device->close();
          device.reset();  // sane_exit
          send(fd, MessageType::Done);
          return 0;
        default:
          throw Error(ErrorCode::Internal, "the scanner helper got a reply, not a request");
      }
    } catch (const Error& error) {
      refuse(fd, error);
    } catch (const std::exception& error) {
      refuse(fd, Error(ErrorCode::Internal, error.what()));
    }
  }
}

}  // namespace

int main() {
  // Alone, the helper has no use: it only talks to a parent on fd 3.
  pollfd probe{kParentSocket, 0, 0};
  if (::poll(&probe, 1, 0) < 0 || (probe.revents & POLLNVAL) != 0) {
    static const char kUsage[] = "sohoa-sane-worker is started by sohoa; it is not run by hand\n";
    [[maybe_unused]] const auto written = ::write(2, kUsage, sizeof kUsage - 1);
    return 2;
  }
  exit_when_the_parent_hangs_up(kParentSocket);
  return serve(kParentSocket);
}
