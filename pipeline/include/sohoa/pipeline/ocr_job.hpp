#pragma once
// The page pipeline behind `sohoa ocr`: scanned pages in, one searchable PDF/A
// out. Stages per page: load -> blank test -> orient -> deskew -> recognise ->
// encode; pages of all inputs are spread over `jobs` workers and written in
// input order by a bounded reorder window, so memory stays flat.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sohoa/core/error.hpp"
#include "sohoa/core/page.hpp"

namespace sohoa::pipeline {

enum class OutputLevel : std::uint8_t { PdfA1b, PdfA2b, PdfA2u };

struct OcrJobOptions {
  std::vector<std::string> inputs;  // image files and scanned PDFs, in page order
  std::string output_pdf;           // empty: no PDF (results/sidecar only)
  std::string level = "2b";         // "1b" | "2b" | "2u"
  std::string languages = "vie";
  std::string tessdata_dir;
  int jobs = 0;             // 0: number of cores
  bool keep_blank = false;  // keep blank pages in the PDF
  bool deskew = true;
  double min_deskew_degrees = 0.2;  // smaller skews are left alone (no re-encoding)
  std::int64_t max_pixels = 250'000'000;
  std::string title;  // PDF title; default: the output file's stem
};

// What the pipeline decided and read for one input page.
struct PageReport {
  PageSource source;
  bool ok = false;  // false: the page could not be processed (see error)
  PageGeometry geometry;
  OcrText text;
  int dpi = 0;
  bool in_pdf = false;         // written to the output PDF
  bool reencoded = false;      // pixels changed and were re-encoded (see warnings)
  std::string image_encoding;  // "jpeg", "ccitt-g4", "flate"
  Warnings warnings;
  std::optional<Error> error;
};

// An input that could not be opened at all (no pages enumerated).
struct InputFailure {
  std::string path;
  Error error;
};

// What the job keeps once each page's report went to the PageSink: counts and
// the failures, nothing that grows with the pages' text.
struct JobReport {
  int pages_read = 0;  // pages enumerated (processed or failed)
  int blank_pages = 0;
  std::vector<Error> page_errors;  // pages that could not be processed, in input order
  std::vector<InputFailure> failed_inputs;
  int pages_written = 0;
  std::optional<Error> output_error;  // set when no PDF could be produced
  double seconds = 0;
  [[nodiscard]] bool all_ok() const;
};

struct Progress {
  int pages_done = 0;
  int pages_total = 0;
  double seconds = 0;
};
using ProgressSink = std::function<void(const Progress&)>;
// Receives every page's full report in input order as soon as the page is done
// (and written to the PDF), so callers stream results out instead of holding
// every page's text; a throw stops the job.
using PageSink = std::function<void(const PageReport&)>;

// Runs the whole job. Bad inputs are reported in the JobReport, never abort the
// good ones. Throws sohoa::Error only for job-wide failures (OCR data missing,
// output cannot be written).
JobReport run_ocr_job(const OcrJobOptions& options, const ProgressSink& progress = {},
                      const PageSink& page_sink = {});

}  // namespace sohoa::pipeline
