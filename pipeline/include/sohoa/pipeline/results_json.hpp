#pragma once
// The results file of `--results`: the format read by shared/corpus/score.py
// ({"pages": [{"source", "text", "rotation", "blank", ...}]}) plus per-page
// details (confidence, deskew, encoding, warnings, error), and the `--sidecar`
// text. Both are streamed: each page goes to disk as it completes, so memory
// does not grow with the page count.

#include <memory>
#include <string>

#include "sohoa/pipeline/ocr_job.hpp"

namespace sohoa::pipeline {

// Writes atomically (temp file + rename). Throws Error(OutputFailed).
void write_text_file_atomically(const std::string& path, const std::string& content);

// `--results`: page entries are appended to a temp file beside `path` as they
// arrive; finish() adds the job-wide fields and renames the file into place.
// Destroyed without finish(): the temp file is removed and nothing appears.
class ResultsWriter {
 public:
  // Creates the temp file at once, so an unwritable path fails before any page
  // work. `source_root`: when not empty, sources are written relative to it.
  // Throws Error(OutputFailed).
  explicit ResultsWriter(const std::string& path, std::string source_root = {});
  ~ResultsWriter();
  ResultsWriter(const ResultsWriter&) = delete;
  ResultsWriter& operator=(const ResultsWriter&) = delete;

  void add_page(const PageReport& page);
  void finish(const JobReport& report);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// `--sidecar`: the plain text of every page written to the PDF, pages separated
// by form feeds (like OCRmyPDF's sidecar); streamed and committed like ResultsWriter.
class SidecarWriter {
 public:
  explicit SidecarWriter(const std::string& path);
  ~SidecarWriter();
  SidecarWriter(const SidecarWriter&) = delete;
  SidecarWriter& operator=(const SidecarWriter&) = delete;

  void add_page(const PageReport& page);  // pages not in the PDF are skipped
  void finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace sohoa::pipeline
