#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <thread>

#include "pg_test_server.hpp"
#include "sohoa/core/error.hpp"
#include "sohoa/storage/pg_job_queue.hpp"
#include "sohoa/storage/sqlite_job_queue.hpp"
#include "test_support.hpp"

namespace sohoa::storage {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Which implementation a test runs against: every queue test runs on both.
enum class Backend { Sqlite, Postgres };

std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::Sqlite ? "sqlite" : "postgresql";
}

// A queue on a scratch file (or a fresh database of the test's own PostgreSQL
// server) with a clock the test moves by hand.
class QueueTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() != Backend::Postgres) return;
    SOHOA_GET_PG_SERVER(server_);
    database_url_ = server_->create_database();
  }
  std::unique_ptr<JobQueue> open(int max_attempts = 3) {
    RetryPolicy retry;
    retry.max_attempts = max_attempts;
    retry.first_delay = seconds(2);
    retry.max_delay = seconds(60);
    if (GetParam() == Backend::Postgres) {
      PgQueueOptions options;
      options.url = database_url_;
      options.retry = retry;
      options.now = [this] { return now_; };
      return open_pg_queue(options);
    }
    SqliteQueueOptions options;
    options.database = scratch_ / "queue.sqlite";
    options.retry = retry;
    options.now = [this] { return now_; };
    return open_sqlite_queue(options);
  }
  // Puts something that is not a queue where the queue would be.
  void plant_foreign_storage() {
    if (GetParam() == Backend::Postgres) {
      server_->run_sql(database_url_, "CREATE TABLE jobs(x integer)");
    } else {
      test::write_text(scratch_ / "queue.sqlite", std::string(4096, 'x'));
    }
  }
  static NewBatch batch_of(const std::string& key, int pages) {
    NewBatch batch{key, "folder:/srv/inbox", "Quầy 1", {}, {}};
    for (int i = 0; i < pages; ++i)
      batch.pages.push_back({"scan_" + std::to_string(i) + ".tif", 0});
    return batch;
  }
  void advance(milliseconds by) { now_ += by; }

  test::ScratchDir scratch_;
  test::PgTestServer* server_ = nullptr;
  std::string database_url_;
  TimePoint now_ = TimePoint(seconds(1'750'000'000));
};

INSTANTIATE_TEST_SUITE_P(Sqlite, QueueTest, ::testing::Values(Backend::Sqlite), backend_name);
INSTANTIATE_TEST_SUITE_P(Postgres, QueueTest, ::testing::Values(Backend::Postgres), backend_name);

TEST_P(QueueTest, EnqueueClaimCompleteMovesPagesThroughStages) {
  auto queue = open();
  const auto batch_id = queue->add_batch(batch_of("b1", 2), Stage::Cleaned);
  EXPECT_EQ(queue->stats().ready, 2);

  auto job = queue->claim("worker-1", seconds(30));
  ASSERT_TRUE(job);
  EXPECT_EQ(job->subject, SubjectKind::Page);
  EXPECT_EQ(job->stage, Stage::Cleaned);
  EXPECT_EQ(job->attempts, 1);
  EXPECT_EQ(job->batch_id, batch_id);
  EXPECT_EQ(queue->stats().leased, 1);

  CompletionEffects effects;
  effects.next_jobs.push_back({SubjectKind::Page, job->subject_id, Stage::Recognised, "{}", {}});
  EXPECT_EQ(queue->complete(*job, effects), Completion::Completed);

  auto pages = queue->pages(batch_id);
  ASSERT_EQ(pages.size(), 2u);
  EXPECT_EQ(pages[0].stage, Stage::Cleaned);
  EXPECT_EQ(pages[1].stage, Stage::Received);
  EXPECT_EQ(pages[0].source, "scan_0.tif");
  const auto stats = queue->stats();
  EXPECT_EQ(stats.done, 1);
  EXPECT_EQ(stats.ready, 2);
  EXPECT_EQ(stats.pending_at_stage[static_cast<int>(Stage::Recognised)], 1);
}

TEST_P(QueueTest, AddingTheSameBatchTwiceAddsNothing) {
  auto queue = open();
  const auto first = queue->add_batch(batch_of("same-key", 3), Stage::Cleaned);
  const auto second = queue->add_batch(batch_of("same-key", 3), Stage::Cleaned);
  EXPECT_EQ(first, second);
  EXPECT_EQ(queue->pages(first).size(), 3u);
  EXPECT_EQ(queue->stats().ready, 3);
  ASSERT_TRUE(queue->batch_by_key("same-key"));
  EXPECT_EQ(queue->batch_by_key("same-key")->label, "Quầy 1");
}

TEST_P(QueueTest, CompletingTwiceIsHarmless) {
  auto queue = open();
  queue->add_batch(batch_of("b", 1), Stage::Cleaned);
  auto job = queue->claim("w", seconds(30));
  ASSERT_TRUE(job);
  CompletionEffects effects;
  effects.next_jobs.push_back({SubjectKind::Page, job->subject_id, Stage::Recognised, "", {}});
  EXPECT_EQ(queue->complete(*job, effects), Completion::Completed);
  EXPECT_EQ(queue->complete(*job, effects), Completion::AlreadyDone);
  // The follow-on job exists once.
  EXPECT_EQ(queue->stats().ready, 1);
  EXPECT_EQ(queue->enqueue({SubjectKind::Page, job->subject_id, Stage::Recognised, "", {}}),
            queue->enqueue({SubjectKind::Page, job->subject_id, Stage::Recognised, "", {}}));
  EXPECT_EQ(queue->stats().ready, 1);
}

TEST_P(QueueTest, FailuresRetryWithExponentialBackoffThenDeadLetter) {
  auto queue = open(/*max_attempts=*/3);
  queue->add_batch(batch_of("b", 1), Stage::Cleaned);

  auto job = queue->claim("w", seconds(30));
  ASSERT_TRUE(job);
  EXPECT_EQ(queue->fail(*job, "engine busy", Failure::Retryable), JobState::Ready);
  EXPECT_EQ(queue->stats().delayed, 1);
  EXPECT_FALSE(queue->claim("w", seconds(30))) << "claimable before its backoff (2 s) ran out";
  advance(milliseconds(1999));
  EXPECT_FALSE(queue->claim("w", seconds(30)));
  advance(milliseconds(1));
  job = queue->claim("w", seconds(30));
  ASSERT_TRUE(job);
  EXPECT_EQ(job->attempts, 2);

  EXPECT_EQ(queue->fail(*job, "engine busy", Failure::Retryable), JobState::Ready);
  advance(milliseconds(3999));
  EXPECT_FALSE(queue->claim("w", seconds(30))) << "second backoff is 4 s";
  advance(milliseconds(1));
  job = queue->claim("w", seconds(30));
  ASSERT_TRUE(job);
  EXPECT_EQ(job->attempts, 3);

  EXPECT_EQ(queue->fail(*job, "disk full", Failure::Retryable), JobState::Dead);
  advance(seconds(3600));
  EXPECT_FALSE(queue->claim("w", seconds(30)));
  auto letters = queue->dead_letters();
  ASSERT_EQ(letters.size(), 1u);
  EXPECT_EQ(letters[0].reason, "disk full");
  EXPECT_EQ(letters[0].attempts, 3);
  EXPECT_EQ(letters[0].stage, Stage::Cleaned);
  EXPECT_EQ(queue->stats().dead, 1);

  // An operator's retry brings it back with fresh attempts.
  EXPECT_TRUE(queue->retry_dead(letters[0].job_id));
  EXPECT_TRUE(queue->dead_letters().empty());
  job = queue->claim("w", seconds(30));
  ASSERT_TRUE(job);
  EXPECT_EQ(job->attempts, 1);
}

TEST(RetryPolicy, BackoffDelaysDoubleAndAreCapped) {
  RetryPolicy policy;
  policy.first_delay = seconds(2);
  policy.max_delay = seconds(10);
  EXPECT_EQ(policy.delay_after(1), seconds(2));
  EXPECT_EQ(policy.delay_after(2), seconds(4));
  EXPECT_EQ(policy.delay_after(3), seconds(8));
  EXPECT_EQ(policy.delay_after(4), seconds(10));
  EXPECT_EQ(policy.delay_after(200), seconds(10));
}

TEST_P(QueueTest, PermanentFailureDeadLettersAtOnceAndTheBatchGoesOn) {
  auto queue = open();
  NewBatch batch = batch_of("b", 2);
  batch.batch_jobs.push_back({SubjectKind::Batch, 0, Stage::Understood, "", Stage::Recognised});
  const auto batch_id = queue->add_batch(batch, Stage::Recognised);

  auto bad = queue->claim("w", seconds(30), {Stage::Recognised});
  ASSERT_TRUE(bad);
  EXPECT_EQ(queue->fail(*bad, "not an image (zero bytes)", Failure::Permanent), JobState::Dead);
  EXPECT_FALSE(queue->claim("w", seconds(30), {Stage::Understood}))
      << "the batch job must wait for the other page";
  auto good = queue->claim("w", seconds(30));
  ASSERT_TRUE(good);
  EXPECT_EQ(queue->complete(*good), Completion::Completed);

  auto split = queue->claim("w", seconds(30));
  ASSERT_TRUE(split) << "a dead page must not hold the batch";
  EXPECT_EQ(split->subject, SubjectKind::Batch);
  EXPECT_EQ(split->stage, Stage::Understood);
  EXPECT_EQ(split->subject_id, batch_id);
  auto progress = queue->progress(batch_id);
  ASSERT_TRUE(progress);
  EXPECT_EQ(progress->jobs_dead, 1);
}

TEST_P(QueueTest, ExpiredLeaseReturnsTheJobAndFencesTheOldWorker) {
  auto queue = open();
  queue->add_batch(batch_of("b", 1), Stage::Cleaned);
  auto stale = queue->claim("worker-a", seconds(30));
  ASSERT_TRUE(stale);
  EXPECT_FALSE(queue->claim("worker-b", seconds(30))) << "the lease still holds";
  advance(seconds(20));
  EXPECT_TRUE(queue->heartbeat(*stale, seconds(30)));
  advance(seconds(29));
  EXPECT_FALSE(queue->claim("worker-b", seconds(30))) << "the heartbeat extended the lease";
  advance(seconds(2));  // worker-a hung: its lease ran out

  auto fresh = queue->claim("worker-b", seconds(30));
  ASSERT_TRUE(fresh);
  EXPECT_EQ(fresh->id, stale->id);
  EXPECT_EQ(fresh->attempts, 2);
  EXPECT_FALSE(queue->heartbeat(*stale, seconds(30)));
  EXPECT_EQ(queue->complete(*stale), Completion::LeaseLost);
  EXPECT_EQ(queue->fail(*stale, "late", Failure::Permanent), JobState::Leased);
  EXPECT_EQ(queue->complete(*fresh), Completion::Completed);
  EXPECT_EQ(queue->complete(*stale), Completion::AlreadyDone);
}

TEST_P(QueueTest, RestartAfterACrashReclaimsLeasesAndBuriesPoisonPages) {
  {
    auto queue = open(/*max_attempts=*/2);
    queue->add_batch(batch_of("b", 2), Stage::Cleaned);
    ASSERT_TRUE(queue->claim("pid-1", seconds(300)));
    ASSERT_TRUE(queue->claim("pid-1", seconds(300)));
    // The process dies here: no complete, no fail.
  }
  std::int64_t poison_id = 0;
  {
    auto queue = open(2);
    EXPECT_EQ(queue->reclaim_all_leases(), 2);
    auto job = queue->claim("pid-2", seconds(300));
    ASSERT_TRUE(job);
    EXPECT_EQ(job->attempts, 2);
    poison_id = job->id;
    auto other = queue->claim("pid-2", seconds(300));
    ASSERT_TRUE(other);
    EXPECT_EQ(queue->complete(*other), Completion::Completed);
    // This page kills the process again.
  }
  auto queue = open(2);
  EXPECT_EQ(queue->reclaim_all_leases(), 1);
  EXPECT_FALSE(queue->claim("pid-3", seconds(300)));
  auto letters = queue->dead_letters();
  ASSERT_EQ(letters.size(), 1u);
  EXPECT_EQ(letters[0].job_id, poison_id);
  EXPECT_NE(letters[0].reason.find("stopped"), std::string::npos) << letters[0].reason;
}

TEST_P(QueueTest, ParkingOnShutdownDoesNotCountAnAttempt) {
  auto queue = open();
  queue->add_batch(batch_of("b", 1), Stage::Cleaned);
  auto job = queue->claim("w", seconds(30));
  ASSERT_TRUE(job);
  queue->park(*job);
  job = queue->claim("w", seconds(30));
  ASSERT_TRUE(job);
  EXPECT_EQ(job->attempts, 1);
}

TEST_P(QueueTest, StageFilterAndOrder) {
  auto queue = open();
  queue->add_batch(batch_of("first", 1), Stage::Cleaned);
  queue->add_batch(batch_of("second", 1), Stage::Recognised);
  auto job = queue->claim("w", seconds(30), {Stage::Recognised});
  ASSERT_TRUE(job);
  EXPECT_EQ(job->stage, Stage::Recognised);
  job = queue->claim("w", seconds(30), {Stage::Recognised});
  EXPECT_FALSE(job);
  job = queue->claim("w", seconds(30));
  ASSERT_TRUE(job);
  EXPECT_EQ(job->stage, Stage::Cleaned);
}

TEST_P(QueueTest, DossiersFileEveryPageOnceAndProgressCounts) {
  auto queue = open();
  NewBatch batch = batch_of("b", 3);
  batch.batch_jobs.push_back({SubjectKind::Batch, 0, Stage::Understood, "", Stage::Recognised});
  const auto batch_id = queue->add_batch(batch, Stage::Recognised);
  for (int i = 0; i < 3; ++i) {
    auto job = queue->claim("w", seconds(30), {Stage::Recognised});
    ASSERT_TRUE(job);
    ASSERT_EQ(queue->complete(*job), Completion::Completed);
  }
  auto split = queue->claim("w", seconds(30));
  ASSERT_TRUE(split);
  const auto pages = queue->pages(batch_id);
  CompletionEffects effects;
  effects.dossiers.push_back({"b#1", {pages[0].id, pages[1].id}, "{\"code\":1}", Stage::Bundled});
  effects.dossiers.push_back({"b#2", {pages[2].id}, "{}", Stage::Bundled});
  ASSERT_EQ(queue->complete(*split, effects), Completion::Completed);

  auto dossiers = queue->dossiers(batch_id);
  ASSERT_EQ(dossiers.size(), 2u);
  EXPECT_EQ(dossiers[0].page_ids, (std::vector<std::int64_t>{pages[0].id, pages[1].id}));
  EXPECT_EQ(dossiers[0].stage, Stage::Understood);

  // Bundle and file both dossiers.
  for (int i = 0; i < 2; ++i) {
    auto bundle = queue->claim("w", seconds(30), {Stage::Bundled});
    ASSERT_TRUE(bundle);
    EXPECT_EQ(bundle->subject, SubjectKind::Dossier);
    CompletionEffects file;
    file.next_jobs.push_back({SubjectKind::Dossier, bundle->subject_id, Stage::Filed, "", {}});
    ASSERT_EQ(queue->complete(*bundle, file), Completion::Completed);
  }
  auto progress = queue->progress(batch_id);
  ASSERT_TRUE(progress);
  EXPECT_EQ(progress->pages_total, 3);
  EXPECT_EQ(progress->pages_at_stage[static_cast<int>(Stage::Bundled)], 3);
  EXPECT_EQ(progress->pages_filed, 0);
  advance(seconds(10));
  progress = queue->progress(batch_id);
  ASSERT_TRUE(progress->eta_seconds);
  EXPECT_GT(*progress->eta_seconds, 0);

  for (int i = 0; i < 2; ++i) {
    auto filing = queue->claim("w", seconds(30));
    ASSERT_TRUE(filing);
    ASSERT_EQ(filing->stage, Stage::Filed);
    ASSERT_EQ(queue->complete(*filing), Completion::Completed);
  }
  progress = queue->progress(batch_id);
  EXPECT_EQ(progress->pages_filed, 3);
  EXPECT_EQ(progress->jobs_pending, 0);
  EXPECT_DOUBLE_EQ(progress->eta_seconds.value_or(-1), 0.0);
  EXPECT_EQ(queue->batch(batch_id)->stage, Stage::Understood);
  EXPECT_EQ(queue->integrity_check(), "ok");
}

TEST_P(QueueTest, APageCannotBeFiledInTwoDossiers) {
  auto queue = open();
  NewBatch batch = batch_of("b", 2);
  batch.batch_jobs.push_back({SubjectKind::Batch, 0, Stage::Understood, "", {}});
  const auto batch_id = queue->add_batch(batch, Stage::Recognised);
  auto split = queue->claim("w", seconds(30), {Stage::Understood});
  ASSERT_TRUE(split);
  const auto pages = queue->pages(batch_id);
  CompletionEffects effects;
  effects.dossiers.push_back({"b#1", {pages[0].id, pages[1].id}, "", Stage::Bundled});
  effects.dossiers.push_back({"b#2", {pages[1].id}, "", Stage::Bundled});
  try {
    (void)queue->complete(*split, effects);
    FAIL() << "filed a page twice";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::Internal);
  }
  // Rolled back as a whole: still leased, no dossiers.
  EXPECT_TRUE(queue->dossiers(batch_id).empty());
  effects.dossiers.pop_back();
  EXPECT_EQ(queue->complete(*split, effects), Completion::Completed);
}

