// Registry search benchmark: builds a synthetic registry of N pages (default
// 1,000,000) of Vietnamese-like text and prints p50/p95/p99 latency of typical
// queries through Registry::search (isolation filter and audit append included).
//
//   search_bench [--pages N] [--queries Q] [--dir DIR] [--reuse] [--kind TEXT]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "../storage/src/sqlite_connection.hpp"
#include "sohoa/storage/sqlite_registry.hpp"
#include "sohoa/storage/text_folding.hpp"

namespace {

using namespace sohoa::storage;
using Clock = std::chrono::steady_clock;

const std::vector<std::string> kFamily = {"Nguyễn", "Trần", "Lê",    "Phạm", "Hoàng", "Huỳnh",
                                          "Phan",   "Vũ",   "Võ",    "Đặng", "Bùi",   "Đỗ",
                                          "Hồ",     "Ngô",  "Dương", "Lý"};
const std::vector<std::string> kMiddle = {"Văn",  "Thị",   "Hữu",   "Đức",  "Minh",
                                          "Ngọc", "Thanh", "Quang", "Xuân", "Thu"};
const std::vector<std::string> kGiven = {"An",     "Bình", "Chi", "Dũng", "Đào",   "Giang", "Hà",
                                         "Hải",    "Hạnh", "Hoa", "Hùng", "Hương", "Khánh", "Lan",
                                         "Linh",   "Long", "Mai", "Nam",  "Nga",   "Nhung", "Phúc",
                                         "Phương", "Quân", "Sơn", "Tâm",  "Thảo",  "Thắng", "Trang",
                                         "Tuấn",   "Vy",   "Yến", "Việt", "Thủy",  "Tùng"};
const std::vector<std::string> kWords = {
    "đăng",   "ký",    "khai", "sinh",   "kết",  "hôn",   "thường", "trú",   "chứng", "thực",
    "bản",    "sao",   "giấy", "tờ",     "xác",  "nhận",  "tình",   "trạng", "hôn",   "nhân",
    "hợp",    "đồng",  "thuê", "nhà",    "ủy",   "quyền", "căn",    "cước",  "công",  "dân",
    "nơi",    "cư",    "trú",  "phường", "xã",   "tỉnh",  "thành",  "phố",   "Hà",    "Nội",
    "quận",   "huyện", "ngày", "tháng",  "năm",  "số",    "họ",     "tên",   "người", "yêu",
    "cầu",    "quan",  "hệ",   "cha",    "mẹ",   "con",   "vợ",     "chồng", "địa",   "chỉ",
    "điện",   "thoại", "cơ",   "quan",   "cấp",  "Ủy",    "ban",    "nhân",  "dân",   "Bộ",
    "phận",   "tiếp",  "nhận", "trả",    "kết",  "quả",   "hồ",     "sơ",    "thủ",   "tục",
    "hành",   "chính", "quốc", "tịch",   "Việt", "Nam",   "dân",    "tộc",   "Kinh",  "nghề",
    "nghiệp", "ghi",   "chú",  "cam",    "đoan"};
const std::vector<std::string> kClasses = {
    "to_khai_khai_sinh", "to_khai_ket_hon",   "to_khai_cu_tru",    "can_cuoc",
    "giay_uy_quyen",     "hop_dong_thue_nha", "xac_nhan_hon_nhan", "giay_chung_sinh"};
const std::vector<std::string> kProcedures = {"1.001193", "1.000894", "1.004222", "2.000815"};
constexpr int kAgencies = 20;

std::string agency(int n) {
  char text[32];
  std::snprintf(text, sizeof text, "000.00.%02d.H49", n);
  return text;
}

std::string person_id(std::mt19937_64& random) {
  char text[16];
  std::snprintf(text, sizeof text, "001%d%02d%06d", static_cast<int>(random() % 4),
                static_cast<int>(random() % 100), static_cast<int>(random() % 1000000));
  return text;
}

template <class T>
const T& pick(std::mt19937_64& random, const std::vector<T>& list) {
  return list[random() % list.size()];
}

std::string name(std::mt19937_64& random) {
  return pick(random, kFamily) + " " + pick(random, kMiddle) + " " + pick(random, kGiven);
}

void build(const std::filesystem::path& database, long pages) {
  std::mt19937_64 random(42);
  sohoa::storage::detail::SqliteConnection db(database, 10000);
  db.execute("PRAGMA synchronous=OFF");  // building only; queries run with the normal settings
  sohoa::storage::detail::SqliteTransaction transaction(db);
  const auto start = Clock::now();
  long page = 0;
  long dossier_number = 0;
  std::vector<std::string> dossier_codes;
  while (page < pages) {
    ++dossier_number;
    const int unit = static_cast<int>(random() % kAgencies);
    const int day = static_cast<int>(dossier_number % 365);
    const auto date =
        std::chrono::sys_days(std::chrono::year(2025) / 1 / 1) + std::chrono::days(day);
    const Date received(date);
    const auto code = format_dossier_code(agency(unit), received, static_cast<int>(dossier_number));
    const auto applicant = name(random);
    const auto pid = person_id(random);
    db.query(
          "INSERT INTO dossiers(code, unit_code, agency, received_on, due_on, procedure_code, "
          "title, applicant_name, personal_id, status, created_at) "
          "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)")
        .bind(1, code)
        .bind(2, agency(unit))
        .bind(3, agency(unit))
        .bind(4, iso_date(received))
        .bind(5, iso_date(received))
        .bind(6, pick(random, kProcedures))
        .bind(7, "hồ sơ")
        .bind(8, applicant)
        .bind(9, pid)
        .bind(10, static_cast<int>(random() % 5))
        .run();
    const auto dossier_id = db.last_insert_id();
    const int documents = 2 + static_cast<int>(random() % 3);
    for (int d = 0; d < documents && page < pages; ++d) {
      db.query(
            "INSERT INTO documents(dossier_id, code, document_class, number_symbol, issued_on, "
            "document_type, issuing_agency, summary, signer, language, confidence_level, notes, "
            "page_count, is_result, created_at) VALUES(?, ?, ?, '', '', '', '', '', '', 'vi', "
            "'02', '', 0, 0, 0)")
          .bind(1, dossier_id)
          .bind(2, code + "." + std::to_string(d + 1))
          .bind(3, pick(random, kClasses))
          .run();
      const auto document_id = db.last_insert_id();
      db.query(
            "INSERT INTO document_versions VALUES(?, 1, ?, 0, 'application/pdf', 'digitised', "
            "'bench', 0)")
          .bind(1, document_id)
          .bind(2, std::string(64, '0'))
          .run();
      const int document_pages = 1 + static_cast<int>(random() % 4);
      for (int p = 0; p < document_pages && page < pages; ++p, ++page) {
        std::string text = "Họ và tên: " + applicant + ". Số định danh cá nhân: " + pid + ".";
        const int words = 30 + static_cast<int>(random() % 30);
        for (int w = 0; w < words; ++w) {
          text += ' ';
          text += (random() % 12 == 0) ? name(random) : pick(random, kWords);
        }
        db.query("INSERT INTO pages(document_id, page_number, text) VALUES(?, ?, ?)")
            .bind(1, document_id)
            .bind(2, p + 1)
            .bind(3, text)
            .run();
      }
    }
    if (dossier_number % 20000 == 0) {
      std::fprintf(stderr, "  %ld pages…\n", page);
    }
  }
  // The pages went in without the search index: the registry indexes them the
  // way it re-indexes an older registry, when it is next opened.
  db.execute("DELETE FROM registry_meta WHERE key = 'search_index'");
  transaction.commit();
  db.execute("ANALYZE");
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("built %ld pages in %ld dossiers in %.1f s (%.0f pages/s)\n", pages, dossier_number,
              seconds, static_cast<double>(pages) / seconds);
}

double percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  return values[static_cast<std::size_t>(p * static_cast<double>(values.size() - 1))];
}

}  // namespace

