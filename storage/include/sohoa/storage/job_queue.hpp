#pragma once
// The durable job queue every page, batch and dossier travels through:
//
//   received -> cleaned -> recognised -> understood -> bundled -> filed
//
// A job asks a worker to bring one subject (a page, a batch or a dossier) to one
// stage. Workers claim a job under a lease, do the work (writing outputs with
// write_file_durably), then complete it; completing records the subject's new
// stage and enqueues the follow-on jobs in the same transaction, so after a crash
// the queue is either before or after the whole step, never in between.
//
// Rules every implementation keeps:
// - Every state change is one transaction; nothing is acknowledged before it is
//   durable (a scanned page handed back to the citizen must not be lost).
// - Completing is idempotent: completing a job twice, or completing a job whose
//   lease was lost to another worker, changes nothing and says so.
// - A job that fails is retried with exponential backoff; after
//   RetryPolicy::max_attempts attempts it is dead-lettered with its reason.
// - Attempts are counted when a job is claimed, so a page that crashes the
//   process every time (a poison page) ends in the dead-letter list instead of
//   crashing the service forever.
// - A lease that is not renewed (heartbeat) expires; the job returns to the queue.
//
// The embedded implementation is SQLite (sqlite_job_queue.hpp); the one for
// several nodes is PostgreSQL (pg_job_queue.hpp). They map one to one:
//   claim()     -> UPDATE jobs SET state='leased', owner=$1, lease_token=lease_token+1, ...
//                  WHERE id = (SELECT id FROM jobs WHERE <claimable> ORDER BY next_attempt_at, id
//                              LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING ...
//                  (SKIP LOCKED lets many nodes claim concurrently without blocking; SQLite
//                  gets the same effect from its single writer: BEGIN IMMEDIATE).
//   complete()  -> one transaction: UPDATE jobs ... WHERE id=$1 AND lease_token=$2 AND
//                  state='leased'; INSERT ... ON CONFLICT DO NOTHING for the follow-ons.
//   time        -> the database's clock (now()) instead of each node's, so leases compare
//                  across machines; the schema (batches, pages, dossiers, dossier_pages,
//                  jobs, dead_letters) and its unique keys are the same.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sohoa::storage {

// Where a subject is in the pipeline (giai đoạn xử lý).
enum class Stage : std::uint8_t { Received, Cleaned, Recognised, Understood, Bundled, Filed };
inline constexpr int kStageCount = 6;

std::string_view to_string(Stage stage);
std::optional<Stage> stage_from_string(std::string_view name);

// What a job works on.
enum class SubjectKind : std::uint8_t { Batch, Page, Dossier };
std::string_view to_string(SubjectKind kind);

enum class JobState : std::uint8_t { Ready, Leased, Done, Dead };
std::string_view to_string(JobState state);

using Clock = std::chrono::system_clock;
using TimePoint = Clock::time_point;

struct JobSpec {
  SubjectKind subject = SubjectKind::Page;
  std::int64_t subject_id = 0;
  Stage stage = Stage::Cleaned;  // the stage this job brings the subject to
  std::string payload;           // opaque to the queue (JSON by convention)
  // A join: the job is claimable only once every page of its batch has reached
  // this stage or has been dead-lettered (a bad page must not hold the batch).
  std::optional<Stage> after_pages_reach;
};

struct NewPage {
  std::string source;    // the file (or scanner page) it came from
  int source_index = 0;  // page within a multi-page source file
};

// A scanner stack, a hot-folder batch or an upload (lô quét).
struct NewBatch {
  std::string key;     // idempotency key, e.g. the intake spool's batch id
  std::string origin;  // "scanner:<device>", "folder:<path>", "upload"
  std::string label;   // what counter staff see
  std::vector<NewPage> pages;
  // Jobs on the batch itself, enqueued with it (subject_id is ignored), e.g.
  // {Batch, 0, Understood, "", after_pages_reach = Recognised}: split the batch
  // into dossiers once all its pages are recognised.
  std::vector<JobSpec> batch_jobs;
};

// A dossier (hồ sơ) found in a batch by the understanding stage.
struct NewDossier {
  std::string key;  // idempotency key, e.g. "<batch key>#<n>"
  std::vector<std::int64_t> page_ids;
  std::string payload;
  Stage first_job_stage = Stage::Bundled;
};

// What completing a job also does, atomically with it.
struct CompletionEffects {
  std::vector<JobSpec> next_jobs;
  std::vector<NewDossier> dossiers;
};

struct Job {
  std::int64_t id = 0;
  SubjectKind subject = SubjectKind::Page;
  std::int64_t subject_id = 0;
  std::int64_t batch_id = 0;
  Stage stage = Stage::Cleaned;
  std::string payload;
  int attempts = 0;              // including this one
  std::int64_t lease_token = 0;  // fences a worker whose lease was taken over
  std::string owner;
  TimePoint lease_expires_at;
};

enum class Completion : std::uint8_t {
  Completed,    // recorded now
  AlreadyDone,  // it had been completed before: nothing changed
  LeaseLost,    // another worker holds the job now (our lease expired): nothing changed
};

enum class Failure : std::uint8_t {
  Retryable,  // may succeed later (disk full, engine busy): retry with backoff
  Permanent,  // will never succeed (unreadable page): dead-letter now
};

