// GET /api/dossiers/{code}/export over HTTP on 127.0.0.1: records officers only,
// agency B gets 404 for A's dossier until A grants it, then the same valid package.
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "exchange_test_support.hpp"
#include "service_test_support.hpp"
#include "sohoa/exchange/sip_export.hpp"
#include "sohoa/service/accounts.hpp"
#include "test_support.hpp"

namespace sohoa::exchange::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using service::test::RunningService;

constexpr const char* kPassword = "mat-khau-thu-nghiem";

struct Session {
  int port;
  std::string cookie;
  std::string csrf;

  [[nodiscard]] httplib::Result get(const std::string& path) const {
    httplib::Client http("127.0.0.1", port);
    return http.Get(path, {{"Cookie", cookie}});
  }
  [[nodiscard]] httplib::Result post(const std::string& path, const json& body) const {
    httplib::Client http("127.0.0.1", port);
    return http.Post(path, {{"Cookie", cookie}, {"X-CSRF-Token", csrf}}, body.dump(),
                     "application/json");
  }
};

class ExportApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    code_ = file_sample_dossier(*open_registry_in(dir_.path())).code;
    for (const auto& [login, agency, role] : {std::tuple{"records-a", kAgencyA, "records"},
                                              {"counter-a", kAgencyA, "counter"},
                                              {"records-b", kAgencyB, "records"}}) {
      service::add_account(dir_.path(), {login, agency, role, login, kPassword});
    }
    auto config = service::test::test_config(dir_.path());
    config.processing = false;
    service_ = std::make_unique<RunningService>(config);
  }

  [[nodiscard]] Session login(const std::string& name) const {
    Session session{service_->port(), {}, {}};
    httplib::Client http("127.0.0.1", session.port);
    const auto result = http.Post(
        "/api/login", json{{"login", name}, {"password", kPassword}}.dump(), "application/json");
    EXPECT_TRUE(result);
    EXPECT_EQ(result->status, 200) << result->body;
    const auto cookie = result->get_header_value("Set-Cookie");
    session.cookie = cookie.substr(0, cookie.find(';'));
    session.csrf = json::parse(result->body).at("csrf_token").get<std::string>();
    return session;
  }

  // The body of a 200 answer as a package folder, checked against the profile.
  void expect_valid_package(const httplib::Result& result, const std::string& name) {
    ASSERT_TRUE(result);
    ASSERT_EQ(result->status, 200) << result->body;
    EXPECT_EQ(result->get_header_value("Content-Type"), "application/zip");
    EXPECT_NE(result->get_header_value("Content-Disposition").find(package_file_name(code_)),
              std::string::npos);
    const fs::path archive = dir_ / (name + ".zip");
    sohoa::test::write_text(archive, result->body);
    extract_archive(archive, dir_ / name);
    const fs::path root = dir_ / name / package_file_name(code_);
    EXPECT_NO_THROW(validate_package(root, sohoa::test::source_dir() / "config" / "exchange"));
    EXPECT_EQ(xpath_values(root / "METS.xml", "//mets:div[@TYPE='document']").size(), 2U);
  }

  sohoa::test::ScratchDir dir_;
  std::string code_;
  std::unique_ptr<RunningService> service_;
};

TEST_F(ExportApiTest, AgencyBGetsAPackageOnlyWithAGrant) {
  const auto records_a = login("records-a");
  const auto records_b = login("records-b");
  const std::string path = "/api/dossiers/" + code_ + "/export";

  expect_valid_package(records_a.get(path), "a");
  const auto tar = records_a.get(path + "?format=tar");
  ASSERT_TRUE(tar);
  EXPECT_EQ(tar->status, 200);
  EXPECT_EQ(tar->get_header_value("Content-Type"), "application/x-tar");
  EXPECT_EQ(records_a.get(path + "?format=rar")->status, 400);

  // Without a grant, B cannot tell the dossier from one that does not exist.
  const auto denied = records_b.get(path);
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 404);
  EXPECT_EQ(denied->body.find("Nguyễn"), std::string::npos);
  EXPECT_EQ(records_b.get("/api/dossiers/" + kAgencyA + "-250303-0999/export")->status, 404);
  // Records officers only; a malformed code is refused before the registry.
  EXPECT_EQ(login("counter-a").get(path)->status, 403);
  EXPECT_EQ(records_a.get("/api/dossiers/not..a..code/export")->status, 400);

  const auto granted = records_a.post(
      "/api/grants", {{"grantee_agency", kAgencyB}, {"scope", "dossier"}, {"value", code_}});
  ASSERT_EQ(granted->status, 201) << granted->body;
  expect_valid_package(records_b.get(path), "b");

  // B's export is in the audit trail of B's agency.
  const auto trail = json::parse(records_b.get("/api/audit")->body);
  int file_reads = 0;
  for (const auto& record : trail.at("records")) {
    if (record.at("account") == "records-b" && record.at("action") == "read-file") ++file_reads;
  }
  EXPECT_EQ(file_reads, 3);
}

}  // namespace
}  // namespace sohoa::exchange::test
