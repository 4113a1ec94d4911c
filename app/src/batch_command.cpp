// `sohoa batch`: a counter scanner's stack in, one PDF/A per dossier out, plus
// the review list for counter staff.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "commands.hpp"
#include "config_paths.hpp"
#include "exit_codes.hpp"
#include "sohoa/pipeline/batch_job.hpp"
#include "sohoa/pipeline/results_json.hpp"

namespace sohoa::app {

namespace {

namespace fs = std::filesystem;

struct BatchCommandOptions {
  std::vector<std::string> inputs;
  pipeline::BatchJobOptions job;
  std::string results_path;
  std::string source_root;
  bool no_review_pdfs = false;
  bool quiet = false;
};

// Folders stand for their files, sorted by name (the scanner's feed order);
// hidden files are skipped.
std::vector<std::string> expand_inputs(const std::vector<std::string>& inputs) {
  std::vector<std::string> out;
  for (const auto& input : inputs) {
    std::error_code ec;
    if (!fs::is_directory(input, ec)) {
      out.push_back(input);
      continue;
    }
    std::vector<std::string> files;
    for (const auto& entry : fs::directory_iterator(input, ec)) {
      const std::string name = entry.path().filename().string();
      if (name.empty() || name[0] == '.' || !entry.is_regular_file(ec)) continue;
      files.push_back(entry.path().string());
    }
    std::sort(files.begin(), files.end());
    out.insert(out.end(), files.begin(), files.end());
  }
  return out;
}

void draw_progress(const pipeline::Progress& progress) {
  std::fprintf(stderr, "\r%d/%d pages  %.1f s", progress.pages_done, progress.pages_total,
               progress.seconds);
  if (progress.pages_done == progress.pages_total) std::fputc('\n', stderr);
  std::fflush(stderr);
}

int run(BatchCommandOptions& options) {
  options.job.inputs = expand_inputs(options.inputs);
  if (options.job.inputs.empty()) {
    std::cerr << "sohoa: no input files\n";
    return kExitBadArgs;
  }
  if (options.job.classes_path.empty()) options.job.classes_path = find_config_dir("page_classes");
  if (options.job.classes_path.empty()) {
    std::cerr << "sohoa: no page-class configuration found; give --classes "
                 "(config/page_classes in the source tree)\n";
    return kExitBadArgs;
  }
  options.job.write_review_pdfs = !options.no_review_pdfs;
  pipeline::ProgressSink progress;
  if (!options.quiet && isatty(STDERR_FILENO) != 0) progress = draw_progress;
  const auto report = pipeline::run_batch_job(options.job, progress);

  for (const auto& failure : report.failed_inputs) {
    std::cerr << "sohoa: skipped " << failure.error.what() << '\n';
  }
  for (const auto& page : report.pages) {
    if (page.report.error) std::cerr << "sohoa: skipped " << page.report.error->what() << '\n';
  }
  const fs::path out_dir(options.job.output_dir);
  pipeline::write_text_file_atomically((out_dir / "review.json").string(),
                                       pipeline::review_to_json(report, options.source_root));
  pipeline::write_text_file_atomically((out_dir / "review.txt").string(),
                                       pipeline::review_to_text(report, options.source_root));
  if (!options.results_path.empty()) {
    pipeline::write_text_file_atomically(
        options.results_path, pipeline::batch_results_to_json(report, options.source_root));
  }
  int dossiers = 0;
  bool output_failed = false;
  for (const auto& group : report.groups) {
    dossiers += group.record.kind == understanding::GroupKind::Dossier && !group.pdf_path.empty();
    if (group.output_error) {
      std::cerr << "sohoa: " << group.output_error->what() << '\n';
      output_failed = true;
    }
  }
  const auto review = report.review_items().size() + report.failed_inputs.size();
  if (!options.quiet) {
    std::cerr << "sohoa: " << report.pages.size() << " pages, " << dossiers << " dossiers filed in "
              << options.job.output_dir << ", " << review << " review items ("
              << (out_dir / "review.txt").string() << ") (" << report.seconds << " s)\n";
  }
  if (output_failed) return kExitFileAccess;
  return report.all_ok() ? kExitOk : kExitInputFile;
}

}  // namespace

void add_batch_command(CLI::App& root, RunAction& run_action) {
  auto options = std::make_shared<BatchCommandOptions>();
  auto* command = root.add_subcommand(
      "batch", "Split a scanner stack into dossiers and documents; one PDF/A per dossier");
  command
      ->add_option("inputs", options->inputs,
                   "Folders (files sorted by name) and files, in feed order")
      ->required();
  command
      ->add_option("-o,--output", options->job.output_dir,
                   "Folder for <dossier code>.pdf, "
                   "review.json and review.txt")
      ->required();
  command->add_option("--results", options->results_path,
                      "Write per-page results as JSON (the corpus score.py format)");
  command->add_option("--classes", options->job.classes_path,
                      "Page-class file, or folder of dated files (default: config/page_classes)");
  command->add_option("--classes-date", options->job.classes_date,
                      "With a folder: use the files in force on this date (YYYY-MM-DD)");
  command->add_option("--source-root", options->source_root,
                      "Write result sources relative to this folder");
  command->add_option("-l,--lang", options->job.languages, "Tesseract languages")
      ->capture_default_str();
  command->add_option("--pdfa", options->job.level, "PDF/A level")
      ->check(CLI::IsMember({"1b", "2b", "2u"}))
      ->capture_default_str();
  command->add_option("-j,--jobs", options->job.jobs, "Worker threads (default: all cores)")
      ->check(CLI::Range(0, 64));
  command->add_option("--tessdata", options->job.tessdata_dir, "Tesseract data folder");
  command
      ->add_option("--max-pixels", options->job.max_pixels,
                   "Refuse pages with more pixels than this")
      ->capture_default_str();
  command->add_flag("--keep-blank", options->job.keep_blank, "Keep blank pages in the PDFs");
  command->add_flag("--per-document", options->job.per_document_pdfs,
                    "Also write one PDF/A per document: OUTDIR/documents/<dossier>.<nn>.pdf");
  command->add_flag("--no-review-pdfs", options->no_review_pdfs,
                    "Do not write review-NN.pdf for pages that could not be filed");
  command->add_flag(
      "--no-deskew", [options](std::int64_t) { options->job.deskew = false; },
      "Do not straighten skewed pages");
  command->add_flag("-q,--quiet", options->quiet, "No progress or summary");
  command->callback([options, &run_action] { run_action = [options] { return run(*options); }; });
}

}  // namespace sohoa::app
