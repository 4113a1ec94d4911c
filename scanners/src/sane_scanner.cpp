// ScanSession and list_devices: drive a sohoa-sane-worker child process (which
// holds libsane) through a socket, with a watchdog on every wait. A hung helper
// is killed and reported as a fault; a helper that reported a fault is retired
// and the next call starts a fresh one, so no process that went through a
// backend's cancel path is ever used again (see docs/scanners.md).
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>

#include "sane_worker_protocol.hpp"
#include "sohoa/scanners/scanner.hpp"

extern char** environ;  // NOLINT: POSIX

namespace sohoa::scanners {

namespace {

using namespace worker;

// How long the helper may take to open a device or list them (network
// backends discover for a few seconds), and to exit when asked to close.
constexpr std::chrono::seconds kOpenLimit{60};
constexpr std::chrono::seconds kListLimit{90};
constexpr std::chrono::milliseconds kCloseGrace{3000};

std::filesystem::path worker_executable() {
  if (const char* chosen = std::getenv("SOHOA_SANE_WORKER"); chosen != nullptr && *chosen != 0) {
    return chosen;
  }
  std::error_code error;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", error);
  if (!error) {
    auto beside = self.parent_path() / "sohoa-sane-worker";
    if (std::filesystem::exists(beside, error)) return beside;
  }
  return SOHOA_SANE_WORKER_BUILD_PATH;
}

std::string describe_exit(int status) {
  if (WIFSIGNALED(status)) {
    return "the scanner helper was killed by signal " + std::to_string(WTERMSIG(status)) + " (" +
           strsignal(WTERMSIG(status)) + ")";
  }
  if (WIFEXITED(status)) {
    return "the scanner helper exited with status " + std::to_string(WEXITSTATUS(status));
  }
  return "the scanner helper stopped";
}

// One sohoa-sane-worker process and our end of its socket.
class WorkerProcess {
 public:
  // Throws ScannerError(IoError) naming the executable when it cannot start.
  explicit WorkerProcess(const std::string& device) {
    int ends[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0) {
      throw ScannerError(make_fault(FaultKind::IoError, device, 0,
                                    std::string("socketpair: ") + std::strerror(errno)));
    }
    socket_ = ends[0];
    int child_end = ends[1];
    // dup2(3, 3) would keep close-on-exec: move the child's end off fd 3 first.
    if (child_end == 3) {
      child_end = ::fcntl(3, F_DUPFD_CLOEXEC, 4);
      ::close(3);
    }
    const auto executable = worker_executable();
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, child_end, 3);
    char name[] = "sohoa-sane-worker";
    char* argv[] = {name, nullptr};
    const int failed = ::posix_spawn(&pid_, executable.c_str(), &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(child_end);
    if (failed != 0) {
      ::close(socket_);
      socket_ = -1;
      pid_ = -1;
      throw ScannerError(make_fault(FaultKind::IoError, device, 0,
                                    "cannot start the scanner helper " + executable.string() +
                                        ": " + std::strerror(failed) +
                                        " (set SOHOA_SANE_WORKER to its path)"));
    }
  }
  ~WorkerProcess() { stop(); }
  WorkerProcess(const WorkerProcess&) = delete;
  WorkerProcess& operator=(const WorkerProcess&) = delete;

  // Sends a request and returns the reply, skipping progress messages (each of
  // which restarts the stall limit).
  ReadResult ask(MessageType type, std::span<const std::uint8_t> payload,
                 std::chrono::milliseconds stall_limit) {
    if (!write_message(socket_, type, payload)) return {ReadOutcome::Closed, {}};
    for (;;) {
      auto reply = read_message(socket_, stall_limit);
      if (reply.outcome != ReadOutcome::Message || reply.message.type != MessageType::Progress) {
        return reply;
      }
    }
  }

  // Asks the helper to release the device and exit; kills it when it does not
  // within the grace period (its backend may hang in sane_cancel).
  void stop() {
    if (pid_ < 0) return;
    if (socket_ >= 0 && write_message(socket_, MessageType::Close)) {
      (void)read_message(socket_, kCloseGrace);
    }
    reap(kCloseGrace);
  }

  // Kills the helper at once (it stopped answering) and says how it ended.
  std::string kill_now() {
    if (pid_ < 0) return {};
    ::kill(pid_, SIGKILL);
    return reap(std::chrono::milliseconds(0));
  }

  // After the socket closed unexpectedly: how the helper ended.
  std::string ended() { return reap(kCloseGrace); }

