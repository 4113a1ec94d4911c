#include "service_metrics.hpp"

#include <array>
#include <cstdio>
#include <sstream>

namespace sohoa::service {

namespace {

// Stage latencies range from a rename (ms) to a long stack (minutes).
constexpr std::array<double, 10> kBuckets = {0.01, 0.1, 0.5, 1, 5, 15, 60, 180, 600, 1800};
constexpr auto kRateWindow = std::chrono::seconds(120);

std::string number(double value) {
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, "%.6g", value);
  return buffer;
}

std::string label_value(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

void ServiceMetrics::add_pages(int pages) {
  const std::lock_guard lock(mutex_);
  pages_total_ += pages;
  recent_pages_.emplace_back(SteadyClock::now(), pages);
}

void ServiceMetrics::add_stage_seconds(const std::string& stage, double seconds) {
  const std::lock_guard lock(mutex_);
  auto& times = stages_[stage];
  times.sum += seconds;
  ++times.count;
  for (const double bound : kBuckets) {
    if (seconds <= bound) ++times.buckets[bound];
  }
}

void ServiceMetrics::add_failure(const std::string& reason) {
  const std::lock_guard lock(mutex_);
  ++failures_[reason];
}

void ServiceMetrics::add_upload(bool accepted) {
  const std::lock_guard lock(mutex_);
  ++(accepted ? uploads_accepted_ : uploads_refused_);
}

std::string ServiceMetrics::render(const storage::QueueStats& stats, int pending_pages,
                                   bool intake_open) const {
  const std::lock_guard lock(mutex_);
  std::ostringstream out;
  out << "# HELP sohoa_pages_processed_total Pages the batch pipeline has processed.\n"
         "# TYPE sohoa_pages_processed_total counter\n"
      << "sohoa_pages_processed_total " << pages_total_ << '\n';
  // Sustained rate over the last two minutes of completions.
  const auto now = SteadyClock::now();
  double recent = 0;
  for (const auto& [when, pages] : recent_pages_) {
    if (now - when <= kRateWindow) recent += pages;
  }
  out << "# HELP sohoa_pages_per_second Pages processed per second over the last 120 s.\n"
         "# TYPE sohoa_pages_per_second gauge\n"
      << "sohoa_pages_per_second " << number(recent / 120.0) << '\n';
  out << "# HELP sohoa_queue_depth Jobs waiting or running, by the stage they bring a subject "
         "to.\n# TYPE sohoa_queue_depth gauge\n";
  for (int stage = 0; stage < storage::kStageCount; ++stage) {
    out << "sohoa_queue_depth{stage=\"" << storage::to_string(static_cast<storage::Stage>(stage))
        << "\"} " << stats.pending_at_stage[stage] << '\n';
  }
  out << "# HELP sohoa_jobs Jobs by state.\n# TYPE sohoa_jobs gauge\n"
      << "sohoa_jobs{state=\"ready\"} " << stats.ready << '\n'
      << "sohoa_jobs{state=\"delayed\"} " << stats.delayed << '\n'
      << "sohoa_jobs{state=\"leased\"} " << stats.leased << '\n'
      << "sohoa_jobs{state=\"done\"} " << stats.done << '\n'
      << "sohoa_jobs{state=\"dead\"} " << stats.dead << '\n';
  out << "# HELP sohoa_pending_pages Accepted pages not yet filed (back-pressure input).\n"
         "# TYPE sohoa_pending_pages gauge\n"
      << "sohoa_pending_pages " << pending_pages << '\n';
  out << "# HELP sohoa_intake_open 1 while the doors accept batches.\n"
         "# TYPE sohoa_intake_open gauge\n"
      << "sohoa_intake_open " << (intake_open ? 1 : 0) << '\n';
  out << "# HELP sohoa_stage_seconds Time a stage took per job.\n"
         "# TYPE sohoa_stage_seconds histogram\n";
  for (const auto& [stage, times] : stages_) {
    for (const double bound : kBuckets) {
      const auto found = times.buckets.find(bound);
      out << "sohoa_stage_seconds_bucket{stage=\"" << stage << "\",le=\"" << number(bound) << "\"} "
          << (found == times.buckets.end() ? 0 : found->second) << '\n';
    }
    out << "sohoa_stage_seconds_bucket{stage=\"" << stage << "\",le=\"+Inf\"} " << times.count
        << '\n'
        << "sohoa_stage_seconds_sum{stage=\"" << stage << "\"} " << number(times.sum) << '\n'
        << "sohoa_stage_seconds_count{stage=\"" << stage << "\"} " << times.count << '\n';
  }
  out << "# HELP sohoa_failures_total Failed attempts and refused inputs, by reason.\n"
         "# TYPE sohoa_failures_total counter\n";
  for (const auto& [reason, count] : failures_) {
    out << "sohoa_failures_total{reason=\"" << label_value(reason) << "\"} " << count << '\n';
  }
  out << "# HELP sohoa_uploads_total Upload requests by outcome.\n"
         "# TYPE sohoa_uploads_total counter\n"
      << "sohoa_uploads_total{outcome=\"accepted\"} " << uploads_accepted_ << '\n'
      << "sohoa_uploads_total{outcome=\"refused\"} " << uploads_refused_ << '\n';
  return out.str();
}

}  // namespace sohoa::service
