// The dossier registry: codes, due dates, documents and versions, search,
// isolation between agencies, reuse, and the audit chain. Every test runs on
// both backends: `Sqlite/…/sqlite` (a scratch file) and `Postgres/…/postgresql`
// (a fresh schema of the tests' own PostgreSQL server, pg_test_server.hpp).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <thread>

#include "pg_test_server.hpp"
#include "sohoa/core/error.hpp"
#include "sohoa/storage/open_registry.hpp"
#include "sohoa/storage/sqlite_registry.hpp"
#include "sohoa/storage/text_folding.hpp"
#include "test_support.hpp"

namespace sohoa::storage {
namespace {

using namespace std::chrono;

const std::string kWard = "000.00.21.H49";   // the receiving ward (agency A)
const std::string kOther = "000.00.22.H49";  // another agency (B)

enum class Backend { Sqlite, Postgres };

std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::Sqlite ? "sqlite" : "postgresql";
}

class RegistryTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    blobs_ = std::shared_ptr<BlobStore>(open_local_blob_store(dir_.path() / "blobs"));
    if (GetParam() == Backend::Postgres) {
      SOHOA_GET_PG_SERVER(server_);
      url_ = server_->create_database();
    } else {
      url_ = "sqlite:" + database().string();
    }
    registry_ = open();
  }

  // Through the URL factory, as `sohoa serve` opens it.
  std::unique_ptr<Registry> open() {
    RegistryOptions options;
    options.blobs = blobs_;
    options.holidays = HolidayCalendar::load(test::source_dir() / "config" / "holidays");
    options.now = [this] { return now_; };
    return open_registry(url_, std::move(options));
  }

  [[nodiscard]] std::filesystem::path database() const { return dir_.path() / "registry.sqlite"; }
  [[nodiscard]] bool postgres() const { return GetParam() == Backend::Postgres; }

  static DossierIntake intake(const std::string& unit, Date day, const std::string& person) {
    return {unit, day, "1.001193", "Đăng ký khai sinh", "Nguyễn Văn Đức", person, 5, ""};
  }

  Document add(Registry& registry, const std::string& code, const std::string& document_class,
               std::vector<std::string> pages, const Viewer& by, bool result = false) {
    NewDocument document;
    document.metadata.document_class = document_class;
    document.metadata.document_type = document_class;
    document.metadata.summary = "Bản sao " + document_class;
    document.file = {'%', 'P', 'D', 'F', static_cast<std::uint8_t>(pages.size())};
    for (const auto& page : pages)
      document.file.insert(document.file.end(), page.begin(), page.end());
    document.page_texts = std::move(pages);
    document.is_result = result;
    return registry.add_document(code, document, by);
  }

  std::int64_t audit_count() { return registry_->verify_audit_chain().records; }

  // A table's name in this backend (PostgreSQL prefixes the registry's tables,
  // which share a database with the job queue).
  [[nodiscard]] std::string table(const std::string& name) const {
    return postgres() ? "registry_" + name : name;
  }

  // Runs SQL behind the registry's back (a tamperer with database access);
  // false when the database refused it.
  bool try_sql(const std::string& statement) {
    if (postgres()) {
      try {
        server_->run_sql(url_, statement);
        return true;
      } catch (const std::exception&) {
        return false;
      }
    }
    const auto command = "sqlite3 " + test::shell_quote(database().string()) + " " +
                         test::shell_quote(statement) + " 2>/dev/null";
    return std::system(command.c_str()) == 0;
  }
  void sql(const std::string& statement) { ASSERT_TRUE(try_sql(statement)) << statement; }
  void drop_trigger(const std::string& trigger, const std::string& on) {
    sql("DROP TRIGGER " + trigger + (postgres() ? " ON " + table(on) : "") + ";");
  }

  // What `sohoa audit verify` runs: the chain read afresh, without the registry.
  AuditVerdict verify_offline() { return verify_registry_audit_chain(url_); }

  test::ScratchDir dir_;
  test::PgTestServer* server_ = nullptr;
  std::string url_;
  std::shared_ptr<BlobStore> blobs_;
  system_clock::time_point now_ = sys_days(2025y / January / 15) + hours(2);
  std::unique_ptr<Registry> registry_;
  Viewer ward_{kWard, Role::CounterStaff, "lan.nguyen"};
  Viewer other_{kOther, Role::RecordsOfficer, "minh.tran"};
  Viewer auditor_{kWard, Role::Auditor, "audit"};
};

INSTANTIATE_TEST_SUITE_P(Sqlite, RegistryTest, ::testing::Values(Backend::Sqlite), backend_name);
INSTANTIATE_TEST_SUITE_P(Postgres, RegistryTest, ::testing::Values(Backend::Postgres),
                         backend_name);

TEST_P(RegistryTest, DossierCodesCountPerUnitPerDay) {
  const auto first =
      registry_->receive_dossier(intake(kWard, 2025y / January / 15, "001085012345"), ward_);
  const auto second =
      registry_->receive_dossier(intake(kWard, 2025y / January / 15, "001085012345"), ward_);
  const auto next_day =
      registry_->receive_dossier(intake(kWard, 2025y / January / 16, "001085012345"), ward_);
  const auto other =
      registry_->receive_dossier(intake(kOther, 2025y / January / 15, "001085012345"), other_);
  EXPECT_EQ(first.dossier.code, kWard + "-250115-0001");
  EXPECT_EQ(second.dossier.code, kWard + "-250115-0002");
  EXPECT_EQ(next_day.dossier.code, kWard + "-250116-0001");
  EXPECT_EQ(other.dossier.code, kOther + "-250115-0001");
  EXPECT_EQ(first.dossier.status, DossierStatus::Received);
  EXPECT_EQ(first.dossier.due_on, 2025y / January / 22);  // 5 working days
  EXPECT_EQ(first.qr_payload.substr(0, first.dossier.code.size() + 10),
            first.dossier.code + "|1.001193|");
}

TEST_P(RegistryTest, DueDateCrossesTet) {
  const auto receipt =
      registry_->receive_dossier(intake(kWard, 2025y / January / 24, "001085012345"), ward_);
  EXPECT_EQ(receipt.dossier.due_on, 2025y / February / 7);  // 03, 04, 05, 06, 07/02
}

