#pragma once
// Deciding how far to turn a page so its text is upright.

#include "sohoa/core/image.hpp"
#include "sohoa/core/page.hpp"

namespace sohoa::ocr {
class OcrEngine;
}

namespace sohoa::pipeline {

// The band of rows (full width) of a gray page that holds the most text-like
// rows; used as a cheap recognition probe. Empty box when the page has none.
Box densest_text_band(const Image& gray, double band_fraction);

struct OrientationDecision {
  int rotation = 0;        // clockwise degrees
  float confidence = 0;    // probe confidence of the chosen orientation, 0..100
  bool ambiguous = false;  // neither candidate read convincingly
};

// Decides between the two candidates the line direction allows (0/180 for
// horizontal lines, 90/270 for vertical ones) by recognising a text band both
// ways: upside-down text reads with low confidence, upright text with high.
// Tesseract's orientation detector breaks ties.
OrientationDecision decide_orientation(ocr::OcrEngine& engine, const Image& gray, int dpi,
                                       bool lines_horizontal);

}  // namespace sohoa::pipeline
