// The web page's API over HTTP on 127.0.0.1: sessions and CSRF, agency isolation
// on every route that returns dossier data (before and after a grant), reads in
// the audit trail, tampering detected, and bad input refused with nothing stored.
#include <gtest/gtest.h>
#include <httplib.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "service_test_support.hpp"
#include "sohoa/service/accounts.hpp"
#include "test_support.hpp"

namespace sohoa::service::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kAgencyA = "000.00.00.H49";
constexpr const char* kAgencyB = "000.00.00.H50";
constexpr const char* kPassword = "mat-khau-thu-nghiem";

std::string base64(const std::string& bytes) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned n = (static_cast<unsigned char>(bytes[i]) << 16) |
                       (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += kAlphabet[(n >> shift) & 63];
  }
  if (i < bytes.size()) {
    unsigned n = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

const std::string kPdf = "%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

// One logged-in person: the session cookie and the CSRF token.
struct Client {
  int port;
  std::string cookie;
  std::string csrf;

  httplib::Result get(const std::string& path) const {
    httplib::Client http("127.0.0.1", port);
    httplib::Headers headers;
    if (!cookie.empty()) headers.emplace("Cookie", cookie);
    return http.Get(path, headers);
  }
  httplib::Result post(const std::string& path, const std::string& body, bool with_csrf = true,
                       const std::string& type = "application/json") const {
    httplib::Client http("127.0.0.1", port);
    httplib::Headers headers;
    if (!cookie.empty()) headers.emplace("Cookie", cookie);
    if (with_csrf && !csrf.empty()) headers.emplace("X-CSRF-Token", csrf);
    return http.Post(path, headers, body, type);
  }
  json get_json(const std::string& path, int expected = 200) const {
    const auto result = get(path);
    EXPECT_TRUE(result) << path;
    if (!result) return {};
    EXPECT_EQ(result->status, expected) << path << ": " << result->body;
    return json::parse(result->body, nullptr, false);
  }
};

class WebApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    data_ = new sohoa::test::ScratchDir();
    const auto add = [](const std::string& login, const std::string& agency,
                        const std::string& role) {
      add_account(data_->path(), {login, agency, role, login, kPassword});
    };
    add("counter-a", kAgencyA, "counter");
    add("official-a", kAgencyA, "official");
    add("records-a", kAgencyA, "records");
    add("admin-a", kAgencyA, "admin");
    add("counter-b", kAgencyB, "counter");
    add("records-b", kAgencyB, "records");
    auto config = test_config(data_->path());
    config.processing = false;
    service_ = new RunningService(config);
  }
  static void TearDownTestSuite() {
    delete service_;
    delete data_;
  }

  static Client login(const std::string& login) {
    Client client{service_->port(), {}, {}};
    const auto result =
        client.post("/api/login", json{{"login", login}, {"password", kPassword}}.dump());
    EXPECT_TRUE(result);
    EXPECT_EQ(result->status, 200) << result->body;
    const auto cookie = result->get_header_value("Set-Cookie");
    client.cookie = cookie.substr(0, cookie.find(';'));
    client.csrf = json::parse(result->body).at("csrf_token").get<std::string>();
    return client;
  }

  // A dossier of agency A with one document; returns {code, document id}.
  static std::pair<std::string, std::int64_t> file_dossier_of_a(const std::string& word) {
    const auto counter = login("counter-a");
    const auto received = counter.post("/api/dossiers", json{{"procedure_code", "1.001193"},
                                                             {"title", "Đăng ký khai sinh"},
                                                             {"applicant_name", "Nguyễn Văn An"},
                                                             {"personal_id", "001085012345"},
                                                             {"processing_working_days", 5},
                                                             {"received_on", "2025-03-03"}}
                                                            .dump());
    EXPECT_EQ(received->status, 201) << received->body;
    const auto code = json::parse(received->body).at("dossier").at("code").get<std::string>();
    const auto document =
        counter.post("/api/dossiers/" + code + "/documents",
                     json{{"class", "giay_khai_sinh"},
                          {"summary", "Giấy khai sinh"},
                          {"page_texts", {"GIẤY KHAI SINH " + word + " Nguyễn Văn An"}},
                          {"pdf_base64", base64(kPdf)}}
                         .dump());
    EXPECT_EQ(document->status, 201) << document->body;
    return {code, json::parse(document->body).at("id").get<std::int64_t>()};
  }

  static int received_count(const Client& client) {
    return client.get_json("/api/dashboard").at("totals").at("received").get<int>();
  }

  static sohoa::test::ScratchDir* data_;
  static RunningService* service_;
};

