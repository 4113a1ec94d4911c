#include "sohoa/service/service.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <span>
#include <thread>

#include "http_api.hpp"
#include "service_metrics.hpp"
#include "sohoa/core/durable_file.hpp"
#include "sohoa/core/error.hpp"
#include "sohoa/core/identifiers.hpp"
#include "sohoa/imaging/decode.hpp"
#include "sohoa/imaging/encode.hpp"
#include "sohoa/pdf/scan_reader.hpp"
#include "sohoa/pipeline/batch_job.hpp"
#include "sohoa/scanners/hot_folder.hpp"
#include "sohoa/scanners/intake_spool.hpp"
#include "sohoa/scanners/scanner.hpp"
#include "sohoa/service/json_log.hpp"
#include "sohoa/storage/open_registry.hpp"
#include "sohoa/storage/sqlite_job_queue.hpp"

namespace sohoa::service {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using storage::Stage;
using SteadyClock = std::chrono::steady_clock;

constexpr auto kLease = std::chrono::seconds(120);
constexpr auto kHeartbeat = std::chrono::seconds(20);
constexpr auto kIdleWait = std::chrono::milliseconds(250);
// The files a batch's pipeline run leaves beside its dossier PDFs.
constexpr std::array<const char*, 4> kBatchFiles = {"results.json", "review.json", "review.txt",
                                                    "problems.json"};

ApiReply json_reply(int status, const json& body) {
  return {status, body.dump(), "application/json", {}};
}

ApiReply error_reply(int status, const std::string& message, json extra = json::object()) {
  extra["error"] = message;
  return json_reply(status, extra);
}

std::string page_key(const std::string& file_name, int index) {
  return file_name + "#" + std::to_string(index);
}

// Pages in a good intake file; a file we cannot count counts as one page and
// its real problem is reported when the pipeline reads it.
int count_file_pages(const scanners::IntakeFile& file) {
  try {
    if (file.kind == scanners::IntakeFileKind::Pdf) {
      return std::max(1, pdf::ScanPdf::open(file.path.string()).page_count());
    }
    return std::max(1, imaging::count_pages(file.path.string()));
  } catch (const std::exception&) {
    return 1;
  }
}

// Pages in an upload's file, from its bytes (before anything is written).
int count_upload_pages(const UploadedFile& file) {
  const std::span<const std::uint8_t> bytes(
      reinterpret_cast<const std::uint8_t*>(file.bytes.data()), file.bytes.size());
  try {
    if (file.bytes.starts_with("%PDF-")) {
      return std::max(1, pdf::ScanPdf::open(bytes, file.name).page_count());
    }
    return std::max(1, imaging::count_pages(bytes, file.name));
  } catch (const std::exception&) {
    return 1;
  }
}

// How long a client told "busy" should wait before trying again.
constexpr int kRetryAfterSeconds = 5;

ApiReply busy_reply(const std::string& message) {
  ApiReply reply = error_reply(429, message, {{"retry_after_seconds", kRetryAfterSeconds}});
  reply.headers.emplace_back("Retry-After", std::to_string(kRetryAfterSeconds));
  return reply;
}

}  // namespace

class Service::Impl {
 public:
  explicit Impl(ServiceConfig config) : config_(std::move(config)) {
    const fs::path& data = config_.data_dir;
    fs::create_directories(data);
    fs::create_directories(work_dir());
    fs::create_directories(filed_dir());
    storage::RetryPolicy retry;
    retry.max_attempts = config_.max_attempts;
    retry.first_delay = std::chrono::milliseconds(config_.retry_first_delay_ms);
    // SQLite in the data folder, or the PostgreSQL database several nodes share.
    queue_ = storage::open_job_queue(queue_url(config_), retry);
    spool_ = std::make_unique<scanners::IntakeSpool>(data / "spool");
    if (config_.hot_folders.empty()) config_.hot_folders.push_back({data / "inbox"});
    for (const auto& folder : config_.hot_folders) {
      fs::create_directories(folder.path);
      scanners::HotFolderOptions options_for_folder;
      options_for_folder.inbox = folder.path;
      options_for_folder.settle_time = std::chrono::milliseconds(folder.settle_ms);
      options_for_folder.folder_quiet_time = std::chrono::milliseconds(folder.folder_quiet_ms);
      options_for_folder.use_inotify = folder.use_inotify;
      options_for_folder.may_claim = [this] { return !intake_refusal(); };
      hot_folders_.push_back(std::make_unique<scanners::HotFolder>(options_for_folder, *spool_));
    }
    recover();
  }

  // ---- start-up -------------------------------------------------------------

