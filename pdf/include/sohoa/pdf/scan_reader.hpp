#pragma once
// Reads PDFs made of scans: one image per page, taken out without re-encoding
// where the PDF holds it as JPEG or CCITT G4. Refuses encrypted PDFs and PDFs
// carrying JavaScript or launch actions.

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "sohoa/core/image.hpp"

namespace sohoa::pdf {

struct ScanPage {
  EncodedImage encoded;  // Jpeg or CcittG4 when the page image was stored so
  Image pixels;          // otherwise decoded pixels (Flate / uncompressed)
  double dpi_x = 0;      // from the image size and its placement on the page
  double dpi_y = 0;
  // Clockwise degrees (0/90/180/270) a viewer turns the page to display it: the
  // page's /Rotate, own or inherited. `encoded`/`pixels` and dpi are as stored,
  // unturned; turn them by this much to see the page as displayed.
  int rotation = 0;
};

class ScanPdf {
 public:
  // Throws sohoa::Error: InputNotFound, EmptyInput, CorruptInput, EncryptedPdf,
  // ActivePdfContent.
  static ScanPdf open(const std::string& path, std::int64_t max_pixels = 250'000'000);
  static ScanPdf open(std::span<const std::uint8_t> data, const std::string& name,
                      std::int64_t max_pixels = 250'000'000);
  ~ScanPdf();
  ScanPdf(ScanPdf&&) noexcept;
  ScanPdf& operator=(ScanPdf&&) noexcept;

  [[nodiscard]] int page_count() const;
  // The largest image drawn on page `index`; throws CorruptInput / UnsupportedFormat
  // when the page has no image.
  [[nodiscard]] ScanPage page(int index) const;

 private:
  struct State;
  explicit ScanPdf(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace sohoa::pdf