TEST_P(RegistryTest, PreprintedCodeIsKeptAndTheCounterContinuesAfterIt) {
  auto preprinted = intake(kWard, 2025y / January / 15, "001085012345");
  preprinted.preprinted_code = kWard + "-250115-0007";
  EXPECT_EQ(registry_->receive_dossier(preprinted, ward_).dossier.code, preprinted.preprinted_code);
  EXPECT_EQ(registry_->receive_dossier(intake(kWard, 2025y / January / 15, "001085012345"), ward_)
                .dossier.code,
            kWard + "-250115-0008");
  preprinted.preprinted_code = kWard + "-250116-0001";  // another day
  EXPECT_THROW(registry_->receive_dossier(preprinted, ward_), Error);
  preprinted.preprinted_code = kWard + "-250115-0007";  // already used
  EXPECT_THROW(registry_->receive_dossier(preprinted, ward_), Error);
}

TEST_P(RegistryTest, ConcurrentCodesAreUniqueAndGapFree) {
  constexpr int kThreads = 4;
  constexpr int kEach = 25;
  std::vector<std::vector<std::string>> codes(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto registry = open();  // its own connection, as another process would have
      for (int i = 0; i < kEach; ++i) {
        codes[t].push_back(
            registry->receive_dossier(intake(kWard, 2025y / March / 3, "001085012345"), ward_)
                .dossier.code);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::set<std::string> all;
  for (const auto& list : codes) all.insert(list.begin(), list.end());
  ASSERT_EQ(all.size(), static_cast<std::size_t>(kThreads * kEach));
  int expected = 1;
  for (const auto& code : all) {
    EXPECT_EQ(code, format_dossier_code(kWard, 2025y / March / 3, expected++));
  }
  EXPECT_TRUE(registry_->verify_audit_chain().intact);
}

// Two connections (two nodes) adding documents to one dossier and versions to one
// document at once: every number is given exactly once.
TEST_P(RegistryTest, ConcurrentDocumentsAndVersionsAreNumberedOnce) {
  const auto code =
      registry_->receive_dossier(intake(kWard, 2025y / January / 15, "001085012345"), ward_)
          .dossier.code;
  const auto first = add(*registry_, code, "don", {"Đơn đề nghị"}, ward_);
  constexpr int kEach = 10;
  std::vector<std::thread> nodes;
  for (int node = 0; node < 2; ++node) {
    nodes.emplace_back([&, node] {
      auto registry = open();
      for (int i = 0; i < kEach; ++i) {
        add(*registry, code, "phu_luc", {"Phụ lục " + std::to_string(node * kEach + i)}, ward_);
        const std::string bytes = "%PDF signed " + std::to_string(node * kEach + i);
        registry->add_version(first.id, {bytes.begin(), bytes.end()}, "signed", ward_);
      }
    });
  }
  for (auto& node : nodes) node.join();
  std::set<std::string> codes;
  for (const auto& document : registry_->documents(code, ward_)) codes.insert(document.code);
  ASSERT_EQ(codes.size(), static_cast<std::size_t>(2 * kEach + 1));
  int expected = 1;
  for (const auto& document_code : codes) {
    EXPECT_EQ(document_code, code + "." + (expected < 10 ? "0" : "") + std::to_string(expected));
    ++expected;
  }
  const auto versions = registry_->versions(first.id, ward_);
  ASSERT_EQ(versions.size(), static_cast<std::size_t>(2 * kEach + 1));
  for (std::size_t i = 0; i < versions.size(); ++i) {
    EXPECT_EQ(versions[i].version, static_cast<int>(i + 1));
  }
  EXPECT_TRUE(registry_->verify_audit_chain().intact);
}

TEST_P(RegistryTest, StatusMovesOneStepAtATimeByTheOwner) {
  const auto code =
      registry_->receive_dossier(intake(kWard, 2025y / January / 15, "001085012345"), ward_)
          .dossier.code;
  EXPECT_THROW(registry_->advance_status(code, DossierStatus::Signed, ward_), Error);
  EXPECT_THROW(registry_->advance_status(code, DossierStatus::Digitised, other_), Error);
  for (auto status : {DossierStatus::Digitised, DossierStatus::InReview, DossierStatus::Signed,
                      DossierStatus::Returned}) {
    EXPECT_EQ(registry_->advance_status(code, status, ward_).status, status);
  }
  EXPECT_EQ(registry_->dossier(code, ward_)->status, DossierStatus::Returned);
}

TEST_P(RegistryTest, DocumentsResultsAndVersionsAreNeverOverwritten) {
  const auto code =
      registry_->receive_dossier(intake(kWard, 2025y / January / 15, "001085012345"), ward_)
          .dossier.code;
  const auto form =
      add(*registry_, code, "to_khai_khai_sinh", {"Tờ khai đăng ký khai sinh"}, ward_);
  const auto id_card = add(*registry_, code, "can_cuoc", {"Căn cước công dân"}, ward_);
  const auto result = add(*registry_, code, "giay_khai_sinh", {"Giấy khai sinh"}, ward_, true);
  const auto result2 = add(*registry_, code, "trich_luc", {"Trích lục"}, ward_, true);
  EXPECT_EQ(form.code, code + ".01");
  EXPECT_EQ(id_card.code, code + ".02");
  EXPECT_EQ(result.code, code + "-KQ1");
  EXPECT_EQ(result2.code, code + "-KQ2");
  EXPECT_EQ(form.latest.version, 1);
  EXPECT_EQ(form.latest.reason, "digitised");

  const std::vector<std::uint8_t> signed_file = {'s', 'i', 'g', 'n', 'e', 'd'};
  const auto v2 = registry_->add_version(result.id, signed_file, "signed", ward_);
  EXPECT_EQ(v2.version, 2);
  EXPECT_NE(v2.blob_sha256, result.latest.blob_sha256);
  const auto versions = registry_->versions(result.id, ward_);
  ASSERT_EQ(versions.size(), 2u);
  EXPECT_EQ(registry_->read_file(result.id, 0, ward_), signed_file);
  EXPECT_NE(registry_->read_file(result.id, 1, ward_), signed_file);
  EXPECT_TRUE(blobs_->verify(versions[0].blob_sha256));
  EXPECT_EQ(registry_->documents(code, ward_).size(), 4u);
  EXPECT_THROW(add(*registry_, code, "x", {"y"}, other_), Error);  // not B's dossier
  // Versions are append-only in the schema itself.
  EXPECT_FALSE(try_sql("UPDATE " + table("document_versions") + " SET reason = '1'"));
  EXPECT_FALSE(try_sql("DELETE FROM " + table("document_versions")));
  EXPECT_EQ(registry_->versions(result.id, ward_).size(), 2u);
}

TEST_P(RegistryTest, DamagedFileIsDetectedAndTheAttemptAudited) {
  const auto code =
      registry_->receive_dossier(intake(kWard, 2025y / January / 15, "001085012345"), ward_)
          .dossier.code;
  const auto document = add(*registry_, code, "can_cuoc", {"Căn cước"}, ward_);
  test::write_text(local_blob_path(dir_.path() / "blobs", document.latest.blob_sha256), "tampered");
  try {
    registry_->read_file(document.id, 0, ward_);
    FAIL() << "damaged file returned";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::CorruptInput);
  }
  const auto log = registry_->audit_log(auditor_);
  EXPECT_EQ(log.back().action, "read-file");
  EXPECT_EQ(log.back().outcome.rfind("failed", 0), 0u);
}

class SearchTest : public RegistryTest {
 protected:
  void SetUp() override {
    RegistryTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    a1_ = registry_->receive_dossier(intake(kWard, 2025y / January / 15, "001085012345"), ward_)
              .dossier.code;
    add(*registry_, a1_, "to_khai_khai_sinh",
        {"TỜ KHAI ĐĂNG KÝ KHAI SINH\nHọ, chữ đệm, tên: Nguyễn Văn Đức\nNơi sinh: Bệnh viện Hà Nội",
         "Người đi đăng ký: Trần Thị Hoa, quan hệ: mẹ"},
        ward_);
    add(*registry_, a1_, "can_cuoc", {"CĂN CƯỚC CÔNG DÂN Số 001085012345 Họ và tên Trần Thị Hoa"},
        ward_);
    auto marriage = intake(kWard, 2025y / February / 10, "001190054321");
    marriage.procedure_code = "1.000894";
    a2_ = registry_->receive_dossier(marriage, ward_).dossier.code;
    add(*registry_, a2_, "to_khai_ket_hon",
        {"TỜ KHAI ĐĂNG KÝ KẾT HÔN Bên nam: Lê Văn Đức, bên nữ: Phạm Thị Đào"}, ward_);
    b1_ = registry_->receive_dossier(intake(kOther, 2025y / January / 20, "001085012345"), other_)
              .dossier.code;
    add(*registry_, b1_, "giay_khai_sinh", {"GIẤY KHAI SINH Họ tên: Nguyễn Văn Đức"}, other_, true);
    add(*registry_, b1_, "xac_nhan_hon_nhan", {"Xác nhận tình trạng hôn nhân Nguyễn Văn Đức"},
        other_);
  }

  std::vector<SearchHit> find(const std::string& text, const Viewer& viewer,
                              SearchQuery query = {}) {
    query.text = text;
    return registry_->search(query, viewer);
  }

  std::string a1_, a2_, b1_;
};

INSTANTIATE_TEST_SUITE_P(Sqlite, SearchTest, ::testing::Values(Backend::Sqlite), backend_name);
INSTANTIATE_TEST_SUITE_P(Postgres, SearchTest, ::testing::Values(Backend::Postgres), backend_name);

TEST_P(SearchTest, AccentInsensitiveInBothDirections) {
  const auto accented = find("Nguyễn Văn Đức", ward_);
  const auto plain = find("nguyen van duc", ward_);
  const auto shouting = find("NGUYEN VAN DUC", ward_);
  ASSERT_EQ(accented.size(), 1u);
  EXPECT_EQ(plain.size(), 1u);
  EXPECT_EQ(shouting.size(), 1u);
  EXPECT_EQ(accented[0].dossier_code, a1_);
  EXPECT_EQ(accented[0].page_number, 1);
  EXPECT_NE(accented[0].snippet.find("[Nguyễn] [Văn] [Đức]"), std::string::npos)
      << accented[0].snippet;
  EXPECT_EQ(find("dao", ward_).size(), 1u);  // Đào
  EXPECT_EQ(find("đào", ward_).size(), 1u);
}

TEST_P(SearchTest, PhrasesPrefixesAndRanking) {
  EXPECT_EQ(find("\"van duc\"", ward_).size(), 2u);  // Nguyễn Văn Đức, Lê Văn Đức
  EXPECT_EQ(find("\"duc van\"", ward_).size(), 0u);
  EXPECT_EQ(find("kh*", ward_).size(), 2u);  // "khai" in both forms
  EXPECT_EQ(find("\"ket hon\"", ward_).size(), 1u);
  const auto hits = find("duc", ward_);
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_LE(hits[0].score, hits[1].score);            // bm25: lower is better
  EXPECT_TRUE(find("\" OR * NEAR(", ward_).empty());  // FTS syntax is not interpreted
}

TEST_P(SearchTest, Filters) {
  SearchQuery query;
  query.personal_id = "001190054321";
  EXPECT_EQ(find("duc", ward_, query).size(), 1u);
  query = {};
  query.procedure_code = "1.001193";
  EXPECT_EQ(find("duc", ward_, query).size(), 1u);
  query = {};
  query.dossier_code = a1_;
  EXPECT_EQ(find("", ward_, query).size(), 3u);  // filters only: every page of the dossier
  query = {};
  query.document_class = "can_cuoc";
  EXPECT_EQ(find("hoa", ward_, query).size(), 1u);
  query = {};
  query.received_from = 2025y / February / 1;
  query.received_to = 2025y / February / 28;
  EXPECT_EQ(find("duc", ward_, query).size(), 1u);
  query = {};
  query.status = DossierStatus::Digitised;
  EXPECT_EQ(find("duc", ward_, query).size(), 0u);
  registry_->advance_status(a2_, DossierStatus::Digitised, ward_);
  EXPECT_EQ(find("duc", ward_, query).size(), 1u);
  query = {};
  query.agency = kWard;
  EXPECT_EQ(find("duc", ward_, query).size(), 2u);
}

TEST_P(SearchTest, AgencySeesNothingOfAnotherWithoutAGrant) {
  const auto own = find("duc", other_);
  EXPECT_EQ(own.size(), 2u);  // only its own two pages
  for (const auto& hit : own) EXPECT_EQ(hit.agency, kOther);
  SearchQuery by_person;
  by_person.personal_id = "001085012345";
  for (const auto& hit : find("", other_, by_person)) EXPECT_EQ(hit.agency, kOther);
  EXPECT_FALSE(registry_->dossier(a1_, other_).has_value());
  EXPECT_TRUE(registry_->documents(a1_, other_).empty());
  const auto document_id = find("hoa", ward_)[0].document_id;
  EXPECT_THROW(registry_->read_file(document_id, 0, other_), Error);
  EXPECT_TRUE(registry_->versions(document_id, other_).empty());
  for (const auto& reusable : registry_->find_reusable_documents("001085012345", other_)) {
    EXPECT_EQ(reusable.document.agency, kOther);
  }
}

TEST_P(SearchTest, ScopedExpiredAndRevokedGrants) {
  Grant by_class{0,    kWard, kOther, GrantScope::DocumentClass, "can_cuoc", now_ + hours(24 * 30),
                 false};
  EXPECT_THROW(registry_->grant(by_class, other_), Error);  // only the grantor grants
  const auto granted = registry_->grant(by_class, ward_);
  auto hits = find("hoa", other_);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].document_class, "can_cuoc");
  EXPECT_EQ(find("\"dang ky khai sinh\"", other_).size(), 0u);  // another class of the same dossier
  EXPECT_TRUE(registry_->dossier(a1_, other_).has_value());
  EXPECT_EQ(registry_->documents(a1_, other_).size(), 1u);
  EXPECT_FALSE(registry_->dossier(a2_, other_).has_value());

  now_ += hours(24 * 31);  // expired
  EXPECT_TRUE(find("hoa", other_).empty());
  EXPECT_FALSE(registry_->dossier(a1_, other_).has_value());

  const auto whole =
      registry_->grant({0, kWard, kOther, GrantScope::Dossier, a2_, now_ + hours(1), false}, ward_);
  EXPECT_EQ(find("\"ket hon\"", other_).size(), 1u);
  EXPECT_TRUE(find("hoa", other_).empty());
  registry_->revoke_grant(whole.id, ward_);
  EXPECT_TRUE(find("\"ket hon\"", other_).empty());
  EXPECT_EQ(registry_->grants(ward_).size(), 2u);
  (void)granted;
}

