// The web page's API over HTTP on 127.0.0.1: sessions and CSRF, agency isolation
// on every route that returns dossier data (before and after a grant), reads in
// the audit trail, tampering detected, and bad input refused with nothing stored.
#include <gtest/gtest.h>
#include <httplib.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <tuple>

#include "service_test_support.hpp"
#include "signing_fixtures.hpp"
#include "sohoa/core/error.hpp"
#include "sohoa/imaging/decode.hpp"
#include "sohoa/service/accounts.hpp"
#include "sohoa/signing/verify.hpp"
#include "sohoa/storage/blob_store.hpp"
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
    ScannerProfile scanner;  // listed for the counter, never started here
    scanner.name = "quay-1";
    scanner.device = "test:0";
    config.scanners.push_back(scanner);
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

// The counter corrects a document's class and fields: the machine's values are
// shown next to the corrected ones, the class filter follows, another agency gets
// 404, and a request without CSRF, with bad JSON or an unknown field stores nothing.
TEST_F(WebApiTest, TheCounterCorrectsClassAndFieldsAndTheMachineValuesStay) {
  const auto [code, id] = file_dossier_of_a("hieuchinh7");
  const auto counter = login("counter-a");
  const std::string path =
      "/api/dossiers/" + code + "/documents/" + std::to_string(id) + "/correction";
  const auto body = json{
      {"class", "to_khai_khai_sinh"},
      {"fields", {{"number_symbol", "15/2025"}, {"signer", "Lê Thị Mai"}}},
      {"reason",
       "phân loại sai"}}.dump();
  const auto corrections_of = [&](const Client& client) {
    const auto dossier = client.get_json("/api/dossiers/" + code);
    for (const auto& document : dossier.at("documents")) {
      if (document.at("id").get<std::int64_t>() == id) return document;
    }
    return json{};
  };
  // No CSRF, bad JSON, an unknown field, a bad class: refused, nothing stored.
  EXPECT_EQ(counter.post(path, body, false)->status, 403);
  EXPECT_EQ(counter.post(path, "{\"class\": ")->status, 400);
  EXPECT_EQ(
      counter.post(path, json{{"fields", {{"personal_id", "1"}}}, {"reason", "x"}}.dump())->status,
      400);
  EXPECT_EQ(counter.post(path, json{{"class", "Căn cước"}, {"reason", "x"}}.dump())->status, 400);
  EXPECT_EQ(counter.post(path, json{{"class", "can_cuoc"}}.dump())->status, 400);  // no reason
  EXPECT_TRUE(corrections_of(counter).at("corrections").empty());
  // Another agency: as if the document did not exist; an official may not.
  EXPECT_EQ(login("counter-b").post(path, body)->status, 404);
  EXPECT_EQ(login("records-b").post(path, body)->status, 404);
  EXPECT_EQ(login("official-a").post(path, body)->status, 403);
  EXPECT_TRUE(corrections_of(counter).at("corrections").empty());

  const auto corrected = counter.post(path, body);
  ASSERT_EQ(corrected->status, 200) << corrected->body;
  const auto document = corrections_of(counter);
  EXPECT_EQ(document.at("class"), "to_khai_khai_sinh");
  EXPECT_EQ(document.at("metadata").at("signer"), "Lê Thị Mai");
  EXPECT_EQ(document.at("machine_metadata").at("class"), "giay_khai_sinh");
  EXPECT_EQ(document.at("machine_metadata").at("signer"), "");
  ASSERT_EQ(document.at("corrections").size(), 3u);
  EXPECT_EQ(document.at("corrections")[0].at("field"), "class");
  EXPECT_EQ(document.at("corrections")[0].at("reason"), "phân loại sai");
  const auto records = login("records-a");
  const auto by_new = records.get_json("/api/search?q=hieuchinh7&class=to_khai_khai_sinh");
  EXPECT_EQ(by_new.at("hits").size(), 1u) << by_new.dump();
  const auto by_old = records.get_json("/api/search?q=hieuchinh7&class=giay_khai_sinh");
  EXPECT_TRUE(by_old.at("hits").empty()) << by_old.dump();
  // The records officer of the owner may correct too.
  EXPECT_EQ(
      records
          .post(path, json{{"fields", {{"notes", "đã đối chiếu"}}}, {"reason", "ghi chú"}}.dump())
          ->status,
      200);
}

