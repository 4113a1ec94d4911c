// The SQLite adapter of the job queue: the only file that sees sqlite3.h.
#include "sohoa/storage/sqlite_job_queue.hpp"

#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "sohoa/core/durable_file.hpp"
#include "sohoa/core/error.hpp"

namespace sohoa::storage {

namespace {

constexpr int kSchemaVersion = 1;
// The claim query's join gate spells the page kind as 1.
static_assert(static_cast<int>(SubjectKind::Page) == 1);

// Stages are stored as their ordinal (so "the farthest stage" is max()); job
// states as words, so the file can be read by hand with the sqlite3 tool.
constexpr const char* kSchema = R"sql(
CREATE TABLE batches(
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  origin TEXT NOT NULL,
  label TEXT NOT NULL,
  stage INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL);
CREATE TABLE pages(
  id INTEGER PRIMARY KEY,
  batch_id INTEGER NOT NULL REFERENCES batches(id),
  sequence INTEGER NOT NULL,
  source TEXT NOT NULL,
  source_index INTEGER NOT NULL,
  stage INTEGER NOT NULL DEFAULT 0,
  UNIQUE(batch_id, sequence));
CREATE INDEX pages_by_batch_stage ON pages(batch_id, stage);
CREATE TABLE dossiers(
  id INTEGER PRIMARY KEY,
  batch_id INTEGER NOT NULL REFERENCES batches(id),
  key TEXT NOT NULL UNIQUE,
  payload TEXT NOT NULL,
  stage INTEGER NOT NULL DEFAULT 0);
-- page_id is the key: the schema itself forbids a page in two dossiers.
CREATE TABLE dossier_pages(
  page_id INTEGER PRIMARY KEY REFERENCES pages(id),
  dossier_id INTEGER NOT NULL REFERENCES dossiers(id));
CREATE INDEX dossier_pages_by_dossier ON dossier_pages(dossier_id);
CREATE TABLE jobs(
  id INTEGER PRIMARY KEY,
  subject_kind INTEGER NOT NULL,
  subject_id INTEGER NOT NULL,
  batch_id INTEGER NOT NULL REFERENCES batches(id),
  stage INTEGER NOT NULL,
  payload TEXT NOT NULL,
  state TEXT NOT NULL CHECK(state IN ('ready', 'leased', 'done', 'dead')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  owner TEXT,
  lease_token INTEGER NOT NULL DEFAULT 0,
  lease_expires_at INTEGER,
  gate_stage INTEGER,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE(subject_kind, subject_id, stage));
CREATE INDEX jobs_claimable ON jobs(state, next_attempt_at, id);
CREATE INDEX jobs_by_batch ON jobs(batch_id, state);
CREATE TABLE dead_letters(
  job_id INTEGER PRIMARY KEY REFERENCES jobs(id),
  reason TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  failed_at INTEGER NOT NULL);
)sql";

// SQLite reports a write refused for a file-size limit (EFBIG) as a plain
// SQLITE_IOERR_WRITE without the errno, so after an I/O error we look for
// ourselves: a nearly full file system, or a database file at the process's
// RLIMIT_FSIZE.
bool storage_looks_full(const std::filesystem::path& database) {
  constexpr std::uint64_t kSlack = 1024 * 1024;
  struct statvfs space {};
  const auto folder = database.has_parent_path() ? database.parent_path() : ".";
  if (::statvfs(folder.c_str(), &space) == 0 &&
      static_cast<std::uint64_t>(space.f_bavail) * space.f_frsize < kSlack) {
    return true;
  }
  rlimit limit{};
  if (::getrlimit(RLIMIT_FSIZE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return false;
  for (const char* suffix : {"", "-wal", "-journal"}) {
    std::error_code error;
    const auto size = std::filesystem::file_size(database.string() + suffix, error);
    if (!error && size + kSlack >= limit.rlim_cur) return true;
  }
  return false;
}

std::int64_t to_millis(TimePoint time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

TimePoint from_millis(std::int64_t millis) {
  return TimePoint(std::chrono::duration_cast<Clock::duration>(std::chrono::milliseconds(millis)));
}

class SqliteJobQueue;

// One prepared statement; reset (not finalised) after each use so it is reused.
class Statement {
 public:
  Statement(sqlite3_stmt* statement, const SqliteJobQueue& queue)
      : statement_(statement), queue_(queue) {}
  ~Statement() {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, std::int64_t value) {
    sqlite3_bind_int64(statement_, index, value);
    return *this;
  }
  Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
  Statement& bind(int index, std::string_view value) {
    sqlite3_bind_text(statement_, index, value.data(), static_cast<int>(value.size()),
                      SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind_null(int index) {
    sqlite3_bind_null(statement_, index);
    return *this;
  }
  // Steps once: true while a row is available.
  bool step();
  void run() {
    while (step()) {
    }
  }
  [[nodiscard]] std::int64_t int64(int column) const {
    return sqlite3_column_int64(statement_, column);
  }
  [[nodiscard]] int integer(int column) const { return sqlite3_column_int(statement_, column); }
  [[nodiscard]] std::string text(int column) const {
    const auto* value = sqlite3_column_text(statement_, column);
    return value == nullptr
               ? std::string()
               : std::string(reinterpret_cast<const char*>(value),
                             static_cast<std::size_t>(sqlite3_column_bytes(statement_, column)));
  }
  [[nodiscard]] bool is_null(int column) const {
    return sqlite3_column_type(statement_, column) == SQLITE_NULL;
  }

 private:
  sqlite3_stmt* statement_;
  const SqliteJobQueue& queue_;
};

class SqliteJobQueue final : public JobQueue {
 public:
  explicit SqliteJobQueue(SqliteQueueOptions options) : options_(std::move(options)) {
    try {
      open();
    } catch (...) {
      close_database();  // no destructor runs for a constructor that throws
      throw;
    }
  }
  ~SqliteJobQueue() override { close_database(); }
  SqliteJobQueue(const SqliteJobQueue&) = delete;
  SqliteJobQueue& operator=(const SqliteJobQueue&) = delete;

  void close_database() noexcept {
    for (auto& [sql, statement] : statements_) sqlite3_finalize(statement);
    statements_.clear();
    sqlite3_close_v2(db_);
    db_ = nullptr;
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

  [[noreturn]] void raise(int result, std::string_view what) const;

 private:
  // BEGIN IMMEDIATE takes the write lock up front, so two writers never
  // deadlock upgrading a read transaction; the destructor rolls back unless
  // commit() succeeded.
  class Transaction {
   public:
    explicit Transaction(SqliteJobQueue& queue) : queue_(queue) { queue_.exec("BEGIN IMMEDIATE"); }
    ~Transaction() {
      if (!committed_) sqlite3_exec(queue_.db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit() {
      queue_.exec("COMMIT");
      committed_ = true;
    }

   private:
    SqliteJobQueue& queue_;
    bool committed_ = false;
  };

  void open();
  void exec(const char* sql);
  Statement prepare(const char* sql);
  [[nodiscard]] std::int64_t now_ms() const { return to_millis(options_.now()); }

  std::int64_t batch_of(SubjectKind kind, std::int64_t subject_id);
  std::int64_t insert_job(const JobSpec& spec, std::int64_t batch_id, std::int64_t now);
  void advance_subject(SubjectKind kind, std::int64_t subject_id, Stage stage);
  void add_dossier(std::int64_t batch_id, const NewDossier& dossier, std::int64_t now);
  void bury(std::int64_t job_id, std::string_view reason, int attempts, std::int64_t now);
  void expire_leases(std::int64_t now);
  std::optional<BatchInfo> read_batch(Statement& statement);

  SqliteQueueOptions options_;
  sqlite3* db_ = nullptr;
  std::map<std::string, sqlite3_stmt*> statements_;
  std::mutex mutex_;
};

bool Statement::step() {
  const int result = sqlite3_step(statement_);
  if (result == SQLITE_ROW) return true;
  if (result == SQLITE_DONE) return false;
  queue_.raise(result, sqlite3_sql(statement_));
}

void SqliteJobQueue::raise(int result, std::string_view what) const {
  const int primary = result & 0xff;
  const int system_errno = db_ != nullptr ? sqlite3_system_errno(db_) : 0;
  std::string message = std::string(what.substr(0, 60));
  message += ": ";
  message += db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(result);
  ErrorCode code = ErrorCode::OutputFailed;
  if (primary == SQLITE_FULL ||
      (primary == SQLITE_IOERR &&
       (is_storage_full_errno(system_errno) || storage_looks_full(options_.database)))) {
    code = ErrorCode::StorageFull;
    message = "the job database cannot grow: the disk or file-size limit is full (" + message +
              "); free space, then intake resumes";
  } else if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) {
    code = ErrorCode::CorruptInput;
  } else if (primary == SQLITE_CONSTRAINT || primary == SQLITE_MISUSE) {
    code = ErrorCode::Internal;
  }
  throw Error(code, message, {options_.database.string()});
}

void SqliteJobQueue::exec(const char* sql) {
  const int result = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (result != SQLITE_OK) raise(result, sql);
}

Statement SqliteJobQueue::prepare(const char* sql) {
  auto found = statements_.find(sql);
  if (found != statements_.end()) return {found->second, *this};
  sqlite3_stmt* statement = nullptr;
  const int result =
      sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &statement, nullptr);
  if (result != SQLITE_OK) raise(result, sql);
  statements_.emplace(sql, statement);
  return {statement, *this};
}

void SqliteJobQueue::open() {
  const int result =
      sqlite3_open_v2(options_.database.c_str(), &db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (result != SQLITE_OK) raise(result, "open");
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, static_cast<int>(options_.busy_timeout.count()));

  // WAL: readers (the progress API) never block the workers' writes, and a
  // commit is one sequential append.
  // synchronous=FULL, not NORMAL: in WAL mode NORMAL does not fsync at each
  // commit, so a power cut can roll back the last transactions. Here a commit
  // is a promise to counter staff (the page is accepted; the paper goes back to
  // the citizen) and the fencing of a finished stage whose output file is
  // already renamed into place; both must survive power loss. The cost is one
  // WAL fsync per transaction, small next to the seconds a page takes to OCR.
  {
    Statement mode = prepare("PRAGMA journal_mode=WAL");
    if (!mode.step() || mode.text(0) != "wal") {
      throw Error(ErrorCode::OutputFailed, "the file system does not support SQLite's WAL mode",
                  {options_.database.string()});
    }
  }
  exec("PRAGMA synchronous=FULL");
  exec("PRAGMA foreign_keys=ON");

  int version = 0;
  {
    Statement statement = prepare("PRAGMA user_version");
    if (statement.step()) version = statement.integer(0);
  }
  if (version > kSchemaVersion) {
    throw Error(
        ErrorCode::UnsupportedFormat,
        "the job database was written by a newer sohoa (schema " + std::to_string(version) + ")",
        {options_.database.string()});
  }
  if (version == 0) {
    Transaction transaction(*this);
    exec(kSchema);
    exec(("PRAGMA user_version=" + std::to_string(kSchemaVersion)).c_str());
    transaction.commit();
  }
}

std::int64_t SqliteJobQueue::add_batch(const NewBatch& batch, Stage first_stage) {
  std::lock_guard lock(mutex_);
  const auto now = now_ms();
  Transaction transaction(*this);
  {
    Statement existing = prepare("SELECT id FROM batches WHERE key = ?");
    existing.bind(1, batch.key);
    if (existing.step()) return existing.int64(0);  // already registered: add nothing
  }
  std::int64_t batch_id = 0;
  {
    Statement insert = prepare(
        "INSERT INTO batches(key, origin, label, stage, created_at) VALUES(?, ?, ?, ?, ?) "
        "RETURNING id");
    insert.bind(1, batch.key).bind(2, batch.origin).bind(3, batch.label);
    insert.bind(4, static_cast<int>(Stage::Received)).bind(5, now);
    if (!insert.step()) raise(SQLITE_INTERNAL, "insert batch");
    batch_id = insert.int64(0);
  }
  for (std::size_t sequence = 0; sequence < batch.pages.size(); ++sequence) {
    const auto& page = batch.pages[sequence];
    std::int64_t page_id = 0;
    {
      Statement insert = prepare(
          "INSERT INTO pages(batch_id, sequence, source, source_index, stage) "
          "VALUES(?, ?, ?, ?, ?) RETURNING id");
      insert.bind(1, batch_id).bind(2, static_cast<std::int64_t>(sequence)).bind(3, page.source);
      insert.bind(4, page.source_index).bind(5, static_cast<int>(Stage::Received));
      if (!insert.step()) raise(SQLITE_INTERNAL, "insert page");
      page_id = insert.int64(0);
    }
    insert_job({SubjectKind::Page, page_id, first_stage, {}, {}}, batch_id, now);
  }
  for (auto job : batch.batch_jobs) {
    job.subject = SubjectKind::Batch;
    job.subject_id = batch_id;
    insert_job(job, batch_id, now);
  }
  transaction.commit();
  return batch_id;
}

std::int64_t SqliteJobQueue::batch_of(SubjectKind kind, std::int64_t subject_id) {
  if (kind == SubjectKind::Batch) return subject_id;
  Statement statement =
      prepare(kind == SubjectKind::Page ? "SELECT batch_id FROM pages WHERE id = ?"
                                        : "SELECT batch_id FROM dossiers WHERE id = ?");
  statement.bind(1, subject_id);
  if (!statement.step()) {
    throw Error(ErrorCode::InvalidArgument,
                "no " + std::string(to_string(kind)) + " " + std::to_string(subject_id) +
                    " in the job database",
                {options_.database.string()});
  }
  return statement.int64(0);
}

std::int64_t SqliteJobQueue::insert_job(const JobSpec& spec, std::int64_t batch_id,
                                        std::int64_t now) {
  {
    Statement insert = prepare(
        "INSERT INTO jobs(subject_kind, subject_id, batch_id, stage, payload, state, "
        "next_attempt_at, created_at, updated_at, gate_stage) "
        "VALUES(?, ?, ?, ?, ?, 'ready', ?, ?, ?, ?) "
        "ON CONFLICT(subject_kind, subject_id, stage) DO NOTHING");
    insert.bind(1, static_cast<int>(spec.subject)).bind(2, spec.subject_id).bind(3, batch_id);
    insert.bind(4, static_cast<int>(spec.stage)).bind(5, spec.payload);
    insert.bind(6, now).bind(7, now).bind(8, now);
    if (spec.after_pages_reach) {
      insert.bind(9, static_cast<int>(*spec.after_pages_reach));
    } else {
      insert.bind_null(9);
    }
    insert.run();
  }
  Statement existing =
      prepare("SELECT id FROM jobs WHERE subject_kind = ? AND subject_id = ? AND stage = ?");
  existing.bind(1, static_cast<int>(spec.subject)).bind(2, spec.subject_id);
  existing.bind(3, static_cast<int>(spec.stage));
  if (!existing.step()) raise(SQLITE_INTERNAL, "insert job");
  return existing.int64(0);
}

std::int64_t SqliteJobQueue::enqueue(const JobSpec& job) {
  std::lock_guard lock(mutex_);
  Transaction transaction(*this);
  const auto id = insert_job(job, batch_of(job.subject, job.subject_id), now_ms());
  transaction.commit();
  return id;
}

void SqliteJobQueue::bury(std::int64_t job_id, std::string_view reason, int attempts,
                          std::int64_t now) {
  {
    Statement update = prepare(
        "UPDATE jobs SET state = 'dead', owner = NULL, lease_expires_at = NULL, last_error = ?, "
        "updated_at = ? WHERE id = ?");
    update.bind(1, reason).bind(2, now).bind(3, job_id).run();
  }
  Statement insert = prepare(
      "INSERT INTO dead_letters(job_id, reason, attempts, failed_at) VALUES(?, ?, ?, ?) "
      "ON CONFLICT(job_id) DO UPDATE SET reason = excluded.reason, attempts = excluded.attempts, "
      "failed_at = excluded.failed_at");
  insert.bind(1, job_id).bind(2, reason).bind(3, attempts).bind(4, now).run();
}

void SqliteJobQueue::expire_leases(std::int64_t now) {
  std::vector<std::pair<std::int64_t, int>> expired;
  {
    Statement select =
        prepare("SELECT id, attempts FROM jobs WHERE state = 'leased' AND lease_expires_at <= ?");
    select.bind(1, now);
    while (select.step()) expired.emplace_back(select.int64(0), select.integer(1));
  }
  for (const auto& [id, attempts] : expired) {
    if (attempts >= options_.retry.max_attempts) {
      bury(id,
           "the worker stopped answering (crash, hang or power cut) during each of " +
               std::to_string(attempts) + " attempts",
           attempts, now);
      continue;
    }
    Statement update = prepare(
        "UPDATE jobs SET state = 'ready', owner = NULL, lease_expires_at = NULL, "
        "next_attempt_at = ?, last_error = 'lease expired', updated_at = ? WHERE id = ?");
    update.bind(1, now).bind(2, now).bind(3, id).run();
  }
}

std::optional<Job> SqliteJobQueue::claim(std::string_view owner, std::chrono::milliseconds lease,
                                         const std::vector<Stage>& stages) {
  std::lock_guard lock(mutex_);
  const auto now = now_ms();
  int stage_mask = 0;
  for (auto stage : stages) stage_mask |= 1 << static_cast<int>(stage);
  if (stage_mask == 0) stage_mask = (1 << kStageCount) - 1;

  Transaction transaction(*this);
  expire_leases(now);
  std::optional<Job> job;
  {
    Statement select = prepare(
        "SELECT id, subject_kind, subject_id, batch_id, stage, payload, attempts, lease_token "
        "FROM jobs WHERE state = 'ready' AND next_attempt_at <= ? AND ((? >> stage) & 1) = 1 "
        "AND (gate_stage IS NULL OR NOT EXISTS ("
        "  SELECT 1 FROM pages p WHERE p.batch_id = jobs.batch_id AND p.stage < jobs.gate_stage "
        "  AND NOT EXISTS (SELECT 1 FROM jobs d WHERE d.subject_kind = 1 "
        "                  AND d.subject_id = p.id AND d.state = 'dead'))) "
        "ORDER BY next_attempt_at, id LIMIT 1");
    select.bind(1, now).bind(2, stage_mask);
    if (select.step()) {
      job.emplace();
      job->id = select.int64(0);
      job->subject = static_cast<SubjectKind>(select.integer(1));
      job->subject_id = select.int64(2);
      job->batch_id = select.int64(3);
      job->stage = static_cast<Stage>(select.integer(4));
      job->payload = select.text(5);
      job->attempts = select.integer(6) + 1;
      job->lease_token = select.int64(7) + 1;
      job->owner = std::string(owner);
      job->lease_expires_at = from_millis(now + lease.count());
    }
  }
  if (!job) {
    transaction.commit();  // the expired leases above
    return std::nullopt;
  }
  Statement update = prepare(
      "UPDATE jobs SET state = 'leased', owner = ?, attempts = ?, lease_token = ?, "
      "lease_expires_at = ?, updated_at = ? WHERE id = ?");
  update.bind(1, owner).bind(2, job->attempts).bind(3, job->lease_token);
  update.bind(4, now + lease.count()).bind(5, now).bind(6, job->id).run();
  transaction.commit();
  return job;
}

bool SqliteJobQueue::heartbeat(const Job& job, std::chrono::milliseconds lease) {
  std::lock_guard lock(mutex_);
  const auto now = now_ms();
  Transaction transaction(*this);
  Statement update = prepare(
      "UPDATE jobs SET lease_expires_at = ?, updated_at = ? "
      "WHERE id = ? AND state = 'leased' AND lease_token = ?");
  update.bind(1, now + lease.count()).bind(2, now).bind(3, job.id).bind(4, job.lease_token).run();
  const bool kept = sqlite3_changes(db_) == 1;
  transaction.commit();
  return kept;
}

void SqliteJobQueue::advance_subject(SubjectKind kind, std::int64_t subject_id, Stage stage) {
  const int value = static_cast<int>(stage);
  switch (kind) {
    case SubjectKind::Page: {
      Statement update = prepare("UPDATE pages SET stage = max(stage, ?) WHERE id = ?");
      update.bind(1, value).bind(2, subject_id).run();
      return;
    }
    case SubjectKind::Batch: {
      Statement update = prepare("UPDATE batches SET stage = max(stage, ?) WHERE id = ?");
      update.bind(1, value).bind(2, subject_id).run();
      Statement pages = prepare("UPDATE pages SET stage = max(stage, ?) WHERE batch_id = ?");
      pages.bind(1, value).bind(2, subject_id).run();
      return;
    }
    case SubjectKind::Dossier: {
      Statement update = prepare("UPDATE dossiers SET stage = max(stage, ?) WHERE id = ?");
      update.bind(1, value).bind(2, subject_id).run();
      // A page is as far as the dossier it is filed in.
      Statement pages = prepare(
          "UPDATE pages SET stage = max(stage, ?) "
          "WHERE id IN (SELECT page_id FROM dossier_pages WHERE dossier_id = ?)");
      pages.bind(1, value).bind(2, subject_id).run();
      return;
    }
  }
}

void SqliteJobQueue::add_dossier(std::int64_t batch_id, const NewDossier& dossier,
                                 std::int64_t now) {
  {
    Statement insert = prepare(
        "INSERT INTO dossiers(batch_id, key, payload, stage) VALUES(?, ?, ?, ?) "
        "ON CONFLICT(key) DO NOTHING");
    insert.bind(1, batch_id).bind(2, dossier.key).bind(3, dossier.payload);
    insert.bind(4, static_cast<int>(Stage::Understood)).run();
  }
  std::int64_t dossier_id = 0;
  {
    Statement select = prepare("SELECT id FROM dossiers WHERE key = ?");
    select.bind(1, dossier.key);
    if (!select.step()) raise(SQLITE_INTERNAL, "insert dossier");
    dossier_id = select.int64(0);
  }
  for (auto page_id : dossier.page_ids) {
    {
      Statement insert = prepare(
          "INSERT INTO dossier_pages(page_id, dossier_id) VALUES(?, ?) "
          "ON CONFLICT(page_id) DO NOTHING");
      insert.bind(1, page_id).bind(2, dossier_id).run();
    }
    Statement owner = prepare("SELECT dossier_id FROM dossier_pages WHERE page_id = ?");
    owner.bind(1, page_id);
    if (!owner.step() || owner.int64(0) != dossier_id) {
      // Rolled back with the whole completion: no page is ever filed twice.
      throw Error(ErrorCode::Internal,
                  "page " + std::to_string(page_id) + " is already in another dossier",
                  {options_.database.string()});
    }
  }
  insert_job({SubjectKind::Dossier, dossier_id, dossier.first_job_stage, dossier.payload, {}},
             batch_id, now);
}

Completion SqliteJobQueue::complete(const Job& job, const CompletionEffects& effects) {
  std::lock_guard lock(mutex_);
  const auto now = now_ms();
  Transaction transaction(*this);
  {
    Statement select = prepare("SELECT state, lease_token FROM jobs WHERE id = ?");
    select.bind(1, job.id);
    if (!select.step()) {
      throw Error(ErrorCode::InvalidArgument, "no job " + std::to_string(job.id),
                  {options_.database.string()});
    }
    const std::string state = select.text(0);
    if (state == "done") return Completion::AlreadyDone;
    if (state != "leased" || select.int64(1) != job.lease_token) return Completion::LeaseLost;
  }
  {
    Statement update = prepare(
        "UPDATE jobs SET state = 'done', owner = NULL, lease_expires_at = NULL, "
        "last_error = NULL, updated_at = ? WHERE id = ?");
    update.bind(1, now).bind(2, job.id).run();
  }
  advance_subject(job.subject, job.subject_id, job.stage);
  for (const auto& dossier : effects.dossiers) add_dossier(job.batch_id, dossier, now);
  for (const auto& next : effects.next_jobs) {
    insert_job(next, batch_of(next.subject, next.subject_id), now);
  }
  transaction.commit();
  return Completion::Completed;
}

JobState SqliteJobQueue::fail(const Job& job, std::string_view reason, Failure failure) {
  std::lock_guard lock(mutex_);
  const auto now = now_ms();
  Transaction transaction(*this);
  int attempts = 0;
  {
    Statement select = prepare("SELECT state, lease_token, attempts FROM jobs WHERE id = ?");
    select.bind(1, job.id);
    if (!select.step()) {
      throw Error(ErrorCode::InvalidArgument, "no job " + std::to_string(job.id),
                  {options_.database.string()});
    }
    const std::string state = select.text(0);
    if (state != "leased" || select.int64(1) != job.lease_token) {
      // Not ours any more: report what it is, change nothing.
      if (state == "done") return JobState::Done;
      if (state == "dead") return JobState::Dead;
      return state == "leased" ? JobState::Leased : JobState::Ready;
    }
    attempts = select.integer(2);
  }
  JobState result = JobState::Ready;
  if (failure == Failure::Permanent || attempts >= options_.retry.max_attempts) {
    bury(job.id, reason, attempts, now);
    result = JobState::Dead;
  } else {
    Statement update = prepare(
        "UPDATE jobs SET state = 'ready', owner = NULL, lease_expires_at = NULL, "
        "next_attempt_at = ?, last_error = ?, updated_at = ? WHERE id = ?");
    update.bind(1, now + options_.retry.delay_after(attempts).count()).bind(2, reason);
    update.bind(3, now).bind(4, job.id).run();
  }
  transaction.commit();
  return result;
}

void SqliteJobQueue::park(const Job& job) {
  std::lock_guard lock(mutex_);
  const auto now = now_ms();
  Transaction transaction(*this);
  Statement update = prepare(
      "UPDATE jobs SET state = 'ready', owner = NULL, lease_expires_at = NULL, "
      "attempts = max(attempts - 1, 0), next_attempt_at = ?, updated_at = ? "
      "WHERE id = ? AND state = 'leased' AND lease_token = ?");
  update.bind(1, now).bind(2, now).bind(3, job.id).bind(4, job.lease_token).run();
  transaction.commit();
}

int SqliteJobQueue::reclaim_all_leases() {
  std::lock_guard lock(mutex_);
  const auto now = now_ms();
  Transaction transaction(*this);
  int reclaimed = 0;
  {
    Statement select = prepare("SELECT count(*) FROM jobs WHERE state = 'leased'");
    if (select.step()) reclaimed = select.integer(0);
  }
  // Expire them all now: the same rule as a lease that ran out.
  {
    Statement update = prepare(
        "UPDATE jobs SET lease_expires_at = ? WHERE state = 'leased' AND lease_expires_at > ?");
    update.bind(1, now).bind(2, now).run();
  }
  expire_leases(now);
  transaction.commit();
  return reclaimed;
}

bool SqliteJobQueue::retry_dead(std::int64_t job_id) {
  std::lock_guard lock(mutex_);
  const auto now = now_ms();
  Transaction transaction(*this);
  {
    Statement update = prepare(
        "UPDATE jobs SET state = 'ready', attempts = 0, next_attempt_at = ?, updated_at = ? "
        "WHERE id = ? AND state = 'dead'");
    update.bind(1, now).bind(2, now).bind(3, job_id).run();
  }
  const bool revived = sqlite3_changes(db_) == 1;
  if (revived) {
    Statement remove = prepare("DELETE FROM dead_letters WHERE job_id = ?");
    remove.bind(1, job_id).run();
  }
  transaction.commit();
  return revived;
}

std::vector<DeadLetter> SqliteJobQueue::dead_letters() {
  std::lock_guard lock(mutex_);
  std::vector<DeadLetter> letters;
  Statement select = prepare(
      "SELECT d.job_id, j.subject_kind, j.subject_id, j.batch_id, j.stage, d.attempts, d.reason, "
      "d.failed_at FROM dead_letters d JOIN jobs j ON j.id = d.job_id ORDER BY d.failed_at, "
      "d.job_id");
  while (select.step()) {
    DeadLetter letter;
    letter.job_id = select.int64(0);
    letter.subject = static_cast<SubjectKind>(select.integer(1));
    letter.subject_id = select.int64(2);
    letter.batch_id = select.int64(3);
    letter.stage = static_cast<Stage>(select.integer(4));
    letter.attempts = select.integer(5);
    letter.reason = select.text(6);
    letter.failed_at = from_millis(select.int64(7));
    letters.push_back(std::move(letter));
  }
  return letters;
}

std::optional<BatchInfo> SqliteJobQueue::read_batch(Statement& statement) {
  if (!statement.step()) return std::nullopt;
  BatchInfo info;
  info.id = statement.int64(0);
  info.key = statement.text(1);
  info.origin = statement.text(2);
  info.label = statement.text(3);
  info.stage = static_cast<Stage>(statement.integer(4));
  info.created_at = from_millis(statement.int64(5));
  return info;
}

std::optional<BatchInfo> SqliteJobQueue::batch(std::int64_t batch_id) {
  std::lock_guard lock(mutex_);
  Statement select =
      prepare("SELECT id, key, origin, label, stage, created_at FROM batches WHERE id = ?");
  select.bind(1, batch_id);
  return read_batch(select);
}

std::optional<BatchInfo> SqliteJobQueue::batch_by_key(std::string_view key) {
  std::lock_guard lock(mutex_);
  Statement select =
      prepare("SELECT id, key, origin, label, stage, created_at FROM batches WHERE key = ?");
  select.bind(1, key);
  return read_batch(select);
}

std::vector<PageInfo> SqliteJobQueue::pages(std::int64_t batch_id) {
  std::lock_guard lock(mutex_);
  std::vector<PageInfo> result;
  Statement select = prepare(
      "SELECT p.id, p.batch_id, p.sequence, p.source, p.source_index, p.stage, d.dossier_id "
      "FROM pages p LEFT JOIN dossier_pages d ON d.page_id = p.id WHERE p.batch_id = ? "
      "ORDER BY p.sequence");
  select.bind(1, batch_id);
  while (select.step()) {
    PageInfo page;
    page.id = select.int64(0);
    page.batch_id = select.int64(1);
    page.sequence = select.integer(2);
    page.source = select.text(3);
    page.source_index = select.integer(4);
    page.stage = static_cast<Stage>(select.integer(5));
    if (!select.is_null(6)) page.dossier_id = select.int64(6);
    result.push_back(std::move(page));
  }
  return result;
}

std::vector<DossierInfo> SqliteJobQueue::dossiers(std::int64_t batch_id) {
  std::lock_guard lock(mutex_);
  std::vector<DossierInfo> result;
  {
    Statement select =
        prepare("SELECT id, batch_id, key, stage FROM dossiers WHERE batch_id = ? ORDER BY id");
    select.bind(1, batch_id);
    while (select.step()) {
      DossierInfo dossier;
      dossier.id = select.int64(0);
      dossier.batch_id = select.int64(1);
      dossier.key = select.text(2);
      dossier.stage = static_cast<Stage>(select.integer(3));
      result.push_back(std::move(dossier));
    }
  }
  for (auto& dossier : result) {
    Statement pages = prepare(
        "SELECT d.page_id FROM dossier_pages d JOIN pages p ON p.id = d.page_id "
        "WHERE d.dossier_id = ? ORDER BY p.sequence");
    pages.bind(1, dossier.id);
    while (pages.step()) dossier.page_ids.push_back(pages.int64(0));
  }
  return result;
}

std::optional<BatchProgress> SqliteJobQueue::progress(std::int64_t batch_id) {
  std::lock_guard lock(mutex_);
  const auto now = now_ms();
  BatchProgress progress;
  progress.batch_id = batch_id;
  {
    Statement select = prepare("SELECT created_at FROM batches WHERE id = ?");
    select.bind(1, batch_id);
    if (!select.step()) return std::nullopt;
    progress.seconds_elapsed =
        static_cast<double>(std::max<std::int64_t>(0, now - select.int64(0))) / 1000.0;
  }
  {
    Statement select =
        prepare("SELECT stage, count(*) FROM pages WHERE batch_id = ? GROUP BY stage");
    select.bind(1, batch_id);
    while (select.step()) {
      const int stage = std::clamp(select.integer(0), 0, kStageCount - 1);
      progress.pages_at_stage[stage] += select.integer(1);
      progress.pages_total += select.integer(1);
    }
  }
  progress.pages_filed = progress.pages_at_stage[static_cast<int>(Stage::Filed)];
  {
    Statement select = prepare(
        "SELECT sum(state IN ('ready', 'leased')), sum(state = 'dead') FROM jobs "
        "WHERE batch_id = ?");
    select.bind(1, batch_id);
    if (select.step()) {
      progress.jobs_pending = select.integer(0);
      progress.jobs_dead = select.integer(1);
    }
  }
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

QueueStats SqliteJobQueue::stats() {
  std::lock_guard lock(mutex_);
  const auto now = now_ms();
  QueueStats stats;
  Statement select = prepare(
      "SELECT state, stage, state = 'ready' AND next_attempt_at > ?, count(*) FROM jobs "
      "GROUP BY 1, 2, 3");
  select.bind(1, now);
  while (select.step()) {
    const std::string state = select.text(0);
    const int stage = std::clamp(select.integer(1), 0, kStageCount - 1);
    const bool delayed = select.integer(2) != 0;
    const int count = select.integer(3);
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

std::string SqliteJobQueue::integrity_check() {
  std::lock_guard lock(mutex_);
  std::string result;
  Statement select = prepare("PRAGMA integrity_check");
  while (select.step()) {
    if (!result.empty()) result += "\n";
    result += select.text(0);
  }
  return result;
}

}  // namespace

std::string_view to_string(Stage stage) {
  switch (stage) {
    case Stage::Received:
      return "received";
    case Stage::Cleaned:
      return "cleaned";
    case Stage::Recognised:
      return "recognised";
    case Stage::Understood:
      return "understood";
    case Stage::Bundled:
      return "bundled";
    case Stage::Filed:
      return "filed";
  }
  return "unknown";
}

std::optional<Stage> stage_from_string(std::string_view name) {
  for (int i = 0; i < kStageCount; ++i) {
    if (to_string(static_cast<Stage>(i)) == name) return static_cast<Stage>(i);
  }
  return std::nullopt;
}

std::string_view to_string(SubjectKind kind) {
  switch (kind) {
    case SubjectKind::Batch:
      return "batch";
    case SubjectKind::Page:
      return "page";
    case SubjectKind::Dossier:
      return "dossier";
  }
  return "unknown";
}

std::string_view to_string(JobState state) {
  switch (state) {
    case JobState::Ready:
      return "ready";
    case JobState::Leased:
      return "leased";
    case JobState::Done:
      return "done";
    case JobState::Dead:
      return "dead";
  }
  return "unknown";
}

std::chrono::milliseconds RetryPolicy::delay_after(int attempts) const {
  if (attempts <= 0) return std::chrono::milliseconds(0);
  // first_delay * 2^(attempts-1), capped; computed in double to avoid overflow.
  const double delay =
      static_cast<double>(first_delay.count()) * std::pow(2.0, static_cast<double>(attempts - 1));
  return std::chrono::milliseconds(
      static_cast<std::int64_t>(std::min(delay, static_cast<double>(max_delay.count()))));
}

std::unique_ptr<JobQueue> open_sqlite_queue(SqliteQueueOptions options) {
  return std::make_unique<SqliteJobQueue>(std::move(options));
}

}  // namespace sohoa::storage