TEST_P(SearchTest, ReusableDocumentsWithProvenance) {
  // B's counter receives a new dossier of the same citizen and looks for earlier papers.
  auto own = registry_->find_reusable_documents("001085012345", other_);
  ASSERT_EQ(own.size(), 2u);
  for (const auto& document : own) EXPECT_EQ(document.provenance, "own agency");
  const auto grant = registry_->grant(
      {0, kWard, kOther, GrantScope::DocumentClass, "can_cuoc", now_ + hours(48), false}, ward_);
  auto reusable = registry_->find_reusable_documents("001085012345", other_);
  ASSERT_EQ(reusable.size(), 3u);
  const auto id_card = std::find_if(reusable.begin(), reusable.end(), [](const auto& r) {
    return r.document.metadata.document_class == "can_cuoc";
  });
  ASSERT_NE(id_card, reusable.end());
  EXPECT_EQ(id_card->provenance, "grant #" + std::to_string(grant.id) + " from " + kWard);
  EXPECT_EQ(id_card->document.dossier_code, a1_);
  EXPECT_EQ(id_card->received_on, 2025y / January / 15);
  EXPECT_FALSE(id_card->document.latest.blob_sha256.empty());
  EXPECT_EQ(registry_->read_file(id_card->document.id, 0, other_).front(), '%');
}