int main(int argc, char** argv) {
  long pages = 1000000;
  int queries = 200;
  std::filesystem::path dir = "/tmp/sohoa-search-bench";
  bool reuse = false;
  std::string only_kind;  // run only the kinds whose name contains this
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--pages") && i + 1 < argc)
      pages = std::atol(argv[++i]);
    else if (!std::strcmp(argv[i], "--queries") && i + 1 < argc)
      queries = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--dir") && i + 1 < argc)
      dir = argv[++i];
    else if (!std::strcmp(argv[i], "--reuse"))
      reuse = true;
    else if (!std::strcmp(argv[i], "--kind") && i + 1 < argc)
      only_kind = argv[++i];
    else {
      std::fprintf(
          stderr,
          "usage: search_bench [--pages N] [--queries Q] [--dir DIR] [--reuse] [--kind TEXT]\n");
      return 1;
    }
  }
  const auto database = dir / "registry.sqlite";
  SqliteRegistryOptions options;
  options.database = database;
  options.blobs = std::shared_ptr<BlobStore>(open_local_blob_store(dir / "blobs"));
  options.holidays.cover_year(2025);
  if (!reuse) {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    options.blobs = std::shared_ptr<BlobStore>(open_local_blob_store(dir / "blobs"));
    open_sqlite_registry(options);  // creates the schema
    build(database, pages);
  }
  const auto opening = Clock::now();
  auto registry = open_sqlite_registry(options);
  if (!reuse) {
    const double seconds = std::chrono::duration<double>(Clock::now() - opening).count();
    std::printf("indexed %ld pages on open in %.1f s (%.0f pages/s)\n", pages, seconds,
                static_cast<double>(pages) / seconds);
  }
  std::mt19937_64 random(7);
  std::vector<std::string> known_ids;
  {
    sohoa::storage::detail::SqliteConnection db(database, 10000);
    auto rows = db.query("SELECT personal_id FROM dossiers ORDER BY random() LIMIT 1000");
    while (rows.step()) known_ids.push_back(rows.text(0));
  }
  struct Kind {
    const char* name;
    std::function<SearchQuery()> make;
  };
  const std::vector<Kind> kinds = {
      {"name (accented phrase)",
       [&] {
         SearchQuery q;
         q.text = "\"" + name(random) + "\"";
         return q;
       }},
      {"accent-less words",
       [&] {
         SearchQuery q;
         q.text = fold_for_search(pick(random, kFamily) + " " + pick(random, kGiven)) + " ket hon";
         return q;
       }},
      {"personal ID + text",
       [&] {
         SearchQuery q;
         q.text = "giay";
         q.personal_id = pick(random, known_ids);
         return q;
       }},
      {"procedure + date range + text",
       [&] {
         SearchQuery q;
         q.text = fold_for_search(pick(random, kGiven)) + " thuong tru";
         q.procedure_code = pick(random, kProcedures);
         const auto from = std::chrono::sys_days(std::chrono::year(2025) / 3 / 1) +
                           std::chrono::days(random() % 200);
         q.received_from = Date(from);
         q.received_to = Date(from + std::chrono::days(14));
         return q;
       }},
      {"common words + procedure",
       [&] {
         SearchQuery q;
         q.text = "giay to";
         q.procedure_code = pick(random, kProcedures);
         return q;
       }},
      {"filters only: procedure + week",
       [&] {
         SearchQuery q;
         q.procedure_code = pick(random, kProcedures);
         const auto from = std::chrono::sys_days(std::chrono::year(2025) / 3 / 1) +
                           std::chrono::days(random() % 200);
         q.received_from = Date(from);
         q.received_to = Date(from + std::chrono::days(6));
         return q;
       }},
      {"common word, no filter",
       [&] {
         SearchQuery q;
         q.text = pick(random, kWords);
         return q;
       }},
  };
  // The viewer is one agency with a grant from another: the isolation filter runs.
  Viewer viewer{agency(3), Role::RecordsOfficer, "bench"};
  registry->grant({0, agency(4), agency(3), GrantScope::DocumentClass, "can_cuoc",
                   std::chrono::system_clock::now() + std::chrono::hours(1), false},
                  Viewer{agency(4), Role::RecordsOfficer, "bench"});
  std::vector<double> all;
  for (const auto& kind : kinds) {
    if (std::string_view(kind.name).find(only_kind) == std::string_view::npos) continue;
    std::vector<double> times;
    // CPU time as well: on a shared machine wall time also measures the neighbours.
    std::vector<double> cpu_times;
    std::size_t hits = 0;
    for (int i = 0; i < queries; ++i) {
      const auto query = kind.make();
      const auto start = Clock::now();
      const auto cpu_start = std::clock();
      hits += registry->search(query, viewer).size();
      cpu_times.push_back(1000.0 * static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC);
      times.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    }
    all.insert(all.end(), times.begin(), times.end());
    std::printf(
        "%-32s p50 %7.2f ms  p95 %7.2f ms  p99 %7.2f ms  cpu p50 %6.2f p95 %6.2f ms  "
        "(%d queries, %.1f hits avg)\n",
        kind.name, percentile(times, 0.5), percentile(times, 0.95), percentile(times, 0.99),
        percentile(cpu_times, 0.5), percentile(cpu_times, 0.95), queries,
        static_cast<double>(hits) / queries);
  }
  std::printf("%-32s p50 %7.2f ms  p95 %7.2f ms  p99 %7.2f ms\n", "all", percentile(all, 0.5),
              percentile(all, 0.95), percentile(all, 0.99));
  return 0;
}
