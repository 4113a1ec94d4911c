// Faults through the service: every scanner status of docs/scanners.md from a
// scanner profile to the API and the log, and a full data disk at the upload door.
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>
#include <vector>

#include "sane_config.hpp"
#include "service_test_support.hpp"
#include "test_support.hpp"

namespace sohoa::service {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::eventually;

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

json post_json(int port, const std::string& path, int expected_status) {
  const auto reply = test::http_post(port, path);
  EXPECT_EQ(reply.status, expected_status) << path << ": " << reply.body;
  return json::parse(reply.body, nullptr, false);
}

json get_json(int port, const std::string& path) {
  const auto reply = test::http_get(port, path);
  EXPECT_EQ(reply.status, 200) << path << ": " << reply.body;
  return json::parse(reply.body, nullptr, false);
}

// The statuses of a counter scanner mid-stack: the stack scanned so far stays in
// the device's open batch (durably, across a restart), the API says what to do
// in both languages, and the batch is resumed or closed.
TEST(ServiceScanners, PagesBeforeAFaultAreKeptAndTheBatchResumesOrCloses) {
  sohoa::test::SaneTestConfig sane;
  sohoa::test::ScratchDir scratch;
  auto config = test::test_config(scratch / "data");
  config.processing = false;  // the accepted pages stay in the queue, where we count them
  // Profiles of one device: settings presets; the open batch belongs to the device.
  config.scanners.push_back(test_scanner("stack", "test:0", ""));
  config.scanners.push_back(test_scanner("jam", "test:0", "SANE_STATUS_JAMMED"));
  config.scanners.push_back(test_scanner("cover", "test:0", "SANE_STATUS_COVER_OPEN"));
  config.scanners.push_back(test_scanner("empty", "test:0", "SANE_STATUS_NO_DOCS"));
  config.scanners.push_back(test_scanner("io", "test:0", "SANE_STATUS_IO_ERROR"));
  config.scanners.push_back(test_scanner("second", "test:1", ""));
  const fs::path open_folder = scratch / "data" / "spool" / "open";
  struct Case {
    const char* stack;    // the good profile of the device
    const char* profile;  // the one that faults after the first stack; none: unplugged
    const char* fault;
    bool resume;  // resume with the next stack, else close the batch as it is
  };
  const std::vector<Case> cases = {{"stack", "jam", "jammed", true},
                                   {"stack", "cover", "cover-open", false},
                                   {"stack", "empty", "no-documents", false},
                                   {"stack", "io", "io-error", true},
                                   {"second", "", "device-gone", true}};
  std::set<std::string> accepted;
  {
    test::RunningService running(config);
    ASSERT_GT(running.port(), 0);
    const int port = running.port();
    for (const auto& item : cases) {
      SCOPED_TRACE(item.fault);
      // First stack: 10 sheets, and the staff has more for the same batch.
      const std::string scanner_path = std::string("/api/scanners/") + item.stack;
      const auto first = post_json(port, scanner_path + "/scan?more=1", 200);
      EXPECT_EQ(first["pages"], 10) << first.dump();
      EXPECT_EQ(first["state"], "open");
      ASSERT_TRUE(first["batch"].is_string()) << first.dump();
      const std::string batch = first["batch"];

      // The fault while scanning the next stack.
      json faulted;
      if (*item.profile != '\0') {
        faulted = post_json(port, std::string("/api/scanners/") + item.profile + "/scan", 409);
      } else {
        // Unplugged: SANE no longer lists test:1 when the service opens it.
        sohoa::test::write_text(sane.path() / "test.conf", "number_of_devices 1\n");
        faulted = post_json(port, scanner_path + "/resume", 409);
        sohoa::test::write_text(sane.path() / "test.conf", "number_of_devices 2\n");
      }
      EXPECT_EQ(faulted["fault"]["kind"], item.fault) << faulted.dump();
      EXPECT_EQ(faulted["fault"]["pages_before"], 10) << faulted.dump();
      EXPECT_EQ(faulted["batch"], batch) << "the fault continues the same batch";
      EXPECT_EQ(faulted["state"], "open");
      for (const char* language : {"message_vi", "message_en"}) {
        const std::string message = faulted["fault"][language];
        EXPECT_GT(message.size(), 20U) << language << ": " << message;
      }
      // Kept durably and counted: in the spool, in the batch list, on the scanner.
      EXPECT_EQ(std::distance(fs::directory_iterator(open_folder / batch), {}), 11)
          << "10 pages and the origin";
      const auto progress = get_json(port, "/api/batches/" + batch);
      EXPECT_EQ(progress["stage"], "open");
      EXPECT_EQ(progress["pages_total"], 10);
      const auto scanner = get_json(port, scanner_path);
      EXPECT_EQ(scanner["batch"], batch);
      EXPECT_EQ(scanner["pages"], 10);
      EXPECT_EQ(scanner["fault"]["kind"], item.fault);

      int expected_pages = 10;
      json done;
      if (item.resume) {
        done = post_json(port, scanner_path + "/resume", 201);
        expected_pages = 20;
      } else {
        done = post_json(port, scanner_path + "/close", 201);
      }
      EXPECT_EQ(done["batch"], batch);
      EXPECT_EQ(done["pages"], expected_pages) << done.dump();
      EXPECT_EQ(done["state"], "accepted");
      EXPECT_TRUE(get_json(port, scanner_path)["fault"].is_null());
      const auto queued = get_json(port, "/api/batches/" + batch);
      EXPECT_EQ(queued["stage"], "received") << queued.dump();
      EXPECT_EQ(queued["pages_total"], expected_pages) << queued.dump();
      accepted.insert(batch);
    }
    EXPECT_EQ(accepted.size(), cases.size());
    EXPECT_EQ(post_json(port, "/api/scanners/stack/close", 404)["error"].is_string(), true)
        << "nothing open to close";

    // A jam, then the service stops (or crashes) before anyone resumes.
    ASSERT_EQ(post_json(port, "/api/scanners/stack/scan?more=1", 200)["pages"], 10);
    EXPECT_EQ(post_json(port, "/api/scanners/jam/scan", 409)["fault"]["pages_before"], 10);
    EXPECT_EQ(running.stop(), 0);
  }
  test::RunningService restarted(config);
  ASSERT_GT(restarted.port(), 0);
  const auto scanner = get_json(restarted.port(), "/api/scanners/stack");
  ASSERT_TRUE(scanner["batch"].is_string()) << scanner.dump();
  EXPECT_EQ(scanner["pages"], 10) << "pages scanned before the restart are still there";
  const auto closed = post_json(restarted.port(), "/api/scanners/stack/close", 201);
  EXPECT_EQ(closed["pages"], 10);
  EXPECT_EQ(get_json(restarted.port(),
                     "/api/batches/" + scanner["batch"].get<std::string>())["pages_total"],
            10);
  EXPECT_TRUE(fs::is_empty(open_folder));
  EXPECT_EQ(restarted.stop(), 0);
}

// A PDF of `pages` empty A4 pages: a multi-page file for page counting.
std::string pdf_with_pages(int pages) {
  std::vector<std::string> objects;
  std::string kids;
  for (int i = 0; i < pages; ++i) kids += std::to_string(3 + i) + " 0 R ";
  objects.push_back("<< /Type /Catalog /Pages 2 0 R >>");
  objects.push_back("<< /Type /Pages /Kids [" + kids + "] /Count " + std::to_string(pages) + " >>");
  for (int i = 0; i < pages; ++i) {
    objects.push_back("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>");
  }
  return sohoa::test::pdf_from_objects(objects);
}

int pending_pages(int port) {
  const auto metrics = test::http_get(port, "/metrics").body;
  const auto at = metrics.find("\nsohoa_pending_pages ");
  if (at == std::string::npos) return -1;
  return std::stoi(metrics.substr(at + std::string("\nsohoa_pending_pages ").size()));
}

// Back-pressure weighs pages, not files: a 3-page PDF counts 3. While the pages
// waiting reach the limit, uploads get 429 "busy, retry after" and the hot
// folder is not claimed; when they are filed, intake resumes and nothing
// accepted or dropped in the folder is lost.
TEST(ServiceBackPressure, CountsPagesRefusesWith429AndResumes) {
  sohoa::test::ScratchDir scratch;
  auto config = test::test_config(scratch / "data");
  config.max_pending_pages = 5;
  config.processing = false;  // nothing drains until the second run
  const fs::path inbox = scratch / "data" / "inbox";
  std::set<std::string> accepted;
  {
    test::RunningService running(config);
    ASSERT_GT(running.port(), 0);
    const int port = running.port();
    const auto first = test::http_upload(port, {{"three.pdf", pdf_with_pages(3)}});
    ASSERT_EQ(first.status, 201) << first.body;
    accepted.insert(json::parse(first.body)["id"].get<std::string>());
    EXPECT_EQ(pending_pages(port), 3) << "a 3-page PDF weighs 3 pages";

    // 3 + 3 > 5: refused whole, with when to come back.
    httplib::Client client("127.0.0.1", port);
    httplib::MultipartFormDataItems items = {
        {"file", pdf_with_pages(3), "again.pdf", "application/pdf"}};
    const auto busy = client.Post("/api/batches?label=busy", items);
    ASSERT_TRUE(busy);
    EXPECT_EQ(busy->status, 429) << busy->body;
    EXPECT_EQ(busy->get_header_value("Retry-After"), "5");
    EXPECT_NE(busy->body.find("busy"), std::string::npos) << busy->body;
    EXPECT_EQ(pending_pages(port), 3) << "nothing of a refused upload is kept";

    // 3 + 2 = 5 fits; then the limit is reached and even one page waits.
    const auto second = test::http_upload(port, {{"two.pdf", pdf_with_pages(2)}});
    ASSERT_EQ(second.status, 201) << second.body;
    accepted.insert(json::parse(second.body)["id"].get<std::string>());
    EXPECT_EQ(pending_pages(port), 5);
    const auto full = test::http_upload(port, {{"one.pdf", pdf_with_pages(1)}});
    EXPECT_EQ(full.status, 429) << full.body;
    EXPECT_EQ(json::parse(get_json(port, "/healthz").dump())["intake_open"], false);

    // The hot folder is not claimed while the service is busy: the file stays
    // where the scanner put it (checked after the service polled many times).
    sohoa::test::write_text(inbox / "late.pdf", pdf_with_pages(1));
    std::this_thread::sleep_for(std::chrono::seconds(2));
    EXPECT_TRUE(fs::exists(inbox / "late.pdf"));
    EXPECT_EQ(running.stop(), 0);
  }
  // Processing on: the waiting pages are filed, intake reopens by itself, the
  // hot folder's file gets in, and every accepted batch is filed.
  config.processing = true;
  test::RunningService running(config);
  ASSERT_GT(running.port(), 0);
  const int port = running.port();
  ASSERT_TRUE(eventually([&] { return !fs::exists(inbox / "late.pdf"); }))
      << "intake did not resume";
  // Every batch (two uploads, the hot folder's file) is filed; nothing waits.
  ASSERT_TRUE(eventually([&] {
    const auto list = get_json(port, "/api/batches")["batches"];
    if (list.size() != 3) return false;
    for (const auto& batch : list) {
      if (get_json(port, "/api/batches/" + batch["id"].get<std::string>())["filed"] != true) {
        return false;
      }
    }
    return true;
  })) << get_json(port, "/api/batches").dump();
  for (const auto& id : accepted) {
    EXPECT_EQ(get_json(port, "/api/batches/" + id)["filed"], true) << id;
  }
  EXPECT_TRUE(eventually([&] { return pending_pages(port) == 0; }));
  const auto upload = test::http_upload(port, {{"after.pdf", pdf_with_pages(2)}});
  EXPECT_EQ(upload.status, 201) << upload.body;
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
