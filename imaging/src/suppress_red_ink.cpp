// to_gray_without_red_ink: luma, with red seal ink lifted out for recognition.
#include <algorithm>

#include "opencv_adapter.hpp"
#include "sohoa/imaging/cleanup.hpp"

namespace sohoa::imaging {

namespace {
// How much redder than its green and blue a pixel must be to count as red ink:
// paper, black toner and blue ballpoint stay far below this; seal ink is far above.
constexpr int kRednessThreshold = 40;
}  // namespace

Image to_gray_without_red_ink(const Image& image) {
  Image gray = to_gray(image);
  if (image.channels != 3) return gray;
  for (int y = 0; y < image.height; ++y) {
    const std::uint8_t* rgb = image.row(y);
    std::uint8_t* out = gray.row(y);
    for (int x = 0; x < image.width; ++x, rgb += 3) {
      const int red = rgb[0];
      const int redness = red - std::max<int>(rgb[1], rgb[2]);
      if (redness > kRednessThreshold)
        out[x] = static_cast<std::uint8_t>(std::max<int>(out[x], red));
    }
  }
  return gray;
}

}  // namespace sohoa::imaging
