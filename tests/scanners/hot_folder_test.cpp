#include "sohoa/scanners/hot_folder.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>
#include <thread>

#include "test_support.hpp"

namespace sohoa::scanners {
namespace {

using std::chrono::milliseconds;
using SteadyTime = std::chrono::steady_clock::time_point;

// A JPEG-looking file of `size` bytes.
std::string scan_bytes(std::size_t size) {
  std::string bytes(size, 'x');
  bytes.replace(0, 4, "\xFF\xD8\xFF\xE0", 4);
  return bytes;
}

class HotFolderTest : public ::testing::Test {
 protected:
  HotFolderTest() : spool_(scratch_ / "spool") { std::filesystem::create_directories(inbox()); }
  [[nodiscard]] std::filesystem::path inbox() const { return scratch_ / "inbox"; }
  HotFolderOptions options(bool inotify) {
    HotFolderOptions options;
    options.inbox = inbox();
    options.settle_time = milliseconds(3000);
    options.folder_quiet_time = milliseconds(10000);
    options.use_inotify = inotify;
    options.now = [this] { return now_; };
    return options;
  }

  test::ScratchDir scratch_;
  IntakeSpool spool_;
  SteadyTime now_ = SteadyTime(std::chrono::hours(1));
};

TEST_F(HotFolderTest, SlowWriterIsClaimedOnlyAfterClosingTheFile) {
  HotFolder folder(options(/*inotify=*/true), spool_);
  ASSERT_TRUE(folder.watching_events());
  constexpr int kChunks = 12;
  constexpr std::size_t kChunk = 4096;
  int ready_pipe[2];
  ASSERT_EQ(::pipe(ready_pipe), 0);
  const pid_t writer = ::fork();
  if (writer == 0) {
    // A scanner writing a page slowly over a share: chunks with pauses, the file
    // open the whole time.
    const std::string bytes = scan_bytes(kChunks * kChunk);
    const int fd = ::open((inbox() / "scan_0001.jpg").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    for (int i = 0; i < kChunks; ++i) {
      if (::write(fd, bytes.data() + i * kChunk, kChunk) != static_cast<ssize_t>(kChunk)) _exit(1);
      if (i == 0) (void)::write(ready_pipe[1], "1", 1);
      std::this_thread::sleep_for(milliseconds(25));
    }
    ::close(fd);
    _exit(0);
  }
  char started = 0;
  ASSERT_EQ(::read(ready_pipe[0], &started, 1), 1);
  // While the writer is busy, time "passes" far beyond the settle time: the
  // file is open, so it must stay where it is.
  int status = 0;
  int polls_while_writing = 0;
  for (int i = 0; i < 1000 && ::waitpid(writer, &status, WNOHANG) == 0; ++i) {
    now_ += milliseconds(10000);
    const auto batches = folder.poll(milliseconds(5));
    for (const auto& batch : batches) {
      ASSERT_EQ(batch.files.size(), 1u);
      // Claimed between the writer's close and our waitpid: must be whole.
      EXPECT_EQ(batch.files[0].size, kChunks * kChunk) << "claimed a half-written file";
    }
    if (batches.empty()) ++polls_while_writing;
  }
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_GT(polls_while_writing, 3);

  std::vector<IntakeBatch> claimed;
  for (int i = 0; i < 50 && claimed.empty() && spool_.ready_batches().empty(); ++i) {
    claimed = folder.poll(milliseconds(20));
  }
  const auto ready = spool_.ready_batches();
  ASSERT_EQ(ready.size(), 1u);
  ASSERT_EQ(ready[0].files.size(), 1u);
  EXPECT_EQ(ready[0].files[0].size, kChunks * kChunk);
  EXPECT_EQ(ready[0].files[0].kind, IntakeFileKind::Jpeg);
  EXPECT_FALSE(std::filesystem::exists(inbox() / "scan_0001.jpg"));
}

TEST_F(HotFolderTest, WithoutEventsAFileMustStaySteadyForTheSettleTime) {
  HotFolder folder(options(/*inotify=*/false), spool_);
  test::write_text(inbox() / "b.jpg", scan_bytes(1000));
  EXPECT_TRUE(folder.poll(milliseconds(0)).empty());
  now_ += milliseconds(1000);
  EXPECT_TRUE(folder.poll(milliseconds(0)).empty());
  // More bytes arrive: the clock starts again.
  test::write_text(inbox() / "b.jpg", scan_bytes(2000));
  now_ += milliseconds(2500);
  EXPECT_TRUE(folder.poll(milliseconds(0)).empty());
  now_ += milliseconds(1000);
  EXPECT_TRUE(folder.poll(milliseconds(0)).empty()) << "3 s since the last change not yet seen";
  now_ += milliseconds(2500);
  const auto batches = folder.poll(milliseconds(0));
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].files[0].size, 2000u);
}

TEST_F(HotFolderTest, FilesPresentAtStartAreClaimedOnceSettled) {
  test::write_text(inbox() / "left-over.jpg", scan_bytes(500));
  HotFolder folder(options(/*inotify=*/true), spool_);
  EXPECT_TRUE(folder.poll(milliseconds(0)).empty());
  now_ += milliseconds(3000);
  EXPECT_EQ(folder.poll(milliseconds(0)).size(), 1u);
}

TEST_F(HotFolderTest, NothingIsClaimedWhileTheServiceSaysWait) {
  bool may_claim = false;
  auto settings = options(/*inotify=*/true);
  settings.may_claim = [&] { return may_claim; };
  HotFolder folder(settings, spool_);
  test::write_text(inbox() / "a.jpg", scan_bytes(500));
  test::write_text(inbox() / "b.jpg", scan_bytes(500));
  now_ += milliseconds(5000);
  EXPECT_TRUE(folder.poll(milliseconds(50)).empty());
  EXPECT_TRUE(std::filesystem::exists(inbox() / "a.jpg")) << "a refused file stays in the inbox";
  EXPECT_TRUE(spool_.ready_batches().empty());
  may_claim = true;
  EXPECT_EQ(folder.poll(milliseconds(50)).size(), 2U);
  EXPECT_TRUE(std::filesystem::is_empty(inbox()));
}

TEST_F(HotFolderTest, SubfolderIsOneBatchInPageOrderWithBadFilesReported) {
  HotFolder folder(options(/*inotify=*/true), spool_);
  std::filesystem::create_directories(inbox() / "ho-so-17");
  folder.poll(milliseconds(0));  // sees the folder, starts watching it
  for (int page : {1, 2, 10}) {
    test::write_text(inbox() / "ho-so-17" / ("page" + std::to_string(page) + ".jpg"),
                     scan_bytes(300));
  }
  test::write_text(inbox() / "ho-so-17" / "zero.jpg", "");
  test::write_text(inbox() / "ho-so-17" / "readme.txt", "not a scan");
  test::write_text(inbox() / "ho-so-17" / ".page11.jpg.tmp", "being written");
  EXPECT_TRUE(folder.poll(milliseconds(10)).empty()) << "a temp file means still writing";
  std::filesystem::remove(inbox() / "ho-so-17" / ".page11.jpg.tmp");
  now_ += milliseconds(5000);
  EXPECT_TRUE(folder.poll(milliseconds(10)).empty()) << "not quiet long enough";
  now_ += milliseconds(10000);
  const auto batches = folder.poll(milliseconds(10));
  ASSERT_EQ(batches.size(), 1u);
  const auto& batch = batches[0];
  ASSERT_EQ(batch.files.size(), 5u);
  std::vector<std::string> names;
  for (const auto& file : batch.files) names.push_back(file.name);
  EXPECT_EQ(names, (std::vector<std::string>{"page1.jpg", "page2.jpg", "page10.jpg", "readme.txt",
                                             "zero.jpg"}));
  EXPECT_EQ(batch.good_files(), 3u);
  EXPECT_EQ(batch.files[3].problem->code(), ErrorCode::UnsupportedFormat);
  EXPECT_EQ(batch.files[4].problem->code(), ErrorCode::EmptyInput);
  EXPECT_NE(batch.origin.find("folder:"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(inbox() / "ho-so-17"));
}

TEST_F(HotFolderTest, DoneMarkerClaimsASubfolderAtOnce) {
  HotFolder folder(options(/*inotify=*/false), spool_);
  std::filesystem::create_directories(inbox() / "lot");
  test::write_text(inbox() / "lot" / "a.jpg", scan_bytes(100));
  now_ += milliseconds(3000);  // the file itself must still be settled (no events here)
  folder.poll(milliseconds(0));
  now_ += milliseconds(3000);
  test::write_text(inbox() / "lot" / ".sohoa-done", "");
  const auto batches = folder.poll(milliseconds(0));
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].files.size(), 1u) << "the marker is not a page";
}

