#include "pg_test_server.hpp"

#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <vector>

#include "test_support.hpp"

namespace sohoa::test {

namespace {

// The newest /usr/lib/postgresql/<version>/bin that has initdb (Debian keeps
// the server binaries off PATH).
std::string find_bin_dir() {
  std::error_code error;
  std::vector<std::filesystem::path> candidates;
  for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", error)) {
    if (std::filesystem::exists(entry.path() / "bin" / "initdb")) {
      candidates.push_back(entry.path() / "bin");
    }
  }
  if (candidates.empty()) return {};
  std::sort(candidates.begin(), candidates.end(), [](const auto& a, const auto& b) {
    return std::stoi(a.parent_path().filename().string()) <
           std::stoi(b.parent_path().filename().string());
  });
  return candidates.back().string();
}

// A port nobody listens on now (the kernel's choice for port 0). Another
// program could take it before the server binds; start() then tries again.
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  return port;
}

std::unique_ptr<PgTestServer>& the_server() {
  static std::unique_ptr<PgTestServer> server;
  return server;
}

// Also stops the server when a test calls exit() (static destructors run then too,
// but atexit handlers registered later run first, before other statics are gone).
void stop_at_exit() {
  the_server().reset();
}

}  // namespace

PgTestServer* PgTestServer::get(std::string* why_not) {
  static std::string failure;
  static bool tried = false;
  if (!tried) {
    tried = true;
    try {
      std::unique_ptr<PgTestServer> server(new PgTestServer());
      server->start();
      the_server() = std::move(server);
      std::atexit(stop_at_exit);
    } catch (const std::exception& error) {
      failure = error.what();
    }
  }
  if (!the_server() && why_not != nullptr) *why_not = failure;
  return the_server().get();
}

bool PgTestServer::may_skip() {
  const char* allow = std::getenv("SOHOA_ALLOW_NO_POSTGRESQL");
  return allow != nullptr && std::string(allow) == "1";
}

PgTestServer::~PgTestServer() {
  stop();
}

std::string PgTestServer::as_server_user(const std::string& command) const {
  if (server_user_.empty()) return command;
  return "runuser -u " + server_user_ + " -- " + command;
}

void PgTestServer::start() {
  bin_dir_ = find_bin_dir();
  if (bin_dir_.empty()) {
    throw std::runtime_error(
        "PostgreSQL server binaries not found under /usr/lib/postgresql (install the "
        "postgresql package: scripts/packages/registry.txt)");
  }
  char pattern[] = "/tmp/sohoa-pg-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) throw std::runtime_error("cannot create a temp folder");
  folder_ = pattern;
  if (::geteuid() == 0) {
    // initdb refuses to run as root; Debian's package creates `postgres`.
    const passwd* user = ::getpwnam("postgres");
    if (user == nullptr) user = ::getpwnam("nobody");
    if (user == nullptr) throw std::runtime_error("no unprivileged user to run PostgreSQL as");
    server_user_ = user->pw_name;
    if (::chown(folder_.c_str(), user->pw_uid, user->pw_gid) != 0) {
      throw std::runtime_error("cannot give " + folder_ + " to " + server_user_);
    }
  }
  const std::string data = folder_ + "/data";
  // -N: the cluster is thrown away, so initdb need not fsync its files; the
  // server itself runs with fsync=on like production.
  const auto init =
      run_command(as_server_user(shell_quote(bin_dir_ + "/initdb") + " -D " + shell_quote(data) +
                                 " -U postgres --auth=trust -N -E UTF8 --locale=C.UTF-8"));
  if (init.exit_code != 0) throw std::runtime_error("initdb failed: " + init.output);

  std::string last_log;
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = free_port();
    const std::string options = "-k " + folder_ + " -h 127.0.0.1 -p " + std::to_string(port_) +
                                " -c fsync=on -c max_connections=40";
    const auto started = run_command(as_server_user(
        shell_quote(bin_dir_ + "/pg_ctl") + " -D " + shell_quote(data) + " -o " +
        shell_quote(options) + " -l " + shell_quote(folder_ + "/log") + " -w -t 60 start"));
    if (started.exit_code == 0) {
      running_ = true;
      return;
    }
    last_log = started.output;
    std::error_code error;
    if (std::filesystem::exists(folder_ + "/log", error)) last_log += read_text(folder_ + "/log");
  }
  stop();
  throw std::runtime_error("pg_ctl start failed: " + last_log);
}

void PgTestServer::stop() {
  if (running_) {
    run_command(as_server_user(shell_quote(bin_dir_ + "/pg_ctl") + " -D " +
                               shell_quote(folder_ + "/data") + " -m fast -w stop"));
    running_ = false;
  }
  if (!folder_.empty()) {
    std::error_code error;
    std::filesystem::remove_all(folder_, error);
    folder_.clear();
  }
}

std::string PgTestServer::create_database() {
  // One database for the process, one schema per call: a schema costs a few
  // catalogue rows where a database copies template1 (megabytes to write and,
  // at the end, to delete).
  const std::string url = "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/sohoa";
  if (databases_ == 0) {
    run_sql("postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/postgres",
            "CREATE DATABASE sohoa");
  }
  const std::string schema = "test_" + std::to_string(++databases_);
  run_sql(url, "CREATE SCHEMA " + schema);
  // libpq passes `options` to the server: every connection of this URL works in the schema.
  return url + "?options=-csearch_path%3D" + schema;
}

void PgTestServer::run_sql(const std::string& database_url, const std::string& sql) const {
  const auto result = run_command(shell_quote(bin_dir_ + "/psql") + " -X -q -v ON_ERROR_STOP=1 " +
                                  shell_quote(database_url) + " -c " + shell_quote(sql));
  if (result.exit_code != 0) throw std::runtime_error("psql failed: " + result.output);
}

}  // namespace sohoa::test
