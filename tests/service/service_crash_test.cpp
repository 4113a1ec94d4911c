// Kills `sohoa serve` with SIGKILL at random moments while it ingests and files
// a small corpus batch from its hot folder, restarts it each time, then lets it
// finish: every page must be in exactly one filed dossier, every dossier PDF in
// place once and in the registry once with each document once (an agency is
// configured), no temp or orphan file anywhere, and the queue must pass
// PRAGMA integrity_check. SOHOA_SERVE_CRASH_KILLS=100 kills more (default 20).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "sohoa/core/durable_file.hpp"
#include "sohoa/core/identifiers.hpp"
#include "sohoa/storage/open_registry.hpp"
#include "sohoa/storage/sqlite_job_queue.hpp"
#include "test_support.hpp"

namespace sohoa::service {
namespace {

namespace fs = std::filesystem;

int kills_wanted() {
  const char* value = std::getenv("SOHOA_SERVE_CRASH_KILLS");
  return value != nullptr && std::atoi(value) > 0 ? std::atoi(value) : 20;
}

pid_t start_service(const fs::path& config, const fs::path& log) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::FILE* out = std::freopen(log.c_str(), "a", stderr);
    (void)out;
    const std::string exe = sohoa::test::sohoa_exe().string();
    ::execl(exe.c_str(), "sohoa", "serve", "--config", config.c_str(), "--once",
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

TEST(ServiceCrash, RandomKillsLoseNothingAndDuplicateNothing) {
  const fs::path batch = sohoa::test::corpus_dir() / "batches" / "b01";
  if (!fs::exists(batch)) GTEST_SKIP() << "no corpus";
  sohoa::test::ScratchDir scratch;
  const fs::path data = scratch / "data";
  // Three small stacks keep the test short (OCR costs ~1.5 s per page per
  // core) and give the kills batches to land between.
  std::vector<std::pair<std::string, std::vector<std::string>>> stacks = {
      {"b01-a", {"0001.jpg", "0002.jpg"}},
      {"b01-b", {"0003.tif", "0004.jpg"}},
      {"b01-c", {"0005.jpg"}}};
  fs::create_directories(data / "inbox");
  std::size_t total_pages = 0;
  auto drop_stack = [&](const std::string& name, const std::vector<std::string>& files) {
    const fs::path staging = scratch / "staging" / name;
    fs::create_directories(staging);
    for (const auto& file : files) fs::copy_file(batch / file, staging / file);
    sohoa::test::write_text(staging / ".sohoa-done", "");
    fs::rename(staging, data / "inbox" / name);
    total_pages += files.size();
  };
  for (const auto& [name, files] : stacks) drop_stack(name, files);
  const fs::path config = scratch / "serve.json";
  sohoa::test::write_text(
      config, R"({"data_dir": "data", "http": false, "jobs": 2, "retry_first_delay_ms": 50,
                  "agency": "000.00.00.H49",
                  "max_attempts": 1000,
                  "classes": ")" +
                  (sohoa::test::source_dir() / "config/page_classes").string() +
                  R"(", "hot_folders": [{"path": "data/inbox", "settle_ms": 100,
                  "folder_quiet_ms": 200}]})");
  const fs::path log = scratch / "serve.log";

  std::mt19937 random(std::random_device{}());
  const int wanted = kills_wanted();
  int kills = 0;
  for (int run = 0; run < wanted * 3 && kills < wanted; ++run) {
    const pid_t pid = start_service(config, log);
    ASSERT_GT(pid, 0);
    // Most kills land early (start-up, recovery, claims, inside the pipeline);
    // the last few runs are long enough to finish a stack and die while filing
    // it or the next one.
    const int delay_ms = kills < wanted - 3 ? std::uniform_int_distribution<int>(5, 2000)(random)
                                            : std::uniform_int_distribution<int>(500, 5000)(random);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    ::kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    if (WIFSIGNALED(status)) {
      ++kills;
    } else {
      ASSERT_TRUE(WIFEXITED(status));
      ASSERT_EQ(WEXITSTATUS(status), 0) << sohoa::test::read_text(log);
      // All work was done before this kill landed (a fast build): give the
      // service another stack so the remaining kills land during work too.
      if (stacks.size() >= 12) break;
      stacks.push_back({"b01-more-" + std::to_string(stacks.size()), {"0005.jpg"}});
      drop_stack(stacks.back().first, stacks.back().second);
    }
  }
  std::cout << "[          ] " << kills << " SIGKILLs survived\n";
  EXPECT_GE(kills, std::min(wanted, 20));

  // A last, undisturbed run finishes the work.
  const auto result =
      sohoa::test::run_command("cd " + sohoa::test::shell_quote(scratch.path().string()) + " && " +
                               sohoa::test::shell_quote(sohoa::test::sohoa_exe().string()) +
                               " serve --config " + sohoa::test::shell_quote(config.string()) +
                               " --once 2>>" + sohoa::test::shell_quote(log.string()));
  ASSERT_EQ(result.exit_code, 0) << sohoa::test::read_text(log);

  const auto check = sohoa::test::run_command(
      "sqlite3 " + sohoa::test::shell_quote((data / "queue.sqlite").string()) +
      " 'PRAGMA integrity_check'");
  EXPECT_EQ(check.output, "ok\n");

  storage::SqliteQueueOptions options;
  options.database = data / "queue.sqlite";
  auto queue = storage::open_sqlite_queue(options);
  const auto stats = queue->stats();
  EXPECT_EQ(stats.depth(), 0);
  EXPECT_EQ(stats.dead, 0);
  const auto stack_count = static_cast<std::int64_t>(stacks.size());
  // The service files each dossier into the registry (an agency is configured).
  storage::RegistryOptions registry_options;
  registry_options.blobs = storage::open_local_blob_store(data / "blobs");
  registry_options.holidays =
      storage::HolidayCalendar::load(sohoa::test::source_dir() / "config/holidays");
  auto registry = storage::open_registry("sqlite:" + (data / "registry.sqlite").string(),
                                         std::move(registry_options));
  int registered_dossiers = 0;
  EXPECT_FALSE(queue->batch(stack_count + 1)) << "a folder was accepted twice";
  std::size_t all_pages = 0;
  for (std::int64_t id = 1; id <= stack_count; ++id) {
    const auto info = queue->batch(id);
    ASSERT_TRUE(info) << "batch " << id;
    SCOPED_TRACE(info->key);
    const auto pages = queue->pages(info->id);
    all_pages += pages.size();
    const auto dossiers = queue->dossiers(info->id);
    ASSERT_FALSE(dossiers.empty());
    std::map<std::int64_t, int> dossiers_per_page;
    for (const auto& dossier : dossiers) {
      EXPECT_EQ(dossier.stage, storage::Stage::Filed) << dossier.key;
      for (const auto page : dossier.page_ids) ++dossiers_per_page[page];
    }
    for (const auto& page : pages) {
      EXPECT_EQ(dossiers_per_page[page.id], 1) << "page " << page.source;
      EXPECT_EQ(page.stage, storage::Stage::Filed) << page.source;
    }

    // Files: exactly the dossier PDFs and the batch's result files, nothing else.
    const fs::path filed = data / "filed" / info->key;
    std::set<std::string> found;
    for (const auto& entry : fs::directory_iterator(filed)) {
      found.insert(entry.path().filename().string());
    }
    int pdfs = 0;
    for (const auto& name : found) pdfs += fs::path(name).extension() == ".pdf";
    EXPECT_GE(pdfs, 1);
    for (const char* name : {"results.json", "review.json", "review.txt", "problems.json"}) {
      EXPECT_EQ(found.count(name), 1U) << name;
    }
    EXPECT_EQ(found.size(), static_cast<std::size_t>(pdfs) + 4) << "orphan files in " << filed;
    if (sohoa::test::have_program("qpdf")) {
      int filed_pages = 0;
      for (const auto& name : found) {
        if (fs::path(name).extension() != ".pdf") continue;
        const auto count = sohoa::test::run_command(
            "qpdf --show-npages " + sohoa::test::shell_quote((filed / name).string()));
        ASSERT_EQ(count.exit_code, 0) << name << ": " << count.output;
        filed_pages += std::atoi(count.output.c_str());
      }
      EXPECT_LE(filed_pages, static_cast<int>(pages.size())) << "a page was filed twice";
    }
    // Each dossier is in the registry once, each of its documents once: their
    // pages add up to the dossier PDF's (a document added twice would not).
    if (sohoa::test::have_program("qpdf")) {
      for (const auto& name : found) {
        const fs::path file(name);
        if (file.extension() != ".pdf" || name.starts_with("review-")) continue;
        const std::string code = file.stem().string();
        SCOPED_TRACE(code);
        const auto parsed = parse_dossier_code(code);
        ASSERT_TRUE(parsed);
        const storage::Viewer viewer{parsed->agency, storage::Role::RecordsOfficer, "test"};
        ASSERT_TRUE(registry->dossier(code, viewer)) << "not in the registry";
        std::set<std::string> files;
        int document_pages = 0;
        const auto documents = registry->documents(code, viewer);
        for (const auto& document : documents) {
          files.insert(document.latest.blob_sha256);
          document_pages += document.page_count;
        }
        EXPECT_FALSE(documents.empty());
        EXPECT_EQ(files.size(), documents.size()) << "a document was filed twice";
        const auto count = sohoa::test::run_command(
            "qpdf --show-npages " + sohoa::test::shell_quote((filed / name).string()));
        EXPECT_EQ(document_pages, std::atoi(count.output.c_str()));
        ++registered_dossiers;
      }
    }
  }
  if (sohoa::test::have_program("qpdf")) EXPECT_GE(registered_dossiers, 1);
  EXPECT_EQ(all_pages, total_pages);
  std::set<std::string> filed_batches;
  for (const auto& entry : fs::directory_iterator(data / "filed")) {
    filed_batches.insert(entry.path().filename().string());
  }
  EXPECT_EQ(filed_batches.size(), stacks.size()) << "an orphan batch folder";
  for (const auto& entry : fs::recursive_directory_iterator(data)) {
    const std::string name = entry.path().filename().string();
    EXPECT_FALSE(is_durable_temp_name(name)) << entry.path();
    EXPECT_EQ(name.find(".tmp"), std::string::npos) << entry.path();
  }
  EXPECT_TRUE(fs::is_empty(data / "work"));
  EXPECT_TRUE(fs::is_empty(data / "spool" / "ready"));
  EXPECT_TRUE(fs::is_empty(data / "spool" / "incoming"));
  EXPECT_TRUE(fs::is_empty(data / "inbox"));
}

}  // namespace
}  // namespace sohoa::service
