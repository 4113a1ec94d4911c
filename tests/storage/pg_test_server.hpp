#pragma once
// A private PostgreSQL server for the tests of one process: Debian's postgresql
// binaries, a fresh cluster in a temporary folder, listening on 127.0.0.1 on a
// free port (never the system cluster's 5432), trust authentication. Started on
// first use, stopped (pg_ctl stop -m fast) and removed when the process exits.
// As root, the server runs as the unprivileged `postgres` user (or `nobody`),
// since initdb refuses to run as root.

#include <string>

namespace sohoa::test {

class PgTestServer {
 public:
  // The server of this process, or nullptr when it cannot start (no PostgreSQL
  // installed, no unprivileged user…); then `why_not` says why.
  static PgTestServer* get(std::string* why_not);
  // PostgreSQL is a declared dependency (scripts/packages/registry.txt), so a
  // server that cannot start fails the PostgreSQL tests; only with
  // SOHOA_ALLOW_NO_POSTGRESQL=1 in the environment are they skipped instead.
  static bool may_skip();

  ~PgTestServer();
  PgTestServer(const PgTestServer&) = delete;
  PgTestServer& operator=(const PgTestServer&) = delete;

  // A new empty place for one test's tables (a schema of the process's database);
  // returns the postgresql:// URL that connects to it.
  std::string create_database();
  // Runs SQL in a database through psql; throws std::runtime_error on failure.
  void run_sql(const std::string& database_url, const std::string& sql) const;
  [[nodiscard]] int port() const { return port_; }

 private:
  PgTestServer() = default;
  void start();
  void stop();
  [[nodiscard]] std::string as_server_user(const std::string& command) const;

  std::string bin_dir_;
  std::string folder_;
  std::string server_user_;  // empty when not root: the server runs as we do
  int port_ = 0;
  int databases_ = 0;
  bool running_ = false;
};

}  // namespace sohoa::test

// In a test body or SetUp: `server` becomes the process's server, or the test
// fails (skips when may_skip()) saying why none could start.
#define SOHOA_GET_PG_SERVER(server)                                                        \
  do {                                                                                     \
    std::string pg_why_not_;                                                               \
    (server) = ::sohoa::test::PgTestServer::get(&pg_why_not_);                             \
    if ((server) == nullptr) {                                                             \
      if (::sohoa::test::PgTestServer::may_skip()) {                                       \
        GTEST_SKIP() << "no PostgreSQL server could be started: " << pg_why_not_;          \
      }                                                                                    \
      FAIL() << "no PostgreSQL server could be started: " << pg_why_not_                   \
             << " (set SOHOA_ALLOW_NO_POSTGRESQL=1 to skip the PostgreSQL tests instead)"; \
    }                                                                                      \
  } while (false)
