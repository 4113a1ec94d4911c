// cpp-httplib adapter: the only file that includes httplib.h.
#include "http_client.hpp"

#include <httplib.h>

#include "sohoa/core/error.hpp"

namespace sohoa::signing {

namespace {
struct Url {
  std::string host;
  int port = 80;
  std::string path;
};

Url parse_url(const std::string& url) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0) {
    throw Error(ErrorCode::InvalidArgument, "only http:// URLs are supported: " + url);
  }
  std::string rest = url.substr(scheme.size());
  std::size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  Url out;
  out.path = slash == std::string::npos ? "/" : rest.substr(slash);
  std::size_t colon = authority.rfind(':');
  if (colon != std::string::npos) {
    out.host = authority.substr(0, colon);
    try {
      out.port = std::stoi(authority.substr(colon + 1));
    } catch (const std::exception&) {
      throw Error(ErrorCode::InvalidArgument, "bad port in URL " + url);
    }
  } else {
    out.host = authority;
  }
  if (out.host.empty()) throw Error(ErrorCode::InvalidArgument, "no host in URL " + url);
  return out;
}

Buffer check(const httplib::Result& result, const std::string& url) {
  if (!result) {
    throw Error(ErrorCode::InputNotFound,
                "HTTP request to " + url + " failed: " + httplib::to_string(result.error()));
  }
  if (result->status != 200) {
    throw Error(ErrorCode::InputNotFound,
                "HTTP " + std::to_string(result->status) + " from " + url);
  }
  return Buffer(result->body.begin(), result->body.end());
}

httplib::Client make_client(const Url& u) {
  httplib::Client client(u.host, u.port);
  client.set_connection_timeout(10);
  client.set_read_timeout(30);
  return client;
}
}  // namespace

Buffer http_post(const std::string& url, const std::string& content_type, ByteView body) {
  Url u = parse_url(url);
  httplib::Client client = make_client(u);
  std::string payload(body.begin(), body.end());
  return check(client.Post(u.path, payload, content_type), url);
}

Buffer http_get(const std::string& url) {
  Url u = parse_url(url);
  httplib::Client client = make_client(u);
  return check(client.Get(u.path), url);
}

}  // namespace sohoa::signing
