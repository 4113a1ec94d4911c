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
#include <thread>

#include "http_api.hpp"
#include "service_metrics.hpp"
#include "sohoa/core/durable_file.hpp"
#include "sohoa/core/error.hpp"
#include "sohoa/imaging/decode.hpp"
#include "sohoa/imaging/encode.hpp"
#include "sohoa/pdf/scan_reader.hpp"
#include "sohoa/pipeline/batch_job.hpp"
#include "sohoa/scanners/hot_folder.hpp"
#include "sohoa/scanners/intake_spool.hpp"
#include "sohoa/scanners/scanner.hpp"
#include "sohoa/service/json_log.hpp"
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
  return {status, body.dump(), "application/json"};
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

}  // namespace

class Service::Impl {
 public:
  explicit Impl(ServiceConfig config) : config_(std::move(config)) {
    const fs::path& data = config_.data_dir;
    fs::create_directories(data);
    fs::create_directories(work_dir());
    fs::create_directories(filed_dir());
    storage::SqliteQueueOptions options;
    options.database = data / "queue.sqlite";
    options.retry.max_attempts = config_.max_attempts;
    options.retry.first_delay = std::chrono::milliseconds(config_.retry_first_delay_ms);
    queue_ = storage::open_job_queue("sqlite:" + options.database.string(), options.retry);
    spool_ = std::make_unique<scanners::IntakeSpool>(data / "spool");
    if (config_.hot_folders.empty()) config_.hot_folders.push_back({data / "inbox"});
    for (const auto& folder : config_.hot_folders) {
      fs::create_directories(folder.path);
      scanners::HotFolderOptions options_for_folder;
      options_for_folder.inbox = folder.path;
      options_for_folder.settle_time = std::chrono::milliseconds(folder.settle_ms);
      options_for_folder.folder_quiet_time = std::chrono::milliseconds(folder.folder_quiet_ms);
      options_for_folder.use_inotify = folder.use_inotify;
      hot_folders_.push_back(std::make_unique<scanners::HotFolder>(options_for_folder, *spool_));
    }
    recover();
  }

  // ---- start-up -------------------------------------------------------------