TEST_F(WebApiTest, ThePdfPreviewMayBeFramedBySamePageOnly) {
  const auto [code, document_id] = file_dossier_of_a("PREVIEW");
  const auto official = login("official-a");
  const auto path = "/api/dossiers/" + code + "/documents/" + std::to_string(document_id) + "/pdf";
  const auto preview = official.get(path + "?inline=1");
  ASSERT_EQ(preview->status, 200);
  EXPECT_EQ(preview->body, kPdf);
  EXPECT_EQ(preview->get_header_value("X-Frame-Options"), "SAMEORIGIN");
  EXPECT_EQ(preview->get_header_value("Content-Security-Policy"), "frame-ancestors 'self'");
  EXPECT_EQ(preview->get_header_value("Content-Disposition").rfind("inline", 0), 0U);
  const auto download = official.get(path);
  EXPECT_EQ(download->get_header_value("X-Frame-Options"), "DENY");
  EXPECT_NE(download->get_header_value("Content-Security-Policy").find("frame-ancestors 'none'"),
            std::string::npos);
  EXPECT_EQ(download->get_header_value("Content-Disposition").rfind("attachment", 0), 0U);
  // Agency isolation holds for the preview as for the download.
  EXPECT_EQ(login("records-b").get(path + "?inline=1")->status, 404);
}

TEST_F(WebApiTest, PageThumbnailsComeFromTheFiledScanWithinTheAgency) {
  // A two-page scan PDF: an RGB JPEG page (24 x 16) and a CCITT G4 page (40 x 24).
  const auto scan =
      file_bytes(sohoa::test::source_dir() / "fuzz/corpus/fuzz_scan_pdf/tiny-jpeg-g4.pdf");
  const auto counter = login("counter-a");
  const auto [code, text_only_id] = file_dossier_of_a("THUMBNAIL");
  const auto filed = counter.post("/api/dossiers/" + code + "/documents",
                                  json{{"class", "can_cuoc"},
                                       {"page_texts", {"mặt trước", "mặt sau"}},
                                       {"pdf_base64", base64(scan)}}
                                      .dump());
  ASSERT_EQ(filed->status, 201) << filed->body;
  const auto scan_id = json::parse(filed->body).at("id").get<std::int64_t>();
  const auto thumbnail = [&](const Client& client, std::int64_t id, int page) {
    return client.get("/api/dossiers/" + code + "/documents/" + std::to_string(id) + "/pages/" +
                      std::to_string(page) + "/thumbnail");
  };
  const auto first = thumbnail(counter, scan_id, 1);
  ASSERT_EQ(first->status, 200) << first->body;
  EXPECT_EQ(first->get_header_value("Content-Type"), "image/jpeg");
  const auto picture = imaging::decode_page(
      std::span(reinterpret_cast<const std::uint8_t*>(first->body.data()), first->body.size()), 0,
      "thumbnail");
  EXPECT_EQ(picture.image.width, 24);
  EXPECT_EQ(picture.image.height, 16);
  EXPECT_EQ(picture.image.channels, 3);
  const auto second = thumbnail(login("official-a"), scan_id, 2);
  ASSERT_EQ(second->status, 200) << second->body;
  const auto bilevel = imaging::decode_page(
      std::span(reinterpret_cast<const std::uint8_t*>(second->body.data()), second->body.size()), 0,
      "thumbnail");
  EXPECT_EQ(bilevel.image.width, 40);
  EXPECT_EQ(bilevel.image.channels, 1);
  EXPECT_EQ(thumbnail(counter, scan_id, 3)->status, 404);
  EXPECT_EQ(thumbnail(counter, text_only_id, 1)->status, 422);  // a PDF without a scanned image
  EXPECT_EQ(counter
                .get("/api/dossiers/" + code + "/documents/" + std::to_string(scan_id) +
                     "/pages/x/thumbnail")
                ->status,
            400);
  // Another agency sees nothing, as for the PDF itself.
  EXPECT_EQ(thumbnail(login("records-b"), scan_id, 1)->status, 404);
  EXPECT_EQ(thumbnail(login("counter-b"), scan_id, 1)->status, 404);
}

