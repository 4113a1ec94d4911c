// The only file that includes cpp-httplib.
#include "http_api.hpp"

#include <httplib.h>

#include <algorithm>
#include <thread>

#include "sohoa/core/error.hpp"
#include "sohoa/service/json_log.hpp"
#include "sohoa/service/service.hpp"
#include "web_api.hpp"

namespace sohoa::service {

namespace {

void send(httplib::Response& response, const ApiReply& reply) {
  response.status = reply.status;
  for (const auto& [name, value] : reply.headers) response.set_header(name, value);
  response.set_content(reply.body, reply.content_type.c_str());
}

// The page and its API: no framing, no sniffing, scripts from our own origin only.
// A reply that sets its own policy keeps it (the page's same-origin PDF preview).
void send(httplib::Response& response, const WebReply& reply, bool api) {
  response.status = reply.status;
  for (const auto& [name, value] : reply.headers) response.set_header(name, value);
  if (!response.has_header("Content-Security-Policy")) {
    response.set_header("Content-Security-Policy",
                        "default-src 'self'; img-src 'self' data:; object-src 'none'; "
                        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
  }
  response.set_header("X-Content-Type-Options", "nosniff");
  if (!response.has_header("X-Frame-Options")) response.set_header("X-Frame-Options", "DENY");
  response.set_header("Referrer-Policy", "no-referrer");
  if (api) response.set_header("Cache-Control", "no-store");
  response.set_content(reply.body, reply.content_type.c_str());
}

WebRequest web_request(const httplib::Request& request, bool over_https) {
  WebRequest web;
  web.method = request.method;
  web.path = request.path;
  for (const auto& [name, value] : request.params) web.query.emplace(name, value);
  web.cookie_header = request.get_header_value("Cookie");
  web.csrf_header = request.get_header_value("X-CSRF-Token");
  const auto type = request.get_header_value("Content-Type");
  web.content_type = type.substr(0, type.find(';'));
  web.body = request.body;
  web.over_https = over_https;
  return web;
}

constexpr std::size_t kHttpThreads = 128;

}  // namespace

class HttpApi::Impl {
 public:
  Impl(Service& service, const std::string& host, int port, std::int64_t max_body_bytes)
      : service_(service),
        web_(service.config()),
        over_https_(!service.config().tls_certificate.empty()),
        server_(make_server(service.config())) {
    httplib::Server& server = *server_;
    if (!server.is_valid()) {
      throw Error(ErrorCode::InvalidArgument,
                  "cannot start HTTPS with the configured certificate and key");
    }
    server.set_payload_max_length(static_cast<std::size_t>(max_body_bytes));
    // A keep-alive connection holds a thread between its requests: enough
    // threads for every desk's browser and client at once (50 in bench/load_bench.sh),
    // so a burst waits for work, not for a thread. Costly work has its own gates
    // (password hashing, the worker pool).
    server.new_task_queue = [] { return new httplib::ThreadPool(kHttpThreads); };
    // Uploads of big stacks over a slow counter network take a while.
    server.set_read_timeout(120, 0);
    server.Get("/healthz", [this](const httplib::Request&, httplib::Response& response) {
      send(response, service_.health());
    });
    server.Get("/metrics", [this](const httplib::Request&, httplib::Response& response) {
      send(response, service_.metrics());
    });
    server.Get("/api/batches", [this](const httplib::Request&, httplib::Response& response) {
      send(response, service_.list_batches());
    });
    server.Get(R"(/api/batches/([^/]+))",
               [this](const httplib::Request& request, httplib::Response& response) {
                 send(response, service_.batch_status(request.matches[1]));
               });
    server.Post(
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
            send(response, {400,
                            R"({"error":"send multipart/form-data files, or one file as the )"
                            R"(body with ?name=FILE"})",
                            "application/json",
                            {}});
            return;
          }
          send(response, service_.upload_batch(request.get_param_value("label"), files));
        });
    // Resume is scanning again into the device's open batch; ?more=1 keeps the
    // batch open after the stack for the next one.
    const auto scan = [this](const httplib::Request& request, httplib::Response& response) {
      send(response, service_.scan(request.matches[1], request.get_param_value("more") == "1"));
    };
    server.Post(R"(/api/scanners/([^/]+)/scan)", scan);
    server.Post(R"(/api/scanners/([^/]+)/resume)", scan);
    server.Post(R"(/api/scanners/([^/]+)/close)",
                [this](const httplib::Request& request, httplib::Response& response) {
                  send(response, service_.close_scan(request.matches[1]));
                });
    server.Get(R"(/api/scanners/([^/]+))",
               [this](const httplib::Request& request, httplib::Response& response) {
                 send(response, service_.scanner_status(request.matches[1]));
               });
    // The web page's API (web_api.cpp); registered after the batch routes, which
    // therefore keep matching first. Absurdly large bodies are refused unread.
    server.set_pre_routing_handler([](const httplib::Request& request,
                                      httplib::Response& response) {
      if (!WebApi::owns(request.path) || !request.has_header("Content-Length")) {
        return httplib::Server::HandlerResponse::Unhandled;
      }
      std::uint64_t length = 0;
      try {
        length = std::stoull(request.get_header_value("Content-Length"));
      } catch (const std::exception&) {
        return httplib::Server::HandlerResponse::Unhandled;  // httplib answers 400 itself
      }
      // Up to kReadAnyway bytes are read so that the client gets the clear 413 of
      // web_api.cpp; beyond that the connection is cut before the body is read.
      constexpr std::uint64_t kReadAnyway = 64ULL * 1024 * 1024;
      if (length <= std::max<std::uint64_t>(kReadAnyway, WebApi::max_body_bytes(request.path))) {
        return httplib::Server::HandlerResponse::Unhandled;
      }
      send(response, WebReply{413, R"({"error":"the body is too large"})", "application/json", {}},
           true);
      return httplib::Server::HandlerResponse::Handled;
    });
    const auto api = [this](const httplib::Request& request, httplib::Response& response) {
      if (!WebApi::owns(request.path)) {
        send(response, WebReply{404, R"({"error":"no such API route"})", "application/json", {}},
             true);
        return;
      }
      send(response, web_.handle(web_request(request, over_https_)), true);
    };
    server.Get(R"(/api/.*)", api);
    server.Post(R"(/api/.*)", api);
    server.Put(R"(/api/.*)", api);
    server.Delete(R"(/api/.*)", api);
    server.Get(R"(/|/[A-Za-z0-9._-]+)",
               [this](const httplib::Request& request, httplib::Response& response) {
                 send(response, web_.static_file(request.path), false);
               });
    server.set_exception_handler(
        [](const httplib::Request& request, httplib::Response& response, std::exception_ptr) {
          log_event(LogLevel::Error, "http handler failed", {{"path", request.path}});
          response.status = 500;
          response.set_content(R"({"error":"internal error"})", "application/json");
        });
    if (port == 0) {
      port_ = server.bind_to_any_port(host.c_str());
    } else if (server.bind_to_port(host.c_str(), port)) {
      port_ = port;
    }
    if (port_ <= 0) {
      throw Error(ErrorCode::InvalidArgument, "cannot listen on " + host + ":" +
                                                  std::to_string(port) +
                                                  " (address in use or not available)");
    }
    thread_ = std::thread([this] { server_->listen_after_bind(); });
  }

  ~Impl() { stop(); }

  void stop() {
    if (thread_.joinable()) {
      server_->stop();
      thread_.join();
    }
  }

  [[nodiscard]] int port() const { return port_; }

 private:
  // HTTPS when a certificate and key are configured (cpp-httplib with OpenSSL).
  static std::unique_ptr<httplib::Server> make_server(const ServiceConfig& config) {
    if (config.tls_certificate.empty()) return std::make_unique<httplib::Server>();
    return std::make_unique<httplib::SSLServer>(config.tls_certificate.c_str(),
                                                config.tls_private_key.c_str());
  }

  Service& service_;
  WebApi web_;
  bool over_https_;
  std::unique_ptr<httplib::Server> server_;
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
