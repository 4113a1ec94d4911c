#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "sohoa/pipeline/results_json.hpp"
#include "test_support.hpp"

namespace sohoa::pipeline {
namespace {

JobReport sample_report() {
  JobReport report;
  PageReport text_page;
  text_page.source = {"/corpus/batches/b01/0001.jpg", 0};
  text_page.ok = true;
  text_page.geometry.rotation = 180;
  text_page.text.lines.push_back({{}, {{"Độc", {}, 90}, {"lập", {}, 91}}});
  text_page.in_pdf = true;
  PageReport blank_page;
  blank_page.source = {"/corpus/batches/b03/0002.jpg", 0};
  blank_page.ok = true;
  blank_page.geometry.blank = true;
  PageReport broken_page;
  broken_page.source = {"/corpus/bad.tif", 1};
  broken_page.error = Error(ErrorCode::CorruptInput, "strip 3 is truncated");
  report.pages = {text_page, blank_page, broken_page};
  report.failed_inputs.push_back({"/corpus/empty.jpg", Error(ErrorCode::EmptyInput, "the file is empty")});
  return report;
}

TEST(ResultsJson, SpeaksTheScorersFormat) {
  auto json = nlohmann::json::parse(results_to_json(sample_report(), "/corpus"));
  ASSERT_EQ(json["pages"].size(), 3u);
  const auto& first = json["pages"][0];
  EXPECT_EQ(first["source"], "batches/b01/0001.jpg");
  EXPECT_EQ(first["text"], "Độc lập");
  EXPECT_EQ(first["rotation"], 180);
  EXPECT_EQ(first["blank"], false);
  EXPECT_EQ(json["pages"][1]["blank"], true);
  EXPECT_EQ(json["pages"][2]["error"]["code"], "corrupt-input");
  EXPECT_FALSE(json["pages"][2].contains("text"));
  EXPECT_EQ(json["failed_inputs"][0]["error"]["code"], "empty-input");
}

TEST(ResultsJson, SourcesStayAsGivenWithoutRoot) {
  auto json = nlohmann::json::parse(results_to_json(sample_report()));
  EXPECT_EQ(json["pages"][0]["source"], "/corpus/batches/b01/0001.jpg");
}

TEST(Sidecar, OnlyPagesInThePdfSeparatedByFormFeeds) {
  auto report = sample_report();
  report.pages.push_back(report.pages[0]);
  EXPECT_EQ(sidecar_text(report), "Độc lập\n\fĐộc lập\n");
}

TEST(AtomicWrite, ReplacesWholeFileAndReportsFailures) {
  test::ScratchDir scratch;
  auto path = (scratch / "r.json").string();
  write_text_file_atomically(path, "first");
  write_text_file_atomically(path, "second");
  EXPECT_EQ(test::read_text(path), "second");
  try {
    write_text_file_atomically((scratch / "missing/dir/r.json").string(), "x");
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::OutputFailed);
    EXPECT_NE(std::string(error.what()).find("missing/dir/r.json"), std::string::npos);
  }
}

}  // namespace
}  // namespace sohoa::pipeline
