#pragma once
// Spreading a job's pages over workers while the writer takes them in order.

#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>

#include "page_processor.hpp"

namespace sohoa::pipeline {

// Hands out page indices to workers, but never more than `window` pages ahead
// of the writer: finished pages wait in a reorder buffer until their turn, and
// the window bounds how many decoded pages exist at once.
class OrderedWork {
 public:
  OrderedWork(int total, int window) : total_(total), window_(window) {}

  // Next page index to process, or -1 when all are handed out or the job stopped.
  int take() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return stopped_ || next_ >= total_ || next_ < written_ + window_; });
    if (stopped_ || next_ >= total_) return -1;
    return next_++;
  }

  void finish(int index, ProcessedPage page) {
    std::lock_guard lock(mutex_);
    done_.emplace(index, std::move(page));
    changed_.notify_all();
  }

  // The next page in order, waiting for it; nullopt when everything was written.
  std::optional<ProcessedPage> next_in_order() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock,
                  [&] { return stopped_ || written_ >= total_ || done_.count(written_) > 0; });
    if (stopped_ || written_ >= total_) return std::nullopt;
    auto node = done_.extract(written_);
    ++written_;
    changed_.notify_all();
    return std::move(node.mapped());
  }

  void stop() {
    std::lock_guard lock(mutex_);
    stopped_ = true;
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int total_;
  int window_;
  int next_ = 0;
  int written_ = 0;
  bool stopped_ = false;
  std::map<int, ProcessedPage> done_;
};

}  // namespace sohoa::pipeline
