// to_gray: one channel, Rec.601 luma for colour pages.
#include "opencv_adapter.hpp"
#include "sohoa/imaging/cleanup.hpp"

namespace sohoa::imaging {

Image to_gray(const Image& image) {
  detail::check_image(image, "to_gray");
  // Gray and bilevel pages are already one 8-bit channel; bilevel keeps its mode
  // so later stages still know the page is 0/255.
  if (image.channels == 1) return image;
  Image gray = detail::blank_like(image, image.width, image.height, 1, ColorMode::Gray);
  cv::Mat target = detail::view(gray);
  cv::cvtColor(detail::view(image), target, cv::COLOR_RGB2GRAY);  // 0.299 R + 0.587 G + 0.114 B
  return gray;
}

}  // namespace sohoa::imaging
