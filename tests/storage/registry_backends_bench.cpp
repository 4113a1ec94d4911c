// The registry on SQLite and on PostgreSQL, measured in the same run on the same
// disk (bench/registry_backends_bench.sh): dossiers received and filed per second
// from one connection and from two at once (two nodes), and search latency.
// PostgreSQL is the tests' own server (fsync on), SQLite synchronous=FULL.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "pg_test_server.hpp"
#include "sohoa/storage/open_registry.hpp"
#include "test_support.hpp"

namespace {

using namespace sohoa::storage;
using Clock = std::chrono::steady_clock;

const std::vector<std::string> kWords = {
    "Nguyễn", "Trần", "Lê",  "Phạm", "Hoàng", "Văn",   "Thị",   "Đức",   "Hoa",    "Anh", "khai",
    "sinh",   "kết",  "hôn", "giấy", "chứng", "nhận",  "quyền", "sử",    "dụng",   "đất", "phường",
    "quận",   "tỉnh", "Hà",  "Nội",  "Đà",    "Nẵng",  "hộ",    "khẩu",  "thường", "trú", "căn",
    "cước",   "công", "dân", "số",   "ngày",  "tháng", "năm",   "đăng",  "ký",     "bản", "sao",
    "trích",  "lục",  "xác", "tình", "trạng", "hôn",   "nhân",  "người", "yêu",    "cầu", "địa",
    "chỉ",    "nơi",  "cư",  "ủy",   "ban",   "nhân",  "dân",   "xã"};

std::string page_text(std::mt19937& random, int words) {
  std::string text;
  for (int i = 0; i < words; ++i) {
    if (i > 0) text += ' ';
    text += kWords[random() % kWords.size()];
  }
  return text;
}

struct Figures {
  double filed_per_second_one = 0;
  double filed_per_second_two = 0;
  double search_ms = 0;
};

std::unique_ptr<Registry> open(const std::string& url, const std::filesystem::path& blobs) {
  RegistryOptions options;
  options.blobs = open_local_blob_store(blobs);
  options.holidays = HolidayCalendar::load(sohoa::test::source_dir() / "config" / "holidays");
  return open_registry(url, std::move(options));
}

// Receives `count` dossiers of one unit and day and files a two-page document in each.
void receive_and_file(Registry& registry, int count, unsigned seed) {
  std::mt19937 random(seed);
  const Viewer counter{"000.00.21.H49", Role::CounterStaff, "bench"};
  for (int i = 0; i < count; ++i) {
    const auto code =
        registry
            .receive_dossier({"000.00.21.H49", std::chrono::year{2025} / 3 / 3, "1.001193",
                              "Khai sinh", "Nguyễn Văn An", "001085012345", 5, ""},
                             counter)
            .dossier.code;
    NewDocument document;
    document.metadata.document_class = "to_khai";
    document.page_texts = {page_text(random, 300), page_text(random, 300)};
    const std::string bytes = "%PDF bench " + code;
    document.file.assign(bytes.begin(), bytes.end());
    registry.add_document(code, document, counter);
  }
}

Figures measure(const std::string& url, const std::filesystem::path& blobs, int dossiers,
                int queries) {
  Figures figures;
  auto registry = open(url, blobs);
  auto started = Clock::now();
  receive_and_file(*registry, dossiers, 1);
  figures.filed_per_second_one =
      dossiers / std::chrono::duration<double>(Clock::now() - started).count();

  started = Clock::now();
  std::vector<std::thread> nodes;
  for (unsigned node = 0; node < 2; ++node) {
    nodes.emplace_back([&, node] {
      auto own = open(url, blobs);  // its own connection, as a second node has
      receive_and_file(*own, dossiers / 2, 10 + node);
    });
  }
  for (auto& node : nodes) node.join();
  const int filed_by_two = dossiers / 2 * 2;
  figures.filed_per_second_two =
      filed_by_two / std::chrono::duration<double>(Clock::now() - started).count();

  std::mt19937 random(99);
  const Viewer officer{"000.00.21.H49", Role::RecordsOfficer, "bench"};
  started = Clock::now();
  for (int i = 0; i < queries; ++i) {
    SearchQuery query;
    const auto& a = kWords[random() % kWords.size()];
    const auto& b = kWords[random() % kWords.size()];
    switch (i % 3) {
      case 0:  // two words
        query.text.append(a).append(" ").append(b);
        break;
      case 1:  // a phrase
        query.text.append("\"").append(a).append(" ").append(b).append("\"");
        break;
      default:  // a prefix: two ASCII letters, else the whole word (never half a letter)
        const bool ascii =
            static_cast<unsigned char>(a[0]) < 0x80 && static_cast<unsigned char>(a[1]) < 0x80;
        query.text.append(ascii ? a.substr(0, 2) : a).append("*");
    }
    (void)registry->search(query, officer);
  }
  figures.search_ms =
      std::chrono::duration<double, std::milli>(Clock::now() - started).count() / queries;
  return figures;
}

}  // namespace

int main(int argc, char** argv) {
  const int dossiers = argc > 1 ? std::max(2, std::atoi(argv[1])) : 300;
  const int queries = argc > 2 ? std::max(1, std::atoi(argv[2])) : 300;
  std::string why_not;
  auto* server = sohoa::test::PgTestServer::get(&why_not);
  if (server == nullptr) {
    std::fprintf(stderr, "no PostgreSQL server could be started: %s\n", why_not.c_str());
    return 3;
  }
  sohoa::test::ScratchDir scratch;
  const auto sqlite = measure("sqlite:" + (scratch.path() / "registry.sqlite").string(),
                              scratch.path() / "blobs", dossiers, queries);
  const auto postgres =
      measure(server->create_database(), scratch.path() / "blobs-pg", dossiers, queries);
  std::printf("registry, %d dossiers x 2 pages of 300 words, %d searches\n", dossiers, queries);
  std::printf("%-36s %12s %12s %10s\n", "", "sqlite", "postgresql", "pg/sqlite");
  auto row = [](const char* name, double a, double b) {
    std::printf("%-36s %12.1f %12.1f %10.2f\n", name, a, b, b / a);
  };
  row("received+filed/s, one connection", sqlite.filed_per_second_one,
      postgres.filed_per_second_one);
  row("received+filed/s, two at once", sqlite.filed_per_second_two, postgres.filed_per_second_two);
  row("search ms/query (mixed)", sqlite.search_ms, postgres.search_ms);
  return 0;
}
