#pragma once
// Page clean-up operations, each a pure function of its input (no global state),
// one operation per file in src/. Angles: positive = counter-clockwise rotation
// of the content, i.e. text lines rising to the right. This is the sign of the
// corpus truth's skew_deg (checked over the corpus by the imaging tests).

#include "sohoa/core/error.hpp"
#include "sohoa/core/image.hpp"

namespace sohoa::imaging {

// Gray 8-bit view of any page (RGB converted with Rec.601 luma). One-channel
// pages come back as they are: a bilevel page keeps ColorMode::Bilevel (0/255).
Image to_gray(const Image& image);

// Gray for recognition: like to_gray, but pixels of red ink (seals, which in
// Vietnamese documents are stamped over the signatory's lines) are lifted to
// their red-channel brightness, so the text under a seal reads as if the seal
// were faint. Black and blue ink keep their luma. Non-colour pages: to_gray.
Image to_gray_without_red_ink(const Image& image);

// Turns the page clockwise by 0/90/180/270 degrees (lossless pixel moves).
Image rotate_clockwise(const Image& image, int degrees);

// Skew of the text lines in degrees (positive: lines rise to the right), within
// +-max_degrees; 0 when the page has too little text to tell. Accurate to a few
// hundredths of a degree on text pages; expects the page turned upright or
// upside down (call after detect_text_direction / rotate_clockwise).
double estimate_skew(const Image& image, double max_degrees = 10.0);

// Rotates by -skew_degrees about the centre, growing the canvas so no content is
// cropped; new area is filled white. Bilevel pages stay bilevel.
Image deskew(const Image& image, double skew_degrees);

// Whether text lines run across the page (0/180) or along it (90/270): the
// ratio of horizontal to vertical line-structure evidence. > 1 means horizontal.
struct TextDirection {
  bool horizontal = true;
  double evidence_ratio = 1.0;
};
TextDirection detect_text_direction(const Image& image);

struct BlankOptions {
  double min_ink_fraction = 0.0015;  // share of page area that real content covers at least
  int min_component_px = 0;          // 0 = derived from dpi (about 0.4 mm)
  double border_fraction = 0.04;     // margins ignored (lid shadows, punch holes)
};

struct BlankVerdict {
  bool blank = false;
  double ink_fraction = 0;  // share of the inner page covered by significant ink
  int components = 0;       // significant ink components found
};

// Blank-page test robust to specks, lid shadows along the edges and faint
// show-through from the other side of the sheet.
BlankVerdict detect_blank(const Image& image, const BlankOptions& options = {});

}  // namespace sohoa::imaging

namespace sohoa::imaging {

// Makes every clean-up operation run on the calling thread only. sohoa spreads
// pages over its own workers; OpenCV's thread pool would compete with them on a
// small machine. Call once before starting workers.
void run_operations_on_calling_thread();

}  // namespace sohoa::imaging
