#include "appearance.hpp"

#include "incremental_update.hpp"
#include "sohoa/core/error.hpp"

namespace sohoa::signing {

std::string AppearanceStream::form_xobject(
    const std::map<std::string, std::uint32_t>& resource_numbers) const {
  pdf::Dict dict;
  dict.set("Type", pdf::Name{"XObject"});
  dict.set("Subtype", pdf::Name{"Form"});
  double width = rect[2] - rect[0];
  double height = rect[3] - rect[1];
  dict.set("BBox", pdf::Array{0.0, 0.0, width, height});
  pdf::Dict fonts;
  pdf::Dict images;
  for (const auto& [name, num] : resource_numbers) {
    // Resource names start with F (fonts) or I (images).
    (name[0] == 'F' ? fonts : images).set(name, pdf::Ref{num, 0});
  }
  pdf::Dict resource_dict;
  if (!fonts.entries().empty()) resource_dict.set("Font", fonts);
  if (!images.entries().empty()) resource_dict.set("XObject", images);
  dict.set("Resources", resource_dict);
  return pdf::stream_object(std::move(dict), content);
}

AppearanceStream make_appearance(const Appearance& appearance, const pdf::Dict& page,
                                 pdf::Document& doc, const std::string& pdf_signing_time) {
  (void)page;
  (void)doc;
  (void)pdf_signing_time;
  AppearanceStream look;
  if (appearance.kind != AppearanceKind::Invisible) {
    throw Error(ErrorCode::InvalidArgument, "visible signature appearances are not available yet");
  }
  return look;
}

}  // namespace sohoa::signing