 private:
  // Waits up to `grace` for the helper to exit, then kills it; closes our end.
  std::string reap(std::chrono::milliseconds grace) {
    if (socket_ >= 0) {
      ::close(socket_);  // the helper's watcher exits on this hang-up
      socket_ = -1;
    }
    if (pid_ < 0) return {};
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + grace;
    pid_t done = 0;
    while ((done = ::waitpid(pid_, &status, WNOHANG)) == 0 &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (done == 0) {
      ::kill(pid_, SIGKILL);
      while ((done = ::waitpid(pid_, &status, 0)) < 0 && errno == EINTR) {
      }
    }
    pid_ = -1;
    return done > 0 ? describe_exit(status) : std::string("the scanner helper is gone");
  }

  pid_t pid_ = -1;
  int socket_ = -1;
};

// Turns a Refused reply back into the error the helper raised.
[[noreturn]] void rethrow_refusal(const Message& reply, const std::string& device,
                                  int pages_before) {
  PayloadReader in(reply.payload);
  if (in.get_u8() != 0) {
    const auto fault = get_fault(in);
    throw ScannerError(make_fault(fault.kind, device, pages_before, fault.detail));
  }
  const auto code = in.get_u8();
  auto message = in.get_string();
  if (code > static_cast<std::uint8_t>(ErrorCode::Internal)) {
    throw Error(ErrorCode::Internal, message, {device});
  }
  throw Error(static_cast<ErrorCode>(code), std::move(message), {device});
}

}  // namespace

std::vector<DeviceInfo> list_devices(bool local_only) {
  WorkerProcess helper("sane");
  PayloadWriter out;
  out.put_u8(local_only ? 1 : 0);
  const auto request = out.take();
  auto reply = helper.ask(MessageType::ListDevices, request, kListLimit);
  if (reply.outcome == ReadOutcome::Stalled) {
    helper.kill_now();
    throw ScannerError(make_fault(
        FaultKind::NotResponding, "sane", 0,
        "listing the scanners did not finish within " + std::to_string(kListLimit.count()) + " s"));
  }
  if (reply.outcome == ReadOutcome::Closed) {
    throw ScannerError(make_fault(FaultKind::IoError, "sane", 0, helper.ended()));
  }
  if (reply.message.type == MessageType::Refused) rethrow_refusal(reply.message, "sane", 0);
  if (reply.message.type != MessageType::Devices) {
    throw Error(ErrorCode::Internal, "unexpected reply from the scanner helper to a listing");
  }
  PayloadReader in(reply.message.payload);
  std::vector<DeviceInfo> devices;
  const auto count = in.get_u32();  // each entry is read (and bounds-checked) below
  for (std::uint32_t i = 0; i < count; ++i) {
    DeviceInfo found;
    found.name = in.get_string();
    found.vendor = in.get_string();
    found.model = in.get_string();
    found.type = in.get_string();
    devices.push_back(std::move(found));
  }
  return devices;
}

class ScanSession::Impl {
 public:
  Impl(std::string device, ScanSettings settings)
      : device_(std::move(device)), settings_(std::move(settings)) {
    start_helper();
  }
  ~Impl() { close(); }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  ScanEvent next();
  void set_device_option(const std::string& name, const std::string& value);
  void close() {
    helper_.reset();
    closed_ = true;
  }

  std::string device_;
  ScanSettings settings_;
  int pages_delivered_ = 0;
  double resolution_ = 0;

 private:
  // Starts a helper and opens the device in it; throws ScannerError or Error.
  void start_helper();
  ScannerFault fault(FaultKind kind, std::string detail) const {
    return make_fault(kind, device_, pages_delivered_, std::move(detail));
  }

