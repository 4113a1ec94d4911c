#include "sohoa/pipeline/batch_job.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "ordered_work.hpp"
#include "page_loader.hpp"
#include "page_processor.hpp"
#include "sohoa/imaging/cleanup.hpp"
#include "sohoa/pdf/pdfa_writer.hpp"
#include "sohoa/understanding/page_classes.hpp"

namespace sohoa::pipeline {

namespace fs = std::filesystem;
using understanding::GroupKind;
using understanding::GroupRecord;

std::vector<understanding::ReviewItem> BatchReport::review_items() const {
  std::vector<understanding::ReviewItem> items;
  for (const auto& group : groups) {
    if (group.record.kind == GroupKind::Review) {
      items.push_back(
          {"",
           -1,
           group.record.name,
           {"not-filed", group.record.reason + " (" +
                             std::to_string(group.record.stack_indices.size()) + " pages)"}});
    }
    items.insert(items.end(), group.record.review.begin(), group.record.review.end());
    if (group.output_error) {
      items.push_back({"", -1, group.record.name, {"output-failed", group.output_error->what()}});
    }
  }
  return items;
}

bool BatchReport::all_ok() const {
  return failed_inputs.empty() &&
         std::all_of(pages.begin(), pages.end(), [](const BatchPage& p) { return p.report.ok; });
}

namespace {

understanding::ClassCatalog load_catalog(const BatchJobOptions& options) {
  if (options.classes_path.empty()) {
    throw Error(ErrorCode::InvalidArgument, "no page-class configuration given");
  }
  if (fs::is_directory(options.classes_path)) {
    return understanding::ClassCatalog::load_effective(options.classes_path, options.classes_date);
  }
  return understanding::ClassCatalog::load(options.classes_path);
}

OcrJobOptions page_options(const BatchJobOptions& options) {
  OcrJobOptions out;
  out.inputs = options.inputs;
  out.level = options.level;
  out.languages = options.languages;
  out.tessdata_dir = options.tessdata_dir;
  out.jobs = options.jobs;
  out.keep_blank = options.keep_blank;
  out.deskew = options.deskew;
  out.max_pixels = options.max_pixels;
  return out;
}

// The group being written: its PDF (opened with its first page) and where each
// page landed in it.
struct OpenGroup {
  std::string name;
  GroupKind kind = GroupKind::Review;
  std::unique_ptr<pdf::PdfAWriter> writer;
  std::map<int, int> page_of;  // stack index -> 1-based page in the PDF
  // per_document_pdfs: document id -> its own writer (dossiers only).
  struct DocumentOut {
    std::string path;
    std::unique_ptr<pdf::PdfAWriter> writer;
  };
  std::map<int, DocumentOut> document_writers;
  std::vector<pdf::Bookmark> bookmarks;
  std::vector<int> bookmarked_documents;
  std::optional<Error> output_error;
};

class BatchWriter {
 public:
  BatchWriter(const BatchJobOptions& options, BatchReport& report)
      : options_(options), report_(report), level_(pdf::parse_pdfa_level(options.level)) {}

  void open(const GroupRecord& record) {
    open_ = OpenGroup{};
    open_->name = record.name;
    open_->kind = record.kind;
  }

  // True when the page went into the group's PDF.
  bool add(const ProcessedPage& page, int stack_index, int document, const std::string& title) {
    if (!open_ || open_->output_error) return false;
    if (open_->kind == GroupKind::Review && !options_.write_review_pdfs) return false;
    try {
      if (!open_->writer) {
        pdf::DocumentInfo info;
        info.title = open_->kind == GroupKind::Dossier ? "Hồ sơ " + open_->name
                                                       : "Trang cần kiểm tra " + open_->name;
        info.creator = "sohoa batch";
        open_->writer = std::make_unique<pdf::PdfAWriter>(path_of(open_->name), level_, info);
      }
      pdf::PageContent content;
      content.encoded = page.encoded;
      content.pixels = page.pixels ? &*page.pixels : nullptr;
      content.dpi_x = page.dpi_x;
      content.dpi_y = page.dpi_y;
      content.text = &page.report.text;
      open_->writer->add_page(content);
      if (options_.per_document_pdfs && open_->kind == GroupKind::Dossier && document >= 0) {
        auto& out = open_->document_writers[document];
        if (!out.writer) {
          pdf::DocumentInfo info;
          info.title = title + " — hồ sơ " + open_->name;
          info.creator = "sohoa batch";
          std::error_code ec;  // a folder that cannot be made fails in the writer, as an Error
          fs::create_directories(fs::path(options_.output_dir) / "documents", ec);
          out.path = document_path(open_->name, static_cast<int>(open_->document_writers.size()));
          out.writer = std::make_unique<pdf::PdfAWriter>(out.path, level_, info);
        }
        out.writer->add_page(content);
      }
      const int index = open_->writer->page_count() - 1;
      open_->page_of[stack_index] = index + 1;
      if (document >= 0 &&
          std::find(open_->bookmarked_documents.begin(), open_->bookmarked_documents.end(),
                    document) == open_->bookmarked_documents.end()) {
        open_->bookmarked_documents.push_back(document);
        open_->bookmarks.push_back({title, index});
      }
      return true;
    } catch (const Error& error) {
      open_->output_error = error;
      open_->writer.reset();
      open_->document_writers.clear();
      return false;
    }
  }

