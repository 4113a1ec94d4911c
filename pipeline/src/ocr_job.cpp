#include "sohoa/pipeline/ocr_job.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>

#include "ordered_work.hpp"
#include "page_loader.hpp"
#include "page_processor.hpp"
#include "sohoa/imaging/cleanup.hpp"
#include "sohoa/pdf/pdfa_writer.hpp"

namespace sohoa::pipeline {

bool JobReport::all_ok() const {
  return failed_inputs.empty() && page_errors.empty();
}

namespace {

pdf::DocumentInfo document_info(const OcrJobOptions& options) {
  pdf::DocumentInfo info;
  info.title = options.title.empty() ? std::filesystem::path(options.output_pdf).stem().string()
                                     : options.title;
  info.creator = "sohoa ocr";
  return info;
}

}  // namespace

JobReport run_ocr_job(const OcrJobOptions& options, const ProgressSink& progress,
                      const PageSink& page_sink) {
  const auto started = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };
  imaging::DecodeLimits limits;
  limits.max_pixels = options.max_pixels;
  imaging::run_operations_on_calling_thread();

  JobReport report;
  std::vector<PageSource> sources = enumerate_pages(options.inputs, limits, report.failed_inputs);
  const int total = static_cast<int>(sources.size());
  const int jobs = std::clamp(
      options.jobs > 0 ? options.jobs : static_cast<int>(std::thread::hardware_concurrency()), 1,
      64);

  ocr::OcrOptions ocr_options;
  ocr_options.languages = options.languages;
  ocr_options.tessdata_dir = options.tessdata_dir;
  ocr_options.orientation_model = true;

  // Workers' engines are created up front on the calling thread's behalf so a
  // missing language pack fails the job once, clearly, before any page work.
  std::vector<std::unique_ptr<WorkerState>> states;
  const int worker_count = std::min(jobs, std::max(total, 1));
  for (int i = 0; i < worker_count; ++i) {
    states.push_back(std::make_unique<WorkerState>(ocr_options, limits));
  }

  std::unique_ptr<pdf::PdfAWriter> writer;
  if (!options.output_pdf.empty()) {
    writer = std::make_unique<pdf::PdfAWriter>(
        options.output_pdf, pdf::parse_pdfa_level(options.level), document_info(options));
  }

  PageProcessor processor(options);
  OrderedWork work(total, 2 * worker_count);
  std::vector<std::jthread> workers;
  for (auto& state : states) {
    workers.emplace_back([&, worker = state.get()] {
      for (int index = work.take(); index >= 0; index = work.take()) {
        work.finish(index, processor.process(*worker, sources[static_cast<std::size_t>(index)]));
      }
    });
  }

  try {
    int done = 0;
    while (auto page = work.next_in_order()) {
      const bool wanted = page->report.ok && (!page->report.geometry.blank || options.keep_blank);
      if (writer && wanted) {
        pdf::PageContent content;
        content.encoded = page->encoded;
        content.pixels = page->pixels ? &*page->pixels : nullptr;
        content.dpi_x = page->dpi_x;
        content.dpi_y = page->dpi_y;
        content.text = &page->report.text;
        writer->add_page(content);
        page->report.in_pdf = true;
        ++report.pages_written;
      }
      ++report.pages_read;
      if (page->report.ok && page->report.geometry.blank) ++report.blank_pages;
      if (page->report.error) report.page_errors.push_back(*page->report.error);
      if (page_sink) page_sink(page->report);
      ++done;
      if (progress) progress({done, total, elapsed()});
    }
    if (writer) {
      if (report.pages_written == 0) {
        // Destroying the unfinished writer leaves nothing on disk.
        writer.reset();
        report.output_error = Error(ErrorCode::InvalidArgument,
                                    "no page to write (every input failed or every page is "
                                    "blank); no PDF was created",
                                    {options.output_pdf});
      } else {
        writer->finish();
      }
    }
  } catch (...) {
    work.stop();
    throw;
  }
  report.seconds = elapsed();
  return report;
}

}  // namespace sohoa::pipeline
