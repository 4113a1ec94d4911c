#pragma once
// The web page's API (docs/web.md, docs/openapi.yaml) without HTTP: http_api.cpp
// hands each /api request over as a WebRequest and sends back the WebReply.
//
// Every route is declared once, with the roles that may call it; `handle` checks
// the session, the role, the CSRF token and the body before any handler runs,
// and builds the registry Viewer from the session only. The agency isolation
// itself is the registry's (AccessScope): handlers never filter by agency.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sohoa/service/service_config.hpp"

namespace sohoa::service {

struct WebRequest {
  std::string method;  // GET, POST
  std::string path;    // decoded, without the query
  std::multimap<std::string, std::string> query;
  std::string cookie_header;
  std::string csrf_header;   // X-CSRF-Token
  std::string content_type;  // without parameters
  std::string body;
  bool over_https = false;
};

struct WebReply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
};

class WebApi {
 public:
  // Opens the registry (DATA/registry.sqlite, or the shared "database") with its
  // blob folder, and DATA/accounts.sqlite.
  explicit WebApi(const ServiceConfig& config);
  ~WebApi();
  WebApi(const WebApi&) = delete;
  WebApi& operator=(const WebApi&) = delete;

  // True for the paths `handle` answers (the batch and scanner API stays in Service).
  static bool owns(const std::string& path);
  WebReply handle(const WebRequest& request);
  // The page's files: "/" is index.html; other names must be plain file names.
  WebReply static_file(const std::string& path) const;
  // The largest JSON body an API route accepts (documents carry a PDF).
  static std::int64_t max_body_bytes(const std::string& path);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sohoa::service