TEST_F(WebApiTest, WithoutASigningKeyTheOfficialIsToldAndNothingChanges) {
  const auto [code, document_id] = file_dossier_of_a("UNSIGNED");
  const auto counter = login("counter-a");
  for (const char* status : {"digitised", "in-review"}) {
    ASSERT_EQ(
        counter.post("/api/dossiers/" + code + "/status", json{{"status", status}}.dump())->status,
        200);
  }
  const auto official = login("official-a");
  EXPECT_FALSE(official.get_json("/api/sign").at("configured").get<bool>());
  const auto refused = official.post("/api/sign", json{{"dossiers", {code}}}.dump());
  ASSERT_EQ(refused->status, 503);
  EXPECT_NE(json::parse(refused->body).at("error").get<std::string>().find("signers"),
            std::string::npos);
  const auto dossier = official.get_json("/api/dossiers/" + code);
  EXPECT_EQ(dossier.at("dossier").at("status"), "in-review");
  EXPECT_EQ(dossier.at("documents").at(0).at("version"), 1);
}

TEST_F(WebApiTest, TheCounterSeesItsScannerProfilesAndHotFolders) {
  const auto doors = login("counter-a").get_json("/api/scanner-profiles");
  ASSERT_EQ(doors.at("profiles").size(), 1U);
  EXPECT_EQ(doors.at("profiles").at(0).at("name"), "quay-1");
  EXPECT_EQ(doors.at("profiles").at(0).at("source"), "adf");
  ASSERT_EQ(doors.at("hot_folders").size(), 1U);
  EXPECT_NE(doors.at("hot_folders").at(0).get<std::string>().find("inbox"), std::string::npos);
  EXPECT_EQ(login("records-a").get("/api/scanner-profiles")->status, 403);
  Client anonymous{service_->port(), {}, {}};
  EXPECT_EQ(anonymous.get("/api/scanner-profiles")->status, 401);
}

TEST(ServiceConfigSigners, AMisconfiguredSignerNamesTheKey) {
  const auto message = [](const std::string& text) {
    try {
      parse_service_config(text, "/etc/sohoa");
    } catch (const Error& error) {
      return error.message();
    }
    return std::string("accepted");
  };
  EXPECT_NE(message(R"({"signers": {"lanh-dao": {"p12": "a.p12"}}})").find("pin_file"),
            std::string::npos);
  EXPECT_NE(message(R"({"signers": {"lanh-dao": {"pin_file": "pin"}}})").find("p12"),
            std::string::npos);
  EXPECT_NE(
      message(R"({"signers": {"x": {"p12": "a", "pin_file": "p", "level": "B-T"}}})").find("tsa"),
      std::string::npos);
  EXPECT_NE(
      message(R"({"signers": {"x": {"p12": "a", "pin_file": "p", "colour": 1}}})").find("colour"),
      std::string::npos);
  const auto config = parse_service_config(
      R"({"signers": {"000.00.00.H49": {"pkcs11_module": "/usr/lib/softhsm/libsofthsm2.so",
          "key_id": "01", "pin_file": "pin/h49", "level": "B-T", "tsa": "http://tsa/"}}})",
      "/etc/sohoa");
  const auto& signer = config.signers.at("000.00.00.H49");
  EXPECT_EQ(signer.pin_file, fs::path("/etc/sohoa/pin/h49"));
  EXPECT_EQ(signer.level, "B-T");
  EXPECT_EQ(signer.key_id, "01");
}

// Batch signing for real: a test PKI's .p12 configured for the official, B-T
// with the PKI's time-stamping authority.
class WebSigningTest : public WebApiTest {
 protected:
  static void SetUpTestSuite() {}
  static void TearDownTestSuite() {}

