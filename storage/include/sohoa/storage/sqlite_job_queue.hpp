#pragma once
// The embedded JobQueue: one SQLite file (WAL) in the data directory. Safe to use
// from several threads of one process (calls are serialised on one connection;
// each is a short transaction) and from several processes on one machine.

#include <filesystem>
#include <functional>
#include <memory>

#include "sohoa/storage/job_queue.hpp"

namespace sohoa::storage {

struct SqliteQueueOptions {
  std::filesystem::path database;  // created when absent
  RetryPolicy retry;
  // Injected so tests move time instead of sleeping.
  std::function<TimePoint()> now = [] { return Clock::now(); };
  // How long a writer waits for another process's transaction before failing.
  std::chrono::milliseconds busy_timeout{10000};
};

// Throws Error(StorageFull) when the disk is full, Error(CorruptInput) when the
// file is not a sohoa queue, Error(OutputFailed) for other I/O failures; the
// same codes come from every later call.
std::unique_ptr<JobQueue> open_sqlite_queue(SqliteQueueOptions options);

}  // namespace sohoa::storage
