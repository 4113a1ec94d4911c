// The only file that includes cpp-httplib.
#include "http_api.hpp"

#include <httplib.h>

#include <thread>

#include "sohoa/core/error.hpp"
#include "sohoa/service/json_log.hpp"
#include "sohoa/service/service.hpp"

namespace sohoa::service {

namespace {

void send(httplib::Response& response, const ApiReply& reply) {
  response.status = reply.status;
  response.set_content(reply.body, reply.content_type.c_str());
}

}  // namespace

class HttpApi::Impl {
 public:
  Impl(Service& service, const std::string& host, int port, std::int64_t max_body_bytes)
      : service_(service) {
    server_.set_payload_max_length(static_cast<std::size_t>(max_body_bytes));
    // Uploads of big stacks over a slow counter network take a while.
    server_.set_read_timeout(120, 0);
    server_.Get("/healthz", [this](const httplib::Request&, httplib::Response& response) {
      send(response, service_.health());
    });
    server_.Get("/metrics", [this](const httplib::Request&, httplib::Response& response) {
      send(response, service_.metrics());
    });
    server_.Get("/api/batches", [this](const httplib::Request&, httplib::Response& response) {
      send(response, service_.list_batches());
    });
    server_.Get(R"(/api/batches/([^/]+))",
                [this](const httplib::Request& request, httplib::Response& response) {
                  send(response, service_.batch_status(request.matches[1]));
                });
    server_.Post(
        "/api/batches", [this](const httplib::Request& request, httplib::Response& response) {
          std::vector<UploadedFile> files;
          if (request.is_multipart_form_data()) {
            for (const auto& [field, part] : request.files) {
              files.push_back({part.filename.empty() ? field : part.filename, part.content});
            }
          } else if (request.has_param("name")) {
            // One raw file: POST /api/batches?name=page1.jpg with the bytes as body.
            files.push_back({request.get_param_value("name"), request.body});
          } else {
            send(response, {400, R"({"error":"send multipart/form-data files, or one file as the )"
                                 R"(body with ?name=FILE"})"});
            return;
          }
          send(response, service_.upload_batch(request.get_param_value("label"), files));
        });
    server_.Post(R"(/api/scanners/([^/]+)/scan)",
                 [this](const httplib::Request& request, httplib::Response& response) {
                   send(response, service_.scan(request.matches[1]));
                 });
    server_.set_exception_handler(
        [](const httplib::Request& request, httplib::Response& response, std::exception_ptr) {
          log_event(LogLevel::Error, "http handler failed", {{"path", request.path}});
          response.status = 500;
          response.set_content(R"({"error":"internal error"})", "application/json");
        });
    if (port == 0) {
      port_ = server_.bind_to_any_port(host.c_str());
    } else if (server_.bind_to_port(host.c_str(), port)) {
      port_ = port;
    }
    if (port_ <= 0) {
      throw Error(ErrorCode::InvalidArgument, "cannot listen on " + host + ":" +
                                                  std::to_string(port) +
                                                  " (address in use or not available)");
    }
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }

  ~Impl() { stop(); }

  void stop() {
    if (thread_.joinable()) {
      server_.stop();
      thread_.join();
    }
  }

  [[nodiscard]] int port() const { return port_; }

 private:
  Service& service_;
  httplib::Server server_;
  int port_ = -1;
  std::thread thread_;
};

HttpApi::HttpApi(Service& service, const std::string& host, int port, std::int64_t max_body_bytes)
    : impl_(std::make_unique<Impl>(service, host, port, max_body_bytes)) {}
HttpApi::~HttpApi() = default;
int HttpApi::port() const {
  return impl_->port();
}
void HttpApi::stop() {
  impl_->stop();
}

}  // namespace sohoa::service
