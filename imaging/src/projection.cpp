#include "projection.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <opencv2/imgproc.hpp>

#include "opencv_adapter.hpp"

namespace sohoa::imaging::detail {

InkMap make_ink_map(const Image& image, double working_dpi) {
  check_image(image, "ink analysis");
  const double dpi = effective_dpi(image);
  const int factor = std::max(1, static_cast<int>(std::lround(dpi / working_dpi)));
  InkMap map;
  map.scale = 1.0 / factor;
  cv::Mat small;
  if (factor > 1) {
    // Area averaging at an integer factor: OpenCV's fast path, and thin strokes
    // survive as gray rather than vanishing between samples.
    cv::resize(view(image), small, cv::Size(image.width / factor, image.height / factor), 0, 0,
               cv::INTER_AREA);
  } else {
    small = view(image);
  }
  cv::Mat gray;
  if (small.channels() == 3) {
    cv::cvtColor(small, gray, cv::COLOR_RGB2GRAY);
  } else {
    gray = small;
  }
  // Paper level: the 90th percentile of the histogram (ink rarely covers 10 %).
  int histogram[256] = {};
  for (int y = 0; y < gray.rows; y += 2) {
    const std::uint8_t* row = gray.ptr<std::uint8_t>(y);
    for (int x = 0; x < gray.cols; x += 2) ++histogram[row[x]];
  }
  long samples = 0;
  for (int count : histogram) samples += count;
  long seen = 0;
  int paper = 255;
  for (int level = 0; level < 256; ++level) {
    seen += histogram[level];
    if (seen >= samples * 9 / 10) {
      paper = level;
      break;
    }
  }
  cv::Mat ink;
  double otsu = cv::threshold(gray, ink, 0, 1, cv::THRESH_BINARY_INV | cv::THRESH_OTSU);
  // On a page without ink Otsu splits the paper noise; text ink is far darker.
  const double ceiling = paper * 0.75;
  if (otsu > ceiling) cv::threshold(gray, ink, ceiling, 1, cv::THRESH_BINARY_INV);
  map.ink = ink;
  map.ink_pixels = cv::countNonZero(ink);
  return map;
}

TiltedProjection::TiltedProjection(const cv::Mat& ink, int strip_width) {
  rows_ = ink.rows;
  strips_ = std::max(1, (ink.cols + strip_width - 1) / strip_width);
  profiles_.assign(static_cast<std::size_t>(strips_) * rows_, 0.0F);
  strip_centres_.resize(strips_);
  for (int s = 0; s < strips_; ++s) {
    const int left = s * strip_width;
    const int right = std::min(ink.cols, left + strip_width);
    strip_centres_[s] = 0.5 * (left + right) - 0.5 * ink.cols;  // about the page centre
  }
  for (int y = 0; y < rows_; ++y) {
    const std::uint8_t* row = ink.ptr<std::uint8_t>(y);
    for (int s = 0; s < strips_; ++s) {
      const int left = s * strip_width;
      const int right = std::min(ink.cols, left + strip_width);
      int count = 0;
      for (int x = left; x < right; ++x) count += row[x];
      profiles_[static_cast<std::size_t>(s) * rows_ + y] = static_cast<float>(count);
      total_ += count;
    }
  }
}

double TiltedProjection::sharpness(double degrees) const {
  if (total_ == 0) return 0;
  const double slope = std::tan(degrees * std::numbers::pi / 180.0);
  // Lines rising to the right have y + x * slope constant (y grows downwards).
  const double reach = std::abs(slope) * (strip_centres_.empty() ? 0 : -strip_centres_.front());
  const int margin = static_cast<int>(std::ceil(reach)) + 2;
  std::vector<float> bins(static_cast<std::size_t>(rows_ + 2 * margin), 0.0F);
  for (int s = 0; s < strips_; ++s) {
    const double shift = strip_centres_[s] * slope + margin;
    const int whole = static_cast<int>(std::floor(shift));
    const auto part = static_cast<float>(shift - whole);
    const float* profile = profiles_.data() + static_cast<std::size_t>(s) * rows_;
    float* out = bins.data() + whole;
    for (int y = 0; y < rows_; ++y) {
      const float v = profile[y];
      out[y] += v * (1.0F - part);
      out[y + 1] += v * part;
    }
  }
  double squares = 0;
  for (float b : bins) squares += static_cast<double>(b) * b;
  const double total = static_cast<double>(total_);
  return squares * rows_ / (total * total) - 1.0;  // squared coefficient of variation
}

TiltedProjection::Peak TiltedProjection::find_peak(double max_degrees) const {
  Peak peak;
  if (total_ == 0 || max_degrees <= 0) return peak;
  const double coarse_step = std::min(0.25, max_degrees / 4);
  std::vector<double> coarse;
  double best = -1;
  double best_angle = 0;
  for (double a = -max_degrees; a <= max_degrees + 1e-9; a += coarse_step) {
    double s = sharpness(a);
    coarse.push_back(s);
    if (s > best) {
      best = s;
      best_angle = a;
    }
  }
  std::nth_element(coarse.begin(), coarse.begin() + coarse.size() / 2, coarse.end());
  peak.baseline = coarse[coarse.size() / 2];

  const double fine_step = 0.02;
  double fine_best = best;
  double fine_angle = best_angle;
  for (double a = best_angle - coarse_step; a <= best_angle + coarse_step + 1e-9; a += fine_step) {
    double s = sharpness(a);
    if (s > fine_best) {
      fine_best = s;
      fine_angle = a;
    }
  }
  // Parabola through the best sample and its neighbours.
  const double left = sharpness(fine_angle - fine_step);
  const double right = sharpness(fine_angle + fine_step);
  const double curvature = left - 2 * fine_best + right;
  double offset = 0;
  if (curvature < 0) offset = std::clamp(0.5 * (left - right) / curvature, -0.5, 0.5);
  peak.degrees = std::clamp(fine_angle + offset * fine_step, -max_degrees, max_degrees);
  peak.sharpness = fine_best;
  return peak;
}

}  // namespace sohoa::imaging::detail
