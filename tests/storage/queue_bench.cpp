// Throughput of the durable queue with durability on (WAL, synchronous=FULL):
// claim + complete (with a follow-on job) per second, by WORKERS threads.
//   storage_queue_bench DATABASE [JOBS] [WORKERS]
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <thread>
#include <vector>

#include "sohoa/storage/sqlite_job_queue.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: storage_queue_bench DATABASE [JOBS] [WORKERS]\n";
    return 1;
  }
  const int jobs = argc > 2 ? std::atoi(argv[2]) : 2000;
  const int workers = argc > 3 ? std::atoi(argv[3]) : 2;
  using namespace sohoa::storage;
  SqliteQueueOptions options;
  options.database = argv[1];
  auto queue = open_sqlite_queue(options);

  NewBatch batch{
      "bench-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()),
      "bench",
      "bench",
      {},
      {}};
  for (int i = 0; i < jobs; ++i) batch.pages.push_back({"page-" + std::to_string(i), 0});
  auto start = std::chrono::steady_clock::now();
  queue->add_batch(batch, Stage::Cleaned);
  const double add_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::atomic<int> done{0};
  start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w) {
    threads.emplace_back([&, w] {
      const std::string owner = "bench-" + std::to_string(w);
      while (auto job = queue->claim(owner, std::chrono::minutes(1), {Stage::Cleaned})) {
        CompletionEffects effects;
        effects.next_jobs.push_back(
            {SubjectKind::Page, job->subject_id, Stage::Recognised, "", {}});
        queue->complete(*job, effects);
        ++done;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "add_batch of " << jobs << " pages: " << add_seconds << " s (one transaction)\n"
            << "claim+complete: " << done.load() << " jobs in " << seconds
            << " s = " << done.load() / seconds << " jobs/s with " << workers << " workers ("
            << 60.0 * done.load() / seconds << " stage steps per minute)\n"
            << "integrity_check: " << queue->integrity_check() << "\n";
  return 0;
}
