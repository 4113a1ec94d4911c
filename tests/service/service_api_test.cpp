// The HTTP API against a real server on 127.0.0.1: health, metrics, uploads
// through to filed dossiers, and bad input through the upload and folder doors.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "service_test_support.hpp"
#include "sohoa/core/error.hpp"
#include "sohoa/service/service_config.hpp"
#include "test_support.hpp"

namespace sohoa::service {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::eventually;

fs::path b01() {
  return sohoa::test::corpus_dir() / "batches" / "b01";
}

TEST(ServiceConfig, ExampleAndEmbeddedDefaultParse) {
  const auto example = load_service_config(sohoa::test::source_dir() / "config/sohoa.example.json");
  EXPECT_EQ(example.data_dir, "/var/lib/sohoa");
  ASSERT_EQ(example.hot_folders.size(), 2U);
  EXPECT_EQ(example.hot_folders[1].settle_ms, 3000);
  ASSERT_EQ(example.scanners.size(), 2U);
  EXPECT_EQ(example.scanners[0].device_options.at(0).first, "swdeskew");
  EXPECT_EQ(example.listen_host, "127.0.0.1");
  const auto embedded =
      load_service_config(sohoa::test::source_dir() / "config/embedded-default.json");
  EXPECT_EQ(embedded.data_dir, (sohoa::test::source_dir() / "data").lexically_normal());
  EXPECT_EQ(embedded.listen_port, 8470);
}

TEST(ServiceConfig, MistakesNameTheKey) {
  try {
    (void)parse_service_config(R"({"data_dir": "x", "hot_folder": []})", "/");
    FAIL() << "a misspelt key was accepted";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("hot_folder"), std::string::npos) << error.what();
  }
  EXPECT_THROW((void)parse_service_config(R"({"pdfa": "3b"})", "/"), Error);
  EXPECT_THROW((void)parse_service_config(R"({"listen": "localhost"})", "/"), Error);
  EXPECT_THROW((void)parse_service_config("{", "/"), Error);
}

TEST(ServiceApi, HealthMetricsAndErrorsForBadRequests) {
  sohoa::test::ScratchDir scratch;
  auto config = test::test_config(scratch / "data");
  config.processing = false;
  test::RunningService running(config);
  ASSERT_GT(running.port(), 0);

  const auto health = test::http_get(running.port(), "/healthz");
  ASSERT_EQ(health.status, 200);
  EXPECT_EQ(json::parse(health.body)["status"], "ok");

  const auto metrics = test::http_get(running.port(), "/metrics");
  ASSERT_EQ(metrics.status, 200);
  for (const char* name :
       {"sohoa_pages_processed_total ", "sohoa_pages_per_second ",
        "sohoa_queue_depth{stage=\"understood\"}", "sohoa_failures_total", "sohoa_intake_open 1"}) {
    EXPECT_NE(metrics.body.find(name), std::string::npos) << name;
  }
  EXPECT_EQ(test::http_get(running.port(), "/api/batches/nope").status, 404);
  EXPECT_EQ(test::http_post(running.port(), "/api/batches").status, 400);
  EXPECT_EQ(test::http_post(running.port(), "/api/scanners/none/scan").status, 404);

  // Only bad files: refused with a reason per file; the service stays up.
  const auto refused =
      test::http_upload(running.port(), {{"notes.txt", "hello"}, {"empty.jpg", ""}});
  ASSERT_EQ(refused.status, 422) << refused.body;
  const auto body = json::parse(refused.body);
  ASSERT_EQ(body["files"].size(), 2U);
  EXPECT_TRUE(body["files"][0].contains("error"));
  EXPECT_TRUE(body["files"][1].contains("error"));
  EXPECT_EQ(test::http_get(running.port(), "/healthz").status, 200);
  // A name with a folder part is refused as such.
  const auto sneaky = test::http_upload(running.port(), {{"../x.jpg", "\xff\xd8\xff"}});
  EXPECT_EQ(sneaky.status, 400) << sneaky.body;
  EXPECT_EQ(running.stop(), 0);
}