sohoa::test::ScratchDir* WebApiTest::data_ = nullptr;
RunningService* WebApiTest::service_ = nullptr;

TEST_F(WebApiTest, LoginGivesAHardenedSessionCookie) {
  Client anonymous{service_->port(), {}, {}};
  const auto result =
      anonymous.post("/api/login", json{{"login", "records-a"}, {"password", kPassword}}.dump());
  ASSERT_EQ(result->status, 200);
  const auto cookie = result->get_header_value("Set-Cookie");
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
  const auto id = cookie.substr(cookie.find('=') + 1, cookie.find(';') - cookie.find('=') - 1);
  EXPECT_EQ(id.size(), 64U);  // 256 random bits in hex
  EXPECT_EQ(json::parse(result->body).at("role"), "records");

  EXPECT_EQ(anonymous.post("/api/login", json{{"login", "records-a"}, {"password", "sai"}}.dump())
                ->status,
            401);
  EXPECT_EQ(anonymous.post("/api/login", json{{"login", "nobody"}, {"password", kPassword}}.dump())
                ->status,
            401);
  EXPECT_EQ(anonymous.get("/api/me")->status, 401);
  auto client = login("records-a");
  EXPECT_EQ(client.get_json("/api/me").at("agency"), kAgencyA);
  EXPECT_EQ(client.post("/api/logout", "")->status, 200);
  EXPECT_EQ(client.get("/api/me")->status, 401);
}

TEST_F(WebApiTest, StateChangesNeedTheCsrfToken) {
  const auto counter = login("counter-a");
  const int before = received_count(counter);
  const auto body = json{
      {"procedure_code", "1.001193"},
      {"title", "x"},
      {"applicant_name", "y"},
      {"personal_id", "001085012345"},
      {"processing_working_days",
       5}}.dump();
  const auto without = counter.post("/api/dossiers", body, false);
  EXPECT_EQ(without->status, 403);
  EXPECT_NE(without->body.find("CSRF"), std::string::npos);
  Client wrong = counter;
  wrong.csrf = std::string(64, 'a');
  EXPECT_EQ(wrong.post("/api/dossiers", body)->status, 403);
  EXPECT_EQ(received_count(counter), before);  // nothing stored
}

TEST_F(WebApiTest, RolesAreCheckedBeforeAnything) {
  const auto counter = login("counter-a");
  EXPECT_EQ(counter.get("/api/search?q=x")->status, 403);
  EXPECT_EQ(counter.get("/api/audit")->status, 403);
  EXPECT_EQ(
      counter.post("/api/grants", json{{"grantee_agency", kAgencyB}, {"scope", "all"}}.dump())
          ->status,
      403);
  const auto records = login("records-a");
  EXPECT_EQ(records.post("/api/accounts", json{{"login", "x1"}}.dump())->status, 403);
}

