// Several `sohoa serve` nodes: two services on one PostgreSQL database (the
// tests' own server, tests/storage/pg_test_server.hpp) and one data folder.
// Batches uploaded to one node are processed by both, every page exactly once;
// dossiers received on both share one registry.
#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "pg_test_server.hpp"
#include "service_test_support.hpp"
#include "sohoa/core/error.hpp"
#include "sohoa/service/accounts.hpp"
#include "sohoa/service/service_config.hpp"
#include "test_support.hpp"

namespace sohoa::service {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::eventually;

TEST(ServiceNodesConfig, DatabaseKeyPutsQueueAndRegistryInPostgresql) {
  const auto alone = parse_service_config(R"({"data_dir": "d"})", "/srv");
  EXPECT_EQ(queue_url(alone), "sqlite:/srv/d/queue.sqlite");
  EXPECT_EQ(registry_url(alone), "sqlite:/srv/d/registry.sqlite");
  EXPECT_EQ(blob_store_dir(alone), fs::path("/srv/d/blobs"));
  const auto node = parse_service_config(
      R"({"data_dir": "d", "database": "postgresql://sohoa@db:5432/sohoa", "blobs_dir": "b"})",
      "/srv");
  EXPECT_EQ(queue_url(node), "postgresql://sohoa@db:5432/sohoa");
  EXPECT_EQ(registry_url(node), "postgresql://sohoa@db:5432/sohoa");
  EXPECT_EQ(blob_store_dir(node), fs::path("/srv/b"));
  try {
    (void)parse_service_config(R"({"database": "/var/lib/sohoa/queue.sqlite"})", "/");
    FAIL() << "took a file for a database URL";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::InvalidArgument);
    EXPECT_NE(std::string(error.what()).find("database"), std::string::npos) << error.what();
  }
}

// A counter or gauge from /metrics (0 when the node has not reported it).
double metric(int port, const std::string& name) {
  std::istringstream lines(test::http_get(port, "/metrics").body);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with(name + " ")) return std::stod(line.substr(name.size() + 1));
  }
  return 0;
}

TEST(ServiceNodes, TwoNodesOnOneDatabaseProcessEveryPageOnce) {
  const fs::path b01 = sohoa::test::corpus_dir() / "batches" / "b01";
  if (!fs::exists(b01)) GTEST_SKIP() << "no corpus";
  sohoa::test::PgTestServer* server = nullptr;
  SOHOA_GET_PG_SERVER(server);
  const std::string url = server->create_database();

  sohoa::test::ScratchDir scratch;
  auto config = test::test_config(scratch / "data");
  config.database = url;  // the queue and the registry, shared
  config.jobs = 1;
  test::RunningService node_a(config);
  test::RunningService node_b(config);
  ASSERT_GT(node_a.port(), 0);
  ASSERT_GT(node_b.port(), 0);

  // One source: every batch arrives through node A's upload door.
  std::vector<std::string> ids;
  for (const char* page : {"0001.jpg", "0002.jpg", "0004.jpg", "0005.jpg"}) {
    const auto upload =
        test::http_upload(node_a.port(), {{page, test::file_bytes(b01 / page)}}, page);
    ASSERT_EQ(upload.status, 201) << upload.body;
    ids.push_back(json::parse(upload.body)["id"]);
  }

  // Node B answers for batches it never received: the queue is one.
  for (const auto& id : ids) {
    json status;
    ASSERT_TRUE(eventually([&] {
      const auto reply = test::http_get(node_b.port(), "/api/batches/" + id);
      if (reply.status != 200) return false;
      status = json::parse(reply.body);
      return status["filed"].get<bool>();
    })) << status.dump(2);
    EXPECT_EQ(status["pages_total"], 1);
    EXPECT_EQ(status["pages_done"], 1);
    for (const auto& dossier : status["dossiers"]) EXPECT_EQ(dossier["stage"], "filed");
    EXPECT_FALSE(fs::is_empty(scratch / "data" / "filed" / id)) << id;
  }

  const auto ports = {node_a.port(), node_b.port()};
  double pages = 0;
  double batches = 0;
  for (const int port : ports) {
    const double processed = metric(port, "sohoa_stage_seconds_count{stage=\"process\"}");
    EXPECT_GT(processed, 0) << "node on port " << port << " processed nothing";
    batches += processed;
    pages += metric(port, "sohoa_pages_processed_total");
  }
  EXPECT_EQ(batches, 4) << "a batch was processed twice, or not at all";
  EXPECT_EQ(pages, 4) << "a page was processed twice, or not at all";

  EXPECT_EQ(node_a.stop(), 0);
  EXPECT_EQ(node_b.stop(), 0);
  EXPECT_TRUE(fs::is_empty(scratch / "data" / "spool" / "ready"));
  EXPECT_TRUE(fs::is_empty(scratch / "data" / "work"));
}

