#pragma once
// `sohoa serve`: the doors (hot folders, HTTP upload, scanner profiles) leave
// complete batches in the intake spool; each batch is registered in the durable
// job queue and goes through
//
//   received (page accepted) -> understood (the batch pipeline ran into
//   <data>/work/<batch>/) -> filed (each dossier's PDF renamed into
//   <data>/filed/<batch>/)
//
// Every step is idempotent on replay, so a restart after a crash (or SIGKILL)
// resumes where the work stopped without duplicating a dossier. Once all of a
// batch's dossiers are filed, its results/review files follow, the work folder
// goes and the spool releases the batch.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sohoa/service/service_config.hpp"

namespace sohoa::service {

struct UploadedFile {
  std::string name;  // as the client named it; becomes the page order
  std::string bytes;
};

// What an API call answers: an HTTP status and a JSON (or text) body.
struct ApiReply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // e.g. Retry-After on a 429
};

class Service {
 public:
  // Opens (or creates) the data directory, the queue and the spool, and
  // recovers from a crash: leases back to the queue, interrupted uploads swept,
  // accepted batches registered again (idempotent), stale work folders removed.
  explicit Service(ServiceConfig config);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Runs intake, workers and the HTTP API until request_stop(); with `once`,
  // returns by itself when the hot folders are empty and the queue is idle.
  // Returns the process exit code (0, or 5 when storage stayed full).
  int run(bool once);
  // Graceful stop: intake closes at once, in-flight work finishes or is parked.
  // Safe from any thread (not from a signal handler: use a sigwait thread).
  void request_stop();

  // The HTTP API, callable without HTTP (tests, the CLI).
  ApiReply upload_batch(std::string_view label, const std::vector<UploadedFile>& files);
  ApiReply batch_status(const std::string& batch_key);
  ApiReply list_batches();
  // Scans the feeder stack into the device's open batch (a new one if none).
  // The stack's end commits the batch unless `more` (the staff has another
  // stack for it); a fault keeps the pages scanned so far in the open batch,
  // durably, until resume (scan again, any profile of that device) or close.
  ApiReply scan(const std::string& profile_name, bool more = false);
  ApiReply close_scan(const std::string& profile_name);  // commits the open batch
  ApiReply scanner_status(const std::string& profile_name);
  ApiReply health();
  ApiReply metrics();

  [[nodiscard]] const ServiceConfig& config() const;
  [[nodiscard]] int http_port() const;  // the bound port once run() listens (0 before)

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sohoa::service
