#pragma once
// A private SANE configuration for the tests: only the `test` backend (a
// frontend tester that simulates scanner statuses) and the `pnm` backend (reads
// a PNM file as the scan) are enabled, whatever the machine has in /etc/sane.d.

#include <cstdlib>
#include <string>

#include "test_support.hpp"

namespace sohoa::test {

class SaneTestConfig {
 public:
  SaneTestConfig() : dir_(process_dir()) {
    write_text(dir_ / "dll.conf", "test\npnm\n");
    // Two frontend-tester devices (test:0, test:1), as the backend's default.
    write_text(dir_ / "test.conf", "number_of_devices 2\n");
    const char* previous = std::getenv("SANE_CONFIG_DIR");
    if (previous != nullptr) previous_ = previous;
    had_previous_ = previous != nullptr;
    ::setenv("SANE_CONFIG_DIR", dir_.c_str(), 1);
  }
  ~SaneTestConfig() {
    if (had_previous_) {
      ::setenv("SANE_CONFIG_DIR", previous_.c_str(), 1);
    } else {
      ::unsetenv("SANE_CONFIG_DIR");
    }
  }
  SaneTestConfig(const SaneTestConfig&) = delete;
  SaneTestConfig& operator=(const SaneTestConfig&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return dir_; }

 private:
  // SANE remembers the configuration folder it first read for the whole
  // process, so every test of a process writes its configuration into one folder.
  static const std::filesystem::path& process_dir() {
    static const ScratchDir dir;
    return dir.path();
  }

  std::filesystem::path dir_;
  std::string previous_;
  bool had_previous_ = false;
};

}  // namespace sohoa::test