TEST_P(SearchTest, EveryReadIsAudited) {
  auto before = audit_count();
  find("duc", ward_);
  EXPECT_EQ(audit_count(), ++before);
  find("duc", other_);
  EXPECT_EQ(audit_count(), ++before);
  registry_->dossier(a1_, other_);  // denied reads too
  EXPECT_EQ(audit_count(), ++before);
  registry_->find_reusable_documents("001085012345", other_);
  EXPECT_EQ(audit_count(), ++before);
  registry_->documents(a1_, ward_);
  EXPECT_EQ(audit_count(), ++before);
  EXPECT_THROW(registry_->audit_log(ward_), Error);  // not an auditor
  const auto log = registry_->audit_log(auditor_);
  EXPECT_EQ(static_cast<std::int64_t>(log.size()), before);
  EXPECT_EQ(log.back().action, "list-documents");
  const auto denied = std::find_if(log.begin(), log.end(), [&](const AuditRecord& r) {
    return r.action == "read-dossier" && r.agency == kOther;
  });
  ASSERT_NE(denied, log.end());
  EXPECT_EQ(denied->subject, a1_);
  EXPECT_EQ(denied->outcome, "not found or not visible");
  EXPECT_EQ(denied->account, "minh.tran");
  EXPECT_EQ(audit_count(), before + 1);  // reading the log is itself recorded
}

TEST_P(SearchTest, AuditLogRefusesChangesAndDetectsTampering) {
  find("duc", other_);
  find("hoa", other_);
  ASSERT_TRUE(registry_->verify_audit_chain().intact);
  // The triggers refuse edits through SQL...
  EXPECT_FALSE(try_sql("DELETE FROM " + table("audit_log") + " WHERE sequence = 3"));
  EXPECT_FALSE(try_sql("UPDATE " + table("audit_log") + " SET outcome = 'x'"));
  // ...and someone who drops them is caught by the chain.
  drop_trigger("audit_log_no_update", "audit_log");
  drop_trigger("audit_log_no_delete", "audit_log");
  const auto records = audit_count();

  sql("UPDATE " + table("audit_log") +
      " SET outcome = '7 hits' WHERE sequence = " + std::to_string(records));
  auto verdict = registry_->verify_audit_chain();
  EXPECT_FALSE(verdict.intact);
  EXPECT_EQ(verdict.first_bad_sequence, records);
  EXPECT_NE(verdict.problem.find("changed"), std::string::npos);
}

