// HarfBuzz adapter: reads a TrueType font's glyphs and metrics and subsets it
// (hb-subset) for embedding. The only file that includes HarfBuzz headers.
#include <harfbuzz/hb-ot.h>
#include <harfbuzz/hb-subset.h>
#include <harfbuzz/hb.h>

#include <fstream>
#include <iterator>

#include "font_program.hpp"
#include "sohoa/core/error.hpp"

namespace sohoa::signing {

namespace {
struct BlobDeleter {
  void operator()(hb_blob_t* blob) const { hb_blob_destroy(blob); }
};
struct FaceDeleter {
  void operator()(hb_face_t* face) const { hb_face_destroy(face); }
};
struct FontDeleter {
  void operator()(hb_font_t* font) const { hb_font_destroy(font); }
};
struct SubsetInputDeleter {
  void operator()(hb_subset_input_t* input) const { hb_subset_input_destroy(input); }
};
using BlobPtr = std::unique_ptr<hb_blob_t, BlobDeleter>;
using FacePtr = std::unique_ptr<hb_face_t, FaceDeleter>;
using FontPtr = std::unique_ptr<hb_font_t, FontDeleter>;
using SubsetInputPtr = std::unique_ptr<hb_subset_input_t, SubsetInputDeleter>;

std::int16_t read_i16(const char* data) {
  return static_cast<std::int16_t>((static_cast<unsigned char>(data[0]) << 8) |
                                   static_cast<unsigned char>(data[1]));
}
}  // namespace

struct FontProgram::Impl {
  std::vector<char> bytes;  // HarfBuzz blobs point into this
  BlobPtr blob;
  FacePtr face;
  FontPtr font;
  double units_per_em = 1000;
};

FontProgram::FontProgram(const std::filesystem::path& file) : impl_(std::make_unique<Impl>()) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(ErrorCode::InputNotFound, "cannot open the font " + file.string());
  impl_->bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  impl_->blob.reset(hb_blob_create(impl_->bytes.data(), static_cast<unsigned>(impl_->bytes.size()),
                                   HB_MEMORY_MODE_READONLY, nullptr, nullptr));
  impl_->face.reset(hb_face_create(impl_->blob.get(), 0));
  BlobPtr glyf(hb_face_reference_table(impl_->face.get(), HB_TAG('g', 'l', 'y', 'f')));
  BlobPtr head(hb_face_reference_table(impl_->face.get(), HB_TAG('h', 'e', 'a', 'd')));
  unsigned head_length = 0;
  const char* head_data = hb_blob_get_data(head.get(), &head_length);
  if (hb_face_get_glyph_count(impl_->face.get()) == 0 || hb_blob_get_length(glyf.get()) == 0 ||
      head_length < 54) {
    // CFF-flavoured OpenType would need FontFile3; the fonts we ship are glyf TrueType.
    throw Error(ErrorCode::UnsupportedFormat,
                file.string() + " is not a TrueType (glyf) font that can be embedded");
  }
  impl_->font.reset(hb_font_create(impl_->face.get()));
  impl_->units_per_em = hb_face_get_upem(impl_->face.get());
  const double scale = 1000.0 / impl_->units_per_em;
  // head: xMin, yMin, xMax, yMax at byte 36.
  for (int i = 0; i < 4; ++i) bbox_[i] = read_i16(head_data + 36 + 2 * i) * scale;

  hb_font_extents_t extents{};
  hb_font_get_h_extents(impl_->font.get(), &extents);
  ascent_ = extents.ascender * scale;
  descent_ = extents.descender * scale;
  hb_position_t cap = 0;
  cap_height_ = hb_ot_metrics_get_position(impl_->font.get(), HB_OT_METRICS_TAG_CAP_HEIGHT, &cap)
                    ? cap * scale
                    : ascent_;
  italic_angle_ = hb_style_get_value(impl_->font.get(), HB_STYLE_TAG_SLANT_ANGLE);

  char name[128] = {};
  unsigned name_size = sizeof name;
  hb_ot_name_get_utf8(impl_->face.get(), HB_OT_NAME_ID_POSTSCRIPT_NAME, HB_LANGUAGE_INVALID,
                      &name_size, name);
  postscript_name_ = name;
  if (postscript_name_.empty()) postscript_name_ = "EmbeddedFont";
}

FontProgram::~FontProgram() = default;

std::uint16_t FontProgram::glyph(char32_t code_point) const {
  hb_codepoint_t id = 0;
  if (!hb_font_get_nominal_glyph(impl_->font.get(), code_point, &id)) return 0;
  return static_cast<std::uint16_t>(id);
}

double FontProgram::advance(std::uint16_t glyph) const {
  return hb_font_get_glyph_h_advance(impl_->font.get(), glyph) * 1000.0 / impl_->units_per_em;
}

std::vector<std::uint8_t> FontProgram::subset(const std::set<std::uint16_t>& glyphs) const {
  SubsetInputPtr input(hb_subset_input_create_or_fail());
  if (!input) throw Error(ErrorCode::Internal, "font subsetting: out of memory");
  hb_set_t* glyph_set = hb_subset_input_glyph_set(input.get());
  hb_set_add(glyph_set, 0);
  for (std::uint16_t g : glyphs) hb_set_add(glyph_set, g);
  // Keep the glyph ids (CIDToGIDMap /Identity) and no hinting; drop the tables
  // a PDF renderer never reads so the embedded program stays small.
  hb_subset_input_set_flags(input.get(), HB_SUBSET_FLAGS_RETAIN_GIDS | HB_SUBSET_FLAGS_NO_HINTING);
  hb_set_t* drop = hb_subset_input_set(input.get(), HB_SUBSET_SETS_DROP_TABLE_TAG);
  for (hb_tag_t tag :
       {HB_TAG('G', 'S', 'U', 'B'), HB_TAG('G', 'P', 'O', 'S'), HB_TAG('G', 'D', 'E', 'F'),
        HB_TAG('k', 'e', 'r', 'n'), HB_TAG('D', 'S', 'I', 'G')}) {
    hb_set_add(drop, tag);
  }
  FacePtr subset_face(hb_subset_or_fail(impl_->face.get(), input.get()));
  if (!subset_face) throw Error(ErrorCode::Internal, "the font could not be subset");
  BlobPtr blob(hb_face_reference_blob(subset_face.get()));
  unsigned length = 0;
  const char* data = hb_blob_get_data(blob.get(), &length);
  if (length == 0) throw Error(ErrorCode::Internal, "the font subset is empty");
  return {reinterpret_cast<const std::uint8_t*>(data),
          reinterpret_cast<const std::uint8_t*>(data) + length};
}

}  // namespace sohoa::signing
