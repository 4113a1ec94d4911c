#pragma once
// Running a Service in-process with its HTTP API on a free 127.0.0.1 port, and
// a small HTTP client for the tests.

#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "sohoa/service/service.hpp"

namespace sohoa::service::test {

struct HttpResult {
  int status = 0;  // 0: no answer
  std::string body;
};

HttpResult http_get(int port, const std::string& path);
// multipart/form-data with one part per file (name, bytes).
HttpResult http_upload(int port, const std::vector<std::pair<std::string, std::string>>& files,
                       const std::string& label = "test");
HttpResult http_post(int port, const std::string& path);

// A config for tests: data under `data_dir`, any free port, fast hot folders.
ServiceConfig test_config(const std::filesystem::path& data_dir);

class RunningService {
 public:
  explicit RunningService(ServiceConfig config);
  ~RunningService();  // request_stop + join
  RunningService(const RunningService&) = delete;
  RunningService& operator=(const RunningService&) = delete;
  [[nodiscard]] int port() const { return port_; }
  Service& service() { return *service_; }
  int stop();  // the exit code of run()

 private:
  std::unique_ptr<Service> service_;
  std::thread thread_;
  int port_ = 0;
  int exit_code_ = -1;
};

std::string file_bytes(const std::filesystem::path& path);

// Polls `condition` every 100 ms up to `tries` times.
template <typename Condition>
bool eventually(Condition condition, int tries = 1200) {
  for (int i = 0; i < tries; ++i) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

}  // namespace sohoa::service::test