TEST_F(WebApiTest, AgencyBReadsNothingOfAWithoutAGrant) {
  const auto [code, document_id] = file_dossier_of_a("ISOLATION");
  const auto pdf_path =
      "/api/dossiers/" + code + "/documents/" + std::to_string(document_id) + "/pdf";
  const auto records_a = login("records-a");
  EXPECT_EQ(records_a.get_json("/api/dossiers/" + code).at("documents").size(), 1U);
  const auto pdf = records_a.get(pdf_path);
  ASSERT_EQ(pdf->status, 200);
  EXPECT_EQ(pdf->body, kPdf);
  EXPECT_NE(pdf->get_header_value("Content-Disposition").find(code), std::string::npos);
  EXPECT_EQ(records_a.get_json("/api/search?q=isolation").at("hits").size(), 1U);

  // Every route that returns dossier data, as agency B.
  const auto records_b = login("records-b");
  const auto counter_b = login("counter-b");
  EXPECT_EQ(records_b.get("/api/dossiers/" + code)->status, 404);
  EXPECT_EQ(counter_b.get("/api/dossiers/" + code)->status, 404);
  EXPECT_EQ(records_b.get(pdf_path)->status, 404);
  EXPECT_EQ(counter_b.get(pdf_path)->status, 404);
  EXPECT_TRUE(records_b.get_json("/api/search?q=isolation").at("hits").empty());
  EXPECT_TRUE(records_b.get_json("/api/search?dossier=" + code).at("hits").empty());
  EXPECT_TRUE(records_b.get_json("/api/search?personal_id=001085012345").at("hits").empty());
  EXPECT_EQ(records_b.get_json("/api/dashboard").at("totals").at("received"), 0);
  const auto b_trail = records_b.get_json("/api/audit");
  ASSERT_FALSE(b_trail.at("records").empty());
  for (const auto& record : b_trail.at("records")) {  // only B's own people, not A's reads
    EXPECT_TRUE(record.at("account").get<std::string>().ends_with("-b")) << record.dump();
  }
  const auto b_grants = records_b.get_json("/api/grants");
  for (const auto& grant : b_grants.at("grants")) {
    EXPECT_NE(grant.at("grantor_agency"), kAgencyA);
  }
  EXPECT_NE(
      counter_b.post("/api/dossiers/" + code + "/status", json{{"status", "digitised"}}.dump())
          ->status,
      200);
  EXPECT_NE(
      counter_b
          .post("/api/dossiers/" + code + "/documents",
                json{{"class", "x"}, {"page_texts", {"a"}}, {"pdf_base64", base64(kPdf)}}.dump())
          ->status,
      201);
  // B cannot grant itself A's papers.
  const auto self_grant =
      records_b.post("/api/grants", json{{"grantee_agency", kAgencyA}, {"scope", "all"}}.dump());
  EXPECT_EQ(self_grant->status, 201);  // B shares its own dossiers with A: allowed
  EXPECT_EQ(records_b.get("/api/dossiers/" + code)->status, 404);

  // With A's grant of this dossier, B reads it.
  const auto granted = records_a.post(
      "/api/grants",
      json{{"grantee_agency", kAgencyB}, {"scope", "dossier"}, {"value", code}, {"days", 7}}
          .dump());
  ASSERT_EQ(granted->status, 201) << granted->body;
  EXPECT_EQ(records_b.get_json("/api/dossiers/" + code).at("dossier").at("code"), code);
  EXPECT_EQ(records_b.get(pdf_path)->body, kPdf);
  EXPECT_EQ(records_b.get_json("/api/search?q=isolation").at("hits").size(), 1U);
}