  void SetUp() override {
    service_ = nullptr;  // WebApiTest's suite (same process) has gone
    data_ = nullptr;
    pki_ = &sohoa::test::test_pki();
    if (!pki_->ready) GTEST_SKIP() << pki_->why_not;
    data_ = new sohoa::test::ScratchDir();
    for (const auto& [login, agency, role] :
         std::vector<std::tuple<std::string, std::string, std::string>>{
             {"counter-a", kAgencyA, "counter"},
             {"official-a", kAgencyA, "official"},
             {"admin-a", kAgencyA, "admin"},
             {"records-a", kAgencyA, "records"},
             {"official-b", kAgencyB, "official"}}) {
      add_account(data_->path(), {login, agency, role, login, kPassword});
    }
    sohoa::test::write_text(data_->path() / "pin", "1234\n");
    auto config = test_config(data_->path());
    config.processing = false;
    SignerConfig official;
    official.p12 = pki_->p12("person");
    official.pin_file = data_->path() / "pin";
    official.level = "B-T";
    official.tsa_url = pki_->tsa_url();
    config.signers["official-a"] = official;
    config.signers[kAgencyB] = official;  // an agency-wide key
    service_ = new RunningService(config);
  }
  void TearDown() override {
    delete service_;
    delete data_;
    service_ = nullptr;
    data_ = nullptr;
  }

  // A dossier of agency A awaiting signature with one document holding `pdf`.
  static std::pair<std::string, json> dossier_in_review(const std::string& pdf,
                                                        bool to_review = true) {
    const auto counter = login("counter-a");
    const auto received = counter.post("/api/dossiers", json{{"procedure_code", "1.001193"},
                                                             {"title", "Đăng ký khai sinh"},
                                                             {"applicant_name", "Nguyễn Văn An"},
                                                             {"personal_id", "001085012345"},
                                                             {"processing_working_days", 5}}
                                                            .dump());
    const auto code = json::parse(received->body).at("dossier").at("code").get<std::string>();
    const auto document = counter.post("/api/dossiers/" + code + "/documents",
                                       json{{"class", "giay_khai_sinh"},
                                            {"summary", "Giấy khai sinh"},
                                            {"page_texts", {"GIẤY KHAI SINH"}},
                                            {"pdf_base64", base64(pdf)}}
                                           .dump());
    EXPECT_EQ(document->status, 201) << document->body;
    for (const char* status : {"digitised", "in-review"}) {
      if (!to_review) break;
      counter.post("/api/dossiers/" + code + "/status", json{{"status", status}}.dump());
    }
    return {code, json::parse(document->body)};
  }

  const sohoa::test::TestPki* pki_ = nullptr;
};

