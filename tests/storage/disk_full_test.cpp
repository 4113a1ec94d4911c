// Disk full: the queue and durable files must fail with a clear StorageFull
// error, keep everything accepted before intact, and work again once space
// returns. Two ways to fill the disk: a file-size limit (RLIMIT_FSIZE, any
// user) in a forked child, and a real small tmpfs (needs root; skipped without).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <iostream>

#include "sohoa/core/durable_file.hpp"
#include "sohoa/core/error.hpp"
#include "sohoa/storage/sqlite_job_queue.hpp"
#include "test_support.hpp"

namespace sohoa::storage {
namespace {

NewBatch bulky_batch(int n) {
  NewBatch batch;
  batch.key = "batch-" + std::to_string(n);
  batch.origin = "folder:/srv/inbox";
  batch.label = std::string(200, 'L');
  for (int i = 0; i < 40; ++i) {
    batch.pages.push_back(
        {"scan-" + std::to_string(n) + "-" + std::string(300, 'p') + std::to_string(i) + ".tif",
         0});
  }
  return batch;
}

std::unique_ptr<JobQueue> open_queue(const std::filesystem::path& database) {
  SqliteQueueOptions options;
  options.database = database;
  return open_sqlite_queue(options);
}

// Adds batches until the storage is full; returns how many were accepted.
// Reports the first error through `error_out`.
int fill(JobQueue& queue, int first, std::optional<Error>& error_out) {
  for (int n = first; n < first + 100000; ++n) {
    try {
      queue.add_batch(bulky_batch(n), Stage::Cleaned);
    } catch (const Error& error) {
      error_out = error;
      return n - first;
    }
  }
  return 100000;
}

// Everything accepted is there, whole; the refused batch left no trace.
void expect_accepted_intact(JobQueue& queue, int accepted) {
  EXPECT_EQ(queue.integrity_check(), "ok");
  for (int n = 0; n < accepted; ++n) {
    auto batch = queue.batch_by_key("batch-" + std::to_string(n));
    ASSERT_TRUE(batch) << n;
    EXPECT_EQ(queue.pages(batch->id).size(), 40u) << n;
  }
  EXPECT_FALSE(queue.batch_by_key("batch-" + std::to_string(accepted)) &&
               queue.pages(queue.batch_by_key("batch-" + std::to_string(accepted))->id).size() !=
                   40u);
}

TEST(DiskFull, FileSizeLimitGivesStorageFullAndRecovers) {
  test::ScratchDir scratch;
  const auto database = scratch / "queue.sqlite";
  const auto accepted_file = scratch / "accepted";
  { open_queue(database)->add_batch(bulky_batch(0), Stage::Cleaned); }

  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // In the child: no gtest assertions, an exit code per broken promise.
    ::signal(SIGXFSZ, SIG_IGN);  // write() then fails with EFBIG instead of killing us
    rlimit limit{};
    ::getrlimit(RLIMIT_FSIZE, &limit);
    const rlim_t original = limit.rlim_cur;
    limit.rlim_cur = 512 * 1024;
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) ::_exit(10);
    try {
      auto queue = open_queue(database);
      std::optional<Error> error;
      const int accepted = 1 + fill(*queue, 1, error);
      write_file_durably(accepted_file, std::to_string(accepted));
      if (!error) ::_exit(11);
      std::cerr << "child saw: " << error->what() << '\n';
      if (error->code() != ErrorCode::StorageFull) ::_exit(12);
      if (std::string(error->what()).find("full") == std::string::npos) ::_exit(13);
      // A durable output larger than the limit fails the same way, leaving nothing.
      try {
        write_file_durably(scratch / "big.pdf", std::string(600 * 1024, 'x'));
        ::_exit(14);
      } catch (const Error& output_error) {
        if (output_error.code() != ErrorCode::StorageFull) ::_exit(15);
      }
      if (std::filesystem::exists(scratch / "big.pdf")) ::_exit(16);
      // Space returns: the same open queue accepts work again.
      limit.rlim_cur = original;
      if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) ::_exit(17);
      queue->add_batch(bulky_batch(accepted), Stage::Cleaned);
      write_file_durably(accepted_file, std::to_string(accepted + 1));
      ::_exit(0);
    } catch (const std::exception& error) {
      std::cerr << "child: " << error.what() << '\n';
      ::_exit(20);
    }
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << "the child was killed (SIGXFSZ?)";
  ASSERT_EQ(WEXITSTATUS(status), 0) << "see the child's exit code in the test source";
  const int accepted = std::stoi(test::read_text(accepted_file));
  EXPECT_GT(accepted, 2);

  auto queue = open_queue(database);
  expect_accepted_intact(*queue, accepted);
  EXPECT_EQ(queue->stats().ready, accepted * 40);
}

// A real full file system: a 3 MiB tmpfs, partly taken by ballast that is
// deleted to "return space".
class TmpfsMount {
 public:
  explicit TmpfsMount(const std::filesystem::path& where) : where_(where) {
    std::filesystem::create_directories(where);
    mounted_ = ::geteuid() == 0 &&
               ::mount("tmpfs", where.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=3m") == 0;
  }
  ~TmpfsMount() {
    if (mounted_) ::umount2(where_.c_str(), MNT_DETACH);
  }
  TmpfsMount(const TmpfsMount&) = delete;
  TmpfsMount& operator=(const TmpfsMount&) = delete;
  [[nodiscard]] bool mounted() const { return mounted_; }

 private:
  std::filesystem::path where_;
  bool mounted_ = false;
};

TEST(DiskFull, FullFileSystemGivesStorageFullAndRecoversWhenSpaceReturns) {
  test::ScratchDir scratch;
  TmpfsMount mount(scratch / "small");
  if (!mount.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (needs root)";
  const auto disk = scratch / "small";
  test::write_text(disk / "ballast", std::string(1024 * 1024, 'b'));

  auto queue = open_queue(disk / "queue.sqlite");
  std::optional<Error> error;
  const int accepted = fill(*queue, 0, error);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code(), ErrorCode::StorageFull) << error->what();
  EXPECT_GT(accepted, 0);
  try {
    write_file_durably(disk / "dossier.pdf", std::string(512 * 1024, 'x'));
    FAIL() << "wrote onto a full disk";
  } catch (const Error& output_error) {
    EXPECT_EQ(output_error.code(), ErrorCode::StorageFull) << output_error.what();
  }
  for (const auto& entry : std::filesystem::directory_iterator(disk)) {
    EXPECT_FALSE(is_durable_temp_name(entry.path().filename().string())) << entry.path();
  }
  expect_accepted_intact(*queue, accepted);

  // Space returns.
  std::filesystem::remove(disk / "ballast");
  queue->add_batch(bulky_batch(accepted), Stage::Cleaned);
  write_file_durably(disk / "dossier.pdf", std::string(512 * 1024, 'x'));
  expect_accepted_intact(*queue, accepted + 1);
  queue.reset();
  expect_accepted_intact(*open_queue(disk / "queue.sqlite"), accepted + 1);
}

}  // namespace
}  // namespace sohoa::storage
