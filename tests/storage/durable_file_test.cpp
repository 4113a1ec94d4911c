#include "sohoa/core/durable_file.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sohoa/core/error.hpp"
#include "test_support.hpp"

namespace sohoa {
namespace {

TEST(DurableFile, WritesReplacesAndLeavesNoTemp) {
  test::ScratchDir scratch;
  write_file_durably(scratch / "a.json", std::string_view("first"));
  write_file_durably(scratch / "a.json", std::string_view("second"));
  EXPECT_EQ(test::read_text(scratch / "a.json"), "second");
  int entries = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(scratch.path())) {
    ++entries;
  }
  EXPECT_EQ(entries, 1);
}

TEST(DurableFile, MissingFolderIsAnOutputError) {
  test::ScratchDir scratch;
  try {
    write_file_durably(scratch / "no" / "such" / "x", std::string_view("x"));
    FAIL();
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::OutputFailed);
    EXPECT_NE(std::string(error.what()).find("no/such/x"), std::string::npos);
  }
}

TEST(DurableFile, SweepsTempFilesOfDeadWritersOnly) {
  test::ScratchDir scratch;
  // A writer that is gone: a child that exited.
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);
  const auto dead = scratch / (".out.pdf.sohoa-tmp." + std::to_string(child) + ".0");
  const auto alive = scratch / (".out.pdf.sohoa-tmp." + std::to_string(::getppid()) + ".0");
  test::write_text(dead, "half");
  test::write_text(alive, "in progress");
  test::write_text(scratch / "out.pdf", "kept");
  EXPECT_TRUE(is_durable_temp_name(dead.filename().string()));
  EXPECT_FALSE(is_durable_temp_name("out.pdf"));
  EXPECT_EQ(remove_stale_temp_files(scratch.path()), 1u);
  EXPECT_FALSE(std::filesystem::exists(dead));
  EXPECT_TRUE(std::filesystem::exists(alive));
  EXPECT_TRUE(std::filesystem::exists(scratch / "out.pdf"));
}

TEST(DurableFile, RenameDurablyMovesAcrossFolders) {
  test::ScratchDir scratch;
  std::filesystem::create_directories(scratch / "a");
  std::filesystem::create_directories(scratch / "b");
  test::write_text(scratch / "a" / "x", "x");
  rename_durably(scratch / "a" / "x", scratch / "b" / "y");
  EXPECT_EQ(test::read_text(scratch / "b" / "y"), "x");
  EXPECT_FALSE(std::filesystem::exists(scratch / "a" / "x"));
}

}  // namespace
}  // namespace sohoa
