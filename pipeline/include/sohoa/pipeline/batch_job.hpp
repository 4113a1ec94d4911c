#pragma once
// The batch job behind `sohoa batch`: a counter scanner's stack in, filed
// dossiers out. The page pipeline (load, orient, deskew, recognise) runs in the
// workers, each page is understood there too (class, QR, MRZ, fields), and the
// writer thread, taking pages in stack order, splits them into dossiers and
// documents and streams each dossier's pages into `<dossier code>.pdf` as they
// arrive; bookmarks and TT 05/2025 metadata are added when the dossier closes.
// Pages that cannot be filed safely go to review PDFs and the review list.

#include <map>
#include <string>
#include <vector>

#include "sohoa/pipeline/ocr_job.hpp"
#include "sohoa/understanding/dossier.hpp"

namespace sohoa::pipeline {

struct BatchJobOptions {
  std::vector<std::string> inputs;  // files in stack order (folders already expanded)
  std::string output_dir;
  std::string classes_path;  // a class file, or a folder of dated class files
  std::string classes_date;  // with a folder: the date the files must be in force on
  std::string level = "2b";
  std::string languages = "vie";
  std::string tessdata_dir;
  int jobs = 0;
  bool keep_blank = false;
  bool deskew = true;
  std::int64_t max_pixels = 250'000'000;
  bool write_review_pdfs = true;  // pages that could not be filed, for staff to look at
  // Also one PDF/A per document of a dossier (the registry files documents):
  // `<output_dir>/documents/<dossier code>.<nn>.pdf`, nn = the document's place
  // in its dossier from 01 (`sohoa batch --per-document`; on when the service
  // files into the registry).
  bool per_document_pdfs = false;
};

struct BatchPage {
  PageReport report;
  std::string page_class;
  double class_score = 0;
  std::vector<std::string> qr;
  std::map<std::string, std::string> fields;
  std::string group;   // dossier code or review-group name
  bool filed = false;  // in a dossier (not a review group)
  int document = -1;
  std::vector<understanding::ReviewFlag> flags;
};

struct BatchGroup {
  understanding::GroupRecord record;
  std::string pdf_path;  // empty when no PDF was written
  // With per_document_pdfs, for dossiers: document id -> its own PDF/A (documents
  // whose pages were all left out have none).
  std::map<int, std::string> document_pdfs;
  int pages_written = 0;
  std::optional<Error> output_error;
};

struct BatchReport {
  std::vector<BatchPage> pages;  // in stack order
  std::vector<InputFailure> failed_inputs;
  std::vector<BatchGroup> groups;  // dossiers and review groups, in order
  std::string classes_version;
  double seconds = 0;
  double understanding_seconds = 0;  // summed over workers
  [[nodiscard]] std::vector<understanding::ReviewItem> review_items() const;
  [[nodiscard]] bool all_ok() const;
};

// Throws sohoa::Error for job-wide failures (class configuration missing, OCR
// data missing, output folder not writable); page problems go to the report.
BatchReport run_batch_job(const BatchJobOptions& options, const ProgressSink& progress = {});

// `--results` in the score.py format (source, text, class, rotation, blank, qr,
// fields, dossier, document) plus confidence, review flags and errors.
std::string batch_results_to_json(const BatchReport& report, const std::string& source_root = {});
// The review list for counter staff: JSON and a readable text.
std::string review_to_json(const BatchReport& report, const std::string& source_root = {});
std::string review_to_text(const BatchReport& report, const std::string& source_root = {});

}  // namespace sohoa::pipeline