// Two good pages, a truncated JPEG and a text file through the upload door, and
// a folder batch with a bad file through the hot folder: every bad file gets its
// own error, the good pages are filed.
TEST(ServiceApi, UploadAndFolderBatchesAreFiledWithPerFileErrors) {
  if (!fs::exists(b01())) GTEST_SKIP() << "no corpus";
  sohoa::test::ScratchDir scratch;
  auto config = test::test_config(scratch / "data");
  config.jobs = 2;
  test::RunningService running(config);
  ASSERT_GT(running.port(), 0);

  const std::string page1 = test::file_bytes(b01() / "0001.jpg");
  const std::string page2 = test::file_bytes(b01() / "0002.jpg");
  const std::string truncated = test::file_bytes(b01() / "0004.jpg").substr(0, 2000);
  const auto upload = test::http_upload(
      running.port(),
      {{"0001.jpg", page1}, {"0002.jpg", page2}, {"0003.jpg", truncated}, {"readme.txt", "hi"}});
  ASSERT_EQ(upload.status, 201) << upload.body;
  const auto accepted = json::parse(upload.body);
  const std::string id = accepted["id"];
  ASSERT_EQ(accepted["files"].size(), 4U);
  EXPECT_TRUE(accepted["files"][3].contains("error")) << "readme.txt is not a page";

  // Folder door: a subfolder with one good page and one bad file.
  const fs::path folder = scratch / "data" / "inbox" / "desk-2";
  fs::create_directories(folder.parent_path() / ".staging");
  const fs::path staging = folder.parent_path() / ".staging" / "desk-2";
  fs::create_directories(staging);
  sohoa::test::write_text(staging / "a.jpg", page2);
  sohoa::test::write_text(staging / "b.pdf", "%PDF-1.4 not really");
  sohoa::test::write_text(staging / ".sohoa-done", "");
  fs::rename(staging, folder);

  json status;
  ASSERT_TRUE(eventually([&] {
    const auto reply = test::http_get(running.port(), "/api/batches/" + id);
    if (reply.status != 200) return false;
    status = json::parse(reply.body);
    return status["filed"].get<bool>();
  })) << status.dump(2);
  EXPECT_EQ(status["pages_total"], 3);
  EXPECT_EQ(status["pages_done"], 3);
  ASSERT_FALSE(status["dossiers"].empty());
  for (const auto& dossier : status["dossiers"]) EXPECT_EQ(dossier["stage"], "filed");
  const std::string problems = status["problems"].dump();
  EXPECT_NE(problems.find("0003.jpg"), std::string::npos) << problems;
  EXPECT_NE(problems.find("readme.txt"), std::string::npos) << problems;
  int pdfs = 0;
  for (const auto& entry : fs::directory_iterator(scratch / "data" / "filed" / id)) {
    pdfs += entry.path().extension() == ".pdf";
  }
  EXPECT_GE(pdfs, 1);

  // The folder batch: found through the list, filed, its bad file reported.
  json folder_status;
  ASSERT_TRUE(eventually([&] {
    const auto list = json::parse(test::http_get(running.port(), "/api/batches").body);
    for (const auto& batch : list["batches"]) {
      if (batch["id"] == id) continue;
      folder_status = json::parse(
          test::http_get(running.port(), "/api/batches/" + batch["id"].get<std::string>()).body);
      return folder_status["filed"].get<bool>();
    }
    return false;
  })) << folder_status.dump(2);
  EXPECT_NE(folder_status["problems"].dump().find("b.pdf"), std::string::npos)
      << folder_status.dump(2);

  const auto metrics = test::http_get(running.port(), "/metrics").body;
  EXPECT_EQ(metrics.find("sohoa_pages_processed_total 0\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("sohoa_stage_seconds_count{stage=\"process\"} 2"), std::string::npos)
      << metrics;
  EXPECT_EQ(running.stop(), 0);
  // Nothing left behind in the spool or the work folder.
  EXPECT_TRUE(fs::is_empty(scratch / "data" / "spool" / "ready"));
  EXPECT_TRUE(fs::is_empty(scratch / "data" / "work"));
}

}  // namespace
}  // namespace sohoa::service
