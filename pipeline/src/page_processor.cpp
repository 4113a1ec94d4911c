#include "page_processor.hpp"

#include <chrono>
#include <cmath>

#include "orientation.hpp"
#include "sohoa/imaging/cleanup.hpp"
#include "sohoa/imaging/encode.hpp"

namespace sohoa::pipeline {

namespace {

constexpr int kAssumedDpi = 300;
constexpr int kDefaultJpegQuality = 85;
// Upright text reads at 80-95 mean word confidence, upside-down or sideways
// text at 25-50: a page above this bar with enough words is surely upright.
constexpr float kConvincingConfidence = 70.0F;
constexpr std::size_t kConvincingWords = 8;
// How much better a reading on the other axis must be to replace the first.
constexpr float kClearlyBetter = 10.0F;

bool reads_convincingly(const OcrText& text) {
  return text.mean_confidence >= kConvincingConfidence && text.word_count() >= kConvincingWords;
}

int page_dpi(const Image& image) {
  double dpi = image.dpi_y > 0 ? image.dpi_y : image.dpi_x;
  return dpi >= 50 && dpi <= 2400 ? static_cast<int>(std::lround(dpi)) : 0;
}

const char* encoding_name(Encoding encoding) {
  switch (encoding) {
    case Encoding::Jpeg:
      return "jpeg";
    case Encoding::CcittG4:
      return "ccitt-g4";
    case Encoding::None:
      return "flate";
  }
  return "flate";
}

// Chooses how the (possibly changed) page image goes into the PDF: untouched
// bytes when nothing changed, else the encoding closest to the original.
void choose_output_image(Image image, const EncodedImage& original, bool changed,
                         ProcessedPage& out) {
  out.dpi_x = image.dpi_x;
  out.dpi_y = image.dpi_y;
  if (!changed && original.encoding != Encoding::None) {
    out.encoded = original;
  } else if (image.mode == ColorMode::Bilevel) {
    out.encoded = imaging::encode_g4(image);
  } else if (original.encoding == Encoding::Jpeg) {
    int quality = original.jpeg_quality > 0 ? original.jpeg_quality
                                            : imaging::estimate_jpeg_quality(original);
    if (quality <= 0) quality = kDefaultJpegQuality;
    out.encoded = imaging::encode_jpeg(image, quality);
    out.report.reencoded = true;
    out.report.warnings.push_back(
        {"reencoded-lossy",
         "the page was turned/deskewed, so its JPEG was re-encoded at quality " +
             std::to_string(quality) + " (the original's)",
         {out.report.source.path, out.report.source.index}});
  } else {
    out.pixels = std::move(image);  // lossless Flate
  }
  if (changed && out.encoded.encoding == Encoding::CcittG4) out.report.reencoded = true;
  out.report.image_encoding = encoding_name(out.encoded.encoding);
}

}  // namespace

std::vector<std::string> MrzRegionReader::read_lines(const Image& region, int dpi) {
  if (!engine_) engine_ = std::make_unique<ocr::OcrEngine>(options_);
  std::vector<std::string> lines;
  for (const auto& line : engine_->recognise(region, dpi).lines) {
    std::string text;
    for (const auto& word : line.words) text += word.text;  // spaces mean nothing in an MRZ
    lines.push_back(std::move(text));
  }
  return lines;
}

void PageProcessor::understand(WorkerState& state, const Image* upright_gray,
                               const Image* scan_gray, bool blank, ProcessedPage& out) const {
  if (analyzer_ == nullptr) return;
  const auto started = std::chrono::steady_clock::now();
  understanding::PageInput input;
  input.text = &out.report.text;
  input.gray = upright_gray;
  input.scan_gray = scan_gray;
  input.dpi = out.report.dpi;
  input.blank = blank;
  try {
    out.understanding = analyzer_->analyse(input, &state.mrz_reader);
  } catch (const Error& error) {
    // The page itself is fine; it only could not be understood: a review item.
    understanding::PageUnderstanding failed;
    failed.flags.push_back({"understanding-failed", error.message()});
    out.understanding = std::move(failed);
  } catch (const std::exception& error) {
    understanding::PageUnderstanding failed;
    failed.flags.push_back({"understanding-failed", error.what()});
    out.understanding = std::move(failed);
  }
  out.understanding_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

PageProcessor::Straightened PageProcessor::straighten(const Image& gray, int rotation) const {
  Straightened out;
  out.image = imaging::rotate_clockwise(gray, rotation);
  out.skew = options_.deskew ? imaging::estimate_skew(out.image) : 0.0;
  out.deskewed = std::fabs(out.skew) >= options_.min_deskew_degrees;
  if (out.deskewed) out.image = imaging::deskew(out.image, out.skew);
  return out;
}

ProcessedPage PageProcessor::process(WorkerState& state, const PageSource& source) const {
  ProcessedPage out;
  out.report.source = source;
  try {
    LoadedPage loaded = state.loader.load(source);
    process_content(state, loaded, out);
    out.report.ok = true;
  } catch (const Error& error) {
    out.report.error = error.within({source.path, source.index});
  } catch (const std::exception& error) {
    out.report.error = Error(ErrorCode::Internal, error.what(), {source.path, source.index});
  }
  return out;
}

void PageProcessor::process_content(WorkerState& state, LoadedPage& loaded,
                                    ProcessedPage& out) const {
  Image& image = loaded.image;
  int dpi = page_dpi(image);
  if (dpi == 0) {
    dpi = kAssumedDpi;
    image.dpi_x = image.dpi_y = kAssumedDpi;
    out.report.warnings.push_back({"dpi-unknown",
                                   "the file does not give its resolution; assumed 300 dpi",
                                   {out.report.source.path, out.report.source.index}});
  }
  out.report.dpi = dpi;

  Image gray = imaging::to_gray(image);
  auto blank = imaging::detect_blank(gray);
  if (blank.blank) {
    out.report.geometry.blank = true;
    understand(state, nullptr, nullptr, true, out);
    if (options_.keep_blank) {
      choose_output_image(std::move(image), loaded.original, loaded.display_rotation != 0, out);
    }
    return;
  }
  // Seal ink over the signatory's lines confuses recognition: read a gray with it
  // lifted out (the PDF keeps the page as scanned).
  if (image.mode == ColorMode::Rgb) gray = imaging::to_gray_without_red_ink(image);

  // Read the page the way its lines run; only when that reads poorly are the
  // other orientations probed (most pages arrive upright, so most pay nothing).
  auto direction = imaging::detect_text_direction(gray);
  int rotation = direction.horizontal ? 0 : 90;
  Straightened page = straighten(gray, rotation);
  OcrText text = state.engine.recognise(page.image, dpi);
  if (!reads_convincingly(text)) {
    auto orientation = decide_orientation(state.engine, gray, dpi, direction.horizontal);
    if (orientation.ambiguous) {
      out.report.warnings.push_back({"orientation-uncertain",
                                     "little readable text; orientation chosen by the detector",
                                     {out.report.source.path, out.report.source.index}});
    }
    if (orientation.rotation != rotation) {
      Straightened turned = straighten(gray, orientation.rotation);
      OcrText turned_text = state.engine.recognise(turned.image, dpi);
      if (!orientation.ambiguous || turned_text.mean_confidence > text.mean_confidence) {
        rotation = orientation.rotation;
        page = std::move(turned);
        text = std::move(turned_text);
      }
    }
  }
  if (!reads_convincingly(text)) {
    // The line-direction test can be fooled (a table's rules, a sparse page);
    // before settling for a page that still reads poorly, try the other axis.
    // Both turns are read (this happens to few pages): a sideways probe band
    // can mislead the orientation probe the same way.
    const int first_rotation = rotation;
    for (const int turn : {90, 270}) {
      const int candidate = (first_rotation + turn) % 360;
      Straightened turned = straighten(gray, candidate);
      OcrText turned_text = state.engine.recognise(turned.image, dpi);
      if (turned_text.word_count() >= kConvincingWords &&
          turned_text.mean_confidence > text.mean_confidence + kClearlyBetter) {
        rotation = candidate;
        page = std::move(turned);
        text = std::move(turned_text);
      }
    }
  }
  const double skew = page.skew;
  const bool deskew_needed = page.deskewed;
  out.report.geometry.rotation = rotation;
  out.report.geometry.deskew_degrees = deskew_needed ? skew : 0.0;
  out.report.text = std::move(text);
  understand(state, &page.image, &gray, false, out);

  // Turn the original-colour page the same way; the text boxes refer to it.
  const bool changed = rotation != 0 || deskew_needed || loaded.display_rotation != 0;
  if (changed) {
    Image turned = imaging::rotate_clockwise(image, rotation);
    if (deskew_needed) turned = imaging::deskew(turned, skew);
    image = std::move(turned);
  }
  choose_output_image(std::move(image), loaded.original, changed, out);
}

}  // namespace sohoa::pipeline
