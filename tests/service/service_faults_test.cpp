// Faults through the service: every scanner status of docs/scanners.md from a
// scanner profile to the API and the log, and a full data disk at the upload door.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "sane_config.hpp"
#include "service_test_support.hpp"
#include "test_support.hpp"

namespace sohoa::service {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

ScannerProfile test_scanner(const std::string& name, const std::string& device,
                            const std::string& status) {
  ScannerProfile profile;
  profile.name = name;
  profile.device = device;
  profile.source = "adf";
  profile.resolution_dpi = 75;  // small pages: the test is about statuses, not pixels
  profile.device_options = {{"test-picture", "Grid"}};
  if (!status.empty()) profile.device_options.emplace_back("read-return-value", status);
  return profile;
}

TEST(ServiceScanners, EveryFaultReachesTheApiAndTheServiceStaysUp) {
  sohoa::test::SaneTestConfig sane;
  sohoa::test::ScratchDir scratch;
  auto config = test::test_config(scratch / "data");
  config.processing = false;  // intake only: the pages of a good scan stay in the queue
  struct Case {
    const char* profile;
    const char* device;
    const char* status;
    const char* fault;  // empty: no fault
  };
  const std::vector<Case> cases = {
      {"jam", "test:0", "SANE_STATUS_JAMMED", "jammed"},
      {"cover", "test:0", "SANE_STATUS_COVER_OPEN", "cover-open"},
      {"empty", "test:0", "SANE_STATUS_NO_DOCS", "no-documents"},
      {"io", "test:0", "SANE_STATUS_IO_ERROR", "io-error"},
      {"unplugged", "test:7", "", "device-gone"},
      {"good", "test:1", "", ""},
  };
  for (const auto& item : cases) {
    config.scanners.push_back(test_scanner(item.profile, item.device, item.status));
  }
  test::RunningService running(config);
  ASSERT_GT(running.port(), 0);
  for (const auto& item : cases) {
    SCOPED_TRACE(item.profile);
    const auto reply =
        test::http_post(running.port(), std::string("/api/scanners/") + item.profile + "/scan");
    const auto body = json::parse(reply.body);
    if (*item.fault == '\0') {
      EXPECT_EQ(reply.status, 201) << reply.body;
      EXPECT_EQ(body["pages"], 10) << "the test ADF holds 10 sheets";
      ASSERT_TRUE(body["batch"].is_string());
      const auto status = json::parse(
          test::http_get(running.port(), "/api/batches/" + body["batch"].get<std::string>()).body);
      EXPECT_EQ(status["pages_total"], 10) << status.dump();
    } else {
      EXPECT_EQ(reply.status, 409) << reply.body;
      EXPECT_EQ(body["fault"]["kind"], item.fault) << reply.body;
      EXPECT_FALSE(body["fault"]["message_vi"].get<std::string>().empty());
      EXPECT_EQ(body["fault"]["pages_before"], 0);
      EXPECT_TRUE(body["batch"].is_null()) << "no page, no batch";
    }
    EXPECT_EQ(test::http_get(running.port(), "/healthz").status, 200);
  }
  const auto metrics = test::http_get(running.port(), "/metrics").body;
  EXPECT_NE(metrics.find("sohoa_failures_total{reason=\"scanner-jammed\"} 1"), std::string::npos)
      << metrics;
  EXPECT_EQ(running.stop(), 0);
}

// Writes `bytes` zero bytes into `file` until the file system refuses; true
// when it did (the disk is now full).
bool fill_disk(const fs::path& file) {
  std::FILE* out = std::fopen(file.c_str(), "wb");
  if (out == nullptr) return false;
  const std::string block(64 * 1024, 'x');
  bool full = false;
  for (int i = 0; i < 100000 && !full; ++i) {
    full = std::fwrite(block.data(), 1, block.size(), out) != block.size() || std::fflush(out) != 0;
  }
  std::fclose(out);
  return full;
}

TEST(ServiceDiskFull, UploadsAreRefusedClearlyAndAcceptedBatchesStayIntact) {
  if (::geteuid() != 0) GTEST_SKIP() << "mounting a small tmpfs needs root";
  sohoa::test::ScratchDir scratch;
  const fs::path data = scratch / "data";
  fs::create_directories(data);
  if (::mount("tmpfs", data.c_str(), "tmpfs", 0, "size=4m") != 0) {
    GTEST_SKIP() << "cannot mount tmpfs: " << std::strerror(errno);
  }
  {
    auto config = test::test_config(data);
    config.processing = false;
    test::RunningService running(config);
    ASSERT_GT(running.port(), 0);
    const std::string page =
        test::file_bytes(sohoa::test::corpus_dir() / "batches" / "b01" / "0001.jpg");
    ASSERT_FALSE(page.empty());
    const auto first = test::http_upload(running.port(), {{"0001.jpg", page}});
    ASSERT_EQ(first.status, 201) << first.body;
    const std::string first_id = json::parse(first.body)["id"];
    const fs::path accepted = data / "spool" / "ready" / first_id / "0001.jpg";
    ASSERT_TRUE(fs::exists(accepted));

    // An upload bigger than the space left: refused whole, with the reason.
    const auto too_big = test::http_upload(
        running.port(), {{"big.jpg", "\xff\xd8\xff" + std::string(6 << 20, 'x')}});
    EXPECT_EQ(too_big.status, 507) << too_big.body;
    EXPECT_NE(too_big.body.find("full"), std::string::npos) << too_big.body;

    // The disk filled by someone else: intake says so and stops accepting.
    ASSERT_TRUE(fill_disk(data / "filler"));
    const auto refused = test::http_upload(running.port(), {{"0002.jpg", page}});
    EXPECT_EQ(refused.status, 507) << refused.body;
    const auto refused_again = test::http_upload(running.port(), {{"0003.jpg", page}});
    EXPECT_EQ(refused_again.status, 507) << "intake stays closed while the disk is full";
    const auto health = json::parse(test::http_get(running.port(), "/healthz").body);
    EXPECT_EQ(health["storage_full"], true) << health.dump();
    EXPECT_EQ(test::http_get(running.port(), "/api/batches/" + first_id).status, 200);
    EXPECT_EQ(test::file_bytes(accepted), page) << "an accepted page was damaged";

    // Space returns: intake reopens by itself.
    fs::remove(data / "filler");
    const auto recovered = test::http_upload(running.port(), {{"0002.jpg", page}});
    EXPECT_EQ(recovered.status, 201) << recovered.body;
    EXPECT_EQ(json::parse(test::http_get(running.port(), "/healthz").body)["storage_full"], false);
    EXPECT_EQ(test::file_bytes(accepted), page);
    running.stop();
    // The queue is sound.
    const auto check = sohoa::test::run_command(
        "sqlite3 " + sohoa::test::shell_quote((data / "queue.sqlite").string()) +
        " 'PRAGMA integrity_check'");
    EXPECT_EQ(check.output, "ok\n");
  }
  ::umount2(data.c_str(), MNT_DETACH);
}

}  // namespace
}  // namespace sohoa::service