TEST_P(SearchTest, AuditDeletionAndReorderingAreDetected) {
  find("duc", other_);
  find("hoa", other_);
  drop_trigger("audit_log_no_update", "audit_log");
  drop_trigger("audit_log_no_delete", "audit_log");
  sql("DELETE FROM " + table("audit_log") + " WHERE sequence = 4");
  auto verdict = verify_offline();
  EXPECT_FALSE(verdict.intact);
  EXPECT_EQ(verdict.first_bad_sequence, 5);

  // Renumbering after the deletion hides the gap but breaks the links.
  sql("UPDATE " + table("audit_log") + " SET sequence = -sequence WHERE sequence > 4; UPDATE " +
      table("audit_log") + " SET sequence = -sequence - 1 WHERE sequence < 0;");
  verdict = verify_offline();
  EXPECT_FALSE(verdict.intact);
  EXPECT_EQ(verdict.first_bad_sequence, 4);
}

TEST_P(SearchTest, AuditReorderingIsDetected) {
  find("duc", other_);
  find("hoa", other_);
  drop_trigger("audit_log_no_update", "audit_log");
  // Swap two records' contents (reordering).
  auto verdict = registry_->verify_audit_chain();
  ASSERT_TRUE(verdict.intact);
  const auto log = table("audit_log");
  sql("UPDATE " + log + " SET sequence = -1 WHERE sequence = 2; UPDATE " + log +
      " SET sequence = 2 WHERE sequence = 3; UPDATE " + log +
      " SET sequence = 3 WHERE sequence = -1;");
  verdict = verify_offline();
  EXPECT_FALSE(verdict.intact);
  EXPECT_EQ(verdict.first_bad_sequence, 2);
}

TEST_P(SearchTest, TailTruncationChangesTheHead) {
  const auto head = registry_->verify_audit_chain();
  drop_trigger("audit_log_no_delete", "audit_log");
  sql("DELETE FROM " + table("audit_log") + " WHERE sequence = " + std::to_string(head.records));
  const auto after = verify_offline();
  EXPECT_TRUE(after.intact);                   // a shorter chain is still a chain...
  EXPECT_NE(after.head_hash, head.head_hash);  // ...but no longer ends at the published head
  EXPECT_EQ(after.records, head.records - 1);
}

TEST_P(RegistryTest, DashboardFiguresCountInVietnamTime) {
  auto receive = [&] {
    return registry_->receive_dossier(intake(kWard, 2025y / January / 15, "001085012345"), ward_)
        .dossier.code;
  };
  auto return_at = [&](const std::string& code, system_clock::time_point at) {
    for (auto status : {DossierStatus::Digitised, DossierStatus::InReview, DossierStatus::Signed}) {
      registry_->advance_status(code, status, ward_);
    }
    now_ = at;
    registry_->advance_status(code, DossierStatus::Returned, ward_);
  };
  const auto on_time = receive();
  const auto late = receive();
  receive();  // still open, overdue on 1 February
  registry_->receive_dossier(intake(kOther, 2025y / January / 15, "001085012345"), other_);
  add(*registry_, on_time, "can_cuoc", {"Căn cước"}, ward_);
  // Due 22/01 (Vietnam): 22/01 16:00 UTC is 23:00 there, 22/01 20:00 UTC already the 23rd.
  return_at(on_time, sys_days(2025y / January / 22) + hours(16));
  return_at(late, sys_days(2025y / January / 22) + hours(20));

  const auto figures = registry_figures_at(url_, kWard, "2025-02-01");
  ASSERT_EQ(figures.size(), 1u);
  EXPECT_EQ(figures[0].unit_code, kWard);
  EXPECT_EQ(figures[0].procedure_code, "1.001193");
  EXPECT_EQ(figures[0].received, 3);
  EXPECT_EQ(figures[0].digitised, 1);
  EXPECT_EQ(figures[0].returned, 2);
  EXPECT_EQ(figures[0].returned_on_time, 1);
  EXPECT_EQ(figures[0].open_overdue, 1);
  EXPECT_EQ(registry_figures_at(url_, kOther, "2025-01-16")[0].open_overdue, 0);
}

TEST_P(RegistryTest, ReopenedRegistryContinuesTheChainAndTheCounters) {
  registry_->receive_dossier(intake(kWard, 2025y / January / 15, "001085012345"), ward_);
  registry_.reset();
  registry_ = open();  // a restart, or another node joining
  EXPECT_EQ(registry_->receive_dossier(intake(kWard, 2025y / January / 15, "001085012345"), ward_)
                .dossier.code,
            kWard + "-250115-0002");
  const auto verdict = verify_offline();
  EXPECT_TRUE(verdict.intact) << verdict.problem;
  EXPECT_EQ(verdict.records, 2);
}

// Bytes that are not text in a query (a letter cut in half) fail nothing: they
// are no word, the rest of the query counts, and the read is still audited with
// an intact chain.
TEST_P(SearchTest, QueriesThatAreNotUtf8FailNothingAndAreAudited) {
  const std::string cut = std::string("\xC4") + "*";  // the first byte of "Đ", then a prefix star
  EXPECT_EQ(find(cut, ward_).size(), find("", ward_).size());  // no word left: filters only
  EXPECT_EQ(find(std::string("duc \xFF"), ward_).size(), 2u);
  SearchQuery by_code;
  by_code.dossier_code = std::string("\xFF") + a1_;
  EXPECT_TRUE(find("", ward_, by_code).empty());
  EXPECT_FALSE(registry_->dossier(std::string("\xE1\xBA") + a1_, ward_).has_value());
  const auto verdict = verify_offline();
  EXPECT_TRUE(verdict.intact) << verdict.problem;
  EXPECT_EQ(registry_->audit_log(auditor_).back().action, "read-dossier");
}

TEST(RegistryUrl, UnknownSchemeIsRefusedWithoutTheRestOfTheUrl) {
  try {
    (void)open_registry("mysql://sohoa:secret@db/registry", {});
    FAIL() << "opened an unknown scheme";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::InvalidArgument);
    EXPECT_EQ(std::string(error.what()).find("secret"), std::string::npos) << error.what();
  }
  EXPECT_THROW((void)verify_registry_audit_chain("sqlite:"), Error);
}

// PostgreSQL only (these names start with Postgres, so they run in the
// storage_registry_postgresql CTest test with the parameterised ones).

class PostgresRegistry : public ::testing::Test {
 protected:
  void SetUp() override {
    SOHOA_GET_PG_SERVER(server_);
    url_ = server_->create_database();
    blobs_ = std::shared_ptr<BlobStore>(open_local_blob_store(dir_.path() / "blobs"));
  }
  std::unique_ptr<Registry> open(const std::string& url) {
    RegistryOptions options;
    options.blobs = blobs_;
    options.holidays = HolidayCalendar::load(test::source_dir() / "config" / "holidays");
    options.now = [] { return sys_days(2025y / January / 15) + hours(2); };
    return open_registry(url, std::move(options));
  }

