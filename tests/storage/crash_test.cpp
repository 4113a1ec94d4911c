// Kills a worker process with SIGKILL at random moments while it works through a
// batch, restarts it, and checks that in the end every stage ran to completion
// exactly once, every page is in exactly one dossier, no half-written or
// orphan file is left and the database is sound.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "sohoa/storage/sqlite_job_queue.hpp"
#include "test_support.hpp"

namespace sohoa::storage {
namespace {

constexpr int kPages = 160;

pid_t start_driver(const std::filesystem::path& database, const std::filesystem::path& out) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    const std::string pages = std::to_string(kPages);
    ::execl(SOHOA_CRASH_DRIVER, "storage_crash_driver", database.c_str(), out.c_str(),
            pages.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

int kills_wanted() {
  const char* value = std::getenv("SOHOA_CRASH_KILLS");  // more kills: SOHOA_CRASH_KILLS=200
  return value != nullptr && std::atoi(value) > 0 ? std::atoi(value) : 25;
}

TEST(CrashSafety, RandomKillsLoseNothingAndDuplicateNothing) {
  test::ScratchDir scratch;
  const auto database = scratch / "queue.sqlite";
  const auto out = scratch / "out";
  std::mt19937 random(std::random_device{}());
  const int wanted = kills_wanted();

  int kills = 0;
  // Bounded: at most 4x the kills wanted; each run is killed or finishes.
  for (int run = 0; run < wanted * 4 && kills < wanted; ++run) {
    const pid_t pid = start_driver(database, out);
    ASSERT_GT(pid, 0);
    // Let it start and get into its work (start-up itself is also a place to die).
    std::this_thread::sleep_for(
        std::chrono::microseconds(std::uniform_int_distribution<int>(500, 30000)(random)));
    ::kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    if (WIFSIGNALED(status)) {
      ++kills;
    } else {
      ASSERT_TRUE(WIFEXITED(status));
      ASSERT_EQ(WEXITSTATUS(status), 0) << "the driver failed between kills";
      break;  // all work done before the kill landed
    }
  }
  EXPECT_GE(kills, std::min(wanted, 20)) << "the work finished before enough kills";

  // A last, undisturbed run finishes the work.
  auto result = test::run_command(test::shell_quote(SOHOA_CRASH_DRIVER) + " " +
                                  test::shell_quote(database.string()) + " " +
                                  test::shell_quote(out.string()) + " " + std::to_string(kPages));
  ASSERT_EQ(result.exit_code, 0) << result.output;

  SqliteQueueOptions options;
  options.database = database;
  auto queue = open_sqlite_queue(options);
  EXPECT_EQ(queue->integrity_check(), "ok");
  const auto stats = queue->stats();
  const int dossier_count = (kPages + 3) / 4;
  EXPECT_EQ(stats.depth(), 0);
  EXPECT_EQ(stats.dead, 0);
  EXPECT_EQ(stats.done, 2 * kPages + 1 + 2 * dossier_count) << "one job per (subject, stage)";

  const auto batch = queue->batch_by_key("crash-batch");
  ASSERT_TRUE(batch);
  const auto pages = queue->pages(batch->id);
  ASSERT_EQ(pages.size(), static_cast<std::size_t>(kPages));
  const auto dossiers = queue->dossiers(batch->id);
  ASSERT_EQ(dossiers.size(), static_cast<std::size_t>(dossier_count));

  // Every page in exactly one dossier, and filed.
  std::map<std::int64_t, int> dossiers_per_page;
  for (const auto& dossier : dossiers) {
    EXPECT_EQ(dossier.stage, Stage::Filed);
    for (auto page : dossier.page_ids) ++dossiers_per_page[page];
  }
  std::set<std::string> expected_files;
  for (const auto& page : pages) {
    EXPECT_EQ(dossiers_per_page[page.id], 1) << "page " << page.id;
    EXPECT_EQ(page.stage, Stage::Filed);
    for (const char* stage : {"cleaned", "recognised"}) {
      const std::string name = "page-" + std::to_string(page.id) + "." + stage;
      expected_files.insert(name);
      EXPECT_EQ(test::read_text(out / name),
                "page " + std::to_string(page.id) + " " + stage + "\n");
    }
  }
  for (const auto& dossier : dossiers) {
    std::string listing;
    for (auto page : dossier.page_ids) listing += std::to_string(page) + "\n";
    for (const char* suffix : {".bundle", ".filed"}) {
      expected_files.insert(dossier.key + suffix);
      EXPECT_EQ(test::read_text(out / (dossier.key + suffix)), listing);
    }
  }
  // Nothing else: no temp file, no orphan.
  std::set<std::string> found_files;
  for (const auto& entry : std::filesystem::directory_iterator(out)) {
    found_files.insert(entry.path().filename().string());
  }
  EXPECT_EQ(found_files, expected_files);
  std::cout << "[          ] " << kills << " SIGKILLs survived\n";
}

}  // namespace
}  // namespace sohoa::storage
