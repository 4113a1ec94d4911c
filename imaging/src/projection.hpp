#pragma once
// Shared by skew and text-direction analysis: a small binary "ink map" of the
// page and projection profiles of it along slightly tilted lines. Text lines
// give a profile of sharp peaks (lines) and empty valleys (leading) exactly
// when the projection follows them, so the sharpness of the profile, searched
// over angles, finds the skew; compared with the transposed page, the direction.
#include <opencv2/core.hpp>
#include <vector>

#include "sohoa/core/image.hpp"

namespace sohoa::imaging::detail {

struct InkMap {
  cv::Mat ink;       // CV_8U, 1 where ink, at the working resolution
  double scale = 1;  // working pixels per page pixel
  long ink_pixels = 0;
};

// Downscales to about `working_dpi` and marks pixels clearly darker than the
// paper (Otsu threshold, capped so that a near-blank page yields little ink).
InkMap make_ink_map(const Image& image, double working_dpi);

// Row profiles of vertical strips, shifted and summed for a trial angle.
class TiltedProjection {
 public:
  explicit TiltedProjection(const cv::Mat& ink, int strip_width = 16);

  // Sharpness of the projection along lines rising to the right by `degrees`:
  // normalised sum of squares, 0 for an even spread, larger for peaked profiles.
  [[nodiscard]] double sharpness(double degrees) const;

  // The angle in [-max_degrees, max_degrees] of the sharpest projection,
  // coarse-to-fine, with a parabolic fit around the best sample.
  struct Peak {
    double degrees = 0;
    double sharpness = 0;
    double baseline = 0;  // median sharpness over the coarse search
  };
  [[nodiscard]] Peak find_peak(double max_degrees) const;

  [[nodiscard]] long total_ink() const { return total_; }

 private:
  int rows_ = 0;
  int strips_ = 0;
  std::vector<double> strip_centres_;  // x of each strip's centre, working pixels
  std::vector<float> profiles_;        // strips_ x rows_
  long total_ = 0;
};

}  // namespace sohoa::imaging::detail