TEST_F(HotFolderTest, TwoClaimersClaimEachFileExactlyOnce) {
  HotFolder first(options(/*inotify=*/true), spool_);
  IntakeSpool other_spool(scratch_ / "spool");  // a second process on the same spool
  HotFolder second(options(/*inotify=*/true), other_spool);
  constexpr int kFiles = 30;
  for (int i = 0; i < kFiles; ++i) {
    // Written elsewhere and renamed in, as careful senders do.
    test::write_text(scratch_ / "staging.tmp", scan_bytes(200 + static_cast<std::size_t>(i)));
    std::filesystem::rename(scratch_ / "staging.tmp", inbox() / ("s" + std::to_string(i) + ".jpg"));
  }
  std::set<std::uintmax_t> sizes;
  int claimed = 0;
  for (int round = 0; round < 50 && claimed < kFiles; ++round) {
    for (auto* folder : {&first, &second}) {
      for (const auto& batch : folder->poll(milliseconds(5))) {
        ++claimed;
        ASSERT_EQ(batch.files.size(), 1u);
        EXPECT_TRUE(sizes.insert(batch.files[0].size).second) << "claimed twice";
      }
    }
  }
  EXPECT_EQ(claimed, kFiles);
  EXPECT_EQ(spool_.ready_batches().size(), static_cast<std::size_t>(kFiles));
  EXPECT_TRUE(std::filesystem::is_empty(inbox()));
}

TEST_F(HotFolderTest, MissingInboxIsAClearError) {
  auto bad = options(true);
  bad.inbox = scratch_ / "nope";
  try {
    HotFolder folder(bad, spool_);
    FAIL();
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::InputNotFound);
  }
}

}  // namespace
}  // namespace sohoa::scanners