struct RetryPolicy {
  int max_attempts = 5;
  std::chrono::milliseconds first_delay{2000};  // doubles per attempt
  std::chrono::milliseconds max_delay{std::chrono::minutes(10)};
  // The delay before attempt `attempts + 1` after `attempts` failed ones.
  [[nodiscard]] std::chrono::milliseconds delay_after(int attempts) const;
};

struct DeadLetter {
  std::int64_t job_id = 0;
  SubjectKind subject = SubjectKind::Page;
  std::int64_t subject_id = 0;
  std::int64_t batch_id = 0;
  Stage stage = Stage::Cleaned;
  int attempts = 0;
  std::string reason;
  TimePoint failed_at;
};

struct BatchInfo {
  std::int64_t id = 0;
  std::string key;
  std::string origin;
  std::string label;
  Stage stage = Stage::Received;
  TimePoint created_at;
};

struct PageInfo {
  std::int64_t id = 0;
  std::int64_t batch_id = 0;
  int sequence = 0;  // 0-based order in the batch
  std::string source;
  int source_index = 0;
  Stage stage = Stage::Received;
  std::optional<std::int64_t> dossier_id;
};

struct DossierInfo {
  std::int64_t id = 0;
  std::int64_t batch_id = 0;
  std::string key;
  Stage stage = Stage::Received;
  std::vector<std::int64_t> page_ids;  // in batch order
};

// Progress of one batch for the CLI and the API (tiến độ).
struct BatchProgress {
  std::int64_t batch_id = 0;
  int pages_total = 0;
  int pages_filed = 0;
  int pages_at_stage[kStageCount] = {};  // how many pages are at each stage now
  int jobs_pending = 0;                  // ready, delayed or leased
  int jobs_dead = 0;
  double seconds_elapsed = 0;
  std::optional<double> eta_seconds;  // from the rate so far; none before the first page
};

struct QueueStats {
  int ready = 0;    // claimable now
  int delayed = 0;  // waiting for a retry backoff
  int leased = 0;
  int done = 0;
  int dead = 0;
  int pending_at_stage[kStageCount] = {};  // ready + delayed + leased jobs per target stage
  [[nodiscard]] int depth() const { return ready + delayed + leased; }
};

class JobQueue {
 public:
  virtual ~JobQueue() = default;

  // Registers a batch with its pages and enqueues one job per page for
  // `first_stage` plus the batch's own jobs, in one transaction. Idempotent on `batch.key`: adding
  // the same key again returns the existing batch and adds nothing.
  virtual std::int64_t add_batch(const NewBatch& batch, Stage first_stage) = 0;
  // Adds one job (e.g. the batch's Understood job once all pages are recognised).
  // Idempotent on (subject, stage): returns the existing job's id.
  virtual std::int64_t enqueue(const JobSpec& job) = 0;

  // Takes the oldest claimable job (ready and due, or with an expired lease),
  // counting one attempt. `stages` empty = any stage.
  virtual std::optional<Job> claim(std::string_view owner, std::chrono::milliseconds lease,
                                   const std::vector<Stage>& stages = {}) = 0;
  // Extends a lease; false when it was lost.
  virtual bool heartbeat(const Job& job, std::chrono::milliseconds lease) = 0;
  virtual Completion complete(const Job& job, const CompletionEffects& effects = {}) = 0;
  // Records a failed attempt; returns Ready (retry later) or Dead.
  virtual JobState fail(const Job& job, std::string_view reason, Failure failure) = 0;
  // Gives a leased job back without counting the attempt (graceful shutdown:
  // the page is parked, not failed).
  virtual void park(const Job& job) = 0;

  // After a crash of the only node (embedded mode): every leased job goes back
  // to the queue, or to the dead letters when it has used all its attempts.
  // Returns how many leases were reclaimed.
  virtual int reclaim_all_leases() = 0;
  // An operator's "try again" on a dead letter: ready now, attempts reset.
  virtual bool retry_dead(std::int64_t job_id) = 0;

  virtual std::vector<DeadLetter> dead_letters() = 0;
  virtual std::optional<BatchInfo> batch(std::int64_t batch_id) = 0;
  virtual std::optional<BatchInfo> batch_by_key(std::string_view key) = 0;
  virtual std::vector<PageInfo> pages(std::int64_t batch_id) = 0;
  virtual std::vector<DossierInfo> dossiers(std::int64_t batch_id) = 0;
  virtual std::optional<BatchProgress> progress(std::int64_t batch_id) = 0;
  virtual QueueStats stats() = 0;
  // The storage's own consistency check ("ok" when sound).
  virtual std::string integrity_check() = 0;
};

// Opens the queue a URL names, so that configuration picks the backend:
//   sqlite:/var/lib/sohoa/queue.sqlite   one file, one machine (open_sqlite_queue)
//   postgresql://user@host:5432/sohoa    several nodes on one database (open_pg_queue;
//                                        postgres:// and libpq's key=value options work)
// Throws Error(InvalidArgument) for any other scheme.
std::unique_ptr<JobQueue> open_job_queue(std::string_view url, const RetryPolicy& retry = {});

}  // namespace sohoa::storage
