#pragma once
// Counters behind GET /metrics, rendered in the Prometheus text format.

#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <string>

#include "sohoa/storage/job_queue.hpp"

namespace sohoa::service {

class ServiceMetrics {
 public:
  void add_pages(int pages);
  void add_stage_seconds(const std::string& stage, double seconds);
  void add_failure(const std::string& reason);
  void add_upload(bool accepted);
  [[nodiscard]] std::string render(const storage::QueueStats& stats, int pending_pages,
                                   bool intake_open) const;

 private:
  using SteadyClock = std::chrono::steady_clock;
  struct StageTimes {
    double sum = 0;
    long long count = 0;
    std::map<double, long long> buckets;  // upper bound -> cumulative later
  };
  mutable std::mutex mutex_;
  long long pages_total_ = 0;
  std::deque<std::pair<SteadyClock::time_point, int>> recent_pages_;  // for pages/s
  std::map<std::string, StageTimes> stages_;
  std::map<std::string, long long> failures_;
  long long uploads_accepted_ = 0;
  long long uploads_refused_ = 0;
};

}  // namespace sohoa::service
