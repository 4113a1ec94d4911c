// rotate_clockwise: quarter turns are pixel moves, so nothing is resampled.
#include "opencv_adapter.hpp"
#include "sohoa/imaging/cleanup.hpp"

namespace sohoa::imaging {

Image rotate_clockwise(const Image& image, int degrees) {
  detail::check_image(image, "rotate_clockwise");
  const int turn = ((degrees % 360) + 360) % 360;
  if (turn % 90 != 0) {
    throw Error(ErrorCode::InvalidArgument, "rotate_clockwise: " + std::to_string(degrees) +
                                                " is not a multiple of 90 degrees");
  }
  if (turn == 0) return image;
  const bool quarter = turn == 90 || turn == 270;
  Image out = detail::blank_like(image, quarter ? image.height : image.width,
                                 quarter ? image.width : image.height, image.channels, image.mode);
  if (quarter) std::swap(out.dpi_x, out.dpi_y);
  cv::Mat target = detail::view(out);
  const int code = turn == 90    ? cv::ROTATE_90_CLOCKWISE
                   : turn == 180 ? cv::ROTATE_180
                                 : cv::ROTATE_90_COUNTERCLOCKWISE;
  cv::rotate(detail::view(image), target, code);
  if (target.data != out.pixels.data()) {
    throw Error(ErrorCode::Internal, "rotate_clockwise: OpenCV reallocated the result");
  }
  return out;
}

}  // namespace sohoa::imaging
