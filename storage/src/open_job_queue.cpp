// Picks the job queue's backend from a URL (configuration), see job_queue.hpp.
#include <string>

#include "sohoa/core/error.hpp"
#include "sohoa/storage/job_queue.hpp"
#include "sohoa/storage/pg_job_queue.hpp"
#include "sohoa/storage/sqlite_job_queue.hpp"

namespace sohoa::storage {

std::unique_ptr<JobQueue> open_job_queue(std::string_view url, const RetryPolicy& retry) {
  constexpr std::string_view kSqlite = "sqlite:";
  if (url.starts_with(kSqlite)) {
    std::string_view path = url.substr(kSqlite.size());
    // sqlite:///abs/path as well as sqlite:/abs/path and sqlite:relative/path.
    if (path.starts_with("//")) path.remove_prefix(2);
    if (path.empty()) {
      throw Error(ErrorCode::InvalidArgument, "the queue URL names no file: " + std::string(url));
    }
    SqliteQueueOptions options;
    options.database = std::string(path);
    options.retry = retry;
    return open_sqlite_queue(options);
  }
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    PgQueueOptions options;
    options.url = std::string(url);
    options.retry = retry;
    return open_pg_queue(options);
  }
  // Only the scheme goes into the message: the rest may carry a password.
  throw Error(ErrorCode::InvalidArgument,
              "unknown job queue URL scheme '" + std::string(url.substr(0, url.find(':'))) +
                  "' (expected sqlite:/path or postgresql://host:port/database)");
}

}  // namespace sohoa::storage