  void recover() {
    // With a shared database the other nodes' leases are alive: a dead node's
    // simply expire. Only a lone node takes every lease back at start-up.
    const int reclaimed = config_.database.empty() ? queue_->reclaim_all_leases() : 0;
    std::set<std::string> ready_keys;
    for (const auto& batch : spool_->ready_batches()) {
      ready_keys.insert(batch.id);
      register_batch(batch);
    }
    // Work folders of batches that are filed (or were never registered) are
    // leftovers of a crash between filing and clean-up.
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(work_dir(), ec)) {
      if (ready_keys.count(entry.path().filename().string()) == 0) fs::remove_all(entry.path(), ec);
    }
    for (const auto& key : ready_keys) {
      if (const auto batch = queue_->batch_by_key(key)) finish_batch_if_filed(batch->id);
    }
    log_event(LogLevel::Info, "recovered",
              {{"data_dir", config_.data_dir.string()},
               {"leases_reclaimed", reclaimed},
               {"batches_in_spool", static_cast<int>(ready_keys.size())},
               {"open_scanner_batches", static_cast<int>(spool_->open_batches().size())}});
  }

  // ---- intake ---------------------------------------------------------------

  // Registers a complete spool batch in the queue (idempotent on its id) and
  // acknowledges its pages: from here on they are the queue's responsibility.
  void register_batch(const scanners::IntakeBatch& batch) {
    storage::NewBatch spec;
    spec.key = batch.id;
    spec.origin = batch.origin;
    spec.label = batch.id;
    int pages = 0;
    for (const auto& file : batch.files) {
      if (file.problem) {
        metrics_.add_failure(std::string(to_string(file.problem->code())));
        log_event(LogLevel::Warning, "file refused",
                  {{"batch", batch.id}, {"file", file.name}, {"error", file.problem->what()}});
        continue;
      }
      const int count = count_file_pages(file);
      for (int index = 0; index < count; ++index) spec.pages.push_back({file.name, index});
      pages += count;
    }
    storage::JobSpec process;
    process.subject = storage::SubjectKind::Batch;
    process.stage = Stage::Understood;
    process.after_pages_reach = Stage::Received;
    spec.batch_jobs.push_back(process);
    queue_->add_batch(spec, Stage::Received);
    {
      const std::lock_guard lock(pending_mutex_);
      pending_by_batch_[batch.id] = pages;
    }
    acknowledge_received_pages();
    log_event(LogLevel::Info, "batch accepted",
              {{"batch", batch.id},
               {"origin", batch.origin},
               {"pages", pages},
               {"files", static_cast<int>(batch.files.size())},
               {"bad_files", static_cast<int>(batch.files.size() - batch.good_files())}});
    wake_workers();
  }

  // A page's "received" job only records that the page is in the queue.
  void acknowledge_received_pages() {
    const std::string owner = "intake-" + std::to_string(::getpid());
    while (auto job = queue_->claim(owner, kLease, {Stage::Received})) queue_->complete(*job);
  }

  // Pages accepted and not yet filed: what back-pressure counts (a 60-page
  // TIFF weighs 60, not 1).
  int pending_pages() {
    const std::lock_guard lock(pending_mutex_);
    int pages = 0;
    for (const auto& [key, count] : pending_by_batch_) pages += count;
    return pages;
  }

  // Whether the doors may accept now; otherwise why not (HTTP status + reason).
  std::optional<std::pair<int, std::string>> intake_refusal() {
    if (stopping_) return std::pair{503, std::string("the service is shutting down")};
    if (storage_full_ && !storage_has_room()) {
      return std::pair{507, "the data disk is full (" + config_.data_dir.string() +
                                "): intake stopped until space returns"};
    }
    if (const int pending = pending_pages(); pending >= config_.max_pending_pages) {
      return std::pair{429, busy_message(pending)};
    }
    return std::nullopt;
  }

  [[nodiscard]] std::string busy_message(int pending) const {
    return "busy: " + std::to_string(pending) + " pages are waiting (limit " +
           std::to_string(config_.max_pending_pages) + "); retry after " +
           std::to_string(kRetryAfterSeconds) + " s";
  }

  static ApiReply refusal_reply(const std::pair<int, std::string>& refusal) {
    if (refusal.first == 429) return busy_reply(refusal.second);
    return error_reply(refusal.first, refusal.second);
  }

  // After a StorageFull, the doors reopen when a probe write succeeds again.
  bool storage_has_room() {
    const fs::path probe = config_.data_dir / ".space-probe";
    try {
      write_file_durably(probe, std::string(64 * 1024, '\0'));
      std::error_code ec;
      fs::remove(probe, ec);
      if (storage_full_.exchange(false)) log_event(LogLevel::Info, "storage available again");
      return true;
    } catch (const Error&) {
      return false;
    }
  }

  void note_storage_full(const Error& error) {
    if (!storage_full_.exchange(true)) {
      log_event(LogLevel::Error, "storage full: intake stopped", {{"error", error.what()}});
    }
    metrics_.add_failure("StorageFull");
  }

  ApiReply upload_batch(std::string_view label, const std::vector<UploadedFile>& files) {
    if (files.empty()) {
      metrics_.add_upload(false);
      return error_reply(400, "no files in the upload");
    }
    if (auto refusal = intake_refusal()) {
      metrics_.add_upload(false);
      return refusal_reply(*refusal);
    }
    // An upload that would take the waiting pages over the limit waits too,
    // unless nothing is waiting (a stack bigger than the limit must get in).
    if (const int pending = pending_pages(); pending > 0) {
      int pages = 0;
      for (const auto& file : files) pages += count_upload_pages(file);
      if (pending + pages > config_.max_pending_pages) {
        metrics_.add_upload(false);
        return busy_reply(busy_message(pending) + ", and this upload has " + std::to_string(pages) +
                          " pages");
      }
    }
    std::optional<scanners::IntakeBatch> batch;
    try {
      auto writer = spool_->begin_batch("upload", label.empty() ? "upload" : label);
      for (const auto& file : files) {
        try {
          writer.add_file(file.name, {reinterpret_cast<const std::uint8_t*>(file.bytes.data()),
                                      file.bytes.size()});
        } catch (const Error& error) {
          if (error.code() != ErrorCode::InvalidArgument) throw;
          metrics_.add_upload(false);
          return error_reply(400, error.what(), {{"file", file.name}});
        }
      }
      batch = writer.commit();
    } catch (const Error& error) {
      metrics_.add_upload(false);
      if (error.code() == ErrorCode::StorageFull) {
        note_storage_full(error);
        return error_reply(
            507, std::string("the data disk is full, nothing was accepted: ") + error.what());
      }
      log_event(LogLevel::Error, "upload failed", {{"error", error.what()}});
      return error_reply(500, error.what());
    }
    json file_list = json::array();
    for (const auto& file : batch->files) {
      json item = {{"name", file.name}, {"size", file.size}, {"kind", to_string(file.kind)}};
      if (file.problem) item["error"] = file.problem->what();
      file_list.push_back(item);
    }
    if (batch->good_files() == 0) {
      spool_->release(batch->id);
      metrics_.add_upload(false);
      for (const auto& file : batch->files) {
        if (file.problem) metrics_.add_failure(std::string(to_string(file.problem->code())));
      }
      return error_reply(422, "no file of the upload is a page we can read",
                         {{"files", file_list}});
    }
    try {
      register_batch(*batch);
    } catch (const Error& error) {
      // Accepted in the spool already: registration is retried at the next start.
      if (error.code() == ErrorCode::StorageFull) note_storage_full(error);
      log_event(LogLevel::Error, "batch registration failed",
                {{"batch", batch->id}, {"error", error.what()}});
    }
    metrics_.add_upload(true);
    return json_reply(201, {{"id", batch->id}, {"files", file_list}});
  }

  void poll_hot_folders() {
    for (auto& folder : hot_folders_) {
      if (stopping_) return;
      if (intake_refusal()) {
        std::this_thread::sleep_for(kIdleWait);
        return;
      }
      try {
        for (const auto& batch : folder->poll(kIdleWait / static_cast<int>(hot_folders_.size()))) {
          register_batch(batch);
        }
      } catch (const Error& error) {
        if (error.code() == ErrorCode::StorageFull) {
          note_storage_full(error);
        } else {
          log_event(LogLevel::Error, "hot folder failed", {{"error", error.what()}});
          metrics_.add_failure(std::string(to_string(error.code())));
          std::this_thread::sleep_for(kIdleWait);
        }
      }
    }
  }

  // ---- scanners -------------------------------------------------------------

  const ScannerProfile* find_profile(const std::string& name) const {
    const auto found = std::find_if(config_.scanners.begin(), config_.scanners.end(),
                                    [&](const auto& p) { return p.name == name; });
    return found == config_.scanners.end() ? nullptr : &*found;
  }

  static std::string scanner_origin(const std::string& device) { return "scanner:" + device; }

  // A device has at most one open batch (paused by a fault, or waiting for the
  // next stack); any profile of the device continues it.
  std::optional<scanners::IntakeBatch> open_scan_batch(const std::string& device) const {
    for (auto& batch : spool_->open_batches()) {
      if (batch.origin == scanner_origin(device)) return std::move(batch);
    }
    return std::nullopt;
  }

  static json fault_json(const scanners::ScannerFault& fault, int pages_kept) {
    return {{"kind", to_string(fault.kind)},
            {"message_vi", fault.message_vi},
            {"message_en", fault.message_en},
            {"pages_before", pages_kept},
            {"detail", fault.detail}};
  }

  ApiReply scan(const std::string& profile_name, bool more) {
    const ScannerProfile* profile = find_profile(profile_name);
    if (profile == nullptr) {
      return error_reply(404, "no scanner profile named '" + profile_name + "'");
    }
    if (auto refusal = intake_refusal()) return refusal_reply(*refusal);
    std::unique_lock busy(scan_mutex_, std::try_to_lock);
    if (!busy.owns_lock()) return error_reply(409, "a scan is already running");

    scanners::ScanSettings settings;
    settings.source =
        scanners::source_from_string(profile->source).value_or(scanners::ScanSource::Adf);
    settings.mode = scanners::mode_from_string(profile->mode).value_or(scanners::ScanMode::Gray);
    settings.resolution_dpi = profile->resolution_dpi;
    settings.device_options = profile->device_options;
    std::optional<scanners::ScannerFault> fault;
    int scanned = 0;
    int kept = 0;
    std::string batch_id;
    std::optional<scanners::IntakeBatch> committed;
    try {
      // Pages go to disk as they arrive, into the device's open batch: a fault,
      // a full disk or a crash mid-stack keeps every page delivered so far.
      std::optional<scanners::IntakeSpool::BatchWriter> writer;
      if (const auto open = open_scan_batch(profile->device)) {
        writer.emplace(spool_->resume_open_batch(open->id));
        kept = writer->files_written();
      }
      try {
        scanners::ScanSession session(profile->device, settings);
        const auto result = session.scan_stack([&](scanners::ScannedPage page) {
          if (!writer) {
            writer.emplace(
                spool_->begin_open_batch(scanner_origin(profile->device), profile->name));
          }
          char name[32];
          std::snprintf(name, sizeof name, "page-%04d.jpg", kept + 1);
          const auto encoded = imaging::encode_jpeg(page.image, profile->jpeg_quality);
          writer->add_file(name, encoded.bytes);
          ++kept;
          ++scanned;
        });
        fault = result.fault;
        session.close();
      } catch (const scanners::ScannerError& error) {
        fault = error.fault();
      }
      if (writer) {
        batch_id = writer->id();
        if (!fault && !more) committed = writer->commit();
      }
    } catch (const Error& error) {
      if (error.code() == ErrorCode::StorageFull) {
        note_storage_full(error);
        return error_reply(507, std::string("the data disk is full; the pages scanned so far are "
                                            "kept in the open batch: ") +
                                    error.what());
      }
      if (error.code() == ErrorCode::InvalidArgument) return error_reply(400, error.what());
      return error_reply(500, error.what());
    }
    if (committed) register_batch(*committed);
    json body = {{"profile", profile->name},
                 {"device", profile->device},
                 {"pages", kept},
                 {"pages_scanned", scanned}};
    body["batch"] = batch_id.empty() ? json(nullptr) : json(batch_id);
    body["state"] = batch_id.empty() ? json(nullptr) : json(committed ? "accepted" : "open");
    {
      const std::lock_guard lock(scan_faults_mutex_);
      if (fault) {
        scan_faults_[profile->device] = fault_json(*fault, kept);
      } else {
        scan_faults_.erase(profile->device);
      }
    }
    if (fault) {
      metrics_.add_failure(std::string("scanner-") + std::string(to_string(fault->kind)));
      log_event(LogLevel::Warning, "scanner fault",
                {{"profile", profile->name},
                 {"device", fault->device},
                 {"fault", to_string(fault->kind)},
                 {"pages_kept", kept},
                 {"batch", batch_id},
                 {"message", fault->message_en},
                 {"detail", fault->detail}});
      body["fault"] = fault_json(*fault, kept);
      // The request did its part (pages kept); the device needs a person, then
      // resume (scan again) or close.
      return json_reply(409, body);
    }
    return json_reply(committed ? 201 : 200, body);
  }

  // Ends the device's open batch with the pages it has: it goes to processing.
  ApiReply close_scan(const std::string& profile_name) {
    const ScannerProfile* profile = find_profile(profile_name);
    if (profile == nullptr) {
      return error_reply(404, "no scanner profile named '" + profile_name + "'");
    }
    std::unique_lock busy(scan_mutex_, std::try_to_lock);
    if (!busy.owns_lock()) return error_reply(409, "a scan is running: wait for it to stop");
    const auto open = open_scan_batch(profile->device);
    if (!open) return error_reply(404, "no open batch on scanner " + profile->device);
    std::optional<scanners::IntakeBatch> batch;
    try {
      batch = spool_->resume_open_batch(open->id).commit();
    } catch (const Error& error) {
      if (error.code() == ErrorCode::StorageFull) {
        note_storage_full(error);
        return error_reply(
            507, std::string("the data disk is full; the open batch is kept: ") + error.what());
      }
      return error_reply(500, error.what());
    }
    register_batch(*batch);
    {
      const std::lock_guard lock(scan_faults_mutex_);
      scan_faults_.erase(profile->device);
    }
    log_event(LogLevel::Info, "scanner batch closed",
              {{"profile", profile->name},
               {"batch", batch->id},
               {"pages", static_cast<int>(batch->files.size())}});
    return json_reply(201, {{"profile", profile->name},
                            {"device", profile->device},
                            {"batch", batch->id},
                            {"state", "accepted"},
                            {"pages", static_cast<int>(batch->files.size())}});
  }

  ApiReply scanner_status(const std::string& profile_name) {
    const ScannerProfile* profile = find_profile(profile_name);
    if (profile == nullptr) {
      return error_reply(404, "no scanner profile named '" + profile_name + "'");
    }
    json body = {{"profile", profile->name}, {"device", profile->device}};
    const auto open = open_scan_batch(profile->device);
    body["batch"] = open ? json(open->id) : json(nullptr);
    body["pages"] = open ? static_cast<int>(open->files.size()) : 0;
    const std::lock_guard lock(scan_faults_mutex_);
    const auto fault = scan_faults_.find(profile->device);
    body["fault"] = fault == scan_faults_.end() ? json(nullptr) : fault->second;
    return json_reply(200, body);
  }

  // ---- workers --------------------------------------------------------------

  void worker_loop() {
    const std::string owner = "worker-" + std::to_string(::getpid());
    while (!stopping_) {
      std::optional<storage::Job> job;
      try {
        // Filing first: it finishes batches and frees the spool.
        job = queue_->claim(owner, kLease, {Stage::Filed});
        if (!job) job = queue_->claim(owner, kLease, {Stage::Understood});
      } catch (const Error& error) {
        if (error.code() == ErrorCode::StorageFull) note_storage_full(error);
        wait_for_work();
        continue;
      }
      if (!job) {
        wait_for_work();
        continue;
      }
      if (stopping_) {
        queue_->park(*job);  // not started: give it back without counting the attempt
        log_event(LogLevel::Info, "job parked", {{"job", static_cast<long long>(job->id)}});
        break;
      }
      busy_ = true;
      run_job(*job);
      busy_ = false;
    }
  }

  void run_job(const storage::Job& job) {
    const auto started = SteadyClock::now();
    const std::string stage = job.stage == Stage::Filed ? "file" : "process";
    try {
      if (job.stage == Stage::Filed) {
        file_dossier(job);
      } else {
        process_batch(job);
      }
      metrics_.add_stage_seconds(
          stage, std::chrono::duration<double>(SteadyClock::now() - started).count());
    } catch (const Error& error) {
      // Filing (renames, the registry) is retried whatever went wrong, then
      // dead-lettered with the reason; its files stay in the work folder.
      const bool retryable = error.code() == ErrorCode::StorageFull ||
                             error.code() == ErrorCode::OutputFailed ||
                             error.code() == ErrorCode::Internal || job.stage == Stage::Filed;
      if (error.code() == ErrorCode::StorageFull) note_storage_full(error);
      fail_job(job, error.what(), retryable, std::string(to_string(error.code())));
    } catch (const std::exception& error) {
      fail_job(job, std::string("internal error: ") + error.what(), true, "Internal");
    }
  }

  void fail_job(const storage::Job& job, const std::string& reason, bool retryable,
                const std::string& metric_reason) {
    metrics_.add_failure(metric_reason);
    try {
      const auto state = queue_->fail(
          job, reason, retryable ? storage::Failure::Retryable : storage::Failure::Permanent);
      log_event(LogLevel::Error,
                state == storage::JobState::Dead ? "job dead-lettered" : "job failed, will retry",
                {{"job", static_cast<long long>(job.id)},
                 {"stage", to_string(job.stage)},
                 {"attempt", job.attempts},
                 {"error", reason}});
    } catch (const Error& error) {
      log_event(LogLevel::Error, "could not record a failure", {{"error", error.what()}});
    }
  }

  // Keeps the lease alive while a long stack runs.
  class Heartbeat {
   public:
    Heartbeat(storage::JobQueue& queue, const storage::Job& job) {
      thread_ = std::thread([this, &queue, job] {
        std::unique_lock lock(mutex_);
        while (!done_) {
          if (wake_.wait_for(lock, kHeartbeat, [this] { return done_; })) break;
          try {
            queue.heartbeat(job, kLease);
          } catch (const Error&) {
            // A full disk may refuse the heartbeat; the lease is long enough to retry.
          }
        }
      });
    }
    ~Heartbeat() {
      {
        const std::lock_guard lock(mutex_);
        done_ = true;
      }
      wake_.notify_all();
      thread_.join();
    }
    Heartbeat(const Heartbeat&) = delete;
    Heartbeat& operator=(const Heartbeat&) = delete;

   private:
    std::mutex mutex_;
    std::condition_variable wake_;
    bool done_ = false;
    std::thread thread_;
  };

  // Runs the batch pipeline into a fresh work folder (a crashed earlier attempt
  // leaves only a folder to wipe), then completes the job and creates the
  // dossiers in one transaction.
  void process_batch(const storage::Job& job) {
    const auto info = queue_->batch(job.subject_id);
    if (!info)
      throw Error(ErrorCode::Internal,
                  "batch " + std::to_string(job.subject_id) + " is not in the queue");
    const auto intake = spool_->ready_batch(info->key);
    if (!intake) {
      throw Error(ErrorCode::InputNotFound,
                  "the files of batch " + info->key + " are gone from the spool");
    }
    const fs::path work = work_dir() / info->key;
    fs::remove_all(work);
    fs::create_directories(work);

    pipeline::BatchJobOptions options;
    for (const auto& file : intake->files) {
      if (!file.problem) options.inputs.push_back(file.path.string());
    }
    options.output_dir = work.string();
    options.classes_path = config_.classes_path;
    options.level = config_.pdfa_level;
    options.languages = config_.languages;
    options.tessdata_dir = config_.tessdata_dir;
    options.jobs = config_.jobs;
    const int total = static_cast<int>(queue_->pages(job.subject_id).size());
    set_live(info->key, 0, total);
    log_event(LogLevel::Info, "batch started",
              {{"batch", info->key}, {"pages", total}, {"attempt", job.attempts}});

    options.per_document_pdfs = filing_to_registry();
    pipeline::BatchReport report;
    if (!options.inputs.empty()) {
      Heartbeat heartbeat(*queue_, job);
      report = pipeline::run_batch_job(options, [&](const pipeline::Progress& progress) {
        set_live(info->key, progress.pages_done, progress.pages_total);
      });
    }
    // The documents' PDFs are renamed into place: make the names durable before
    // the queue points at them.
    if (fs::is_directory(work / "documents")) fsync_directory(work / "documents");
    for (const auto& group : report.groups) {
      if (group.output_error) throw *group.output_error;  // retried: nothing is filed yet
    }
    json problems = json::array();
    for (const auto& file : intake->files) {
      if (file.problem) problems.push_back({{"file", file.name}, {"error", file.problem->what()}});
    }
    for (const auto& failure : report.failed_inputs) {
      problems.push_back(
          {{"file", fs::path(failure.path).filename().string()}, {"error", failure.error.what()}});
      metrics_.add_failure(std::string(to_string(failure.error.code())));
    }
    for (const auto& page : report.pages) {
      if (!page.report.error) continue;
      problems.push_back({{"file", fs::path(page.report.source.path).filename().string()},
                          {"page", page.report.source.index},
                          {"error", page.report.error->what()}});
      metrics_.add_failure(std::string(to_string(page.report.error->code())));
    }
    // Sources relative to the batch: the spool folder goes once the batch is filed.
    const std::string source_root = intake->folder.string();
    write_file_durably(work / "results.json", pipeline::batch_results_to_json(report, source_root));
    write_file_durably(work / "review.json", pipeline::review_to_json(report, source_root));
    write_file_durably(work / "review.txt", pipeline::review_to_text(report, source_root));
    write_file_durably(work / "problems.json", problems.dump(2));

    // Dossiers (and review groups) by the queue's page ids.
    std::map<std::string, std::int64_t> page_ids;
    for (const auto& page : queue_->pages(job.subject_id)) {
      page_ids[page_key(page.source, page.source_index)] = page.id;
    }
    storage::CompletionEffects effects;
    std::set<std::int64_t> placed;
    for (std::size_t g = 0; g < report.groups.size(); ++g) {
      const auto& group = report.groups[g];
      storage::NewDossier dossier;
      dossier.key = info->key + "#" + std::to_string(g);
      dossier.first_job_stage = Stage::Filed;
      for (const int index : group.record.stack_indices) {
        if (index < 0 || index >= static_cast<int>(report.pages.size())) continue;
        const auto& source = report.pages[index].report.source;
        const auto found =
            page_ids.find(page_key(fs::path(source.path).filename().string(), source.index));
        if (found != page_ids.end() && placed.insert(found->second).second) {
          dossier.page_ids.push_back(found->second);
        }
      }
      const bool is_dossier = group.record.kind == understanding::GroupKind::Dossier;
      json payload = {
          {"name", group.record.name},
          {"kind", is_dossier ? "dossier" : "review"},
          {"reason", group.record.reason},
          {"file",
           group.pdf_path.empty() ? std::string() : fs::path(group.pdf_path).filename().string()},
          {"pages", group.pages_written}};
      if (is_dossier && options.per_document_pdfs) {
        payload["registry"] = registry_payload(report, group, work);
      }
      dossier.payload = payload.dump();
      effects.dossiers.push_back(std::move(dossier));
    }
    const auto completion = queue_->complete(job, effects);
    if (completion != storage::Completion::Completed) {
      log_event(LogLevel::Warning, "batch result discarded",
                {{"batch", info->key},
                 {"reason",
                  completion == storage::Completion::LeaseLost ? "lease lost" : "already done"}});
      return;
    }
    metrics_.add_pages(static_cast<int>(report.pages.size()));
    set_live(info->key, total, total);
    log_event(LogLevel::Info, "batch processed",
              {{"batch", info->key},
               {"pages", static_cast<int>(report.pages.size())},
               {"groups", static_cast<int>(report.groups.size())},
               {"problems", static_cast<int>(problems.size())},
               {"seconds", report.seconds}});
    finish_batch_if_filed(job.subject_id);
  }

  // ---- filing into the registry -----------------------------------------------

  [[nodiscard]] bool filing_to_registry() const { return !config_.agency.empty(); }

  // What the file stage needs to record a dossier's documents in the registry,
  // kept in the queue dossier's payload (committed with the batch's completion):
  // the dossier's understood fields and, per document, its PDF (relative to the
  // work folder), class, title, confidence level, fields and page texts.
  static json registry_payload(const pipeline::BatchReport& report,
                               const pipeline::BatchGroup& group, const fs::path& work) {
    json documents = json::array();
    for (const auto& document : group.record.documents) {
      const auto pdf = group.document_pdfs.find(document.id);
      if (pdf == group.document_pdfs.end()) continue;  // none of its pages is in a PDF
      json texts = json::array();
      json fields = json::object();
      for (const int index : document.stack_indices) {
        if (index < 0 || index >= static_cast<int>(report.pages.size())) continue;
        const auto& page = report.pages[static_cast<std::size_t>(index)];
        if (!page.report.in_pdf) continue;
        texts.push_back(page.report.text.plain_text());
        for (const auto& [name, value] : page.fields) {
          if (!fields.contains(name)) fields[name] = value;
        }
      }
      documents.push_back({{"file", fs::relative(pdf->second, work).string()},
                           {"class", document.page_class},
                           {"title", document.title},
                           {"confidence_level", document.confidence_level},
                           {"fields", fields},
                           {"texts", texts}});
    }
    return {{"procedure_code", group.record.procedure_code},
            {"applicant_name", group.record.applicant_name},
            {"applicant_id", group.record.applicant_id},
            {"documents", documents}};
  }

  // Opened on first use by the worker (the web API opens its own).
  storage::Registry& registry() {
    const std::lock_guard lock(registry_mutex_);
    if (!registry_) {
      storage::RegistryOptions options;
      options.blobs = storage::open_local_blob_store(blob_store_dir(config_));
      blobs_ = options.blobs;
      if (const auto holidays = holidays_dir(); !holidays.empty()) {
        options.holidays = storage::HolidayCalendar::load(holidays);
      }
      registry_ = storage::open_registry(registry_url(config_), std::move(options));
    }
    return *registry_;
  }

  // The holiday calendar's folder, found as the web API finds it.
  [[nodiscard]] fs::path holidays_dir() const {
    if (!config_.holidays_dir.empty()) return config_.holidays_dir;
    std::vector<fs::path> candidates;
    if (const char* env = std::getenv("SOHOA_HOLIDAYS_DIR"); env != nullptr && *env != '\0') {
      candidates.emplace_back(env);
    }
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
      candidates.push_back(exe.parent_path().parent_path() / "share/sohoa/config/holidays");
      candidates.push_back(exe.parent_path().parent_path() / "config/holidays");
    }
    candidates.push_back(fs::path(SOHOA_SOURCE_DIR) / "config/holidays");
    for (const auto& candidate : candidates) {
      if (fs::is_directory(candidate, ec)) return candidate;
    }
    return {};
  }

  // The registry code of a dossier group: its receipt's pre-printed code, or (a
  // group without one) a code generated for the configured unit, remembered in
  // the work folder so that a replay does not number the dossier again.
  std::string record_dossier(const std::string& batch_key, const json& payload,
                             storage::Viewer& by) {
    const std::string name = payload.value("name", std::string());
    const json& fields = payload.at("registry");
    storage::DossierIntake intake;
    intake.procedure_code = fields.value("procedure_code", std::string());
    intake.applicant_name = fields.value("applicant_name", std::string());
    intake.personal_id = fields.value("applicant_id", std::string());
    intake.title = "Hồ sơ số hóa " + name;
    storage::Registry& reg = registry();
    if (const auto code = parse_dossier_code(name); code && code->result_number == 0) {
      // The receipt names the receiving unit: the dossier is that unit's.
      by.agency = code->agency;
      if (reg.dossier(code->text(), by)) return code->text();  // received at the counter, or replay
      intake.unit_code = code->agency;
      intake.received_on = storage::Date{std::chrono::year{code->year},
                                         std::chrono::month{static_cast<unsigned>(code->month)},
                                         std::chrono::day{static_cast<unsigned>(code->day)}};
      intake.preprinted_code = code->text();
      return reg.receive_dossier(intake, by).dossier.code;
    }
    by.agency = config_.unit_code;
    const fs::path note = work_dir() / batch_key / (name + ".code");
    if (fs::exists(note)) {
      std::string code = read_small_file(note);
      while (!code.empty() && (code.back() == '\n' || code.back() == '\r')) code.pop_back();
      if (reg.dossier(code, by)) return code;
    }
    intake.unit_code = config_.unit_code;
    const auto now = std::chrono::system_clock::now() + std::chrono::hours(7);
    intake.received_on = storage::Date{std::chrono::floor<std::chrono::days>(now)};
    const std::string code = reg.receive_dossier(intake, by).dossier.code;
    write_file_durably(note, code + "\n");
    return code;
  }

  // TT 05/2025 metadata of a scanned document from its class and fields.
  static storage::DocumentMetadata document_metadata(const json& document,
                                                     const std::string& batch_key) {
    storage::DocumentMetadata metadata;
    metadata.document_class = document.value("class", std::string());
    metadata.document_type = document.value("title", std::string());
    metadata.summary = metadata.document_type;
    metadata.confidence_level = document.value("confidence_level", std::string("02"));
    metadata.notes = "digitised by sohoa serve, batch " + batch_key;
    const json& fields = document.at("fields");
    auto field = [&](std::initializer_list<const char*> names) {
      for (const char* name : names) {
        if (fields.contains(name) && fields[name].is_string())
          return fields[name].get<std::string>();
      }
      return std::string();
    };
    metadata.number_symbol = field({"so_ky_hieu", "so_hieu", "so"});
    metadata.issuing_agency = field({"co_quan_ban_hanh", "noi_cap", "co_quan_cap"});
    // Dates are ISO in the registry; fields hold them as printed (dd/mm/yyyy).
    if (const auto date = parse_civil_date(field({"ngay_ban_hanh", "ngay_cap", "ngay_ky"}))) {
      char text[16];
      std::snprintf(text, sizeof text, "%04d-%02d-%02d", date->year, date->month, date->day);
      metadata.issued_on = text;
    }
    const std::string name = field({"ho_ten"});
    if (!name.empty()) metadata.summary += " — " + name;
    return metadata;
  }

  // Records a dossier group and its documents in the registry. Idempotent: the
  // dossier is looked up before it is received, and a document whose first
  // version already holds this very file (same SHA-256; the PDF in the work
  // folder was written once) is not added again.
  void file_into_registry(const std::string& batch_key, const json& payload) {
    storage::Viewer by{config_.agency, storage::Role::CounterStaff, "sohoa-serve"};
    const std::string code = record_dossier(batch_key, payload, by);
    storage::Registry& reg = registry();
    std::set<std::string> filed;
    for (const auto& document : reg.documents(code, by)) {
      if (document.latest.version == 1) {
        filed.insert(document.latest.blob_sha256);
        continue;
      }
      for (const auto& version : reg.versions(document.id, by)) {
        if (version.version == 1) filed.insert(version.blob_sha256);
      }
    }
    int added = 0;
    for (const auto& document : payload.at("registry").at("documents")) {
      const fs::path file = work_dir() / batch_key / document.value("file", std::string());
      const std::string bytes = read_small_file_or_throw(file);
      storage::NewDocument next;
      next.file.assign(bytes.begin(), bytes.end());
      // The blob store is content-addressed: storing is idempotent and names the hash.
      const std::string sha256 = blobs_->put(next.file).sha256;
      if (filed.contains(sha256)) continue;
      next.metadata = document_metadata(document, batch_key);
      for (const auto& text : document.at("texts"))
        next.page_texts.push_back(text.get<std::string>());
      reg.add_document(code, next, by);
      filed.insert(sha256);
      ++added;
    }
    if (const auto dossier = reg.dossier(code, by);
        dossier && dossier->status == storage::DossierStatus::Received) {
      reg.advance_status(code, storage::DossierStatus::Digitised, by);
    }
    log_event(LogLevel::Info, "dossier registered",
              {{"batch", batch_key}, {"dossier", code}, {"documents_added", added}});
  }

  static std::string read_small_file_or_throw(const fs::path& path) {
    std::FILE* file = std::fopen(path.c_str(), "rb");
    if (file == nullptr) {
      throw Error(ErrorCode::InputNotFound, "a document's PDF is missing", {path.string()});
    }
    std::string text;
    char buffer[65536];
    std::size_t read = 0;
    while ((read = std::fread(buffer, 1, sizeof buffer, file)) > 0) text.append(buffer, read);
    const bool failed = std::ferror(file) != 0;
    std::fclose(file);
    if (failed)
      throw Error(ErrorCode::InputNotFound, "cannot read a document's PDF", {path.string()});
    return text;
  }

  // Moves one dossier's PDF from the work folder into filed/<batch>/. On replay
  // (crash after the rename, before the commit) the PDF is already there. With an
  // agency configured, the dossier's documents are first filed into the registry.
  void file_dossier(const storage::Job& job) {
    const auto batch = queue_->batch(job.batch_id);
    if (!batch) throw Error(ErrorCode::Internal, "dossier of an unknown batch");
    const json payload = json::parse(job.payload, nullptr, false);
    if (filing_to_registry() && payload.is_object() && payload.value("kind", "") == "dossier" &&
        payload.contains("registry")) {
      file_into_registry(batch->key, payload);
    }
    const std::string file =
        payload.is_object() ? payload.value("file", std::string()) : std::string();
    if (!file.empty()) {
      const fs::path from = work_dir() / batch->key / file;
      const fs::path to = filed_dir() / batch->key / file;
      fs::create_directories(to.parent_path());
      if (fs::exists(from)) {
        rename_durably(from, to);
      } else if (!fs::exists(to)) {
        throw Error(ErrorCode::InputNotFound,
                    "the dossier file " + file + " of batch " + batch->key + " is missing");
      }
    }
    if (queue_->complete(job) == storage::Completion::Completed) {
      log_event(LogLevel::Info, "dossier filed",
                {{"batch", batch->key},
                 {"file", file},
                 {"name", payload.is_object() ? payload.value("name", std::string()) : ""}});
    }
    finish_batch_if_filed(job.batch_id);
  }

  // When every dossier of a processed batch is filed: its results follow, the
  // work folder goes, the spool lets the batch go. Each step is idempotent.
  void finish_batch_if_filed(std::int64_t batch_id) {
    const auto batch = queue_->batch(batch_id);
    if (!batch || batch->stage < Stage::Understood) return;
    for (const auto& dossier : queue_->dossiers(batch_id)) {
      if (dossier.stage != Stage::Filed) return;
    }
    const fs::path work = work_dir() / batch->key;
    const fs::path filed = filed_dir() / batch->key;
    fs::create_directories(filed);
    for (const char* name : kBatchFiles) {
      if (fs::exists(work / name)) rename_durably(work / name, filed / name);
    }
    std::error_code ec;
    if (fs::exists(work, ec)) {
      fs::remove_all(work, ec);
      fsync_directory(work_dir());
    }
    if (spool_->ready_batch(batch->key)) {
      spool_->release(batch->key);
      log_event(LogLevel::Info, "batch filed", {{"batch", batch->key}, {"folder", filed.string()}});
    }
    {
      const std::lock_guard lock(pending_mutex_);
      pending_by_batch_.erase(batch->key);
    }
    wake_workers();
  }

  // ---- API ------------------------------------------------------------------

  void set_live(const std::string& key, int done, int total) {
    const std::lock_guard lock(live_mutex_);
    auto& live = live_[key];
    if (done == 0 || live.started == SteadyClock::time_point{}) live.started = SteadyClock::now();
    live.done = done;
    live.total = total;
  }

  json describe_batch(const storage::BatchInfo& batch) {
    json body = {{"id", batch.key}, {"origin", batch.origin}, {"stage", to_string(batch.stage)}};
    const auto progress = queue_->progress(batch.id);
    int total = progress ? progress->pages_total : 0;
    int done = progress ? progress->pages_filed : 0;
    std::optional<double> eta;
    {
      const std::lock_guard lock(live_mutex_);
      if (const auto live = live_.find(batch.key);
          live != live_.end() && batch.stage < Stage::Understood) {
        done = std::min(live->second.done, total);
        const double elapsed =
            std::chrono::duration<double>(SteadyClock::now() - live->second.started).count();
        if (done > 0) eta = elapsed / done * (total - done);
      }
    }
    if (batch.stage >= Stage::Understood) done = total;  // processed; filing is renames
    body["pages_total"] = total;
    body["pages_done"] = done;
    body["eta_seconds"] = eta ? json(*eta) : json(nullptr);
    body["filed"] = batch.stage >= Stage::Understood && !spool_->ready_batch(batch.key);
    json dossiers = json::array();
    for (const auto& dossier : queue_->dossiers(batch.id)) {
      json item = {{"key", dossier.key},
                   {"stage", to_string(dossier.stage)},
                   {"pages", dossier.page_ids.size()}};
      dossiers.push_back(item);
    }
    body["dossiers"] = dossiers;
    body["folder"] = (filed_dir() / batch.key).string();
    // Review items and per-file problems come from the run's files.
    for (const fs::path& folder : {filed_dir() / batch.key, work_dir() / batch.key}) {
      if (fs::exists(folder / "problems.json") && !body.contains("problems")) {
        body["problems"] = json::parse(read_small_file(folder / "problems.json"), nullptr, false);
      }
      if (fs::exists(folder / "review.json") && !body.contains("review")) {
        body["review"] = json::parse(read_small_file(folder / "review.json"), nullptr, false);
      }
    }
    json dead = json::array();
    for (const auto& letter : queue_->dead_letters()) {
      if (letter.batch_id != batch.id) continue;
      dead.push_back({{"job", letter.job_id},
                      {"subject", to_string(letter.subject)},
                      {"stage", to_string(letter.stage)},
                      {"attempts", letter.attempts},
                      {"reason", letter.reason}});
    }
    body["dead_letters"] = dead;
    return body;
  }

  static std::string read_small_file(const fs::path& path) {
    std::FILE* file = std::fopen(path.c_str(), "rb");
    if (file == nullptr) return "null";
    std::string text;
    char buffer[8192];
    std::size_t read = 0;
    while ((read = std::fread(buffer, 1, sizeof buffer, file)) > 0) text.append(buffer, read);
    std::fclose(file);
    return text;
  }

  ApiReply batch_status(const std::string& key) {
    const auto batch = queue_->batch_by_key(key);
    if (!batch) {
      // A scanner batch paused by a fault (or waiting for its next stack): its
      // pages are kept, none processed yet.
      for (const auto& open : spool_->open_batches()) {
        if (open.id != key) continue;
        const int pages = static_cast<int>(open.files.size());
        return json_reply(200, {{"id", open.id},
                                {"origin", open.origin},
                                {"stage", "open"},
                                {"pages_total", pages},
                                {"pages_scanned", pages},
                                {"pages_done", 0},
                                {"eta_seconds", nullptr},
                                {"filed", false}});
      }
      return error_reply(404, "no batch '" + key + "'");
    }
    return json_reply(200, describe_batch(*batch));
  }

  ApiReply list_batches() {
    json list = json::array();
    // Batch ids are dense from 1; stop at the first gap after the last one.
    for (std::int64_t id = 1;; ++id) {
      const auto batch = queue_->batch(id);
      if (!batch) break;
      const auto progress = queue_->progress(id);
      list.push_back({{"id", batch->key},
                      {"origin", batch->origin},
                      {"stage", to_string(batch->stage)},
                      {"pages_total", progress ? progress->pages_total : 0},
                      {"pages_filed", progress ? progress->pages_filed : 0}});
    }
    for (const auto& open : spool_->open_batches()) {
      list.push_back({{"id", open.id},
                      {"origin", open.origin},
                      {"stage", "open"},
                      {"pages_total", static_cast<int>(open.files.size())},
                      {"pages_filed", 0}});
    }
    return json_reply(200, {{"batches", list}});
  }

  ApiReply health() {
    json body = {{"status", "ok"},
                 {"intake_open", !intake_refusal().has_value()},
                 {"storage_full", storage_full_.load()},
                 {"stopping", stopping_.load()}};
    try {
      const auto stats = queue_->stats();
      body["queue_depth"] = stats.depth();
      body["dead_letters"] = stats.dead;
    } catch (const Error& error) {
      body["status"] = "degraded";
      body["error"] = error.what();
      return json_reply(503, body);
    }
    return json_reply(200, body);
  }

  ApiReply metrics() {
    storage::QueueStats stats;
    try {
      stats = queue_->stats();
    } catch (const Error&) {
      // Still answer: the counters in memory are worth having when the disk is full.
    }
    const bool open = !intake_refusal().has_value();
    return {200, metrics_.render(stats, pending_pages(), open), "text/plain; version=0.0.4", {}};
  }

  // ---- run loop ---------------------------------------------------------------

  void wait_for_work() {
    std::unique_lock lock(wake_mutex_);
    wake_.wait_for(lock, kIdleWait, [this] { return stopping_.load() || work_signalled_; });
    work_signalled_ = false;
  }

  void wake_workers() {
    {
      const std::lock_guard lock(wake_mutex_);
      work_signalled_ = true;
    }
    wake_.notify_all();
  }

  bool inboxes_empty() {
    for (const auto& folder : config_.hot_folders) {
      std::error_code ec;
      for (const auto& entry : fs::directory_iterator(folder.path, ec)) {
        (void)entry;
        return false;
      }
    }
    return true;
  }

  int run(bool once) {
    std::unique_ptr<HttpApi> http;
    if (config_.http) {
      http = std::make_unique<HttpApi>(*owner_, config_.listen_host, config_.listen_port,
                                       config_.max_upload_bytes);
      http_port_ = http->port();
      write_file_durably(config_.data_dir / "http.port", std::to_string(http_port_) + "\n");
      log_event(LogLevel::Info, "listening",
                {{"address", config_.listen_host}, {"port", http_port_.load()}});
    }
    std::thread worker;
    if (config_.processing) worker = std::thread([this] { worker_loop(); });
    int idle_rounds = 0;
    while (!stopping_) {
      poll_hot_folders();
      if (once) {
        // Idle twice in a row: nothing in the doors, nothing in the queue.
        bool idle = !busy_ && inboxes_empty();
        if (idle) {
          try {
            idle = queue_->stats().depth() == 0;
          } catch (const Error&) {
            idle = false;
          }
        }
        idle_rounds = idle ? idle_rounds + 1 : 0;
        if (idle_rounds >= 2 || (!config_.processing && inboxes_empty())) break;
      }
    }
    log_event(LogLevel::Info, "stopping", {{"reason", stopping_ ? "signal" : "idle"}});
    stopping_ = true;
    if (http) http->stop();
    wake_workers();
    if (worker.joinable()) worker.join();
    const int exit_code = storage_full_ ? 5 : 0;
    log_event(LogLevel::Info, "stopped", {{"exit_code", exit_code}});
    return exit_code;
  }

  void request_stop() {
    stopping_ = true;
    wake_workers();
  }

  [[nodiscard]] fs::path work_dir() const { return config_.data_dir / "work"; }
  [[nodiscard]] fs::path filed_dir() const { return config_.data_dir / "filed"; }

  ServiceConfig config_;
  Service* owner_ = nullptr;
  std::mutex registry_mutex_;
  std::shared_ptr<storage::BlobStore> blobs_;
  std::unique_ptr<storage::Registry> registry_;
  std::unique_ptr<storage::JobQueue> queue_;
  std::unique_ptr<scanners::IntakeSpool> spool_;
  std::vector<std::unique_ptr<scanners::HotFolder>> hot_folders_;
  ServiceMetrics metrics_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> storage_full_{false};
  std::atomic<bool> busy_{false};
  std::atomic<int> http_port_{0};
  std::mutex scan_mutex_;
  std::mutex scan_faults_mutex_;
  std::map<std::string, json> scan_faults_;  // device -> its last fault, until resumed or closed
  std::mutex pending_mutex_;
  std::map<std::string, int> pending_by_batch_;  // spool id -> pages, until filed
  struct LiveProgress {
    int done = 0;
    int total = 0;
    SteadyClock::time_point started{};
  };
  std::mutex live_mutex_;
  std::map<std::string, LiveProgress> live_;
  std::mutex wake_mutex_;
  std::condition_variable wake_;
  bool work_signalled_ = false;
};

Service::Service(ServiceConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {
  impl_->owner_ = this;
}
Service::~Service() = default;
int Service::run(bool once) {
  return impl_->run(once);
}
void Service::request_stop() {
  impl_->request_stop();
}
ApiReply Service::upload_batch(std::string_view label, const std::vector<UploadedFile>& files) {
  return impl_->upload_batch(label, files);
}
ApiReply Service::batch_status(const std::string& batch_key) {
  return impl_->batch_status(batch_key);
}
ApiReply Service::list_batches() {
  return impl_->list_batches();
}
ApiReply Service::scan(const std::string& profile_name, bool more) {
  return impl_->scan(profile_name, more);
}
ApiReply Service::close_scan(const std::string& profile_name) {
  return impl_->close_scan(profile_name);
}
ApiReply Service::scanner_status(const std::string& profile_name) {
  return impl_->scanner_status(profile_name);
}
ApiReply Service::health() {
  return impl_->health();
}
ApiReply Service::metrics() {
  return impl_->metrics();
}
const ServiceConfig& Service::config() const {
  return impl_->config_;
}
int Service::http_port() const {
  return impl_->http_port_;
}

}  // namespace sohoa::service