  std::unique_ptr<WorkerProcess> helper_;  // none after a fault: the next call starts one
  bool closed_ = false;
};

void ScanSession::Impl::start_helper() {
  auto helper = std::make_unique<WorkerProcess>(device_);
  PayloadWriter out;
  out.put_string(device_);
  put_settings(out, settings_);
  const auto request = out.take();
  auto reply = helper->ask(MessageType::Open, request, kOpenLimit);
  if (reply.outcome == ReadOutcome::Stalled) {
    helper->kill_now();
    throw ScannerError(fault(
        FaultKind::NotResponding,
        "opening the scanner did not finish within " + std::to_string(kOpenLimit.count()) + " s"));
  }
  if (reply.outcome == ReadOutcome::Closed) {
    throw ScannerError(fault(FaultKind::IoError, helper->ended()));
  }
  if (reply.message.type == MessageType::Refused) {
    rethrow_refusal(reply.message, device_, pages_delivered_);
  }
  if (reply.message.type != MessageType::Opened) {
    throw Error(ErrorCode::Internal, "unexpected reply from the scanner helper to open", {device_});
  }
  PayloadReader in(reply.message.payload);
  resolution_ = in.get_f64();
  helper_ = std::move(helper);
}

ScanEvent ScanSession::Impl::next() {
  if (closed_) throw Error(ErrorCode::InvalidArgument, "the scan session is closed", {device_});
  if (!helper_) {
    // Resuming after a fault: a fresh helper, the device opened again with the
    // same settings (it may have been unplugged and plugged back meanwhile).
    try {
      start_helper();
    } catch (const ScannerError& error) {
      return fault(error.fault().kind, error.fault().detail);
    }
  }
  auto reply = helper_->ask(MessageType::Next, {}, settings_.stall_limit);
  if (reply.outcome == ReadOutcome::Stalled) {
    const auto how = helper_->kill_now();
    helper_.reset();
    return fault(FaultKind::NotResponding,
                 "no data from the scanner for " +
                     std::to_string(static_cast<double>(settings_.stall_limit.count()) / 1000.0) +
                     " s; " + how);
  }
  if (reply.outcome == ReadOutcome::Closed) {
    const auto how = helper_->ended();
    helper_.reset();
    return fault(FaultKind::IoError, how);
  }
  PayloadReader in(reply.message.payload);
  switch (reply.message.type) {
    case MessageType::Page: {
      ScannedPage page;
      page.back_side = in.get_u8() != 0;
      page.image = get_image(in);
      page.number = pages_delivered_++;
      return page;
    }
    case MessageType::StackEnd:
      return StackEnd{in.get_i32()};
    case MessageType::Fault: {
      const auto problem = get_fault(in);
      helper_.reset();  // closes the device politely, or kills a helper stuck in sane_cancel
      return fault(problem.kind, problem.detail);
    }
    case MessageType::Refused:
      helper_.reset();
      rethrow_refusal(reply.message, device_, pages_delivered_);
    default:
      helper_.reset();
      throw Error(ErrorCode::Internal, "unexpected reply from the scanner helper to next",
                  {device_});
  }
}

void ScanSession::Impl::set_device_option(const std::string& name, const std::string& value) {
  if (helper_) {
    PayloadWriter out;
    out.put_string(name);
    out.put_string(value);
    const auto request = out.take();
    auto reply = helper_->ask(MessageType::SetOption, request, kOpenLimit);
    if (reply.outcome != ReadOutcome::Message) {
      // The helper is gone or hung: the option is applied when the next call reopens.
      helper_.reset();
    } else if (reply.message.type == MessageType::Refused) {
      rethrow_refusal(reply.message, device_, pages_delivered_);
    }
  }
  // Remember it so a re-open after a fault sets it again.
  auto& options = settings_.device_options;
  std::erase_if(options, [&](const auto& entry) { return entry.first == name; });
  options.emplace_back(name, value);
}

ScanSession::ScanSession(std::string device, ScanSettings settings)
    : impl_(std::make_unique<Impl>(std::move(device), std::move(settings))) {}
ScanSession::~ScanSession() = default;
ScanSession::ScanSession(ScanSession&&) noexcept = default;
ScanSession& ScanSession::operator=(ScanSession&&) noexcept = default;

ScanEvent ScanSession::next() {
  return impl_->next();
}

StackResult ScanSession::scan_stack(const std::function<void(ScannedPage)>& on_page) {
  StackResult result;
  for (;;) {
    auto event = impl_->next();
    if (auto* page = std::get_if<ScannedPage>(&event)) {
      ++result.pages;
      on_page(std::move(*page));
    } else if (auto* problem = std::get_if<ScannerFault>(&event)) {
      result.fault = std::move(*problem);
      return result;
    } else {
      return result;
    }
  }
}

void ScanSession::set_device_option(const std::string& name, const std::string& value) {
  impl_->set_device_option(name, value);
}

void ScanSession::close() {
  impl_->close();
}
int ScanSession::pages_delivered() const {
  return impl_->pages_delivered_;
}
const std::string& ScanSession::device() const {
  return impl_->device_;
}
int ScanSession::resolution_dpi() const {
  return static_cast<int>(std::lround(impl_->resolution_));
}

}  // namespace sohoa::scanners
