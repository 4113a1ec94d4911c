// Registry search on SQLite beyond the shared suite: the facet narrowing (scope,
// filters, months of a date range), our bm25, the ranking window of the newest
// matches, and re-indexing a registry whose index is missing or outdated.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <set>

#include "sohoa/storage/sqlite_registry.hpp"
#include "test_support.hpp"

namespace sohoa::storage {
namespace {

using namespace std::chrono;

const std::string kWard = "000.00.21.H49";
const std::string kOther = "000.00.22.H49";

class RegistrySearchTest : public ::testing::Test {
 protected:
  RegistrySearchTest() { registry_ = open(); }

  std::unique_ptr<Registry> open() {
    SqliteRegistryOptions options;
    options.database = dir_.path() / "registry.sqlite";
    options.blobs = std::shared_ptr<BlobStore>(open_local_blob_store(dir_.path() / "blobs"));
    options.holidays = HolidayCalendar::load(test::source_dir() / "config" / "holidays");
    options.now = [this] { return now_; };
    return open_sqlite_registry(std::move(options));
  }

  void sql(const std::string& statement) {
    const auto command = "sqlite3 " +
                         test::shell_quote((dir_.path() / "registry.sqlite").string()) + " " +
                         test::shell_quote(statement);
    ASSERT_EQ(std::system(command.c_str()), 0) << statement;
  }

  std::string receive(const std::string& unit, Date day, const std::string& person,
                      const std::string& procedure = "1.001193") {
    DossierIntake intake{unit, day, procedure, "Hồ sơ", "Nguyễn Văn Đức", person, 5, ""};
    return registry_->receive_dossier(intake, viewer(unit)).dossier.code;
  }

  std::int64_t add(const std::string& code, const std::string& document_class,
                   std::vector<std::string> pages) {
    NewDocument document;
    document.metadata.document_class = document_class;
    document.file = {'%', 'P', 'D', 'F'};
    for (const auto& page : pages)
      document.file.insert(document.file.end(), page.begin(), page.end());
    document.page_texts = std::move(pages);
    const auto unit = code.substr(0, code.find('-'));
    return registry_->add_document(code, document, viewer(unit)).id;
  }

  static Viewer viewer(const std::string& agency) {
    return {agency, Role::RecordsOfficer, "tester"};
  }

  std::vector<SearchHit> find(const std::string& text, const std::string& agency,
                              SearchQuery query = {}) {
    query.text = text;
    return registry_->search(query, viewer(agency));
  }

  static std::set<std::string> dossiers_of(const std::vector<SearchHit>& hits) {
    std::set<std::string> codes;
    for (const auto& hit : hits) codes.insert(hit.dossier_code);
    return codes;
  }

