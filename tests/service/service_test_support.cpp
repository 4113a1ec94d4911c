#include "service_test_support.hpp"

#include <httplib.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "test_support.hpp"

namespace sohoa::service::test {

namespace {

HttpResult to_result(const httplib::Result& result) {
  if (!result) return {};
  return {result->status, result->body};
}

httplib::Client client(int port) {
  httplib::Client http("127.0.0.1", port);
  http.set_read_timeout(300, 0);  // an upload answers after the spool commit only
  return http;
}

}  // namespace

HttpResult http_get(int port, const std::string& path) {
  auto http = client(port);
  return to_result(http.Get(path));
}

HttpResult http_post(int port, const std::string& path) {
  auto http = client(port);
  return to_result(http.Post(path));
}

HttpResult http_upload(int port, const std::vector<std::pair<std::string, std::string>>& files,
                       const std::string& label) {
  httplib::MultipartFormDataItems items;
  for (const auto& [name, bytes] : files) {
    items.push_back({"file", bytes, name, "application/octet-stream"});
  }
  auto http = client(port);
  return to_result(http.Post("/api/batches?label=" + label, items));
}

ServiceConfig test_config(const std::filesystem::path& data_dir) {
  ServiceConfig config;
  config.data_dir = data_dir;
  config.listen_port = 0;
  config.classes_path = SOHOA_TEST_CLASSES_DIR;
  config.hot_folders.push_back({data_dir / "inbox", 200, 500, true});
  config.retry_first_delay_ms = 100;
  return config;
}

RunningService::RunningService(ServiceConfig config)
    : service_(std::make_unique<Service>(std::move(config))) {
  thread_ = std::thread([this] { exit_code_ = service_->run(false); });
  eventually([this] { return service_->http_port() != 0; }, 300);
  port_ = service_->http_port();
}

RunningService::~RunningService() {
  stop();
}

int RunningService::stop() {
  if (thread_.joinable()) {
    service_->request_stop();
    thread_.join();
  }
  return exit_code_;
}

std::string file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace sohoa::service::test