TEST_P(QueueTest, ConcurrentWorkersClaimEachJobOnce) {
  auto queue = open();
  constexpr int kPages = 200;
  queue->add_batch(batch_of("b", kPages), Stage::Cleaned);
  std::vector<std::vector<std::int64_t>> claimed(4);
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&, w] {
      while (auto job = queue->claim("w" + std::to_string(w), seconds(30))) {
        claimed[static_cast<std::size_t>(w)].push_back(job->id);
        queue->complete(*job);
      }
    });
  }
  for (auto& worker : workers) worker.join();
  std::set<std::int64_t> all;
  std::size_t total = 0;
  for (const auto& ids : claimed) {
    all.insert(ids.begin(), ids.end());
    total += ids.size();
  }
  EXPECT_EQ(total, static_cast<std::size_t>(kPages));
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kPages));
  EXPECT_EQ(queue->stats().done, kPages);
}

TEST_P(QueueTest, TwoProcessesShareOneDatabase) {
  auto first = open();
  auto second = open();
  first->add_batch(batch_of("b", 2), Stage::Cleaned);
  auto a = first->claim("a", seconds(30));
  auto b = second->claim("b", seconds(30));
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  EXPECT_NE(a->id, b->id);
  EXPECT_FALSE(first->claim("a", seconds(30)));
}

