#pragma once
// Finding the pages of the inputs and loading one page's pixels.

#include <memory>
#include <string>
#include <vector>

#include "sohoa/core/image.hpp"
#include "sohoa/core/page.hpp"
#include "sohoa/imaging/decode.hpp"
#include "sohoa/pipeline/ocr_job.hpp"

namespace sohoa::pdf {
class ScanPdf;
}

namespace sohoa::pipeline {

struct LoadedPage {
  Image image;            // as the page is displayed
  EncodedImage original;  // passable bytes, or encoding None
  // Clockwise degrees already applied to `image` to display it (a PDF page's
  // /Rotate); `original` is the stored, unturned image, so it can pass through
  // only when this is 0.
  int display_rotation = 0;
};

// Lists every page of every input in order; inputs that cannot be opened go to
// `failures` with the reason and the rest carry on.
std::vector<PageSource> enumerate_pages(const std::vector<std::string>& inputs,
                                        const imaging::DecodeLimits& limits,
                                        std::vector<InputFailure>& failures);

// Loads pages; keeps the last scanned PDF open so its pages are not re-parsed.
// One per worker (not thread-safe).
class PageLoader {
 public:
  explicit PageLoader(imaging::DecodeLimits limits);
  ~PageLoader();
  PageLoader(const PageLoader&) = delete;
  PageLoader& operator=(const PageLoader&) = delete;

  // Throws sohoa::Error with the page's context.
  LoadedPage load(const PageSource& source);

 private:
  imaging::DecodeLimits limits_;
  std::string open_pdf_path_;
  std::unique_ptr<pdf::ScanPdf> open_pdf_;
};

}  // namespace sohoa::pipeline
