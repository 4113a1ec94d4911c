// Two `sohoa serve` nodes on one PostgreSQL database: two processes, each with
// its own connection, work one queue of pages through two stages at the same
// time. Every (page, stage) must be processed exactly once: none twice, none missing.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "pg_test_server.hpp"
#include "sohoa/storage/pg_job_queue.hpp"
#include "test_support.hpp"

namespace sohoa::storage {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// One node's worker loop: claim, "process" (append a line to its own log, the
// way a stage writes its output), complete with the follow-on job. Stops when
// the whole queue is empty, not merely when nothing is claimable for a moment
// (the other node may be about to complete a job that enqueues more).
int run_node(const std::string& url, const std::string& name, const std::string& log_path,
             int start_signal) {
  try {
    PgQueueOptions options;
    options.url = url;  // the database server's clock: both nodes share it
    auto queue = open_pg_queue(options);
    char go = 0;
    if (::read(start_signal, &go, 1) < 0) return 3;  // wait until both nodes are connected
    std::ofstream log(log_path, std::ios::app);
    for (;;) {
      auto job = queue->claim(name, seconds(60));
      if (!job) {
        if (queue->stats().depth() == 0) return 0;
        std::this_thread::sleep_for(milliseconds(5));
        continue;
      }
      log << job->subject_id << ' ' << static_cast<int>(job->stage) << '\n' << std::flush;
      std::this_thread::sleep_for(milliseconds(1));  // the work; lets the nodes interleave
      CompletionEffects effects;
      if (job->stage == Stage::Cleaned) {
        effects.next_jobs.push_back(
            {SubjectKind::Page, job->subject_id, Stage::Recognised, "", {}});
      }
      if (queue->complete(*job, effects) != Completion::Completed) return 4;
    }
  } catch (const std::exception& error) {
    std::cerr << name << ": " << error.what() << '\n';
    return 2;
  }
}

TEST(PostgresNodes, TwoNodesProcessEveryPageExactlyOnce) {
  test::PgTestServer* server = nullptr;
  SOHOA_GET_PG_SERVER(server);
  const std::string url = server->create_database();
  constexpr int kPages = 200;

  std::set<std::int64_t> page_ids;
  {
    PgQueueOptions options;
    options.url = url;
    auto queue = open_pg_queue(options);
    NewBatch batch{"two-nodes", "folder:/srv/inbox", "Quầy 1", {}, {}};
    for (int i = 0; i < kPages; ++i) batch.pages.push_back({"scan_" + std::to_string(i), 0});
    const auto batch_id = queue->add_batch(batch, Stage::Cleaned);
    for (const auto& page : queue->pages(batch_id)) page_ids.insert(page.id);
  }
  ASSERT_EQ(page_ids.size(), static_cast<std::size_t>(kPages));

  test::ScratchDir scratch;
  int start[2];
  ASSERT_EQ(::pipe(start), 0);
  std::vector<pid_t> nodes;
  for (const std::string name : {"node-a", "node-b"}) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(start[1]);
      ::_exit(run_node(url, name, (scratch / (name + ".log")).string(), start[0]));
    }
    nodes.push_back(pid);
  }
  ::close(start[0]);
  ::close(start[1]);  // both nodes read end-of-file: go

  for (const pid_t pid : nodes) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "a node failed: " << status;
  }

  std::map<std::pair<std::int64_t, int>, int> times_processed;
  std::map<std::string, int> jobs_per_node;
  for (const std::string name : {"node-a", "node-b"}) {
    std::istringstream lines(test::read_text(scratch / (name + ".log")));
    std::int64_t page = 0;
    int stage = 0;
    while (lines >> page >> stage) {
      ++times_processed[{page, stage}];
      ++jobs_per_node[name];
    }
  }
  for (const auto& [job, times] : times_processed) {
    EXPECT_EQ(times, 1) << "page " << job.first << " stage " << job.second << " processed " << times
                        << " times";
  }
  for (const auto page : page_ids) {
    for (const Stage stage : {Stage::Cleaned, Stage::Recognised}) {
      EXPECT_EQ(times_processed.count({page, static_cast<int>(stage)}), 1u)
          << "page " << page << " never reached " << to_string(stage);
    }
  }
  EXPECT_EQ(times_processed.size(), static_cast<std::size_t>(2 * kPages));
  EXPECT_GT(jobs_per_node["node-a"], 0) << "node-a did nothing: not a concurrent run";
  EXPECT_GT(jobs_per_node["node-b"], 0) << "node-b did nothing: not a concurrent run";

  PgQueueOptions options;
  options.url = url;
  auto queue = open_pg_queue(options);
  const auto stats = queue->stats();
  EXPECT_EQ(stats.done, 2 * kPages);
  EXPECT_EQ(stats.depth(), 0);
  EXPECT_EQ(stats.dead, 0);
  EXPECT_EQ(queue->integrity_check(), "ok");
}

}  // namespace
}  // namespace sohoa::storage
