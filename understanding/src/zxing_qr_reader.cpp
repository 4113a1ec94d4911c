// The zxing-cpp adapter: QR codes on a gray page. zxing-cpp's types stay here.
#define ZX_USE_UTF8 1
#include <ZXing/ReadBarcode.h>

#include <algorithm>

#include "sohoa/understanding/page_understanding.hpp"

namespace sohoa::understanding {

std::vector<std::string> read_qr_codes(const Image& gray, int effort) {
  std::vector<std::string> payloads;
  if (gray.empty() || gray.channels != 1) return payloads;
  ZXing::ImageView view(gray.pixels.data(), gray.width, gray.height, ZXing::ImageFormat::Lum,
                        static_cast<int>(gray.stride()));
  ZXing::DecodeHints hints;
  hints.setFormats(ZXing::BarcodeFormat::QRCode);
  hints.setTryHarder(true);
  hints.setTryRotate(false);  // pages arrive upright
  hints.setMaxNumberOfSymbols(4);
  // A fixed threshold is the cheapest binarisation and enough for most scans;
  // the local and histogram ones handle shadows and faded toner, at 2-4x the cost.
  if (effort == 0) hints.setBinarizer(ZXing::Binarizer::FixedThreshold);
  if (effort == 1) hints.setBinarizer(ZXing::Binarizer::LocalAverage);
  if (effort >= 2) hints.setBinarizer(ZXing::Binarizer::GlobalHistogram);
  ZXing::Results results = ZXing::ReadBarcodes(view, hints);
  std::sort(results.begin(), results.end(), [](const ZXing::Result& a, const ZXing::Result& b) {
    return a.position().topLeft().y < b.position().topLeft().y;
  });
  for (const auto& result : results) {
    if (!result.isValid()) continue;
    std::string text = result.text();
    if (std::find(payloads.begin(), payloads.end(), text) == payloads.end()) {
      payloads.push_back(std::move(text));
    }
  }
  return payloads;
}

}  // namespace sohoa::understanding