  void close(GroupRecord record) {
    BatchGroup group;
    if (open_ && open_->name == record.name) {
      group.output_error = open_->output_error;
      if (open_->writer && !open_->output_error) {
        try {
          open_->writer->set_bookmarks(open_->bookmarks);
          if (record.kind == GroupKind::Dossier) {
            open_->writer->set_extra_xmp(understanding::dossier_xmp(record, open_->page_of));
          }
          open_->writer->finish();
          group.pdf_path = path_of(record.name);
          group.pages_written = open_->writer->page_count();
          for (auto& [document, out] : open_->document_writers) {
            out.writer->finish();
            group.document_pdfs[document] = out.path;
          }
        } catch (const Error& error) {
          group.output_error = error;
        }
      }
    }
    open_.reset();
    for (const auto& [index, fields] : record.corrected_fields) {
      for (const auto& [name, value] : fields) {
        report_.pages[static_cast<std::size_t>(index)].fields[name] = value;
      }
    }
    group.record = std::move(record);
    report_.groups.push_back(std::move(group));
  }

 private:
  [[nodiscard]] std::string path_of(const std::string& name) const {
    return (fs::path(options_.output_dir) / (name + ".pdf")).string();
  }
  // `<output>/documents/<dossier>.<nn>.pdf`: nn is the document's place in the dossier.
  [[nodiscard]] std::string document_path(const std::string& name, int ordinal) const {
    char number[16];
    std::snprintf(number, sizeof number, ".%02d.pdf", ordinal);
    return (fs::path(options_.output_dir) / "documents" / (name + number)).string();
  }
  const BatchJobOptions& options_;
  BatchReport& report_;
  pdf::PdfALevel level_;
  std::optional<OpenGroup> open_;
};

}  // namespace

BatchReport run_batch_job(const BatchJobOptions& options, const ProgressSink& progress) {
  const auto started = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };
  const understanding::PageAnalyzer analyzer(load_catalog(options));
  const auto& catalog = analyzer.catalog();
  std::error_code ec;
  fs::create_directories(options.output_dir, ec);
  if (!fs::is_directory(options.output_dir)) {
    throw Error(ErrorCode::OutputFailed, "cannot create the output folder", {options.output_dir});
  }

  imaging::DecodeLimits limits;
  limits.max_pixels = options.max_pixels;
  imaging::run_operations_on_calling_thread();

  BatchReport report;
  report.classes_version = catalog.version() + " (" + catalog.effective_from() + ")";
  std::vector<PageSource> sources = enumerate_pages(options.inputs, limits, report.failed_inputs);
  const int total = static_cast<int>(sources.size());
  const int jobs = std::clamp(
      options.jobs > 0 ? options.jobs : static_cast<int>(std::thread::hardware_concurrency()), 1,
      64);

  ocr::OcrOptions ocr_options;
  ocr_options.languages = options.languages;
  ocr_options.tessdata_dir = options.tessdata_dir;
  ocr_options.orientation_model = true;
  std::vector<std::unique_ptr<WorkerState>> states;
  const int worker_count = std::min(jobs, std::max(total, 1));
  for (int i = 0; i < worker_count; ++i) {
    states.push_back(std::make_unique<WorkerState>(ocr_options, limits));
  }

  const OcrJobOptions job_options = page_options(options);
  PageProcessor processor(job_options, &analyzer);
  OrderedWork work(total, 2 * worker_count);
  std::vector<std::jthread> workers;
  for (auto& state : states) {
    workers.emplace_back([&, worker = state.get()] {
      for (int index = work.take(); index >= 0; index = work.take()) {
        work.finish(index, processor.process(*worker, sources[static_cast<std::size_t>(index)]));
      }
    });
  }

  understanding::DossierSplitter splitter(catalog);
  BatchWriter writer(options, report);
  try {
    int done = 0;
    while (auto page = work.next_in_order()) {
      const int stack_index = done;
      BatchPage entry;
      entry.report = page->report;
      entry.report.text = {};  // moved below, after the PDF has its text layer
      const understanding::PageUnderstanding* u =
          page->understanding ? &*page->understanding : nullptr;
      if (u != nullptr) {
        entry.page_class = u->page_class;
        entry.class_score = u->score;
        entry.qr = u->qr_payloads;
        entry.fields = u->fields;
        entry.flags = u->flags;
      }
      report.understanding_seconds += page->understanding_seconds;

      understanding::PlacedPage placed;
      placed.stack_index = stack_index;
      placed.source =
          page->report.source.path + (page->report.source.index > 0
                                          ? " p." + std::to_string(page->report.source.index + 1)
                                          : std::string());
      placed.failed = !page->report.ok;
      placed.blank = page->report.geometry.blank;
      placed.understanding = u;
      report.pages.push_back(std::move(entry));
      const understanding::Placement placement = splitter.place(placed);
      if (auto closed = splitter.take_closed()) writer.close(std::move(*closed));
      const GroupRecord& group = *splitter.current();
      if (placement.starts_group) writer.open(group);

      BatchPage& stored = report.pages.back();
      stored.group = group.name;
      stored.filed = group.kind == GroupKind::Dossier;
      stored.document = placement.document;
      const bool wanted = page->report.ok && (!placed.blank || options.keep_blank);
      if (wanted) {
        std::string title;
        for (const auto& document : group.documents) {
          if (document.id == placement.document) title = document.title;
        }
        stored.report.in_pdf =
            writer.add(*page, stack_index, placed.blank ? -1 : placement.document, title);
      }
      stored.report.text = std::move(page->report.text);
      ++done;
      if (progress) progress({done, total, elapsed()});
    }
    if (auto last = splitter.finish()) writer.close(std::move(*last));
  } catch (...) {
    work.stop();
    throw;
  }
  report.seconds = elapsed();
  return report;
}

}  // namespace sohoa::pipeline
