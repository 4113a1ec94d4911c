#pragma once
// The per-page chain of stages. `PageProcessor` holds only configuration (const,
// shared by all workers); everything a worker owns lives in `WorkerState`.

#include <memory>
#include <optional>

#include "page_loader.hpp"
#include "sohoa/ocr/engine.hpp"
#include "sohoa/pipeline/ocr_job.hpp"
#include "sohoa/understanding/page_understanding.hpp"

namespace sohoa::pipeline {

// Re-reads machine-readable zones (the ID card's MRZ) with Tesseract's `eng`
// model, which reads digits and '<' far better than `vie`. The engine is made on
// first use, so workers that never meet an ID card never pay for it.
class MrzRegionReader : public understanding::RegionReader {
 public:
  explicit MrzRegionReader(ocr::OcrOptions options) : options_(std::move(options)) {}
  std::vector<std::string> read_lines(const Image& region, int dpi) override;

 private:
  ocr::OcrOptions options_;
  std::unique_ptr<ocr::OcrEngine> engine_;
};

struct WorkerState {
  WorkerState(const ocr::OcrOptions& ocr_options, imaging::DecodeLimits limits)
      : engine(ocr_options), loader(limits), mrz_reader(mrz_options(ocr_options)) {}
  ocr::OcrEngine engine;
  PageLoader loader;
  MrzRegionReader mrz_reader;

 private:
  static ocr::OcrOptions mrz_options(ocr::OcrOptions options) {
    options.languages = "eng";
    options.orientation_model = false;
    return options;
  }
};

// A processed page ready to be written: its report plus the image to embed.
struct ProcessedPage {
  PageReport report;
  EncodedImage encoded;         // passthrough or re-encoded bytes
  std::optional<Image> pixels;  // when encoded.encoding == None
  double dpi_x = 0;
  double dpi_y = 0;
  // Batch jobs: what the page is and says (run on the upright, deskewed gray
  // page recognition read, before that image is dropped).
  std::optional<understanding::PageUnderstanding> understanding;
  double understanding_seconds = 0;
};

class PageProcessor {
 public:
  // With an analyzer, each page is also understood (classified, QR/MRZ, fields).
  explicit PageProcessor(const OcrJobOptions& options,
                         const understanding::PageAnalyzer* analyzer = nullptr)
      : options_(options), analyzer_(analyzer) {}
  // Never throws for page problems: they end up in report.error.
  [[nodiscard]] ProcessedPage process(WorkerState& state, const PageSource& source) const;

 private:
  // A gray page turned by `rotation` and deskewed: what recognition reads.
  struct Straightened {
    Image image;
    double skew = 0;
    bool deskewed = false;
  };
  [[nodiscard]] Straightened straighten(const Image& gray, int rotation) const;
  void process_content(WorkerState& state, LoadedPage& loaded, ProcessedPage& out) const;
  void understand(WorkerState& state, const Image* upright_gray, const Image* scan_gray, bool blank,
                  ProcessedPage& out) const;
  const OcrJobOptions& options_;
  const understanding::PageAnalyzer* analyzer_ = nullptr;
};

}  // namespace sohoa::pipeline
