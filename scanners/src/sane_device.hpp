#pragma once
// One SANE device, driven inside the sohoa-sane-worker process (never in the
// service itself): the settings applied, pages read as the scanner delivers them.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "sohoa/core/image.hpp"
#include "sohoa/scanners/scanner.hpp"

namespace sohoa::scanners::worker {

class SaneDevice {
 public:
  struct PageRead {
    Image image;
    bool back_side = false;
  };
  // A fault leaves the device spent: only close() is left (the parent starts a
  // new worker to resume). Fault pages_before is 0: the parent counts pages.
  using Event = std::variant<PageRead, StackEnd, ScannerFault>;
  // Called with the bytes of the current page read so far, after each read.
  using ProgressCallback = std::function<void(std::uint64_t)>;

  static std::vector<DeviceInfo> list(bool local_only);

  // Opens and sets up the device; throws ScannerError or Error(InvalidArgument).
  SaneDevice(std::string device, ScanSettings settings);
  ~SaneDevice();
  SaneDevice(const SaneDevice&) = delete;
  SaneDevice& operator=(const SaneDevice&) = delete;

  Event next(const ProgressCallback& progress);
  void set_device_option(const std::string& name, const std::string& value);
  [[nodiscard]] double resolution() const;
  void close();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sohoa::scanners::worker