  test::ScratchDir dir_;
  test::PgTestServer* server_ = nullptr;
  std::string url_;
  std::shared_ptr<BlobStore> blobs_;
  Viewer ward_{kWard, Role::CounterStaff, "lan.nguyen"};
};

TEST_F(PostgresRegistry, ForeignTablesAreRefused) {
  server_->run_sql(url_, "CREATE TABLE registry_dossiers(x integer)");
  try {
    (void)open(url_);
    FAIL() << "opened a database whose registry_dossiers is not ours";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::CorruptInput);
  }
}

// PostgreSQL keeps text only: a page or title that is not UTF-8 is refused with
// the field named, before anything (blob or row) is written.
TEST_F(PostgresRegistry, StoredTextMustBeUtf8) {
  auto registry = open(url_);
  DossierIntake intake{
      kWard, 2025y / January / 15, "1.001193", "Khai sinh\xC4", "Nguyễn Văn Đức", "001085012345", 5,
      ""};
  try {
    (void)registry->receive_dossier(intake, ward_);
    FAIL() << "stored a title that is not text";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::InvalidArgument);
    EXPECT_NE(std::string(error.what()).find("title"), std::string::npos) << error.what();
  }
  intake.title = "Khai sinh";
  const auto code = registry->receive_dossier(intake, ward_).dossier.code;
  EXPECT_EQ(code, kWard + "-250115-0001");  // the refused intake used no number
  NewDocument document;
  document.file = {'%', 'P', 'D', 'F', '!'};
  document.page_texts = {"Trang một", std::string("Trang hai ") + '\0' + "hết"};
  EXPECT_THROW(registry->add_document(code, document, ward_), Error);
  EXPECT_TRUE(registry->documents(code, ward_).empty());
  int blob_files = 0;  // the file was not stored either
  std::error_code none;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(dir_.path() / "blobs", none)) {
    blob_files += entry.is_regular_file() ? 1 : 0;
  }
  EXPECT_EQ(blob_files, 0);
}

TEST_F(PostgresRegistry, SharesADatabaseWithTheJobQueue) {
  // The queue has its own `pages` and `dossiers`; the registry's are prefixed.
  server_->run_sql(url_, "CREATE TABLE dossiers(id bigint); CREATE TABLE pages(id bigint)");
  auto registry = open(url_);
  const auto code = registry
                        ->receive_dossier({kWard, 2025y / January / 15, "1.001193", "Khai sinh",
                                           "Nguyễn Văn Đức", "001085012345", 5, ""},
                                          ward_)
                        .dossier.code;
  EXPECT_EQ(code, kWard + "-250115-0001");
}

// The same pages and queries on both backends give the same hits and snippets,
// including text that PostgreSQL's own parser would split differently (codes
// with dots and slashes, e-mail addresses, hyphens, curly quotes, NFD accents).
TEST_F(PostgresRegistry, SearchFindsWhatSqliteFinds) {
  auto postgres = open(url_);
  auto sqlite = open("sqlite:" + (dir_.path() / "registry.sqlite").string());
  const std::vector<std::vector<std::string>> documents = {
      {"Mã thủ tục 1.001193, Quyết định số 12/2025/QĐ-UBND ngày 15/01/2025",
       "Địa chỉ: Hà-Nội, phường Đống Đa; thư: lan.nguyen@hanoi.gov.vn"},
      {"ĐƠN ĐỀ NGHỊ \u201ccấp bản sao\u201d từ sổ gốc — Ông/bà: NGUYỄN THỊ ÁNH",
       "Người yêu cầu: Nguye\u0302\u0303n Thi\u0323 A\u0301nh, CCCD 001190054321"},
      {"TỜ KHAI ĐĂNG KÝ KẾT HÔN Bên nam: Lê Văn Đức, bên nữ: Phạm Thị Đào (x2)"},
  };
  for (auto* registry : {postgres.get(), sqlite.get()}) {
    for (const auto& pages : documents) {
      const auto code = registry
                            ->receive_dossier({kWard, 2025y / January / 15, "1.001193", "Hồ sơ",
                                               "Nguyễn Thị Ánh", "001190054321", 5, ""},
                                              ward_)
                            .dossier.code;
      NewDocument document;
      document.metadata.document_class = "don";
      document.file = {'%', 'P', 'D', 'F'};
      document.page_texts = pages;
      registry->add_document(code, document, ward_);
    }
  }
  const std::vector<std::string> queries = {"1.001193",
                                            "001193",
                                            "\"12 2025\"",
                                            "12/2025/QĐ-UBND",
                                            "qd ubnd",
                                            "ha noi",
                                            "\"ha noi\"",
                                            "hanoi",
                                            "gov*",
                                            "lan.nguyen@hanoi.gov.vn",
                                            "\"cấp bản sao\"",
                                            "\u201ccấp",
                                            "nguyen thi",
                                            "\"thi anh\"",
                                            "ngu*",
                                            "\"bà nguyễn\"",
                                            "x2",
                                            "dao duc",
                                            "\"duc pham\"",
                                            "ban sao goc",
                                            "đống đa",
                                            "dong*",
                                            "zzz",
                                            "…",
                                            "— đa",
                                            "\u201c",
                                            "\"…\" anh"};
  auto key = [](const SearchHit& hit) {
    return hit.document_code + "#" + std::to_string(hit.page_number) + " " + hit.snippet;
  };
  int found = 0;
  for (const auto& text : queries) {
    SearchQuery query;
    query.text = text;
    query.limit = 100;
    std::multiset<std::string> from_postgres, from_sqlite;
    for (const auto& hit : postgres->search(query, ward_)) from_postgres.insert(key(hit));
    for (const auto& hit : sqlite->search(query, ward_)) from_sqlite.insert(key(hit));
    EXPECT_EQ(from_postgres, from_sqlite) << "query: " << text;
    found += static_cast<int>(from_sqlite.size());
  }
  EXPECT_GT(found, 20);  // the queries do find things
}