TEST_F(WebApiTest, EveryReadIsAuditedAndTamperingIsDetected) {
  const auto [code, document_id] = file_dossier_of_a("AUDITED");
  const auto records = login("records-a");
  records.get_json("/api/dossiers/" + code);
  ASSERT_EQ(
      records.get("/api/dossiers/" + code + "/documents/" + std::to_string(document_id) + "/pdf")
          ->status,
      200);
  records.get_json("/api/search?q=audited");
  const auto records_b = login("records-b");
  EXPECT_EQ(records_b.get("/api/dossiers/" + code)->status, 404);  // denied, and audited

  const auto admin = login("admin-a");
  const auto trail = admin.get_json("/api/audit?limit=1000").at("records");
  const auto has = [&](const std::string& account, const std::string& action) {
    for (const auto& record : trail) {
      if (record.at("account") == account && record.at("action") == action &&
          record.at("subject").get<std::string>().find(code) != std::string::npos) {
        return true;
      }
    }
    return false;
  };
  EXPECT_TRUE(has("records-a", "read-dossier"));
  EXPECT_TRUE(has("records-a", "list-documents"));
  EXPECT_TRUE(has("records-a", "read-file"));
  // B's denied read is in B's part of the trail, not in A's.
  bool b_denied_seen = false;
  const auto b_records = records_b.get_json("/api/audit?limit=1000");
  for (const auto& record : b_records.at("records")) {
    b_denied_seen |= record.at("action") == "read-dossier" &&
                     record.at("subject").get<std::string>().find(code) != std::string::npos;
  }
  EXPECT_TRUE(b_denied_seen);
  EXPECT_TRUE(admin.get_json("/api/audit/verify").at("intact").get<bool>());

  // Someone with the file edits a record behind the service's back.
  const auto database = data_->path() / "registry.sqlite";
  const std::string command =
      "sqlite3 '" + database.string() +
      "' \"DROP TRIGGER audit_log_no_update; UPDATE audit_log SET outcome = 'nothing' "
      "WHERE sequence = 2;\"";
  ASSERT_EQ(std::system(command.c_str()), 0);
  const auto verdict = admin.get_json("/api/audit/verify");
  EXPECT_FALSE(verdict.at("intact").get<bool>());
  EXPECT_EQ(verdict.at("first_bad_sequence"), 2);
  // Put it right for the other tests (the chain covers the original text).
  ASSERT_EQ(std::system(("sqlite3 '" + database.string() +
                         "' \"CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
                         "BEGIN SELECT RAISE(ABORT, 'x'); END;\"")
                            .c_str()),
            0);
}

TEST_F(WebApiTest, CitizensSeeStatusAndDueDateOnly) {
  const auto [code, document_id] = file_dossier_of_a("PUBLIC");
  Client anonymous{service_->port(), {}, {}};
  const auto status = anonymous.get_json("/api/public/status?code=" + code);
  EXPECT_EQ(status.at("status"), "received");
  EXPECT_EQ(status.at("due_on"), "2025-03-10");
  const auto text = status.dump();
  EXPECT_EQ(text.find("Nguyễn"), std::string::npos);
  EXPECT_EQ(text.find("001085012345"), std::string::npos);
  const auto by_qr = anonymous.get_json(
      "/api/public/status?qr=" + httplib::detail::encode_query_param(code + "|1.001193|x|y|z"));
  EXPECT_EQ(by_qr.at("code"), code);
  EXPECT_EQ(anonymous.get("/api/public/status?code=000.00.00.H49-250303-9999")->status, 404);
  EXPECT_EQ(anonymous.get("/api/public/status?code=../../etc")->status, 400);
  EXPECT_EQ(anonymous.get("/api/dossiers/" + code)->status, 401);
}

