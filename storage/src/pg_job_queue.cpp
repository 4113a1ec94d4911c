// The PostgreSQL job queue: the rules of sqlite_job_queue.cpp, for several nodes
// on one database. Differences that matter:
// - Claims lock the chosen row with FOR UPDATE SKIP LOCKED: concurrent claims on
//   other nodes skip it instead of waiting, and never take the same job.
// - Every read-modify-write of a job locks its row first (SELECT … FOR UPDATE),
//   where SQLite relies on its single writer (BEGIN IMMEDIATE).
// - Times are milliseconds since the epoch, as in SQLite; without an injected
//   clock they come from the database server, so all nodes share one clock.
#include "sohoa/storage/pg_job_queue.hpp"

#include <algorithm>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "pg_connection.hpp"
#include "sohoa/core/error.hpp"

namespace sohoa::storage {

namespace {

using detail::PgConnection;
using detail::PgResult;

constexpr int kSchemaVersion = 1;
// Serialises schema creation when several nodes start at once (any constant
// that other applications on the same database are unlikely to use).
constexpr std::int64_t kSchemaLockKey = 0x736f686f61'01;  // "sohoa" 1
static_assert(static_cast<int>(SubjectKind::Page) == 1);

constexpr const char* kSchema = R"sql(
CREATE TABLE sohoa_queue_meta(schema_version INTEGER NOT NULL);
CREATE TABLE batches(
  id BIGSERIAL PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  origin TEXT NOT NULL,
  label TEXT NOT NULL,
  stage INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL);
CREATE TABLE pages(
  id BIGSERIAL PRIMARY KEY,
  batch_id BIGINT NOT NULL REFERENCES batches(id),
  sequence INTEGER NOT NULL,
  source TEXT NOT NULL,
  source_index INTEGER NOT NULL,
  stage INTEGER NOT NULL DEFAULT 0,
  UNIQUE(batch_id, sequence));
CREATE INDEX pages_by_batch_stage ON pages(batch_id, stage);
CREATE TABLE dossiers(
  id BIGSERIAL PRIMARY KEY,
  batch_id BIGINT NOT NULL REFERENCES batches(id),
  key TEXT NOT NULL UNIQUE,
  payload TEXT NOT NULL,
  stage INTEGER NOT NULL DEFAULT 0);
-- page_id is the key: the schema itself forbids a page in two dossiers.
CREATE TABLE dossier_pages(
  page_id BIGINT PRIMARY KEY REFERENCES pages(id),
  dossier_id BIGINT NOT NULL REFERENCES dossiers(id));
CREATE INDEX dossier_pages_by_dossier ON dossier_pages(dossier_id);
CREATE TABLE jobs(
  id BIGSERIAL PRIMARY KEY,
  subject_kind INTEGER NOT NULL,
  subject_id BIGINT NOT NULL,
  batch_id BIGINT NOT NULL REFERENCES batches(id),
  stage INTEGER NOT NULL,
  payload TEXT NOT NULL,
  state TEXT NOT NULL CHECK(state IN ('ready', 'leased', 'done', 'dead')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  owner TEXT,
  lease_token BIGINT NOT NULL DEFAULT 0,
  lease_expires_at BIGINT,
  gate_stage INTEGER,
  last_error TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  UNIQUE(subject_kind, subject_id, stage));
CREATE INDEX jobs_claimable ON jobs(state, next_attempt_at, id);
CREATE INDEX jobs_by_batch ON jobs(batch_id, state);
CREATE TABLE dead_letters(
  job_id BIGINT PRIMARY KEY REFERENCES jobs(id),
  reason TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  failed_at BIGINT NOT NULL);
)sql";

std::int64_t to_millis(TimePoint time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

TimePoint from_millis(std::int64_t millis) {
  return TimePoint(std::chrono::duration_cast<Clock::duration>(std::chrono::milliseconds(millis)));
}

// The database name for messages: the URL without user and password.
std::string describe(const std::string& url) {
  const auto at = url.rfind('@');
  const auto scheme = url.find("://");
  if (at != std::string::npos && scheme != std::string::npos && at > scheme) {
    return url.substr(0, scheme + 3) + url.substr(at + 1);
  }
  return url;
}

JobState state_from_text(const std::string& state) {
  if (state == "done") return JobState::Done;
  if (state == "dead") return JobState::Dead;
  if (state == "leased") return JobState::Leased;
  return JobState::Ready;
}

class PgJobQueue final : public JobQueue {
 public:
  explicit PgJobQueue(PgQueueOptions options)
      : options_(std::move(options)), db_(options_.url, describe(options_.url)) {
    open();
  }

  std::int64_t add_batch(const NewBatch& batch, Stage first_stage) override;
  std::int64_t enqueue(const JobSpec& job) override;
  std::optional<Job> claim(std::string_view owner, std::chrono::milliseconds lease,
                           const std::vector<Stage>& stages) override;
  bool heartbeat(const Job& job, std::chrono::milliseconds lease) override;
  Completion complete(const Job& job, const CompletionEffects& effects) override;
  JobState fail(const Job& job, std::string_view reason, Failure failure) override;
  void park(const Job& job) override;
  int reclaim_all_leases() override;
  bool retry_dead(std::int64_t job_id) override;
  std::vector<DeadLetter> dead_letters() override;
  std::optional<BatchInfo> batch(std::int64_t batch_id) override;
  std::optional<BatchInfo> batch_by_key(std::string_view key) override;
  std::vector<PageInfo> pages(std::int64_t batch_id) override;
  std::vector<DossierInfo> dossiers(std::int64_t batch_id) override;
  std::optional<BatchProgress> progress(std::int64_t batch_id) override;
  QueueStats stats() override;
  std::string integrity_check() override;

 private:
  void open();
  std::int64_t now_ms();
  [[nodiscard]] ErrorContext context() const { return {db_.what()}; }

  std::int64_t batch_of(SubjectKind kind, std::int64_t subject_id);
  std::int64_t insert_job(const JobSpec& spec, std::int64_t batch_id, std::int64_t now);
  void advance_subject(SubjectKind kind, std::int64_t subject_id, Stage stage);
  void add_dossier(std::int64_t batch_id, const NewDossier& dossier, std::int64_t now);
  void bury(std::int64_t job_id, std::string_view reason, int attempts, std::int64_t now);
  void expire_leases(std::int64_t now);
  static std::optional<BatchInfo> read_batch(const PgResult& result);

  PgQueueOptions options_;
  PgConnection db_;
  std::mutex mutex_;
};

std::int64_t PgJobQueue::now_ms() {
  if (options_.now) return to_millis(options_.now());
  // clock_timestamp(), not now(): now() is frozen at the transaction's start.
  return db_.query("SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint")
      .int64(0, 0);
}

void PgJobQueue::open() {
  std::lock_guard lock(mutex_);
  db_.transaction([&] {
    db_.query("SELECT pg_advisory_xact_lock($1)", {kSchemaLockKey});
    const bool ours = !db_.query("SELECT to_regclass('sohoa_queue_meta')").is_null(0, 0);
    if (!ours) {
      if (!db_.query("SELECT to_regclass('jobs')").is_null(0, 0)) {
        throw Error(ErrorCode::CorruptInput,
                    "the database has a table 'jobs' that is not a sohoa job queue", context());
      }
      db_.execute(kSchema);
      db_.query("INSERT INTO sohoa_queue_meta(schema_version) VALUES($1)", {kSchemaVersion});
      return;
    }
    const auto version = db_.query("SELECT max(schema_version) FROM sohoa_queue_meta");
    if (version.integer(0, 0) > kSchemaVersion) {
      throw Error(
          ErrorCode::UnsupportedFormat,
          "the job database was written by a newer sohoa (schema " + version.text(0, 0) + ")",
          context());
    }
  });
}

std::int64_t PgJobQueue::add_batch(const NewBatch& batch, Stage first_stage) {
  std::lock_guard lock(mutex_);
  std::int64_t batch_id = 0;
  db_.transaction([&] {
    const auto now = now_ms();
    // Two nodes adding the same key: the second waits for the first's commit,
    // inserts nothing and returns the first's batch.
    const auto inserted = db_.query(
        "INSERT INTO batches(key, origin, label, stage, created_at) VALUES($1, $2, $3, $4, $5) "
        "ON CONFLICT(key) DO NOTHING RETURNING id",
        {batch.key, batch.origin, batch.label, static_cast<int>(Stage::Received), now});
    if (inserted.empty()) {
      batch_id = db_.query("SELECT id FROM batches WHERE key = $1", {batch.key}).int64(0, 0);
      return;
    }
    batch_id = inserted.int64(0, 0);
    for (std::size_t sequence = 0; sequence < batch.pages.size(); ++sequence) {
      const auto& page = batch.pages[sequence];
      const auto page_id =
          db_.query(
                 "INSERT INTO pages(batch_id, sequence, source, source_index, stage) "
                 "VALUES($1, $2, $3, $4, $5) RETURNING id",
                 {batch_id, static_cast<std::int64_t>(sequence), page.source, page.source_index,
                  static_cast<int>(Stage::Received)})
              .int64(0, 0);
      insert_job({SubjectKind::Page, page_id, first_stage, {}, {}}, batch_id, now);
    }
    for (auto job : batch.batch_jobs) {
      job.subject = SubjectKind::Batch;
      job.subject_id = batch_id;
      insert_job(job, batch_id, now);
    }
  });
  return batch_id;
}

std::int64_t PgJobQueue::batch_of(SubjectKind kind, std::int64_t subject_id) {
  if (kind == SubjectKind::Batch) return subject_id;
  const auto result =
      db_.query(kind == SubjectKind::Page ? "SELECT batch_id FROM pages WHERE id = $1"
                                          : "SELECT batch_id FROM dossiers WHERE id = $1",
                {subject_id});
  if (result.empty()) {
    throw Error(ErrorCode::InvalidArgument,
                "no " + std::string(to_string(kind)) + " " + std::to_string(subject_id) +
                    " in the job database",
                context());
  }
  return result.int64(0, 0);
}

std::int64_t PgJobQueue::insert_job(const JobSpec& spec, std::int64_t batch_id, std::int64_t now) {
  const auto inserted = db_.query(
      "INSERT INTO jobs(subject_kind, subject_id, batch_id, stage, payload, state, "
      "next_attempt_at, created_at, updated_at, gate_stage) "
      "VALUES($1, $2, $3, $4, $5, 'ready', $6, $6, $6, $7) "
      "ON CONFLICT(subject_kind, subject_id, stage) DO NOTHING RETURNING id",
      {static_cast<int>(spec.subject), spec.subject_id, batch_id, static_cast<int>(spec.stage),
       spec.payload, now,
       spec.after_pages_reach ? detail::PgParam(static_cast<int>(*spec.after_pages_reach))
                              : detail::PgParam(std::nullopt)});
  if (!inserted.empty()) return inserted.int64(0, 0);
  return db_
      .query("SELECT id FROM jobs WHERE subject_kind = $1 AND subject_id = $2 AND stage = $3",
             {static_cast<int>(spec.subject), spec.subject_id, static_cast<int>(spec.stage)})
      .int64(0, 0);
}

std::int64_t PgJobQueue::enqueue(const JobSpec& job) {
  std::lock_guard lock(mutex_);
  std::int64_t id = 0;
  db_.transaction([&] { id = insert_job(job, batch_of(job.subject, job.subject_id), now_ms()); });
  return id;
}

void PgJobQueue::bury(std::int64_t job_id, std::string_view reason, int attempts,
                      std::int64_t now) {
  db_.query(
      "UPDATE jobs SET state = 'dead', owner = NULL, lease_expires_at = NULL, last_error = $1, "
      "updated_at = $2 WHERE id = $3",
      {reason, now, job_id});
  db_.query(
      "INSERT INTO dead_letters(job_id, reason, attempts, failed_at) VALUES($1, $2, $3, $4) "
      "ON CONFLICT(job_id) DO UPDATE SET reason = excluded.reason, attempts = excluded.attempts, "
      "failed_at = excluded.failed_at",
      {job_id, reason, attempts, now});
}

void PgJobQueue::expire_leases(std::int64_t now) {
  // SKIP LOCKED: a lease another node is expiring (or completing) right now is its business.
  const auto expired = db_.query(
      "SELECT id, attempts FROM jobs WHERE state = 'leased' AND lease_expires_at <= $1 "
      "FOR UPDATE SKIP LOCKED",
      {now});
  for (int row = 0; row < expired.rows(); ++row) {
    const auto id = expired.int64(row, 0);
    const int attempts = expired.integer(row, 1);
    if (attempts >= options_.retry.max_attempts) {
      bury(id,
           "the worker stopped answering (crash, hang or power cut) during each of " +
               std::to_string(attempts) + " attempts",
           attempts, now);
      continue;
    }
    db_.query(
        "UPDATE jobs SET state = 'ready', owner = NULL, lease_expires_at = NULL, "
        "next_attempt_at = $1, last_error = 'lease expired', updated_at = $1 WHERE id = $2",
        {now, id});
  }
}

std::optional<Job> PgJobQueue::claim(std::string_view owner, std::chrono::milliseconds lease,
                                     const std::vector<Stage>& stages) {
  std::lock_guard lock(mutex_);
  int stage_mask = 0;
  for (auto stage : stages) stage_mask |= 1 << static_cast<int>(stage);
  if (stage_mask == 0) stage_mask = (1 << kStageCount) - 1;

  std::optional<Job> job;
  db_.transaction([&] {
    job.reset();
    const auto now = now_ms();
    expire_leases(now);
    const auto claimed = db_.query(
        "UPDATE jobs SET state = 'leased', owner = $1, attempts = attempts + 1, "
        "lease_token = lease_token + 1, lease_expires_at = $2, updated_at = $3 "
        "WHERE id = (SELECT j.id FROM jobs j WHERE j.state = 'ready' AND j.next_attempt_at <= $3 "
        "  AND (($4::integer >> j.stage) & 1) = 1 "
        "  AND (j.gate_stage IS NULL OR NOT EXISTS ("
        "    SELECT 1 FROM pages p WHERE p.batch_id = j.batch_id AND p.stage < j.gate_stage "
        "    AND NOT EXISTS (SELECT 1 FROM jobs d WHERE d.subject_kind = 1 "
        "                    AND d.subject_id = p.id AND d.state = 'dead'))) "
        "  ORDER BY j.next_attempt_at, j.id LIMIT 1 FOR UPDATE OF j SKIP LOCKED) "
        "RETURNING id, subject_kind, subject_id, batch_id, stage, payload, attempts, "
        "lease_token",
        {owner, now + lease.count(), now, stage_mask});
    if (claimed.empty()) return;
    job.emplace();
    job->id = claimed.int64(0, 0);
    job->subject = static_cast<SubjectKind>(claimed.integer(0, 1));
    job->subject_id = claimed.int64(0, 2);
    job->batch_id = claimed.int64(0, 3);
    job->stage = static_cast<Stage>(claimed.integer(0, 4));
    job->payload = claimed.text(0, 5);
    job->attempts = claimed.integer(0, 6);
    job->lease_token = claimed.int64(0, 7);
    job->owner = std::string(owner);
    job->lease_expires_at = from_millis(now + lease.count());
  });
  return job;
}

bool PgJobQueue::heartbeat(const Job& job, std::chrono::milliseconds lease) {
  std::lock_guard lock(mutex_);
  bool kept = false;
  db_.transaction([&] {
    const auto now = now_ms();
    kept = db_.query(
                  "UPDATE jobs SET lease_expires_at = $1, updated_at = $2 "
                  "WHERE id = $3 AND state = 'leased' AND lease_token = $4",
                  {now + lease.count(), now, job.id, job.lease_token})
               .affected() == 1;
  });
  return kept;
}

void PgJobQueue::advance_subject(SubjectKind kind, std::int64_t subject_id, Stage stage) {
  const int value = static_cast<int>(stage);
  switch (kind) {
    case SubjectKind::Page:
      db_.query("UPDATE pages SET stage = greatest(stage, $1) WHERE id = $2", {value, subject_id});
      return;
    case SubjectKind::Batch:
      db_.query("UPDATE batches SET stage = greatest(stage, $1) WHERE id = $2",
                {value, subject_id});
      db_.query("UPDATE pages SET stage = greatest(stage, $1) WHERE batch_id = $2",
                {value, subject_id});
      return;
    case SubjectKind::Dossier:
      db_.query("UPDATE dossiers SET stage = greatest(stage, $1) WHERE id = $2",
                {value, subject_id});
      // A page is as far as the dossier it is filed in.
      db_.query(
          "UPDATE pages SET stage = greatest(stage, $1) "
          "WHERE id IN (SELECT page_id FROM dossier_pages WHERE dossier_id = $2)",
          {value, subject_id});
      return;
  }
}

void PgJobQueue::add_dossier(std::int64_t batch_id, const NewDossier& dossier, std::int64_t now) {
  db_.query(
      "INSERT INTO dossiers(batch_id, key, payload, stage) VALUES($1, $2, $3, $4) "
      "ON CONFLICT(key) DO NOTHING",
      {batch_id, dossier.key, dossier.payload, static_cast<int>(Stage::Understood)});
  const auto dossier_id =
      db_.query("SELECT id FROM dossiers WHERE key = $1", {dossier.key}).int64(0, 0);
  for (auto page_id : dossier.page_ids) {
    db_.query(
        "INSERT INTO dossier_pages(page_id, dossier_id) VALUES($1, $2) "
        "ON CONFLICT(page_id) DO NOTHING",
        {page_id, dossier_id});
    const auto owner =
        db_.query("SELECT dossier_id FROM dossier_pages WHERE page_id = $1", {page_id});
    if (owner.empty() || owner.int64(0, 0) != dossier_id) {
      // Rolled back with the whole completion: no page is ever filed twice.
      throw Error(ErrorCode::Internal,
                  "page " + std::to_string(page_id) + " is already in another dossier", context());
    }
  }
  insert_job({SubjectKind::Dossier, dossier_id, dossier.first_job_stage, dossier.payload, {}},
             batch_id, now);
}

Completion PgJobQueue::complete(const Job& job, const CompletionEffects& effects) {
  std::lock_guard lock(mutex_);
  Completion outcome = Completion::Completed;
  db_.transaction([&] {
    const auto now = now_ms();
    // The row lock makes "check the lease, then mark done" one step against
    // another node expiring or completing the same job.
    const auto current =
        db_.query("SELECT state, lease_token FROM jobs WHERE id = $1 FOR UPDATE", {job.id});
    if (current.empty()) {
      throw Error(ErrorCode::InvalidArgument, "no job " + std::to_string(job.id), context());
    }
    const std::string state = current.text(0, 0);
    if (state == "done") {
      outcome = Completion::AlreadyDone;
      return;
    }
    if (state != "leased" || current.int64(0, 1) != job.lease_token) {
      outcome = Completion::LeaseLost;
      return;
    }
    db_.query(
        "UPDATE jobs SET state = 'done', owner = NULL, lease_expires_at = NULL, "
        "last_error = NULL, updated_at = $1 WHERE id = $2",
        {now, job.id});
    advance_subject(job.subject, job.subject_id, job.stage);
    for (const auto& dossier : effects.dossiers) add_dossier(job.batch_id, dossier, now);
    for (const auto& next : effects.next_jobs) {
      insert_job(next, batch_of(next.subject, next.subject_id), now);
    }
    outcome = Completion::Completed;
  });
  return outcome;
}

JobState PgJobQueue::fail(const Job& job, std::string_view reason, Failure failure) {
  std::lock_guard lock(mutex_);
  JobState result = JobState::Ready;
  db_.transaction([&] {
    const auto now = now_ms();
    const auto current = db_.query(
        "SELECT state, lease_token, attempts FROM jobs WHERE id = $1 FOR UPDATE", {job.id});
    if (current.empty()) {
      throw Error(ErrorCode::InvalidArgument, "no job " + std::to_string(job.id), context());
    }
    const std::string state = current.text(0, 0);
    if (state != "leased" || current.int64(0, 1) != job.lease_token) {
      result = state_from_text(state);  // not ours any more: report it, change nothing
      return;
    }
    const int attempts = current.integer(0, 2);
    if (failure == Failure::Permanent || attempts >= options_.retry.max_attempts) {
      bury(job.id, reason, attempts, now);
      result = JobState::Dead;
      return;
    }
    db_.query(
        "UPDATE jobs SET state = 'ready', owner = NULL, lease_expires_at = NULL, "
        "next_attempt_at = $1, last_error = $2, updated_at = $3 WHERE id = $4",
        {now + options_.retry.delay_after(attempts).count(), reason, now, job.id});
    result = JobState::Ready;
  });
  return result;
}

void PgJobQueue::park(const Job& job) {
  std::lock_guard lock(mutex_);
  db_.transaction([&] {
    const auto now = now_ms();
    db_.query(
        "UPDATE jobs SET state = 'ready', owner = NULL, lease_expires_at = NULL, "
        "attempts = greatest(attempts - 1, 0), next_attempt_at = $1, updated_at = $1 "
        "WHERE id = $2 AND state = 'leased' AND lease_token = $3",
        {now, job.id, job.lease_token});
  });
}

int PgJobQueue::reclaim_all_leases() {
  std::lock_guard lock(mutex_);
  int reclaimed = 0;
  db_.transaction([&] {
    const auto now = now_ms();
    // Only for a lone node restarting after a crash: with several nodes, the
    // other nodes' leases are alive and expire on their own when a node dies.
    reclaimed = db_.query("SELECT count(*) FROM jobs WHERE state = 'leased'").integer(0, 0);
    db_.query(
        "UPDATE jobs SET lease_expires_at = $1 WHERE state = 'leased' AND lease_expires_at > $1",
        {now});
    expire_leases(now);
  });
  return reclaimed;
}

bool PgJobQueue::retry_dead(std::int64_t job_id) {
  std::lock_guard lock(mutex_);
  bool revived = false;
  db_.transaction([&] {
    const auto now = now_ms();
    revived = db_.query(
                     "UPDATE jobs SET state = 'ready', attempts = 0, next_attempt_at = $1, "
                     "updated_at = $1 WHERE id = $2 AND state = 'dead'",
                     {now, job_id})
                  .affected() == 1;
    if (revived) db_.query("DELETE FROM dead_letters WHERE job_id = $1", {job_id});
  });
  return revived;
}

std::vector<DeadLetter> PgJobQueue::dead_letters() {
  std::lock_guard lock(mutex_);
  const auto result = db_.query(
      "SELECT d.job_id, j.subject_kind, j.subject_id, j.batch_id, j.stage, d.attempts, d.reason, "
      "d.failed_at FROM dead_letters d JOIN jobs j ON j.id = d.job_id ORDER BY d.failed_at, "
      "d.job_id");
  std::vector<DeadLetter> letters;
  for (int row = 0; row < result.rows(); ++row) {
    DeadLetter letter;
    letter.job_id = result.int64(row, 0);
    letter.subject = static_cast<SubjectKind>(result.integer(row, 1));
    letter.subject_id = result.int64(row, 2);
    letter.batch_id = result.int64(row, 3);
    letter.stage = static_cast<Stage>(result.integer(row, 4));
    letter.attempts = result.integer(row, 5);
    letter.reason = result.text(row, 6);
    letter.failed_at = from_millis(result.int64(row, 7));
    letters.push_back(std::move(letter));
  }
  return letters;
}

std::optional<BatchInfo> PgJobQueue::read_batch(const PgResult& result) {
  if (result.empty()) return std::nullopt;
  BatchInfo info;
  info.id = result.int64(0, 0);
  info.key = result.text(0, 1);
  info.origin = result.text(0, 2);
  info.label = result.text(0, 3);
  info.stage = static_cast<Stage>(result.integer(0, 4));
  info.created_at = from_millis(result.int64(0, 5));
  return info;
}

std::optional<BatchInfo> PgJobQueue::batch(std::int64_t batch_id) {
  std::lock_guard lock(mutex_);
  return read_batch(db_.query(
      "SELECT id, key, origin, label, stage, created_at FROM batches WHERE id = $1", {batch_id}));
}

std::optional<BatchInfo> PgJobQueue::batch_by_key(std::string_view key) {
  std::lock_guard lock(mutex_);
  return read_batch(db_.query(
      "SELECT id, key, origin, label, stage, created_at FROM batches WHERE key = $1", {key}));
}

std::vector<PageInfo> PgJobQueue::pages(std::int64_t batch_id) {
  std::lock_guard lock(mutex_);
  const auto result = db_.query(
      "SELECT p.id, p.batch_id, p.sequence, p.source, p.source_index, p.stage, d.dossier_id "
      "FROM pages p LEFT JOIN dossier_pages d ON d.page_id = p.id WHERE p.batch_id = $1 "
      "ORDER BY p.sequence",
      {batch_id});
  std::vector<PageInfo> pages;
  for (int row = 0; row < result.rows(); ++row) {
    PageInfo page;
    page.id = result.int64(row, 0);
    page.batch_id = result.int64(row, 1);
    page.sequence = result.integer(row, 2);
    page.source = result.text(row, 3);
    page.source_index = result.integer(row, 4);
    page.stage = static_cast<Stage>(result.integer(row, 5));
    if (!result.is_null(row, 6)) page.dossier_id = result.int64(row, 6);
    pages.push_back(std::move(page));
  }
  return pages;
}

std::vector<DossierInfo> PgJobQueue::dossiers(std::int64_t batch_id) {
  std::lock_guard lock(mutex_);
  std::vector<DossierInfo> dossiers;
  const auto result = db_.query(
      "SELECT id, batch_id, key, stage FROM dossiers WHERE batch_id = $1 ORDER BY id", {batch_id});
  for (int row = 0; row < result.rows(); ++row) {
    DossierInfo dossier;
    dossier.id = result.int64(row, 0);
    dossier.batch_id = result.int64(row, 1);
    dossier.key = result.text(row, 2);
    dossier.stage = static_cast<Stage>(result.integer(row, 3));
    dossiers.push_back(std::move(dossier));
  }
  for (auto& dossier : dossiers) {
    const auto pages = db_.query(
        "SELECT d.page_id FROM dossier_pages d JOIN pages p ON p.id = d.page_id "
        "WHERE d.dossier_id = $1 ORDER BY p.sequence",
        {dossier.id});
    for (int row = 0; row < pages.rows(); ++row) dossier.page_ids.push_back(pages.int64(row, 0));
  }
  return dossiers;
}

std::optional<BatchProgress> PgJobQueue::progress(std::int64_t batch_id) {
  std::lock_guard lock(mutex_);
  const auto now = now_ms();
  BatchProgress progress;
  progress.batch_id = batch_id;
  const auto created = db_.query("SELECT created_at FROM batches WHERE id = $1", {batch_id});
  if (created.empty()) return std::nullopt;
  progress.seconds_elapsed =
      static_cast<double>(std::max<std::int64_t>(0, now - created.int64(0, 0))) / 1000.0;
  const auto stages =
      db_.query("SELECT stage, count(*) FROM pages WHERE batch_id = $1 GROUP BY stage", {batch_id});
  for (int row = 0; row < stages.rows(); ++row) {
    const int stage = std::clamp(stages.integer(row, 0), 0, kStageCount - 1);
    progress.pages_at_stage[stage] += stages.integer(row, 1);
    progress.pages_total += stages.integer(row, 1);
  }
  progress.pages_filed = progress.pages_at_stage[static_cast<int>(Stage::Filed)];
  const auto jobs = db_.query(
      "SELECT count(*) FILTER (WHERE state IN ('ready', 'leased')), "
      "count(*) FILTER (WHERE state = 'dead') FROM jobs WHERE batch_id = $1",
      {batch_id});
  progress.jobs_pending = jobs.integer(0, 0);
  progress.jobs_dead = jobs.integer(0, 1);
  // Fraction of the batch's stage steps done; the rate so far gives the ETA.
  double steps_done = 0;
  for (int stage = 0; stage < kStageCount; ++stage) {
    steps_done += static_cast<double>(progress.pages_at_stage[stage]) * stage;
  }
  const double steps_total = static_cast<double>(progress.pages_total) * (kStageCount - 1);
  if (steps_done > 0 && steps_total > 0 && progress.seconds_elapsed > 0) {
    const double fraction = steps_done / steps_total;
    progress.eta_seconds = progress.seconds_elapsed * (1.0 - fraction) / fraction;
  }
  return progress;
}

QueueStats PgJobQueue::stats() {
  std::lock_guard lock(mutex_);
  const auto now = now_ms();
  QueueStats stats;
  const auto result = db_.query(
      "SELECT state, stage, (state = 'ready' AND next_attempt_at > $1)::integer, count(*) "
      "FROM jobs GROUP BY 1, 2, 3",
      {now});
  for (int row = 0; row < result.rows(); ++row) {
    const std::string state = result.text(row, 0);
    const int stage = std::clamp(result.integer(row, 1), 0, kStageCount - 1);
    const bool delayed = result.integer(row, 2) != 0;
    const int count = result.integer(row, 3);
    if (state == "ready") {
      (delayed ? stats.delayed : stats.ready) += count;
      stats.pending_at_stage[stage] += count;
    } else if (state == "leased") {
      stats.leased += count;
      stats.pending_at_stage[stage] += count;
    } else if (state == "done") {
      stats.done += count;
    } else {
      stats.dead += count;
    }
  }
  return stats;
}

std::string PgJobQueue::integrity_check() {
  std::lock_guard lock(mutex_);
  // PostgreSQL checks its pages itself; what can go wrong above it is ours:
  // rows that break the queue's own invariants.
  const auto problems = db_.query(
      "SELECT 'leased job ' || id || ' has no lease' FROM jobs "
      "  WHERE state = 'leased' AND (owner IS NULL OR lease_expires_at IS NULL) "
      "UNION ALL SELECT 'dead job ' || id || ' has no dead letter' FROM jobs j "
      "  WHERE state = 'dead' AND NOT EXISTS (SELECT 1 FROM dead_letters d WHERE d.job_id = j.id) "
      "UNION ALL SELECT 'dead letter ' || job_id || ' for a live job' FROM dead_letters d "
      "  JOIN jobs j ON j.id = d.job_id WHERE j.state <> 'dead' "
      "UNION ALL SELECT 'dossier page ' || page_id || ' of another batch' FROM dossier_pages dp "
      "  JOIN pages p ON p.id = dp.page_id JOIN dossiers d ON d.id = dp.dossier_id "
      "  WHERE p.batch_id <> d.batch_id");
  if (problems.empty()) return "ok";
  std::string result;
  for (int row = 0; row < problems.rows(); ++row) {
    if (!result.empty()) result += "\n";
    result += problems.text(row, 0);
  }
  return result;
}

}  // namespace

std::unique_ptr<JobQueue> open_pg_queue(PgQueueOptions options) {
  return std::make_unique<PgJobQueue>(std::move(options));
}

}  // namespace sohoa::storage
