#pragma once
// The JobQueue for several nodes: the same tables as the SQLite queue in one
// PostgreSQL database that every `sohoa serve` node connects to. Workers on all
// nodes claim with SELECT … FOR UPDATE SKIP LOCKED, so no job is handed out twice
// and no claim waits for another node's claim. Each queue object owns one
// connection; calls from several threads of one process are serialised on it.

#include <functional>
#include <memory>
#include <string>

#include "sohoa/storage/job_queue.hpp"

namespace sohoa::storage {

struct PgQueueOptions {
  // A libpq connection URI (postgresql://user@host:port/database) or key=value
  // string. The tables are created in the connection's schema when absent.
  std::string url;
  RetryPolicy retry;
  // Injected so tests move time instead of sleeping. Empty (the default): the
  // database server's clock, so leases taken on different machines compare.
  std::function<TimePoint()> now;
};

// Throws Error(OutputFailed) when the server cannot be reached, Error(CorruptInput)
// when the database holds tables that are not a sohoa queue, Error(StorageFull)
// when the server's disk is full.
std::unique_ptr<JobQueue> open_pg_queue(PgQueueOptions options);

}  // namespace sohoa::storage
