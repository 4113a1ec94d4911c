#pragma once
// Text recognition with Tesseract. One OcrEngine per worker thread: creating it
// loads the models once (~100-200 ms, ~50 MB); every page after that reuses it.
// Not thread-safe: a worker owns its engine (DuckDB-style per-worker state).

#include <memory>
#include <string>

#include "sohoa/core/image.hpp"
#include "sohoa/core/page.hpp"

namespace sohoa::ocr {

struct OcrOptions {
  std::string languages = "vie";  // Tesseract language codes joined by '+'
  std::string tessdata_dir;       // empty: Tesseract's compiled-in default
  bool orientation_model = true;  // also load `osd` for orientation detection
};

struct OrientationGuess {
  bool detected = false;
  int rotation = 0;      // clockwise degrees that make the page upright
  float confidence = 0;  // Tesseract OSD confidence (about 15 = reasonably sure)
};

class OcrEngine {
 public:
  // Throws Error(OcrFailed) when the language data cannot be loaded.
  explicit OcrEngine(const OcrOptions& options);
  ~OcrEngine();
  OcrEngine(const OcrEngine&) = delete;
  OcrEngine& operator=(const OcrEngine&) = delete;

  // Recognises an upright page (gray or RGB; bilevel as 0/255 gray).
  OcrText recognise(const Image& page, int dpi);

  // Recognises only `region` of the page and returns the mean word confidence
  // weighted by word length (0 when no word was found): a cheap probe to compare
  // candidate orientations.
  float probe_confidence(const Image& page, int dpi, const Box& region);

  // Tesseract's orientation and script detection on the whole page.
  OrientationGuess detect_orientation(const Image& page, int dpi);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace sohoa::ocr
