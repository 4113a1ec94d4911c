// detect_blank: is there anything on this side of the sheet worth keeping?
//
// Every threshold is relative to the page itself or a physical size:
// - ink is what is markedly darker than this page's own paper: real ink, even
//   faded toner or a coloured stamp, takes away well over a quarter of the
//   paper's brightness, while show-through from the back of the sheet (seen
//   through the paper) and scanner noise take away a few percent;
// - specks and dust smaller than ~0.4 mm are not content;
// - the outer margin is ignored (lid shadows, feeder edges), and so are dense
//   bands along the edge (a lid shadow wider than the margin) and punch holes.
// The decision errs on keeping a page: any mark the size of a character, or a
// handful of smaller marks, makes it non-blank.
#include <algorithm>
#include <cmath>

#include "opencv_adapter.hpp"
#include "sohoa/imaging/cleanup.hpp"

namespace sohoa::imaging {
namespace {

constexpr double kMillimetresPerInch = 25.4;
constexpr double kWorkingDpi = 150;
constexpr double kInkContrast = 0.30;     // of the paper level
constexpr double kCharacterSizeMm = 2.5;  // a mark this large is content
constexpr int kFewMarks = 4;              // more marks than this are content
constexpr double kPunchHoleMinMm = 4;
constexpr double kPunchHoleMaxMm = 9;
constexpr double kPunchHoleEdgeMm = 25;  // centre within this of a page edge

int percentile_level(const cv::Mat& gray, double fraction) {
  int histogram[256] = {};
  for (int y = 0; y < gray.rows; ++y) {
    const std::uint8_t* row = gray.ptr<std::uint8_t>(y);
    for (int x = 0; x < gray.cols; ++x) ++histogram[row[x]];
  }
  const double wanted = fraction * gray.rows * gray.cols;
  double seen = 0;
  for (int level = 0; level < 256; ++level) {
    seen += histogram[level];
    if (seen >= wanted) return level;
  }
  return 255;
}

}  // namespace

BlankVerdict detect_blank(const Image& image, const BlankOptions& options) {
  detail::check_image(image, "detect_blank");
  BlankVerdict verdict;
  const double dpi = detail::effective_dpi(image);
  const int factor = std::max(1, static_cast<int>(std::lround(dpi / kWorkingDpi)));
  const double working_dpi = dpi / factor;
  auto mm_to_px = [&](double mm) { return mm / kMillimetresPerInch * working_dpi; };

  // Area averaging also fades one-pixel specks below the ink contrast.
  cv::Mat small;
  if (factor > 1) {
    cv::resize(detail::view(image), small,
               cv::Size(std::max(1, image.width / factor), std::max(1, image.height / factor)), 0,
               0, cv::INTER_AREA);
  } else {
    small = detail::view(image);
  }
  cv::Mat gray;
  if (small.channels() == 3) {
    cv::cvtColor(small, gray, cv::COLOR_RGB2GRAY);
  } else {
    gray = small;
  }

  const int margin_x = static_cast<int>(std::lround(gray.cols * options.border_fraction));
  const int margin_y = static_cast<int>(std::lround(gray.rows * options.border_fraction));
  const cv::Rect inner_rect(margin_x, margin_y, std::max(1, gray.cols - 2 * margin_x),
                            std::max(1, gray.rows - 2 * margin_y));
  cv::Mat inner = gray(inner_rect & cv::Rect(0, 0, gray.cols, gray.rows));

  // Paper: the 75th percentile of the inner page (ink covers far less than 25 %
  // of a document page, and show-through only darkens a little).
  const int paper = percentile_level(inner, 0.75);
  const double ink_below = paper * (1.0 - kInkContrast);
  cv::Mat ink;
  cv::threshold(inner, ink, ink_below, 255, cv::THRESH_BINARY_INV);

  cv::Mat labels;
  cv::Mat stats;
  cv::Mat centroids;
  const int count = cv::connectedComponentsWithStats(ink, labels, stats, centroids, 8, CV_32S);
  const double min_component = options.min_component_px > 0
                                   ? options.min_component_px / static_cast<double>(factor)
                                   : mm_to_px(0.4);
  const double character = mm_to_px(kCharacterSizeMm);
  long ink_area = 0;
  bool content_sized_mark = false;
  for (int label = 1; label < count; ++label) {
    const int left = stats.at<int>(label, cv::CC_STAT_LEFT);
    const int top = stats.at<int>(label, cv::CC_STAT_TOP);
    const int width = stats.at<int>(label, cv::CC_STAT_WIDTH);
    const int height = stats.at<int>(label, cv::CC_STAT_HEIGHT);
    const int area = stats.at<int>(label, cv::CC_STAT_AREA);
    const int extent = std::max(width, height);
    if (extent < min_component) continue;  // speck or dust
    const double fill = static_cast<double>(area) / (static_cast<double>(width) * height);

    // A dense band along an edge of the inner page: a lid shadow or the sheet's
    // edge, wider than the ignored margin.
    const bool touches_side = left == 0 || left + width >= inner.cols;
    const bool touches_end = top == 0 || top + height >= inner.rows;
    if (fill > 0.5 && ((touches_side && height > inner.rows / 2 && width < inner.cols / 5) ||
                       (touches_end && width > inner.cols / 2 && height < inner.rows / 5))) {
      continue;
    }
    // A punch hole: a filled round mark of hole size near an edge of the sheet.
    const double centre_x = left + width / 2.0 + margin_x;
    const double centre_y = top + height / 2.0 + margin_y;
    const double to_edge =
        std::min({centre_x, centre_y, gray.cols - centre_x, gray.rows - centre_y});
    const double aspect = static_cast<double>(width) / height;
    if (fill > 0.6 && aspect > 0.8 && aspect < 1.25 && extent >= mm_to_px(kPunchHoleMinMm) &&
        extent <= mm_to_px(kPunchHoleMaxMm) && to_edge < mm_to_px(kPunchHoleEdgeMm)) {
      continue;
    }
    ++verdict.components;
    ink_area += area;
    if (extent >= character) content_sized_mark = true;
  }
  verdict.ink_fraction =
      static_cast<double>(ink_area) / (static_cast<double>(inner.rows) * inner.cols);
  verdict.blank = verdict.ink_fraction < options.min_ink_fraction && !content_sized_mark &&
                  verdict.components <= kFewMarks;
  return verdict;
}

}  // namespace sohoa::imaging
