// detect_text_direction: text lines make the projection across them sharply
// peaked and the projection along them smooth. Both directions are searched
// over a few degrees of skew, so a tilted page is judged by its best alignment.
//
// Only character-sized marks are projected: a photo, a QR code, a signature,
// a table frame or a lid shadow is one large component whose mass would
// otherwise outweigh the text in whichever direction it happens to be long.
#include <opencv2/imgproc.hpp>

#include "opencv_adapter.hpp"
#include "projection.hpp"
#include "sohoa/imaging/cleanup.hpp"

namespace sohoa::imaging {
namespace {

constexpr double kWorkingDpi = 100;
constexpr double kLargestCharacterMm = 10;  // headings included; words may merge at 100 dpi

cv::Mat characters_only(const cv::Mat& ink, double working_dpi) {
  cv::Mat labels;
  cv::Mat stats;
  cv::Mat centroids;
  const int count = cv::connectedComponentsWithStats(ink, labels, stats, centroids, 8, CV_32S);
  const int largest = static_cast<int>(kLargestCharacterMm / 25.4 * working_dpi);
  std::vector<std::uint8_t> keep(static_cast<std::size_t>(count), 0);
  for (int label = 1; label < count; ++label) {
    const int width = stats.at<int>(label, cv::CC_STAT_WIDTH);
    const int height = stats.at<int>(label, cv::CC_STAT_HEIGHT);
    keep[label] = width <= largest && height <= largest ? 1 : 0;
  }
  cv::Mat out(ink.size(), CV_8U);
  for (int y = 0; y < ink.rows; ++y) {
    const int* label = labels.ptr<int>(y);
    std::uint8_t* row = out.ptr<std::uint8_t>(y);
    for (int x = 0; x < ink.cols; ++x) row[x] = keep[label[x]];
  }
  return out;
}

}  // namespace

TextDirection detect_text_direction(const Image& image) {
  TextDirection direction;
  detail::InkMap map = detail::make_ink_map(image, kWorkingDpi);
  if (map.ink_pixels == 0) return direction;
  const double working_dpi = detail::effective_dpi(image) * map.scale;
  cv::Mat text = characters_only(map.ink, working_dpi);
  const double max_skew = 5.0;
  detail::TiltedProjection rows(text);
  cv::Mat turned = text.t();
  detail::TiltedProjection columns(turned);
  const double across = rows.find_peak(max_skew).sharpness;
  const double along = columns.find_peak(max_skew).sharpness;
  if (along <= 0 || across <= 0) return direction;
  direction.evidence_ratio = across / along;
  direction.horizontal = direction.evidence_ratio >= 1.0;
  return direction;
}

}  // namespace sohoa::imaging
