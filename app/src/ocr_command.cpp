// `sohoa ocr`: scanned pages in, one searchable PDF/A out (OCRmyPDF-like
// conventions: exit codes, a progress bar on a terminal, quiet otherwise).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <optional>
#include <thread>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "sohoa/pipeline/ocr_job.hpp"
#include "sohoa/pipeline/results_json.hpp"

namespace sohoa::app {

namespace {

struct OcrCommandOptions {
  pipeline::OcrJobOptions job;
  std::string results_path;
  std::string sidecar_path;
  std::string source_root;
  bool quiet = false;
};

void draw_progress(const pipeline::Progress& progress) {
  constexpr int kWidth = 30;
  const int filled =
      progress.pages_total > 0 ? kWidth * progress.pages_done / progress.pages_total : kWidth;
  const double rate = progress.seconds > 0 ? progress.pages_done / progress.seconds : 0;
  const double eta = rate > 0 ? (progress.pages_total - progress.pages_done) / rate : 0;
  std::fprintf(stderr, "\r[%-*s] %d/%d pages  %.2f pages/s  ETA %3.0fs", kWidth,
               std::string(static_cast<std::size_t>(filled), '#').c_str(), progress.pages_done,
               progress.pages_total, rate, eta);
  if (progress.pages_done == progress.pages_total) std::fputc('\n', stderr);
  std::fflush(stderr);
}

int exit_code_for(const pipeline::JobReport& report) {
  bool any_failure = !report.failed_inputs.empty();
  bool only_encrypted = true;
  for (const auto& failure : report.failed_inputs) {
    only_encrypted = only_encrypted && failure.error.code() == ErrorCode::EncryptedPdf;
  }
  if (!report.page_errors.empty()) {
    any_failure = true;
    only_encrypted = false;
  }
  if (any_failure) return only_encrypted ? kExitEncryptedPdf : kExitInputFile;
  // Every page was blank: nothing to bundle, which the user must hear about.
  return report.output_error ? kExitInputFile : kExitOk;
}

int run(const OcrCommandOptions& options) {
  pipeline::ProgressSink progress;
  if (!options.quiet && isatty(STDERR_FILENO) != 0) progress = draw_progress;
  // Created before any page work, so an unwritable path fails at once; pages
  // are streamed into them as they complete (memory stays flat in the page count).
  std::optional<pipeline::ResultsWriter> results;
  if (!options.results_path.empty()) results.emplace(options.results_path, options.source_root);
  std::optional<pipeline::SidecarWriter> sidecar;
  if (!options.sidecar_path.empty()) sidecar.emplace(options.sidecar_path);
  auto report = pipeline::run_ocr_job(options.job, progress, [&](const pipeline::PageReport& page) {
    if (results) results->add_page(page);
    if (sidecar) sidecar->add_page(page);
  });

  // One line per problem, naming the file and the reason.
  for (const auto& failure : report.failed_inputs) {
    std::cerr << "sohoa: skipped " << failure.error.what() << '\n';
  }
  for (const auto& error : report.page_errors) {
    std::cerr << "sohoa: skipped " << error.what() << '\n';
  }
  if (report.output_error) std::cerr << "sohoa: " << report.output_error->what() << '\n';

  if (results) results->finish(report);
  if (sidecar) sidecar->finish();
  if (!options.quiet) {
    std::cerr << "sohoa: " << report.pages_read << " pages read, " << report.pages_written
              << " written, " << report.blank_pages << " blank";
    if (!options.job.output_pdf.empty() && report.pages_written > 0) {
      std::cerr << " -> " << options.job.output_pdf;
    }
    std::cerr << " (" << report.seconds << " s)\n";
  }
  return exit_code_for(report);
}

}  // namespace

void add_ocr_command(CLI::App& root, RunAction& run_action) {
  auto options = std::make_shared<OcrCommandOptions>();
  auto* command = root.add_subcommand("ocr", "Clean, OCR and bundle scanned pages as one PDF/A");
  command
      ->add_option("inputs", options->job.inputs,
                   "JPEG, PNG, TIFF (multi-page) and scanned PDF files, in page order")
      ->required();
  command->add_option("-o,--output", options->job.output_pdf, "The PDF/A to write");
  command
      ->add_option("-l,--lang", options->job.languages, "Tesseract languages, e.g. vie or vie+eng")
      ->capture_default_str();
  command->add_option("--pdfa", options->job.level, "PDF/A level")
      ->check(CLI::IsMember({"1b", "2b", "2u"}))
      ->capture_default_str();
  command->add_option("-j,--jobs", options->job.jobs, "Worker threads (default: all cores)")
      ->check(CLI::Range(0, 64));
  command->add_option("--results", options->results_path,
                      "Write per-page results as JSON (the corpus score.py format)");
  command->add_option("--sidecar", options->sidecar_path, "Write the recognised text");
  command->add_option("--source-root", options->source_root,
                      "Write result sources relative to this folder");
  command->add_option("--title", options->job.title, "Document title (default: output name)");
  command->add_option("--tessdata", options->job.tessdata_dir, "Tesseract data folder");
  command
      ->add_option("--max-pixels", options->job.max_pixels,
                   "Refuse pages with more pixels than this")
      ->capture_default_str();
  command->add_flag("--keep-blank", options->job.keep_blank, "Keep blank pages in the PDF");
  command->add_flag(
      "--no-deskew", [options](std::int64_t) { options->job.deskew = false; },
      "Do not straighten skewed pages");
  command->add_flag("-q,--quiet", options->quiet, "No progress or summary");
  command->callback([options, command, &run_action] {
    if (options->job.output_pdf.empty() && options->results_path.empty() &&
        options->sidecar_path.empty()) {
      throw CLI::ValidationError("ocr", "give -o OUT.pdf, --results or --sidecar");
    }
    (void)command;
    run_action = [options] { return run(*options); };
  });
}

}  // namespace sohoa::app
