#pragma once
// The per-page chain of stages. `PageProcessor` holds only configuration (const,
// shared by all workers); everything a worker owns lives in `WorkerState`.

#include <memory>
#include <optional>

#include "page_loader.hpp"
#include "sohoa/ocr/engine.hpp"
#include "sohoa/pipeline/ocr_job.hpp"

namespace sohoa::pipeline {

struct WorkerState {
  WorkerState(const ocr::OcrOptions& ocr_options, imaging::DecodeLimits limits)
      : engine(ocr_options), loader(limits) {}
  ocr::OcrEngine engine;
  PageLoader loader;
};

// A processed page ready to be written: its report plus the image to embed.
struct ProcessedPage {
  PageReport report;
  EncodedImage encoded;            // passthrough or re-encoded bytes
  std::optional<Image> pixels;     // when encoded.encoding == None
  double dpi_x = 0;
  double dpi_y = 0;
};

class PageProcessor {
 public:
  explicit PageProcessor(const OcrJobOptions& options) : options_(options) {}
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
  const OcrJobOptions& options_;
};

}  // namespace sohoa::pipeline
