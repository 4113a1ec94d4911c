#pragma once
// The appearance stream (/AP /N) of a signature widget. PDF/A needs one even for
// an invisible widget. Visible ones (NĐ 30/2020 signature, TT 05/2025
// digitisation stamp) draw their text with an embedded, subset TrueType font
// (Type0/Identity-H with ToUnicode and CIDSet) and images with a stencil mask
// instead of transparency, so PDF/A-1b files stay valid.

#include <array>
#include <string>

#include "incremental_update.hpp"
#include "sohoa/signing/pades.hpp"

namespace sohoa::signing {

// The page's visible area in default user space: [x0 y0 x1 y1].
using PageBox = std::array<double, 4>;

struct AppearanceStream {
  bool visible = false;
  std::array<double, 4> rect{0, 0, 0, 0};  // widget /Rect in page space
  std::string form_xobject;                // the /AP /N object's text
};

// `appearance` has its names resolved (no empty defaults left to fill);
// `iso_time` is the signing time as shown (yyyy-MM-ddThh:mm:ss+07:00). Fonts
// and images are added to `update` as new objects. Throws sohoa::Error.
AppearanceStream make_appearance(const Appearance& appearance, const std::string& iso_time,
                                 const PageBox& page_box, pdf::IncrementalUpdate& update);

}  // namespace sohoa::signing
