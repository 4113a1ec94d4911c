#pragma once
// The OpenCV adapter: wraps our Image as cv::Mat headers (no pixel copies) and
// makes result Images whose buffers OpenCV writes into directly. OpenCV types
// stay inside imaging/src.
#include <algorithm>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <string>

#include "sohoa/core/error.hpp"
#include "sohoa/core/image.hpp"

namespace sohoa::imaging::detail {

inline int mat_type(const Image& image) {
  return image.channels == 3 ? CV_8UC3 : CV_8UC1;
}

inline void check_image(const Image& image, const char* operation) {
  if (image.width <= 0 || image.height <= 0 || (image.channels != 1 && image.channels != 3) ||
      image.pixels.size() < image.stride() * static_cast<std::size_t>(image.height)) {
    throw Error(ErrorCode::InvalidArgument, std::string(operation) + ": not a valid page image");
  }
}

// A read-only view of the pixels; the Image must outlive it and must not be
// written through it (OpenCV has no const Mat type).
inline cv::Mat view(const Image& image) {
  return cv::Mat(image.height, image.width, mat_type(image),
                 const_cast<std::uint8_t*>(image.pixels.data()), image.stride());
}

inline cv::Mat view(Image& image) {
  return cv::Mat(image.height, image.width, mat_type(image), image.pixels.data(), image.stride());
}

// A new page with `like`'s mode and resolution, sized for OpenCV to write into.
inline Image blank_like(const Image& like, int width, int height, int channels, ColorMode mode) {
  Image out;
  out.width = width;
  out.height = height;
  out.channels = channels;
  out.mode = mode;
  out.dpi_x = like.dpi_x;
  out.dpi_y = like.dpi_y;
  out.pixels.resize(out.stride() * static_cast<std::size_t>(height));
  return out;
}

// Copies a Mat into a new Image (for results OpenCV had to allocate itself).
inline Image to_image(const cv::Mat& mat, const Image& like, ColorMode mode) {
  Image out = blank_like(like, mat.cols, mat.rows, mat.channels(), mode);
  cv::Mat target = view(out);
  mat.copyTo(target);
  return out;
}

// Gray 8-bit working copy or view: gray/bilevel pages are viewed, RGB converted.
inline cv::Mat gray_mat(const Image& image) {
  if (image.channels == 1) return view(image);
  cv::Mat gray;
  cv::cvtColor(view(image), gray, cv::COLOR_RGB2GRAY);
  return gray;
}

// The page's resolution, or a guess from its width (an A4 portrait page) when
// the file did not say.
inline double effective_dpi(const Image& image) {
  double dpi = image.dpi_x > 0 ? image.dpi_x : image.dpi_y;
  if (dpi > 0) return dpi;
  return std::max(72.0, std::min(image.width, image.height) / 8.27);
}

}  // namespace sohoa::imaging::detail
