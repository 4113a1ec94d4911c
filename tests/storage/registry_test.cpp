// The dossier registry: codes, due dates, documents and versions, search,
// isolation between agencies, reuse, and the audit chain.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <thread>

#include "sohoa/core/error.hpp"
#include "sohoa/storage/sqlite_registry.hpp"
#include "sohoa/storage/text_folding.hpp"
#include "test_support.hpp"

namespace sohoa::storage {
namespace {

using namespace std::chrono;

const std::string kWard = "000.00.21.H49";   // the receiving ward (agency A)
const std::string kOther = "000.00.22.H49";  // another agency (B)

class RegistryTest : public ::testing::Test {
 protected:
  RegistryTest() {
    blobs_ = std::shared_ptr<BlobStore>(open_local_blob_store(dir_.path() / "blobs"));
    registry_ = open();
  }

  std::unique_ptr<Registry> open() {
    SqliteRegistryOptions options;
    options.database = database();
    options.blobs = blobs_;
    options.holidays = HolidayCalendar::load(test::source_dir() / "config" / "holidays");
    options.now = [this] { return now_; };
    return open_sqlite_registry(std::move(options));
  }

  [[nodiscard]] std::filesystem::path database() const { return dir_.path() / "registry.sqlite"; }

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

  void sql(const std::string& statement) {
    const auto command =
        "sqlite3 " + test::shell_quote(database().string()) + " " + test::shell_quote(statement);
    ASSERT_EQ(std::system(command.c_str()), 0) << statement;
  }

  test::ScratchDir dir_;
  std::shared_ptr<BlobStore> blobs_;
  system_clock::time_point now_ = sys_days(2025y / January / 15) + hours(2);
  std::unique_ptr<Registry> registry_;
  Viewer ward_{kWard, Role::CounterStaff, "lan.nguyen"};
  Viewer other_{kOther, Role::RecordsOfficer, "minh.tran"};
  Viewer auditor_{kWard, Role::Auditor, "audit"};
};

TEST_F(RegistryTest, DossierCodesCountPerUnitPerDay) {
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

TEST_F(RegistryTest, DueDateCrossesTet) {
  const auto receipt =
      registry_->receive_dossier(intake(kWard, 2025y / January / 24, "001085012345"), ward_);
  EXPECT_EQ(receipt.dossier.due_on, 2025y / February / 7);  // 03, 04, 05, 06, 07/02
}

TEST_F(RegistryTest, PreprintedCodeIsKeptAndTheCounterContinuesAfterIt) {
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

TEST_F(RegistryTest, ConcurrentCodesAreUniqueAndGapFree) {
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

TEST_F(RegistryTest, StatusMovesOneStepAtATimeByTheOwner) {
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

TEST_F(RegistryTest, DocumentsResultsAndVersionsAreNeverOverwritten) {
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
  EXPECT_NE(std::system(("sqlite3 " + test::shell_quote(database().string()) +
                         " 'UPDATE document_versions SET reason = 1' 2>/dev/null")
                            .c_str()),
            0);
}

TEST_F(RegistryTest, DamagedFileIsDetectedAndTheAttemptAudited) {
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
  SearchTest() {
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

TEST_F(SearchTest, AccentInsensitiveInBothDirections) {
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

TEST_F(SearchTest, PhrasesPrefixesAndRanking) {
  EXPECT_EQ(find("\"van duc\"", ward_).size(), 2u);  // Nguyễn Văn Đức, Lê Văn Đức
  EXPECT_EQ(find("\"duc van\"", ward_).size(), 0u);
  EXPECT_EQ(find("kh*", ward_).size(), 2u);  // "khai" in both forms
  EXPECT_EQ(find("\"ket hon\"", ward_).size(), 1u);
  const auto hits = find("duc", ward_);
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_LE(hits[0].score, hits[1].score);            // bm25: lower is better
  EXPECT_TRUE(find("\" OR * NEAR(", ward_).empty());  // FTS syntax is not interpreted
}

TEST_F(SearchTest, Filters) {
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

TEST_F(SearchTest, AgencySeesNothingOfAnotherWithoutAGrant) {
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

TEST_F(SearchTest, ScopedExpiredAndRevokedGrants) {
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

TEST_F(SearchTest, ReusableDocumentsWithProvenance) {
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

TEST_F(SearchTest, EveryReadIsAudited) {
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

TEST_F(SearchTest, AuditLogRefusesChangesAndDetectsTampering) {
  find("duc", other_);
  find("hoa", other_);
  ASSERT_TRUE(registry_->verify_audit_chain().intact);
  // The triggers refuse edits through SQL...
  EXPECT_NE(std::system(("sqlite3 " + test::shell_quote(database().string()) +
                         " 'DELETE FROM audit_log WHERE sequence = 3' 2>/dev/null")
                            .c_str()),
            0);
  // ...and someone who drops them is caught by the chain.
  sql("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;");
  const auto records = audit_count();

  sql("UPDATE audit_log SET outcome = '7 hits' WHERE sequence = " + std::to_string(records));
  auto verdict = registry_->verify_audit_chain();
  EXPECT_FALSE(verdict.intact);
  EXPECT_EQ(verdict.first_bad_sequence, records);
  EXPECT_NE(verdict.problem.find("changed"), std::string::npos);
}

TEST_F(SearchTest, AuditDeletionAndReorderingAreDetected) {
  find("duc", other_);
  find("hoa", other_);
  sql("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;");
  sql("DELETE FROM audit_log WHERE sequence = 4");
  auto verdict = verify_sqlite_audit_chain(database());
  EXPECT_FALSE(verdict.intact);
  EXPECT_EQ(verdict.first_bad_sequence, 5);

  // Renumbering after the deletion hides the gap but breaks the links.
  sql("UPDATE audit_log SET sequence = -sequence WHERE sequence > 4; "
      "UPDATE audit_log SET sequence = -sequence - 1 WHERE sequence < 0;");
  verdict = verify_sqlite_audit_chain(database());
  EXPECT_FALSE(verdict.intact);
  EXPECT_EQ(verdict.first_bad_sequence, 4);
}

TEST_F(SearchTest, AuditReorderingIsDetected) {
  find("duc", other_);
  find("hoa", other_);
  sql("DROP TRIGGER audit_log_no_update;");
  // Swap two records' contents (reordering).
  auto verdict = registry_->verify_audit_chain();
  ASSERT_TRUE(verdict.intact);
  sql("UPDATE audit_log SET sequence = -1 WHERE sequence = 2; "
      "UPDATE audit_log SET sequence = 2 WHERE sequence = 3; "
      "UPDATE audit_log SET sequence = 3 WHERE sequence = -1;");
  verdict = verify_sqlite_audit_chain(database());
  EXPECT_FALSE(verdict.intact);
  EXPECT_EQ(verdict.first_bad_sequence, 2);
}

TEST_F(SearchTest, TailTruncationChangesTheHead) {
  const auto head = registry_->verify_audit_chain();
  sql("DROP TRIGGER audit_log_no_delete;");
  sql("DELETE FROM audit_log WHERE sequence = " + std::to_string(head.records));
  const auto after = verify_sqlite_audit_chain(database());
  EXPECT_TRUE(after.intact);                   // a shorter chain is still a chain...
  EXPECT_NE(after.head_hash, head.head_hash);  // ...but no longer ends at the published head
  EXPECT_EQ(after.records, head.records - 1);
}

}  // namespace
}  // namespace sohoa::storage