// The same work on both backends writes the same audit records, byte for byte:
// the chains end at the same head hash (one canonical hashing, the same subjects
// and outcomes), so an auditor's tools need not know the backend.
TEST_F(PostgresRegistry, SameWorkGivesTheSameAuditChainOnBothBackends) {
  auto postgres = open(url_);
  auto sqlite = open("sqlite:" + (dir_.path() / "registry.sqlite").string());
  const Viewer other{kOther, Role::RecordsOfficer, "minh.tran"};
  const Viewer auditor{kWard, Role::Auditor, "audit"};
  for (auto* registry : {postgres.get(), sqlite.get()}) {
    const auto code = registry
                          ->receive_dossier({kWard, 2025y / January / 15, "1.001193", "Khai sinh",
                                             "Nguyễn Văn Đức", "001085012345", 5, ""},
                                            ward_)
                          .dossier.code;
    NewDocument document;
    document.metadata.document_class = "can_cuoc";
    document.file = {'%', 'P', 'D', 'F', '1'};
    document.page_texts = {"Căn cước công dân Nguyễn Văn Đức"};
    const auto filed = registry->add_document(code, document, ward_);
    registry->add_version(filed.id, {'%', 'P', 'D', 'F', '2'}, "signed", ward_);
    registry->advance_status(code, DossierStatus::Digitised, ward_);
    SearchQuery query;
    query.text = "nguyen \"van duc\" can*";
    registry->search(query, ward_);
    registry->dossier(code, other);  // denied, and recorded
    registry->grant({0, kWard, kOther, GrantScope::DocumentClass, "can_cuoc",
                     sys_days(2025y / February / 1), false},
                    ward_);
    registry->find_reusable_documents("001085012345", other);
    registry->read_file(filed.id, 1, other);
    registry->audit_log(auditor);
  }
  const auto on_postgres = postgres->verify_audit_chain();
  const auto on_sqlite = sqlite->verify_audit_chain();
  EXPECT_TRUE(on_postgres.intact) << on_postgres.problem;
  EXPECT_EQ(on_postgres.records, on_sqlite.records);
  EXPECT_EQ(on_postgres.head_hash, on_sqlite.head_hash);
}

// Two nodes (processes, each with its own connection) receive and file dossiers
// of one unit on one day at the same moment: the codes are distinct and gap-free,
// every document is filed once and the audit chain stays one unbroken chain.
TEST_F(PostgresRegistry, TwoNodesReceiveAtOnceWithGapFreeCodes) {
  (void)open(url_);  // the schema, before the nodes race
  constexpr int kEach = 40;
  const Date day = 2025y / March / 3;
  int start[2];
  ASSERT_EQ(::pipe(start), 0);
  std::vector<pid_t> nodes;
  for (const std::string name : {"node-a", "node-b"}) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(start[1]);
      char go = 0;
      (void)::read(start[0], &go, 1);  // end-of-file: both nodes start together
      int status = 0;
      try {
        auto registry = open(url_);
        std::ofstream log(dir_.path() / (name + ".log"));
        for (int i = 0; i < kEach; ++i) {
          const auto code = registry
                                ->receive_dossier({kWard, day, "1.001193", "Khai sinh",
                                                   "Nguyễn Văn Đức", "001085012345", 5, ""},
                                                  ward_)
                                .dossier.code;
          NewDocument document;
          document.metadata.document_class = "to_khai";
          const std::string body = "%PDF " + name + " " + std::to_string(i);
          document.file.assign(body.begin(), body.end());
          document.page_texts = {"Tờ khai đăng ký khai sinh " + name};
          registry->add_document(code, document, ward_);
          log << code << '\n';
        }
      } catch (const std::exception& error) {
        std::fprintf(stderr, "%s: %s\n", name.c_str(), error.what());
        status = 2;
      }
      ::_exit(status);
    }
    nodes.push_back(pid);
  }
  ::close(start[0]);
  ::close(start[1]);
  for (const pid_t pid : nodes) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "a node failed: " << status;
  }

  std::set<std::string> codes;
  for (const std::string name : {"node-a", "node-b"}) {
    std::istringstream lines(test::read_text(dir_.path() / (name + ".log")));
    int count = 0;
    for (std::string code; lines >> code; ++count) {
      EXPECT_TRUE(codes.insert(code).second) << code << " given twice";
    }
    EXPECT_EQ(count, kEach) << name;
  }
  ASSERT_EQ(codes.size(), static_cast<std::size_t>(2 * kEach));
  int expected = 1;
  for (const auto& code : codes) EXPECT_EQ(code, format_dossier_code(kWard, day, expected++));

  auto registry = open(url_);
  for (const auto& code : codes) {
    const auto documents = registry->documents(code, ward_);
    ASSERT_EQ(documents.size(), 1u) << code;
    EXPECT_EQ(documents[0].code, code + ".01");
  }
  SearchQuery query;
  query.text = "to khai node";
  query.limit = 1000;
  EXPECT_EQ(registry->search(query, ward_).size(), static_cast<std::size_t>(2 * kEach));
  const auto verdict = verify_registry_audit_chain(url_);
  EXPECT_TRUE(verdict.intact) << verdict.problem;
  EXPECT_GE(verdict.records, 4 * kEach);  // a receipt and a filing each, then the reads
}

// A person corrects a document's class and fields: the machine's values stay,
// every changed field is kept with its old value, the class filter follows the
// new class, only the owner's counter or records officers may, and it is audited.
ErrorCode error_code(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& error) {
    return error.code();
  }
  ADD_FAILURE() << "no error";
  return ErrorCode::InvalidArgument;
}

