#pragma once
// A hot folder (scan-to-folder, a network share): counter scanners drop files
// into it; each complete top-level file becomes one batch, each complete
// subfolder one batch of its files. Files still being written are never claimed:
//
// - inotify (local writers, Samba serving the share): a file is complete when its
//   last event was close-after-write or a rename into the folder;
// - no events (a share mounted from elsewhere, files present at start-up): when
//   its size and mtime did not change for `settle_time`.
// A subfolder is complete when it holds `done_marker`, or when all its files are
// complete and nothing in it changed for `folder_quiet_time`.
//
// Claiming is one rename into the IntakeSpool, so a file is claimed exactly once
// even with several claimers; names starting with '.' or '~' or ending in .tmp,
// .part, .partial, .crdownload or .filepart are writers' temp files and ignored.

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sohoa/scanners/intake_spool.hpp"

namespace sohoa::scanners {

struct HotFolderOptions {
  std::filesystem::path inbox;
  std::chrono::milliseconds settle_time{3000};
  std::chrono::milliseconds folder_quiet_time{10000};
  std::string done_marker = ".sohoa-done";
  bool use_inotify = true;  // off: polling only (what happens on network mounts)
  // Asked right before each claim; false leaves the file or folder where the
  // scanner put it, for a later poll (the service's back-pressure).
  std::function<bool()> may_claim;
  // Injected so tests move time instead of sleeping.
  std::function<std::chrono::steady_clock::time_point()> now = [] {
    return std::chrono::steady_clock::now();
  };
};

class HotFolder {
 public:
  // Throws Error(InputNotFound) when the inbox is missing, Error(InvalidArgument)
  // when it is not on the spool's file system.
  HotFolder(HotFolderOptions options, IntakeSpool& spool);
  ~HotFolder();
  HotFolder(const HotFolder&) = delete;
  HotFolder& operator=(const HotFolder&) = delete;

  // Waits up to `wait` for activity in the inbox, then claims everything that
  // is complete. Returns the batches claimed by this call (often none).
  std::vector<IntakeBatch> poll(std::chrono::milliseconds wait);

  [[nodiscard]] bool watching_events() const;  // inotify is active

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sohoa::scanners
