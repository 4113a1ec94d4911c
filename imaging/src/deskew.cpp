// deskew: rotation about the centre onto a canvas that holds the whole turned
// page, so stamps and signatures near the edges are never cut off.
#include <cmath>
#include <numbers>

#include "opencv_adapter.hpp"
#include "sohoa/imaging/cleanup.hpp"

namespace sohoa::imaging {

Image deskew(const Image& image, double skew_degrees) {
  detail::check_image(image, "deskew");
  if (skew_degrees == 0 || !std::isfinite(skew_degrees)) return image;
  const double radians = skew_degrees * std::numbers::pi / 180.0;
  const double cos_a = std::abs(std::cos(radians));
  const double sin_a = std::abs(std::sin(radians));
  const int width = static_cast<int>(std::ceil(image.width * cos_a + image.height * sin_a - 1e-6));
  const int height = static_cast<int>(std::ceil(image.width * sin_a + image.height * cos_a - 1e-6));

  // OpenCV's positive angle turns the content counter-clockwise on screen; lines
  // rising to the right (positive skew) come level by turning clockwise.
  const cv::Point2f centre(static_cast<float>(image.width - 1) / 2.0F,
                           static_cast<float>(image.height - 1) / 2.0F);
  cv::Mat transform = cv::getRotationMatrix2D(centre, -skew_degrees, 1.0);
  transform.at<double>(0, 2) += (width - image.width) / 2.0;
  transform.at<double>(1, 2) += (height - image.height) / 2.0;

  Image out = detail::blank_like(image, width, height, image.channels, image.mode);
  cv::Mat target = detail::view(out);
  const cv::Scalar white = cv::Scalar::all(255);
  cv::warpAffine(detail::view(image), target, transform, target.size(), cv::INTER_LINEAR,
                 cv::BORDER_CONSTANT, white);
  if (image.mode == ColorMode::Bilevel) {
    // Interpolating then thresholding keeps strokes smoother than nearest
    // neighbour and the page stays 0/255.
    cv::threshold(target, target, 127, 255, cv::THRESH_BINARY);
  }
  if (target.data != out.pixels.data()) {
    throw Error(ErrorCode::Internal, "deskew: OpenCV reallocated the result");
  }
  return out;
}

}  // namespace sohoa::imaging