TEST_P(SearchTest, CorrectionKeepsTheMachineValuesAndTheClassFilterFollows) {
  const auto document_id = find("hoa", ward_,
                                [] {
                                  SearchQuery query;
                                  query.document_class = "can_cuoc";
                                  return query;
                                }())[0]
                               .document_id;
  const auto before = audit_count();
  DocumentCorrection correction;
  correction.document_class = "giay_khai_sinh";
  correction.fields = {{"number_symbol", "12/2025/KS"}, {"signer", "Lê Thị Mai"}};
  correction.reason = "phân loại sai";
  const auto corrected = registry_->correct_document(document_id, correction, ward_);
  EXPECT_EQ(corrected.metadata.document_class, "giay_khai_sinh");
  EXPECT_EQ(corrected.metadata.number_symbol, "12/2025/KS");
  EXPECT_EQ(corrected.metadata.signer, "Lê Thị Mai");
  EXPECT_EQ(corrected.machine_metadata.document_class, "can_cuoc");
  EXPECT_EQ(corrected.machine_metadata.number_symbol, "");
  EXPECT_EQ(corrected.machine_metadata.summary, "Bản sao can_cuoc");
  ASSERT_EQ(corrected.corrections.size(), 3u);
  EXPECT_EQ(corrected.corrections[0].field, "document_class");
  EXPECT_EQ(corrected.corrections[0].old_value, "can_cuoc");
  EXPECT_EQ(corrected.corrections[0].new_value, "giay_khai_sinh");
  EXPECT_EQ(corrected.corrections[0].reason, "phân loại sai");
  EXPECT_EQ(corrected.corrections[0].corrected_by, kWard + "/lan.nguyen");
  EXPECT_EQ(audit_count(), before + 1);
  const auto log = registry_->audit_log(auditor_);
  EXPECT_EQ(log[log.size() - 1].action, "correct-document");
  EXPECT_NE(log[log.size() - 1].outcome.find("document_class"), std::string::npos);

  // A second correction of the class: the machine's value is still the first one.
  correction = {};
  correction.document_class = "can_cuoc_gan_chip";
  correction.reason = "đúng loại";
  registry_->correct_document(document_id, correction, ward_);

  registry_.reset();
  registry_ = open();
  const auto documents = registry_->documents(a1_, ward_);
  const auto found = std::find_if(documents.begin(), documents.end(),
                                  [&](const Document& d) { return d.id == document_id; });
  ASSERT_NE(found, documents.end());
  EXPECT_EQ(found->metadata.document_class, "can_cuoc_gan_chip");
  EXPECT_EQ(found->machine_metadata.document_class, "can_cuoc");
  EXPECT_EQ(found->metadata.signer, "Lê Thị Mai");
  EXPECT_EQ(found->corrections.size(), 4u);

  SearchQuery query;
  query.document_class = "can_cuoc_gan_chip";
  ASSERT_EQ(find("hoa", ward_, query).size(), 1u);
  EXPECT_EQ(find("hoa", ward_, query)[0].document_class, "can_cuoc_gan_chip");
  EXPECT_EQ(find("", ward_, query).size(), 1u);
  query.document_class = "can_cuoc";
  EXPECT_TRUE(find("hoa", ward_, query).empty());
  EXPECT_TRUE(find("", ward_, query).empty());
  query.document_class = "giay_khai_sinh";
  EXPECT_TRUE(find("hoa", ward_, query).empty());
  EXPECT_EQ(find("cuoc", ward_).size(), 1u);  // the words are still indexed once
  const auto verdict = verify_offline();
  EXPECT_TRUE(verdict.intact) << verdict.problem;
}

TEST_P(SearchTest, OnlyTheOwnersCounterOrRecordsOfficersCorrect) {
  const auto document_id = find("cuoc", ward_)[0].document_id;
  DocumentCorrection correction;
  correction.fields = {{"summary", "Căn cước của mẹ"}};
  correction.reason = "trích yếu";
  // Another agency does not see the document: as absent.
  EXPECT_EQ(error_code([&] { registry_->correct_document(document_id, correction, other_); }),
            ErrorCode::InputNotFound);
  EXPECT_EQ(error_code([&] { registry_->correct_document(999999, correction, ward_); }),
            ErrorCode::InputNotFound);
  // With a grant it sees it, and still may not correct it; nor may an official.
  registry_->grant({0, kWard, kOther, GrantScope::All, "", now_ + hours(24), false}, ward_);
  EXPECT_THROW(registry_->correct_document(document_id, correction, other_), Error);
  const Viewer official{kWard, Role::Official, "chuyen.vien"};
  EXPECT_THROW(registry_->correct_document(document_id, correction, official), Error);
  for (const auto& document : registry_->documents(a1_, ward_)) {
    EXPECT_TRUE(document.corrections.empty());
  }
  const auto log = registry_->audit_log(auditor_);
  EXPECT_GE(
      std::count_if(log.begin(), log.end(),
                    [](const AuditRecord& r) {
                      return r.action == "correct-document" &&
                             (r.outcome == "denied" || r.outcome == "not found or not visible");
                    }),
      4);
  // A records officer of the owner may.
  const Viewer records{kWard, Role::RecordsOfficer, "van.thu"};
  EXPECT_EQ(registry_->correct_document(document_id, correction, records).metadata.summary,
            "Căn cước của mẹ");
  EXPECT_TRUE(registry_->verify_audit_chain().intact);
}

TEST_P(SearchTest, BadCorrectionsAreRefusedAndStoreNothing) {
  const auto document_id = find("cuoc", ward_)[0].document_id;
  const auto before = audit_count();
  auto refused = [&](DocumentCorrection correction) {
    return error_code([&] { registry_->correct_document(document_id, correction, ward_); });
  };
  DocumentCorrection bad_field;
  bad_field.fields = {{"signer", "Lê Thị Mai"}, {"personal_id", "001"}};
  bad_field.reason = "x";
  EXPECT_EQ(refused(bad_field), ErrorCode::InvalidArgument);
  DocumentCorrection no_reason;
  no_reason.fields = {{"signer", "Lê Thị Mai"}};
  EXPECT_EQ(refused(no_reason), ErrorCode::InvalidArgument);
  DocumentCorrection bad_class;
  bad_class.document_class = "Căn cước; DROP";
  bad_class.reason = "x";
  EXPECT_EQ(refused(bad_class), ErrorCode::InvalidArgument);
  DocumentCorrection bad_date;
  bad_date.fields = {{"issued_on", "31/12/2025"}};
  bad_date.reason = "x";
  EXPECT_EQ(refused(bad_date), ErrorCode::InvalidArgument);
  DocumentCorrection nothing;
  nothing.document_class = "can_cuoc";
  nothing.reason = "x";
  EXPECT_EQ(refused(nothing), ErrorCode::InvalidArgument);
  EXPECT_EQ(audit_count(), before);
  for (const auto& document : registry_->documents(a1_, ward_)) {
    EXPECT_TRUE(document.corrections.empty());
    EXPECT_EQ(document.metadata.signer, "");
  }
  SearchQuery query;
  query.document_class = "can_cuoc";
  EXPECT_EQ(find("hoa", ward_, query).size(), 1u);
}

}  // namespace
}  // namespace sohoa::storage
