#include "sohoa/pipeline/results_json.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <vector>

#include "test_support.hpp"

namespace sohoa::pipeline {
namespace {

PageReport text_page() {
  PageReport page;
  page.source = {"/corpus/batches/b01/0001.jpg", 0};
  page.ok = true;
  page.geometry.rotation = 180;
  page.text.lines.push_back({{}, {{"Độc", {}, 90}, {"lập", {}, 91}}});
  page.in_pdf = true;
  return page;
}

std::vector<PageReport> sample_pages() {
  PageReport blank_page;
  blank_page.source = {"/corpus/batches/b03/0002.jpg", 0};
  blank_page.ok = true;
  blank_page.geometry.blank = true;
  PageReport broken_page;
  broken_page.source = {"/corpus/bad.tif", 1};
  broken_page.error = Error(ErrorCode::CorruptInput, "strip 3 is truncated");
  return {text_page(), blank_page, broken_page};
}

JobReport sample_report() {
  JobReport report;
  report.pages_read = 3;
  report.pages_written = 1;
  report.failed_inputs.push_back(
      {"/corpus/empty.jpg", Error(ErrorCode::EmptyInput, "the file is empty")});
  return report;
}

std::vector<std::filesystem::path> files_in(const std::filesystem::path& folder) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) files.push_back(entry);
  return files;
}

nlohmann::json write_results(const std::filesystem::path& path, const std::string& root) {
  ResultsWriter writer(path.string(), root);
  for (const auto& page : sample_pages()) writer.add_page(page);
  writer.finish(sample_report());
  return nlohmann::json::parse(test::read_text(path));
}

TEST(ResultsJson, SpeaksTheScorersFormat) {
  test::ScratchDir scratch;
  auto json = write_results(scratch / "r.json", "/corpus");
  ASSERT_EQ(json["pages"].size(), 3U);
  const auto& first = json["pages"][0];
  EXPECT_EQ(first["source"], "batches/b01/0001.jpg");
  EXPECT_EQ(first["text"], "Độc lập");
  EXPECT_EQ(first["rotation"], 180);
  EXPECT_EQ(first["blank"], false);
  EXPECT_EQ(json["pages"][1]["blank"], true);
  EXPECT_EQ(json["pages"][2]["error"]["code"], "corrupt-input");
  EXPECT_FALSE(json["pages"][2].contains("text"));
  EXPECT_EQ(json["failed_inputs"][0]["error"]["code"], "empty-input");
  EXPECT_EQ(json["pages_written"], 1);
}

TEST(ResultsJson, SourcesStayAsGivenWithoutRoot) {
  test::ScratchDir scratch;
  auto json = write_results(scratch / "r.json", "");
  EXPECT_EQ(json["pages"][0]["source"], "/corpus/batches/b01/0001.jpg");
}

TEST(ResultsJson, ValidWithoutAnyPage) {
  test::ScratchDir scratch;
  ResultsWriter writer((scratch / "r.json").string());
  JobReport report = sample_report();
  report.output_error = Error(ErrorCode::InvalidArgument, "no page to write");
  writer.finish(report);
  auto json = nlohmann::json::parse(test::read_text(scratch / "r.json"));
  EXPECT_TRUE(json["pages"].empty());
  EXPECT_EQ(json["output_error"]["code"], "invalid-argument");
}

// Memory stays flat in the page count only if each page's text leaves memory
// when it is added: it must already be on disk, beside the final name.
TEST(ResultsJson, EachPageReachesTheDiskWhenAdded) {
  test::ScratchDir scratch;
  const auto path = scratch / "r.json";
  ResultsWriter writer(path.string());
  writer.add_page(text_page());
  EXPECT_FALSE(std::filesystem::exists(path));
  const auto files = files_in(scratch.path());
  ASSERT_EQ(files.size(), 1U);
  EXPECT_NE(test::read_text(files[0]).find("Độc lập"), std::string::npos);
  writer.finish(sample_report());
  EXPECT_EQ(files_in(scratch.path()), std::vector<std::filesystem::path>{path});
}

TEST(ResultsJson, UnfinishedWriterLeavesNothing) {
  test::ScratchDir scratch;
  {
    ResultsWriter writer((scratch / "r.json").string());
    writer.add_page(text_page());
  }
  EXPECT_TRUE(files_in(scratch.path()).empty());
}

TEST(ResultsJson, UnwritablePathFailsBeforeAnyPage) {
  test::ScratchDir scratch;
  try {
    ResultsWriter writer((scratch / "missing/dir/r.json").string());
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::OutputFailed);
    EXPECT_NE(std::string(error.what()).find("missing/dir/r.json"), std::string::npos);
  }
}

TEST(Sidecar, OnlyPagesInThePdfSeparatedByFormFeeds) {
  test::ScratchDir scratch;
  const auto path = scratch / "out.txt";
  SidecarWriter writer(path.string());
  for (const auto& page : sample_pages()) writer.add_page(page);
  writer.add_page(text_page());
  const auto files = files_in(scratch.path());
  ASSERT_EQ(files.size(), 1U);
  EXPECT_EQ(test::read_text(files[0]), "Độc lập\n\fĐộc lập\n");  // on disk before finish()
  writer.finish();
  EXPECT_EQ(test::read_text(path), "Độc lập\n\fĐộc lập\n");
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