TEST_F(WebApiTest, BadInputIsRefusedAndNothingIsStored) {
  const auto counter = login("counter-a");
  const int before = received_count(counter);
  const auto expect_4xx = [](const httplib::Result& result, int status, const std::string& what) {
    ASSERT_TRUE(result) << what;
    EXPECT_EQ(result->status, status) << what << ": " << result->body;
    const auto body = json::parse(result->body, nullptr, false);
    EXPECT_TRUE(body.is_object() && body.contains("error")) << what << ": " << result->body;
  };
  expect_4xx(counter.post("/api/dossiers", "{\"title\": "), 400, "malformed JSON");
  expect_4xx(counter.post("/api/dossiers", "[1,2]"), 400, "not an object");
  expect_4xx(counter.post("/api/dossiers", "{}", true, "text/plain"), 415, "wrong content type");
  expect_4xx(counter.post("/api/dossiers", json{{"procedure_code", 5},
                                                {"title", "x"},
                                                {"applicant_name", "y"},
                                                {"personal_id", "001085012345"},
                                                {"processing_working_days", 5}}
                                               .dump()),
             400, "wrong type");
  expect_4xx(counter.post("/api/dossiers", json{{"procedure_code", "1"},
                                                {"title", "x"},
                                                {"applicant_name", "y"},
                                                {"personal_id", "001085012345"},
                                                {"processing_working_days", "five"}}
                                               .dump()),
             400, "wrong number type");
  expect_4xx(counter.post("/api/dossiers", json{{"procedure_code", "1"},
                                                {"title", "x"},
                                                {"applicant_name", "y"},
                                                {"personal_id", "12"},
                                                {"processing_working_days", 5}}
                                               .dump()),
             400, "bad personal id");
  expect_4xx(counter.post("/api/dossiers", json{{"evil", true}}.dump()), 400, "unknown field");
  expect_4xx(
      counter.post("/api/dossiers", "{\"title\":\"" + std::string(3 * 1024 * 1024, 'x') + "\"}"),
      413, "huge body");
  expect_4xx(counter.get("/api/dossiers/..%2F..%2Fetc%2Fpasswd"), 400, "path traversal");
  expect_4xx(counter.get("/api/dossiers/%2e%2e"), 400, "dot-dot segment");
  expect_4xx(counter.get("/api/dossiers/" + std::string("000.00.00.H49-250303-0001") +
                         "/documents/abc/pdf"),
             400, "document id not a number");
  expect_4xx(counter.post(
                 "/api/dossiers/000.00.00.H49-250303-0001/documents",
                 json{{"class", "../../x"}, {"page_texts", {"a"}}, {"pdf_base64", "QQ=="}}.dump()),
             400, "traversal in a class name");
  expect_4xx(
      counter.post("/api/dossiers/000.00.00.H49-250303-0001/documents",
                   json{{"class", "x"}, {"page_texts", {"a"}}, {"pdf_base64", "***"}}.dump()),
      400, "not base64");
  expect_4xx(
      counter.post("/api/dossiers/000.00.00.H49-250303-0001/documents",
                   json{{"class", "x"}, {"page_texts", {"a"}}, {"pdf_base64", "QUJD"}}.dump()),
      400, "not a PDF");
  const auto records = login("records-a");
  expect_4xx(records.get("/api/search?limit=abc"), 400, "limit not a number");
  expect_4xx(records.get("/api/search?status=lost"), 400, "unknown status");
  expect_4xx(records.get("/api/search?from=yesterday"), 400, "bad date");
  expect_4xx(records.post("/api/grants", json{{"grantee_agency", "../b"}, {"scope", "all"}}.dump()),
             400, "bad agency");
  expect_4xx(
      records.post("/api/grants",
                   json{{"grantee_agency", kAgencyB}, {"scope", "all"}, {"days", -3}}.dump()),
      400, "negative days");
  expect_4xx(records.get("/api/nothing-here"), 404, "unknown route");
  const auto admin = login("admin-a");
  expect_4xx(
      admin.post(
          "/api/accounts",
          json{{"login", "../../root"}, {"role", "admin"}, {"password", "0123456789ab"}}.dump()),
      400, "traversal in a login");
  expect_4xx(
      admin.post("/api/accounts",
                 json{{"login", "new-one"}, {"role", "king"}, {"password", "0123456789ab"}}.dump()),
      400, "unknown role");
  EXPECT_EQ(admin.get_json("/api/accounts").at("accounts").size(), 4U);  // nothing stored
  EXPECT_EQ(received_count(counter), before);

  // The page's files: only plain names from web/.
  Client anonymous{service_->port(), {}, {}};
  EXPECT_EQ(anonymous.get("/")->status, 200);
  EXPECT_EQ(anonymous.get("/..%2F..%2Fetc%2Fpasswd")->status, 404);
  EXPECT_EQ(anonymous.get("/CMakeLists.txt")->status, 404);
}

}  // namespace
}  // namespace sohoa::service::test
