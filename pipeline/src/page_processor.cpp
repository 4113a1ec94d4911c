#include "page_processor.hpp"

#include <cmath>

#include "orientation.hpp"
#include "sohoa/imaging/cleanup.hpp"
#include "sohoa/imaging/encode.hpp"

namespace sohoa::pipeline {

namespace {

constexpr int kAssumedDpi = 300;
constexpr int kDefaultJpegQuality = 85;
// Below this mean word confidence the page is read again turned by 180 degrees,
// in case the orientation probe was fooled.
constexpr float kSuspiciousConfidence = 45.0F;
constexpr float kClearMarginForRetry = 15.0F;

int page_dpi(const Image& image) {
  double dpi = image.dpi_y > 0 ? image.dpi_y : image.dpi_x;
  return dpi >= 50 && dpi <= 2400 ? static_cast<int>(std::lround(dpi)) : 0;
}

const char* encoding_name(Encoding encoding) {
  switch (encoding) {
    case Encoding::Jpeg: return "jpeg";
    case Encoding::CcittG4: return "ccitt-g4";
    case Encoding::None: return "flate";
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
    out.report.error =
        Error(ErrorCode::Internal, error.what(), {source.path, source.index});
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
    if (options_.keep_blank) choose_output_image(std::move(image), loaded.original, false, out);
    return;
  }

  auto direction = imaging::detect_text_direction(gray);
  auto orientation = decide_orientation(state.engine, gray, dpi, direction.horizontal);
  int rotation = orientation.rotation;
  if (orientation.ambiguous) {
    out.report.warnings.push_back({"orientation-uncertain",
                                   "little readable text; orientation chosen by the detector",
                                   {out.report.source.path, out.report.source.index}});
  }

  Image upright_gray = imaging::rotate_clockwise(gray, rotation);
  double skew = options_.deskew ? imaging::estimate_skew(upright_gray) : 0.0;
  const bool deskew_needed = std::fabs(skew) >= options_.min_deskew_degrees;
  Image ocr_image = deskew_needed ? imaging::deskew(upright_gray, skew) : std::move(upright_gray);
  OcrText text = state.engine.recognise(ocr_image, dpi);

  if (text.mean_confidence < kSuspiciousConfidence && text.word_count() >= 3) {
    // Safety net: a page read badly may be upside down after all.
    Image flipped = imaging::rotate_clockwise(ocr_image, 180);
    OcrText flipped_text = state.engine.recognise(flipped, dpi);
    if (flipped_text.mean_confidence > text.mean_confidence + kClearMarginForRetry) {
      rotation = (rotation + 180) % 360;
      text = std::move(flipped_text);
      // Turning by 180 degrees about the centre commutes with the deskew
      // rotation, so the measured skew still applies.
    }
  }
  out.report.geometry.rotation = rotation;
  out.report.geometry.deskew_degrees = deskew_needed ? skew : 0.0;
  out.report.text = std::move(text);

  // Turn the original-colour page the same way; the text boxes refer to it.
  const bool changed = rotation != 0 || deskew_needed;
  if (changed) {
    Image turned = imaging::rotate_clockwise(image, rotation);
    if (deskew_needed) turned = imaging::deskew(turned, skew);
    image = std::move(turned);
  }
  choose_output_image(std::move(image), loaded.original, changed, out);
}

}  // namespace sohoa::pipeline