TEST_F(WebSigningTest, SignsEachDossierAsANewVersionAndReportsEachOnItsOwn) {
  const std::string original = sohoa::test::minimal_pdf("Giay khai sinh");
  const auto [good, good_document] = dossier_in_review(original);
  const auto [broken, broken_document] = dossier_in_review("%PDF-1.4\nnot really a PDF\n%%EOF\n");
  const auto [early, early_document] = dossier_in_review(original, false);

  const auto official = login("official-a");
  const auto key = official.get_json("/api/sign");
  EXPECT_TRUE(key.at("configured").get<bool>());
  EXPECT_EQ(key.at("level"), "B-T");
  const auto answer = official.post("/api/sign", json{{"dossiers", {good, broken, early}}}.dump());
  ASSERT_EQ(answer->status, 200) << answer->body;
  const auto reply = json::parse(answer->body);
  EXPECT_EQ(reply.at("signed"), 1);
  const auto& results = reply.at("results");
  ASSERT_EQ(results.size(), 3U);
  EXPECT_TRUE(results[0].at("ok").get<bool>()) << results[0].dump();
  EXPECT_EQ(results[0].at("status"), "signed");
  EXPECT_EQ(results[0].at("documents").at(0).at("version"), 2);
  EXPECT_FALSE(results[1].at("ok").get<bool>());
  EXPECT_FALSE(results[1].at("error").get<std::string>().empty());
  EXPECT_FALSE(results[2].at("ok").get<bool>());
  EXPECT_NE(results[2].at("error").get<std::string>().find("not awaiting signature"),
            std::string::npos);

  // The stored new version: our verifier and pdfsig both find a valid signature.
  const auto records = login("records-a");
  const auto dossier = records.get_json("/api/dossiers/" + good);
  EXPECT_EQ(dossier.at("dossier").at("status"), "signed");
  const auto& document = dossier.at("documents").at(0);
  EXPECT_EQ(document.at("version"), 2);
  const auto signed_pdf = records
                              .get("/api/dossiers/" + good + "/documents/" +
                                   std::to_string(document.at("id").get<std::int64_t>()) + "/pdf")
                              ->body;
  EXPECT_EQ(signed_pdf.compare(0, original.size(), original), 0);  // an incremental update
  signing::VerifyOptions verify;
  verify.trust_anchors = signing::load_pem_certificates(pki_->ca_bundle());
  const auto report = signing::verify_pdf(
      std::span(reinterpret_cast<const std::uint8_t*>(signed_pdf.data()), signed_pdf.size()),
      verify);
  ASSERT_EQ(report.signatures.size(), 1U) << signing::format_text(report);
  EXPECT_EQ(report.signatures[0].verdict, signing::SignatureVerdict::Valid)
      << signing::format_text(report);
  EXPECT_EQ(report.signatures[0].level, "B-T");
  EXPECT_TRUE(report.signatures[0].covers_whole_file);
  if (sohoa::test::have_program("pdfsig")) {
    sohoa::test::write_text(data_->path() / "signed.pdf", signed_pdf);
    const auto pdfsig = sohoa::test::run_command(
        "pdfsig " + sohoa::test::shell_quote((data_->path() / "signed.pdf").string()));
    EXPECT_NE(pdfsig.output.find("Signature is Valid"), std::string::npos) << pdfsig.output;
  }
  // Nothing overwritten: the digitised version's blob is still there, unchanged.
  const auto first_blob = storage::local_blob_path(data_->path() / "blobs",
                                                   good_document.at("sha256").get<std::string>());
  EXPECT_EQ(sohoa::test::read_text(first_blob), original);
  EXPECT_NE(document.at("sha256"), good_document.at("sha256"));

  // The dossier that failed is as it was.
  const auto unchanged = records.get_json("/api/dossiers/" + broken);
  EXPECT_EQ(unchanged.at("dossier").at("status"), "in-review");
  EXPECT_EQ(unchanged.at("documents").at(0).at("version"), 1);

  // Signing is in the audit trail.
  const auto trail = login("admin-a").get_json("/api/audit?limit=1000").at("records");
  bool version_audited = false;
  bool status_audited = false;
  for (const auto& record : trail) {
    if (record.at("account") != "official-a") continue;
    const auto subject = record.at("subject").get<std::string>();
    version_audited |= record.at("action") == "add-version" && subject.find(good) == 0;
    status_audited |= record.at("action") == "advance-status" && subject == good &&
                      record.at("outcome") == "signed";
  }
  EXPECT_TRUE(version_audited);
  EXPECT_TRUE(status_audited);

  // Signing twice does not sign again; another agency's official cannot sign it.
  const auto again =
      json::parse(official.post("/api/sign", json{{"dossiers", {good}}}.dump())->body);
  EXPECT_FALSE(again.at("results").at(0).at("ok").get<bool>());
  const auto [other, other_document] = dossier_in_review(original);
  const auto stranger =
      json::parse(login("official-b").post("/api/sign", json{{"dossiers", {other}}}.dump())->body);
  EXPECT_FALSE(stranger.at("results").at(0).at("ok").get<bool>());
  EXPECT_EQ(records.get_json("/api/dossiers/" + other).at("documents").at(0).at("version"), 1);
}

TEST_F(WebSigningTest, OnlyOfficialsSignAndBadRequestsAreRefused) {
  const auto [code, document] = dossier_in_review(sohoa::test::minimal_pdf());
  const auto official = login("official-a");
  EXPECT_EQ(login("records-a").post("/api/sign", json{{"dossiers", {code}}}.dump())->status, 403);
  EXPECT_EQ(login("counter-a").post("/api/sign", json{{"dossiers", {code}}}.dump())->status, 403);
  EXPECT_EQ(official.post("/api/sign", json{{"dossiers", {code}}}.dump(), false)->status, 403);
  EXPECT_EQ(official.post("/api/sign", json{{"dossiers", code}}.dump())->status, 400);
  EXPECT_EQ(official.post("/api/sign", json{{"dossiers", json::array()}}.dump())->status, 400);
  EXPECT_EQ(official.post("/api/sign", json{{"dossiers", {"../../etc"}}}.dump())->status, 400);
  EXPECT_EQ(official.post("/api/sign", json{{"dossiers", {code}}, {"all", true}}.dump())->status,
            400);
  EXPECT_EQ(official.get_json("/api/dossiers/" + code).at("dossier").at("status"), "in-review");
}

}  // namespace
}  // namespace sohoa::service::test