// A logged-in session on one node (sessions are per node; accounts are in the
// shared data folder).
struct Session {
  int port = 0;
  std::string cookie;
  std::string csrf;

  static Session open(int port, const std::string& login, const std::string& password) {
    httplib::Client http("127.0.0.1", port);
    const auto reply = http.Post(
        "/api/login", json{{"login", login}, {"password", password}}.dump(), "application/json");
    EXPECT_TRUE(reply && reply->status == 200);
    if (!reply || reply->status != 200) return {port, {}, {}};
    const auto cookie = reply->get_header_value("Set-Cookie");
    return {port, cookie.substr(0, cookie.find(';')),
            json::parse(reply->body).at("csrf_token").get<std::string>()};
  }
  [[nodiscard]] std::pair<int, json> call(const std::string& method, const std::string& path,
                                          const json& body = nullptr) const {
    httplib::Client http("127.0.0.1", port);
    httplib::Headers headers{{"Cookie", cookie}, {"X-CSRF-Token", csrf}};
    const auto reply = method == "GET" ? http.Get(path, headers)
                                       : http.Post(path, headers, body.dump(), "application/json");
    if (!reply) return {0, nullptr};
    return {reply->status, json::parse(reply->body, nullptr, false)};
  }
};

// The registry is one as well: dossiers received on either node share the
// unit's daily counter, each node reads the other's, and the audit chain that
// both append to verifies on either.
TEST(ServiceNodes, TwoNodesShareTheRegistry) {
  sohoa::test::PgTestServer* server = nullptr;
  SOHOA_GET_PG_SERVER(server);
  sohoa::test::ScratchDir scratch;
  const std::string password = "mat-khau-hai-nut";
  add_account(scratch / "data", {"counter-a", "000.00.00.H49", "counter", "Quầy", password});
  add_account(scratch / "data", {"records-a", "000.00.00.H49", "records", "Lưu trữ", password});
  auto config = test::test_config(scratch / "data");
  config.database = server->create_database();
  config.processing = false;
  test::RunningService node_a(config);
  test::RunningService node_b(config);

  const auto on_a = Session::open(node_a.port(), "counter-a", password);
  const auto on_b = Session::open(node_b.port(), "counter-a", password);
  const json intake = {{"procedure_code", "1.001193"},      {"title", "Đăng ký khai sinh"},
                       {"applicant_name", "Nguyễn Văn An"}, {"personal_id", "001085012345"},
                       {"processing_working_days", 5},      {"received_on", "2025-03-03"}};
  std::vector<std::string> codes;
  for (const Session* session : {&on_a, &on_b, &on_a, &on_b}) {
    const auto [status, body] = session->call("POST", "/api/dossiers", intake);
    ASSERT_EQ(status, 201) << body.dump();
    codes.push_back(body.at("dossier").at("code"));
  }
  for (std::size_t i = 0; i < codes.size(); ++i) {
    EXPECT_EQ(codes[i], "000.00.00.H49-250303-000" + std::to_string(i + 1));
    // Each node reads what the other received.
    EXPECT_EQ((i % 2 == 0 ? on_b : on_a).call("GET", "/api/dossiers/" + codes[i]).first, 200);
  }
  for (const int port : {node_a.port(), node_b.port()}) {
    const auto [status, verdict] =
        Session::open(port, "records-a", password).call("GET", "/api/audit/verify");
    ASSERT_EQ(status, 200) << verdict.dump();
    EXPECT_TRUE(verdict.at("intact").get<bool>()) << verdict.dump();
  }
}

}  // namespace
}  // namespace sohoa::service
