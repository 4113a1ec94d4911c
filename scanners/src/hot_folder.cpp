#include "sohoa/scanners/hot_folder.hpp"

#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <map>
#include <set>
#include <thread>

namespace sohoa::scanners {

namespace fs = std::filesystem;
using SteadyTime = std::chrono::steady_clock::time_point;

namespace {

bool is_temp_name(const std::string& name) {
  if (name.empty() || name.front() == '.' || name.front() == '~' || name.back() == '~') {
    return true;
  }
  for (const char* suffix : {".tmp", ".part", ".partial", ".crdownload", ".filepart"}) {
    if (name.size() > std::strlen(suffix) && name.ends_with(suffix)) return true;
  }
  return false;
}

struct Signature {
  std::uintmax_t size = 0;
  std::int64_t mtime_ns = 0;
  bool operator==(const Signature&) const = default;
};

std::optional<Signature> signature_of(const fs::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return std::nullopt;
  return Signature{
      static_cast<std::uintmax_t>(info.st_size),
      static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec};
}

// What we know of one file (relative to the inbox).
struct FileState {
  Signature signature;
  SteadyTime changed_at;
  bool events_seen = false;  // inotify told us about it: trust its events only
  bool writing = false;      // last event was a write, not a close
};

}  // namespace

class HotFolder::Impl {
 public:
  Impl(HotFolderOptions options, IntakeSpool& spool) : options_(std::move(options)), spool_(spool) {
    struct stat inbox {};
    struct stat root {};
    if (::stat(options_.inbox.c_str(), &inbox) != 0 || !S_ISDIR(inbox.st_mode)) {
      throw Error(ErrorCode::InputNotFound, "the hot folder does not exist",
                  {options_.inbox.string()});
    }
    if (::stat(spool_.root().c_str(), &root) != 0 || root.st_dev != inbox.st_dev) {
      throw Error(ErrorCode::InvalidArgument,
                  "the hot folder and the data directory must be on one file system (files are "
                  "claimed by rename); put the data directory on the share's disk",
                  {options_.inbox.string()});
    }
    if (options_.use_inotify) {
      inotify_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
      if (inotify_ >= 0) watch(fs::path());
    }
  }
  ~Impl() {
    if (inotify_ >= 0) ::close(inotify_);
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  std::vector<IntakeBatch> poll(std::chrono::milliseconds wait);
  [[nodiscard]] bool watching() const { return inotify_ >= 0; }

 private:
  void watch(const fs::path& relative) {
    const int wd = ::inotify_add_watch(
        inotify_, (options_.inbox / relative).c_str(),
        IN_CLOSE_WRITE | IN_MOVED_TO | IN_MODIFY | IN_CREATE | IN_ATTRIB | IN_ONLYDIR);
    if (wd >= 0) watches_[wd] = relative;
  }
  void read_events();
  void observe(const fs::path& relative, SteadyTime now);
  bool file_complete(const fs::path& relative, SteadyTime now) const;
  std::optional<bool> folder_complete(const fs::path& relative, SteadyTime now);

  HotFolderOptions options_;
  IntakeSpool& spool_;
  int inotify_ = -1;
  std::map<int, fs::path> watches_;
  std::map<fs::path, FileState> files_;
  std::map<fs::path, SteadyTime> folder_changed_at_;
};

void HotFolder::Impl::read_events() {
  alignas(inotify_event) std::array<char, 16 * 1024> buffer{};
  for (;;) {
    const ssize_t n = ::read(inotify_, buffer.data(), buffer.size());
    if (n <= 0) return;  // EAGAIN: drained
    for (ssize_t offset = 0; offset < n;) {
      const auto* event = reinterpret_cast<const inotify_event*>(buffer.data() + offset);
      offset += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
      const auto folder = watches_.find(event->wd);
      if (folder == watches_.end() || event->len == 0) continue;
      const fs::path relative = folder->second / event->name;
      if ((event->mask & IN_ISDIR) != 0) {
        if ((event->mask & (IN_CREATE | IN_MOVED_TO)) != 0) watch(relative);
        continue;
      }
      auto& state = files_[relative];
      state.events_seen = true;
      if ((event->mask & (IN_CLOSE_WRITE | IN_MOVED_TO)) != 0) {
        state.writing = false;
      } else if ((event->mask & (IN_MODIFY | IN_CREATE)) != 0) {
        state.writing = true;
      }
    }
  }
}

void HotFolder::Impl::observe(const fs::path& relative, SteadyTime now) {
  const auto signature = signature_of(options_.inbox / relative);
  if (!signature) return;
  auto [state, added] = files_.try_emplace(relative);
  if (added || !(state->second.signature == *signature) ||
      state->second.changed_at == SteadyTime()) {
    state->second.signature = *signature;
    state->second.changed_at = now;
    folder_changed_at_[relative.begin() == relative.end() ? relative : *relative.begin()] = now;
  }
}

bool HotFolder::Impl::file_complete(const fs::path& relative, SteadyTime now) const {
  const auto found = files_.find(relative);
  if (found == files_.end()) return false;
  const auto& state = found->second;
  // A writer we can see: only its close counts (it may pause for any time).
  if (state.events_seen) return !state.writing;
  return now - state.changed_at >= options_.settle_time;
}

// nullopt: not a batch yet (empty); false: still changing; true: claim it.
std::optional<bool> HotFolder::Impl::folder_complete(const fs::path& relative, SteadyTime now) {
  std::error_code error;
  bool any_file = false;
  bool all_complete = true;
  bool marker = false;
  for (auto entry = fs::recursive_directory_iterator(options_.inbox / relative, error);
       entry != fs::recursive_directory_iterator(); entry.increment(error)) {
    if (error) return false;
    const auto name = entry->path().filename().string();
    if (entry->is_directory(error)) {
      if (inotify_ >= 0) {
        const auto inner = fs::relative(entry->path(), options_.inbox, error);
        bool known = false;
        for (const auto& [wd, path] : watches_) known = known || path == inner;
        if (!known) watch(inner);
      }
      continue;
    }
    if (name == options_.done_marker) {
      marker = true;
      continue;
    }
    if (is_temp_name(name)) {
      all_complete = false;  // a writer's temp file: the folder is not done
      continue;
    }
    const auto inner = fs::relative(entry->path(), options_.inbox, error);
    observe(inner, now);
    any_file = true;
    all_complete = all_complete && file_complete(inner, now);
  }
  if (!any_file && !marker) return std::nullopt;
  if (!all_complete) return false;
  if (marker) return true;
  const auto changed = folder_changed_at_.find(relative);
  return changed != folder_changed_at_.end() && now - changed->second >= options_.folder_quiet_time;
}

std::vector<IntakeBatch> HotFolder::Impl::poll(std::chrono::milliseconds wait) {
  if (inotify_ >= 0) {
    pollfd descriptor{inotify_, POLLIN, 0};
    ::poll(&descriptor, 1, static_cast<int>(wait.count()));
    read_events();
  } else if (wait.count() > 0) {
    std::this_thread::sleep_for(wait);
  }
  const auto now = options_.now();
  const std::string origin = "folder:" + options_.inbox.string();
  std::vector<IntakeBatch> claimed;
  std::error_code error;
  std::vector<fs::path> entries;
  for (const auto& entry : fs::directory_iterator(options_.inbox, error)) {
    entries.push_back(entry.path().filename());
  }
  for (const auto& name : entries) {
    if (is_temp_name(name.string())) continue;
    const auto path = options_.inbox / name;
    bool complete = false;
    if (fs::is_directory(path, error)) {
      complete = folder_complete(name, now).value_or(false);
    } else if (fs::is_regular_file(path, error)) {
      observe(name, now);
      complete = file_complete(name, now);
    }
    if (!complete) continue;
    if (options_.may_claim && !options_.may_claim()) break;
    if (auto batch = spool_.adopt(path, origin)) claimed.push_back(std::move(*batch));
    // Forget what was claimed (or vanished).
    for (auto it = files_.begin(); it != files_.end();) {
      it = (it->first == name || *it->first.begin() == name) ? files_.erase(it) : std::next(it);
    }
    folder_changed_at_.erase(name);
    for (auto it = watches_.begin(); it != watches_.end();) {
      if (!it->second.empty() && *it->second.begin() == name) {
        ::inotify_rm_watch(inotify_, it->first);
        it = watches_.erase(it);
      } else {
        ++it;
      }
    }
  }
  // Forget files that disappeared without us (deleted by the sender).
  for (auto it = files_.begin(); it != files_.end();) {
    it = fs::exists(options_.inbox / it->first, error) ? std::next(it) : files_.erase(it);
  }
  return claimed;
}

HotFolder::HotFolder(HotFolderOptions options, IntakeSpool& spool)
    : impl_(std::make_unique<Impl>(std::move(options), spool)) {}
HotFolder::~HotFolder() = default;
std::vector<IntakeBatch> HotFolder::poll(std::chrono::milliseconds wait) {
  return impl_->poll(wait);
}
bool HotFolder::watching_events() const {
  return impl_->watching();
}

}  // namespace sohoa::scanners
