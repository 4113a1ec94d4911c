#pragma once
// The HTTP face of the service (cpp-httplib lives in http_api.cpp only).

#include <cstdint>
#include <memory>
#include <string>

namespace sohoa::service {

class Service;

class HttpApi {
 public:
  // Binds at once (throws Error(InvalidArgument) when the address is taken) and
  // serves on its own threads until stop().
  HttpApi(Service& service, const std::string& host, int port, std::int64_t max_body_bytes);
  ~HttpApi();
  HttpApi(const HttpApi&) = delete;
  HttpApi& operator=(const HttpApi&) = delete;
  [[nodiscard]] int port() const;
  void stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sohoa::service