  void recover() {
    const int reclaimed = queue_->reclaim_all_leases();
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
               {"batches_in_spool", static_cast<int>(ready_keys.size())}});
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

  int pending_pages() {
    const std::lock_guard lock(pending_mutex_);
    const auto now = SteadyClock::now();
    if (now - pending_checked_at_ > std::chrono::milliseconds(500)) {
      int pages = 0;
      for (const auto& batch : spool_->ready_batches())
        pages += static_cast<int>(batch.files.size());
      pending_pages_ = pages;
      pending_checked_at_ = now;
    }
    return pending_pages_;
  }

  // Whether the doors may accept now; otherwise why not (HTTP status + reason).
  std::optional<std::pair<int, std::string>> intake_refusal() {
    if (stopping_) return std::pair{503, std::string("the service is shutting down")};
    if (storage_full_ && !storage_has_room()) {
      return std::pair{507, "the data disk is full (" + config_.data_dir.string() +
                                "): intake stopped until space returns"};
    }
    if (pending_pages() >= config_.max_pending_pages) {
      return std::pair{503, "too many pages waiting (" + std::to_string(pending_pages()) +
                                "): try again shortly"};
    }
    return std::nullopt;
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
      return error_reply(refusal->first, refusal->second);
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

  ApiReply scan(const std::string& profile_name) {
    const auto profile = std::find_if(config_.scanners.begin(), config_.scanners.end(),
                                      [&](const auto& p) { return p.name == profile_name; });
    if (profile == config_.scanners.end()) {
      return error_reply(404, "no scanner profile named '" + profile_name + "'");
    }
    if (auto refusal = intake_refusal()) return error_reply(refusal->first, refusal->second);
    std::unique_lock busy(scan_mutex_, std::try_to_lock);
    if (!busy.owns_lock()) return error_reply(409, "a scan is already running");

    scanners::ScanSettings settings;
    settings.source =
        scanners::source_from_string(profile->source).value_or(scanners::ScanSource::Adf);
    settings.mode = scanners::mode_from_string(profile->mode).value_or(scanners::ScanMode::Gray);
    settings.resolution_dpi = profile->resolution_dpi;
    settings.device_options = profile->device_options;
    std::optional<scanners::ScannerFault> fault;
    int pages = 0;
    std::optional<scanners::IntakeBatch> batch;
    try {
      auto writer = spool_->begin_batch("scanner:" + profile->device, profile->name);
      try {
        scanners::ScanSession session(profile->device, settings);
        const auto result = session.scan_stack([&](scanners::ScannedPage page) {
          char name[32];
          std::snprintf(name, sizeof name, "page-%04d.jpg", page.number + 1);
          const auto encoded = imaging::encode_jpeg(page.image, profile->jpeg_quality);
          writer.add_file(name, encoded.bytes);
          ++pages;
        });
        fault = result.fault;
        session.close();
      } catch (const scanners::ScannerError& error) {
        fault = error.fault();
      }
      // Pages delivered before a fault are kept: they form the batch.
      if (pages > 0) batch = writer.commit();
    } catch (const Error& error) {
      if (error.code() == ErrorCode::StorageFull) {
        note_storage_full(error);
        return error_reply(507, std::string("the data disk is full: ") + error.what());
      }
      if (error.code() == ErrorCode::InvalidArgument) return error_reply(400, error.what());
      return error_reply(500, error.what());
    }
    if (batch) register_batch(*batch);
    json body = {{"profile", profile->name}, {"device", profile->device}, {"pages", pages}};
    body["batch"] = batch ? json(batch->id) : json(nullptr);
    if (fault) {
      metrics_.add_failure(std::string("scanner-") + std::string(to_string(fault->kind)));
      log_event(LogLevel::Warning, "scanner fault",
                {{"profile", profile->name},
                 {"device", fault->device},
                 {"fault", to_string(fault->kind)},
                 {"pages_before", fault->pages_before},
                 {"message", fault->message_en},
                 {"detail", fault->detail}});
      body["fault"] = {{"kind", to_string(fault->kind)},
                       {"message_vi", fault->message_vi},
                       {"message_en", fault->message_en},
                       {"pages_before", fault->pages_before},
                       {"detail", fault->detail}};
      // The request did its part (pages kept); the device needs a person.
      return json_reply(409, body);
    }
    return json_reply(batch ? 201 : 200, body);
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
      const bool retryable = error.code() == ErrorCode::StorageFull ||
                             error.code() == ErrorCode::OutputFailed ||
                             error.code() == ErrorCode::Internal;
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

    pipeline::BatchReport report;
    if (!options.inputs.empty()) {
      Heartbeat heartbeat(*queue_, job);
      report = pipeline::run_batch_job(options, [&](const pipeline::Progress& progress) {
        set_live(info->key, progress.pages_done, progress.pages_total);
      });
    }
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
      dossier.payload =
          json{{"name", group.record.name},
               {"kind", is_dossier ? "dossier" : "review"},
               {"reason", group.record.reason},
               {"file", group.pdf_path.empty() ? std::string()
                                               : fs::path(group.pdf_path).filename().string()},
               {"pages", group.pages_written}}
              .dump();
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

  // Moves one dossier's PDF from the work folder into filed/<batch>/. On replay
  // (crash after the rename, before the commit) the PDF is already there.
  void file_dossier(const storage::Job& job) {
    const auto batch = queue_->batch(job.batch_id);
    if (!batch) throw Error(ErrorCode::Internal, "dossier of an unknown batch");
    const json payload = json::parse(job.payload, nullptr, false);
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
    if (!batch) return error_reply(404, "no batch '" + key + "'");
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
    return {200, metrics_.render(stats, pending_pages(), open), "text/plain; version=0.0.4"};
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
  std::unique_ptr<storage::JobQueue> queue_;
  std::unique_ptr<scanners::IntakeSpool> spool_;
  std::vector<std::unique_ptr<scanners::HotFolder>> hot_folders_;
  ServiceMetrics metrics_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> storage_full_{false};
  std::atomic<bool> busy_{false};
  std::atomic<int> http_port_{0};
  std::mutex scan_mutex_;
  std::mutex pending_mutex_;
  int pending_pages_ = 0;
  SteadyClock::time_point pending_checked_at_{};
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
ApiReply Service::scan(const std::string& profile_name) {
  return impl_->scan(profile_name);
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
