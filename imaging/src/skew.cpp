// estimate_skew: projection-profile search over angles on a ~150 dpi ink map.
// At that resolution a 0.1 degree tilt moves the end of a text line by about
// 2 pixels, which the sharpness of the profile still resolves, and the search
// costs a few milliseconds.
#include "projection.hpp"
#include "sohoa/imaging/cleanup.hpp"

namespace sohoa::imaging {

double estimate_skew(const Image& image, double max_degrees) {
  if (!(max_degrees > 0)) return 0;
  detail::InkMap map = detail::make_ink_map(image, 150);
  // A few hundred ink pixels (a signature, a stamp) carry no line direction.
  const double area = static_cast<double>(map.ink.rows) * map.ink.cols;
  if (static_cast<double>(map.ink_pixels) < 0.001 * area) return 0;
  detail::TiltedProjection projection(map.ink);
  detail::TiltedProjection::Peak peak = projection.find_peak(max_degrees);
  // Without text lines the profile is about equally sharp at every angle.
  if (peak.sharpness < 1.05 * peak.baseline) return 0;
  return peak.degrees;
}

}  // namespace sohoa::imaging