TEST_P(QueueTest, RefusesStorageThatIsNotAQueue) {
  plant_foreign_storage();
  try {
    auto queue = open();
    FAIL() << "opened garbage";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::CorruptInput) << error.what();
  }
}

TEST_P(QueueTest, ConfigurationUrlPicksTheBackend) {
  const std::string url = GetParam() == Backend::Postgres
                              ? database_url_
                              : "sqlite:" + (scratch_ / "by-url.sqlite").string();
  auto queue = open_job_queue(url);
  queue->add_batch(batch_of("b", 1), Stage::Cleaned);
  auto job = queue->claim("w", seconds(30));
  ASSERT_TRUE(job);
  EXPECT_EQ(queue->complete(*job), Completion::Completed);
  EXPECT_EQ(queue->stats().done, 1);
}

TEST(OpenJobQueue, RefusesAnUnknownScheme) {
  try {
    (void)open_job_queue("mysql://secret@db/queue");
    FAIL() << "opened an unknown scheme";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::InvalidArgument);
    EXPECT_EQ(std::string(error.what()).find("secret"), std::string::npos) << error.what();
  }
}

TEST(Stage, NamesRoundTrip) {
  for (int i = 0; i < kStageCount; ++i) {
    const auto stage = static_cast<Stage>(i);
    EXPECT_EQ(stage_from_string(to_string(stage)), stage);
  }
  EXPECT_FALSE(stage_from_string("nowhere"));
}

}  // namespace
}  // namespace sohoa::storage
