// The one adapter file for Tesseract: its types stay here.
#include <tesseract/baseapi.h>
#include <tesseract/resultiterator.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "sohoa/core/error.hpp"
#include "sohoa/ocr/engine.hpp"

namespace sohoa::ocr {

namespace {

std::unique_ptr<tesseract::TessBaseAPI> open_api(const OcrOptions& options,
                                                 const std::string& languages,
                                                 tesseract::OcrEngineMode mode) {
  auto api = std::make_unique<tesseract::TessBaseAPI>();
  const char* datapath = options.tessdata_dir.empty() ? nullptr : options.tessdata_dir.c_str();
  if (api->Init(datapath, languages.c_str(), mode) != 0) {
    throw Error(ErrorCode::OcrFailed, "cannot load Tesseract language data '" + languages +
                                          "' (is the tesseract-ocr-" + languages +
                                          " package installed?)");
  }
  // Keep Tesseract quiet on stderr; problems surface as our own errors.
  api->SetVariable("debug_file", "/dev/null");
  return api;
}

void set_image(tesseract::TessBaseAPI& api, const Image& page, int dpi) {
  api.SetImage(page.pixels.data(), page.width, page.height, page.channels,
               static_cast<int>(page.stride()));
  api.SetSourceResolution(dpi > 0 ? dpi : 300);
}

std::string take_text(char* text) {
  std::string out = text != nullptr ? text : "";
  delete[] text;
  while (!out.empty() && (out.back() == ' ' || out.back() == '\n')) out.pop_back();
  return out;
}

}  // namespace

struct OcrEngine::State {
  std::unique_ptr<tesseract::TessBaseAPI> text;
  std::unique_ptr<tesseract::TessBaseAPI> osd;
};

OcrEngine::OcrEngine(const OcrOptions& options) : state_(std::make_unique<State>()) {
  state_->text = open_api(options, options.languages, tesseract::OEM_LSTM_ONLY);
  state_->text->SetPageSegMode(tesseract::PSM_AUTO);
  // Tesseract would find vertical text blocks and read them turned, making a
  // sideways page look readable; we turn pages ourselves and judge each
  // orientation by how well it reads as given.
  state_->text->SetVariable("textord_tabfind_vertical_text", "0");
  if (options.orientation_model) {
    state_->osd = open_api(options, "osd", tesseract::OEM_TESSERACT_ONLY);
    state_->osd->SetPageSegMode(tesseract::PSM_OSD_ONLY);
  }
}

OcrEngine::~OcrEngine() = default;

OcrText OcrEngine::recognise(const Image& page, int dpi) {
  auto& api = *state_->text;
  set_image(api, page, dpi);
  if (api.Recognize(nullptr) != 0) {
    throw Error(ErrorCode::OcrFailed, "Tesseract could not recognise the page");
  }
  OcrText result;
  std::unique_ptr<tesseract::ResultIterator> it(api.GetIterator());
  if (!it) return result;
  double confidence_sum = 0;
  std::size_t words = 0;
  do {
    if (it->Empty(tesseract::RIL_WORD)) continue;
    if (it->IsAtBeginningOf(tesseract::RIL_TEXTLINE) || result.lines.empty()) {
      OcrLine line;
      it->BoundingBox(tesseract::RIL_TEXTLINE, &line.box.left, &line.box.top, &line.box.right,
                      &line.box.bottom);
      int x1 = 0;
      int y1 = 0;
      int x2 = 0;
      int y2 = 0;
      if (it->Baseline(tesseract::RIL_TEXTLINE, &x1, &y1, &x2, &y2) && x2 != x1) {
        line.baseline_slope = static_cast<double>(y2 - y1) / (x2 - x1);
        line.baseline_y0 = y1 + line.baseline_slope * (line.box.left - x1);
      } else {
        line.baseline_y0 = line.box.bottom;
      }
      result.lines.push_back(std::move(line));
    }
    OcrWord word;
    word.text = take_text(it->GetUTF8Text(tesseract::RIL_WORD));
    if (word.text.empty()) continue;
    it->BoundingBox(tesseract::RIL_WORD, &word.box.left, &word.box.top, &word.box.right,
                    &word.box.bottom);
    word.confidence = it->Confidence(tesseract::RIL_WORD);
    bool bold = false;
    bool italic = false;
    bool underlined = false;
    bool monospace = false;
    bool serif = false;
    bool smallcaps = false;
    int pointsize = 0;
    int font_id = 0;
    it->WordFontAttributes(&bold, &italic, &underlined, &monospace, &serif, &smallcaps, &pointsize,
                           &font_id);
    auto& line = result.lines.back();
    line.font_size_px = std::max(line.font_size_px, word.box.height());
    confidence_sum += word.confidence;
    ++words;
    line.words.push_back(std::move(word));
  } while (it->Next(tesseract::RIL_WORD));
  std::erase_if(result.lines, [](const OcrLine& line) { return line.words.empty(); });
  result.mean_confidence =
      words > 0 ? static_cast<float>(confidence_sum / static_cast<double>(words)) : 0.0F;
  return result;
}

float OcrEngine::probe_confidence(const Image& page, int dpi, const Box& region) {
  auto& api = *state_->text;
  set_image(api, page, dpi);
  api.SetRectangle(region.left, region.top, region.width(), region.height());
  if (api.Recognize(nullptr) != 0) return 0;
  std::unique_ptr<tesseract::ResultIterator> it(api.GetIterator());
  if (!it) return 0;
  double weighted = 0;  // confidence times word length, summed
  double weight = 0;
  do {
    if (it->Empty(tesseract::RIL_WORD)) continue;
    std::string text = take_text(it->GetUTF8Text(tesseract::RIL_WORD));
    if (text.empty()) continue;
    auto length = static_cast<double>(static_cast<long>(text.size()));
    weighted += it->Confidence(tesseract::RIL_WORD) * length;
    weight += length;
  } while (it->Next(tesseract::RIL_WORD));
  return weight > 0 ? static_cast<float>(weighted / weight) : 0.0F;
}

OrientationGuess OcrEngine::detect_orientation(const Image& page, int dpi) {
  OrientationGuess guess;
  if (!state_->osd) return guess;
  auto& api = *state_->osd;
  set_image(api, page, dpi);
  int orient_deg = 0;
  float orient_conf = 0;
  const char* script = nullptr;
  float script_conf = 0;
  if (!api.DetectOrientationScript(&orient_deg, &orient_conf, &script, &script_conf)) {
    return guess;
  }
  guess.detected = true;
  // Tesseract reports how far the image is turned clockwise; undoing that is a
  // clockwise turn by the complement.
  guess.rotation = (360 - orient_deg) % 360;
  guess.confidence = orient_conf;
  return guess;
}

}  // namespace sohoa::ocr