  test::ScratchDir dir_;
  system_clock::time_point now_ = sys_days(2025y / March / 3) + hours(2);
  std::unique_ptr<Registry> registry_;
};

TEST_F(RegistrySearchTest, DateRangesAcrossMonthsAndYears) {
  const auto december = receive(kWard, 2025y / December / 30, "001085012345");
  const auto january = receive(kWard, 2026y / January / 2, "001085012346");
  const auto march = receive(kWard, 2026y / March / 3, "001085012347");
  for (const auto& code : {december, january, march}) add(code, "can_cuoc", {"Giấy xác nhận"});

  SearchQuery range;
  range.received_from = 2025y / December / 15;
  range.received_to = 2026y / January / 10;
  EXPECT_EQ(dossiers_of(find("giay", kWard, range)), (std::set{december, january}));
  range.received_from = 2025y / December / 31;  // same months, fewer days
  EXPECT_EQ(dossiers_of(find("giay", kWard, range)), (std::set{january}));
  range.received_to.reset();  // open-ended
  EXPECT_EQ(dossiers_of(find("giay", kWard, range)), (std::set{january, march}));
  range.received_from = 2026y / March / 3;
  range.received_to = 2026y / January / 1;  // backwards: nothing
  EXPECT_TRUE(find("giay", kWard, range).empty());
  range.received_from = 2022y / January / 1;  // longer than the month tokens cover
  range.received_to = 2026y / December / 31;
  EXPECT_EQ(find("giay", kWard, range).size(), 3u);
}

TEST_F(RegistrySearchTest, FiltersNarrowTextSearchesExactly) {
  const auto first = receive(kWard, 2025y / January / 6, "001085012345", "1.001193");
  const auto second = receive(kWard, 2025y / January / 7, "001190054321", "1.000894");
  add(first, "to_khai_khai_sinh", {"Tờ khai đăng ký khai sinh Đặng Thị Đào"});
  add(first, "can_cuoc", {"Căn cước công dân Đặng Thị Đào"});
  add(second, "can_cuoc", {"Căn cước công dân Đỗ Văn Đạt"});

  SearchQuery query;
  query.personal_id = "001190054321";
  EXPECT_EQ(dossiers_of(find("can cuoc", kWard, query)), (std::set{second}));
  query = {};
  query.procedure_code = "1.001193";
  EXPECT_EQ(find("can cuoc", kWard, query).size(), 1u);
  query = {};
  query.document_class = "can_cuoc";
  EXPECT_EQ(find("dao", kWard, query).size(), 1u);
  query = {};
  query.dossier_code = first;
  EXPECT_EQ(find("đ*", kWard, query).size(), 2u);  // Đặng, Đào: đ folds to d
  query = {};
  query.agency = kOther;
  EXPECT_TRUE(find("dao", kWard, query).empty());
}

TEST_F(RegistrySearchTest, GrantsOfEachScopeOpenExactlyTheirPages) {
  const auto own = receive(kOther, 2025y / January / 6, "001085012345");
  add(own, "can_cuoc", {"Căn cước Hoàng Minh Tâm"});
  const auto shared_class = receive(kWard, 2025y / January / 7, "001085012346");
  add(shared_class, "can_cuoc", {"Căn cước Hoàng Thu Hà"});
  add(shared_class, "to_khai_ket_hon", {"Tờ khai kết hôn Hoàng Thu Hà"});
  const auto shared_dossier = receive(kWard, 2025y / January / 8, "001085012347");
  add(shared_dossier, "to_khai_cu_tru", {"Tờ khai cư trú Hoàng Văn Nam"});
  const auto other_card = receive(kWard, 2025y / January / 9, "001085012348");
  add(other_card, "can_cuoc", {"Căn cước Hoàng Văn Long"});
  registry_->grant(
      {0, kWard, kOther, GrantScope::DocumentClass, "can_cuoc", now_ + hours(24), false},
      viewer(kWard));
  registry_->grant({0, kWard, kOther, GrantScope::Dossier, shared_dossier, now_ + hours(24), false},
                   viewer(kWard));

  const auto hits = find("hoang", kOther);
  std::set<std::string> seen;
  for (const auto& hit : hits) seen.insert(hit.dossier_code + "/" + hit.document_class);
  // The class grant opens every identity card of the ward but no other class
  // (the marriage form stays hidden); the dossier grant opens that one dossier.
  EXPECT_EQ(seen,
            (std::set<std::string>{own + "/can_cuoc", shared_class + "/can_cuoc",
                                   shared_dossier + "/to_khai_cu_tru", other_card + "/can_cuoc"}));
  EXPECT_EQ(find("hoang", kWard).size(), 4u);  // the ward sees only its own
}

TEST_F(RegistrySearchTest, Bm25WeighsFrequencyLengthAndRarity) {
  const auto code = receive(kWard, 2025y / January / 6, "001085012345");
  std::vector<std::string> pages = {
      "Lan",                                                                // short, once
      "Lan Lan Lan",                                                        // more often
      "Lan và những người khác trong hồ sơ đăng ký thường trú tại phường",  // longer
      "Phúc",                                                               // a rarer word
  };
  for (int i = 0; i < 6; ++i) pages.push_back("Lan Hà Nội");  // makes "lan" common
  add(code, "can_cuoc", pages);

  const auto lan = find("lan", kWard);
  ASSERT_EQ(lan.size(), 9u);
  for (std::size_t i = 1; i < lan.size(); ++i) EXPECT_LE(lan[i - 1].score, lan[i].score);
  EXPECT_EQ(lan.front().page_number, 2);  // three times
  EXPECT_EQ(lan.back().page_number, 3);   // once in a long page
  EXPECT_LT(lan.front().score, 0);

  // One-word pages: the word on one page scores better than the word on nine.
  const auto rare = find("phuc", kWard);
  ASSERT_EQ(rare.size(), 1u);
  const auto single_lan = std::find_if(lan.begin(), lan.end(),
                                       [](const SearchHit& hit) { return hit.page_number == 1; });
  ASSERT_NE(single_lan, lan.end());
  EXPECT_LT(rare.front().score, single_lan->score);
}

TEST_F(RegistrySearchTest, EqualScoresListTheNewestPageFirst) {
  const auto code = receive(kWard, 2025y / January / 6, "001085012345");
  add(code, "can_cuoc", {"Giấy hẹn trả kết quả", "Giấy hẹn trả kết quả"});
  add(code, "to_khai_cu_tru", {"Giấy hẹn trả kết quả"});
  const auto hits = find("giay hen", kWard);
  ASSERT_EQ(hits.size(), 3u);
  EXPECT_EQ(hits[0].document_class, "to_khai_cu_tru");
  EXPECT_EQ(hits[1].page_number, 2);
  EXPECT_EQ(hits[2].page_number, 1);
  EXPECT_DOUBLE_EQ(hits[0].score, hits[2].score);
}

TEST_F(RegistrySearchTest, ManyMatchesAreRankedAmongTheNewest) {
  const auto old_code = receive(kWard, 2025y / January / 6, "001085012345");
  add(old_code, "can_cuoc", {"Hồ sơ hồ sơ hồ sơ hồ sơ"});  // the best match, filed first
  const auto new_code = receive(kWard, 2025y / January / 7, "001085012346");
  add(new_code, "can_cuoc", std::vector<std::string>(1000, "hồ sơ thường trú"));

  const auto hits = find("ho so", kWard);
  ASSERT_EQ(hits.size(), 20u);
  for (const auto& hit : hits) EXPECT_EQ(hit.dossier_code, new_code);  // outside the window
  SearchQuery narrowed;
  narrowed.dossier_code = old_code;
  ASSERT_EQ(find("ho so", kWard, narrowed).size(), 1u);  // a filter brings it back

  Viewer auditor{kWard, Role::Auditor, "auditor"};
  const auto log = registry_->audit_log(auditor);
  const auto capped = std::find_if(log.begin(), log.end(), [](const AuditRecord& record) {
    return record.action == "search" && record.outcome.find("newest 1000") != std::string::npos;
  });
  EXPECT_NE(capped, log.end());  // the record says the answer was windowed
}

TEST_F(RegistrySearchTest, AMissingOrOutdatedIndexIsRebuiltOnOpen) {
  const auto code = receive(kWard, 2025y / January / 6, "001085012345");
  add(code, "can_cuoc", {"Căn cước công dân Trần Thị Hoa", "Quê quán Hà Nội"});
  add(code, "to_khai_khai_sinh", {"Tờ khai khai sinh Trần Văn Đức, mẹ Trần Thị Hoa"});
  const auto before = find("tran hoa", kWard);
  ASSERT_EQ(before.size(), 2u);

  registry_.reset();
  // As a registry from before page_search: no index content, no statistics.
  sql("INSERT INTO page_search(page_search) VALUES('delete-all'); DELETE FROM search_terms; "
      "UPDATE search_totals SET pages = 0, words = 0; "
      "DELETE FROM registry_meta WHERE key = 'search_index';");
  registry_ = open();
  const auto after = find("tran hoa", kWard);
  ASSERT_EQ(after.size(), before.size());
  for (std::size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].page_id, before[i].page_id);
    EXPECT_DOUBLE_EQ(after[i].score, before[i].score);
    EXPECT_EQ(after[i].snippet, before[i].snippet);
  }
  EXPECT_EQ(find("que quan", kWard).size(), 1u);
}

}  // namespace
}  // namespace sohoa::storage
