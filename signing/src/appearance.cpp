#include "appearance.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <set>

#include "font_program.hpp"
#include "pdf_document.hpp"
#include "sohoa/core/error.hpp"
#include "sohoa/imaging/decode.hpp"

namespace sohoa::signing {

namespace {
using pdf::Array;
using pdf::Dict;
using pdf::IncrementalUpdate;
using pdf::Name;
using pdf::Ref;

constexpr const char* kDefaultFont =
    "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf";

// TT 05/2025: Times New Roman 10 pt; a margin that keeps the stamp clear of the
// page edge on every printer.
constexpr double kStampFontSize = 10;
constexpr double kStampMargin = 20;
constexpr double kLineGap = 1.2;  // baseline-to-baseline distance in font sizes
constexpr double kPadding = 3;
// Default box of a visible signature: bottom right of the page.
constexpr double kDefaultBoxWidth = 300;
constexpr double kDefaultBoxHeight = 90;
constexpr double kDefaultBoxMargin = 36;
// Signature text: largest and smallest size tried when fitting the box.
constexpr double kMaxTextSize = 10;
constexpr double kMinTextSize = 5;
// Pixels at least this light on every channel are paper (or transparency
// composited on white) and are masked out, so a seal does not hide the
// signature under its white background and no PDF transparency is needed.
constexpr int kPaperLevel = 235;
constexpr std::int64_t kMaxImagePixels = 8'000'000;

std::string number(double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", value);
  std::string text(buf);
  while (text.back() == '0') text.pop_back();
  if (text.back() == '.') text.pop_back();
  return text == "-0" ? "0" : text;
}

std::string hex_byte(unsigned value) {
  char buf[4];
  std::snprintf(buf, sizeof buf, "%02X", value & 0xFFu);
  return buf;
}

std::string stream_text(const Dict& dict, const std::vector<std::uint8_t>& data) {
  return pdf::stream_object(
      dict, std::string_view(reinterpret_cast<const char*>(data.data()), data.size()));
}

std::vector<std::uint8_t> deflate(std::string_view text) {
  return pdf::deflate_data(
      pdf::Bytes(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

// Text set in one embedded font: remembers the glyphs used (for the subset,
// widths, ToUnicode and CIDSet) and encodes strings as 2-byte glyph ids.
class FontUse {
 public:
  explicit FontUse(const std::filesystem::path& file) : font_(file) {}

  [[nodiscard]] double width(const std::u32string& text, double size) const {
    double total = 0;
    for (char32_t cp : text) total += font_.advance(font_.glyph(cp));
    return total * size / 1000.0;
  }

  // "<0041...>" for the Tj operator; throws when the font lacks a character.
  std::string encode(const std::u32string& text) {
    std::string hex = "<";
    for (char32_t cp : text) {
      std::uint16_t glyph = font_.glyph(cp);
      if (glyph == 0) {
        char code[16];
        std::snprintf(code, sizeof code, "U+%04X", static_cast<unsigned>(cp));
        throw Error(ErrorCode::InvalidArgument,
                    std::string("the signature font has no glyph for ") + code +
                        " (write the text in Unicode NFC, precomposed)");
      }
      used_.emplace(glyph, cp);
      hex += hex_byte(glyph >> 8u) + hex_byte(glyph);
    }
    return hex + ">";
  }

  // Writes the Type0 font and its parts into `update`; returns the Type0 font.
  Ref embed(IncrementalUpdate& update) const {
    std::set<std::uint16_t> glyphs;
    for (const auto& [glyph, cp] : used_) glyphs.insert(glyph);
    std::vector<std::uint8_t> program = font_.subset(glyphs);
    const std::string base_font = subset_tag(glyphs) + "+" + font_.postscript_name();

    Ref file_ref{update.new_object_number(), 0};
    Dict file_dict;
    file_dict.set("Length1", static_cast<std::int64_t>(program.size()));
    file_dict.set("Filter", Name{"FlateDecode"});
    update.set_object(file_ref, stream_text(file_dict, pdf::deflate_data(program)));

    // CIDSet (PDF/A-1 asks for it with subset CID fonts): one bit per CID present.
    std::vector<std::uint8_t> cid_set(glyphs.empty() ? 1 : *glyphs.rbegin() / 8 + 1, 0);
    cid_set[0] |= 0x80;  // .notdef is always in the subset
    for (std::uint16_t g : glyphs) cid_set[g / 8] |= static_cast<std::uint8_t>(0x80u >> (g % 8));
    Ref cid_set_ref{update.new_object_number(), 0};
    update.set_object(cid_set_ref, stream_text(Dict{}, cid_set));

    Ref descriptor_ref{update.new_object_number(), 0};
    Dict descriptor;
    descriptor.set("Type", Name{"FontDescriptor"});
    descriptor.set("FontName", Name{base_font});
    descriptor.set("Flags", std::int64_t{4 | 2});  // symbolic (CID font), serif
    const auto& box = font_.bbox();
    descriptor.set("FontBBox", Array{box[0], box[1], box[2], box[3]});
    descriptor.set("ItalicAngle", font_.italic_angle());
    descriptor.set("Ascent", font_.ascent());
    descriptor.set("Descent", font_.descent());
    descriptor.set("CapHeight", font_.cap_height());
    descriptor.set("StemV", std::int64_t{80});
    descriptor.set("FontFile2", file_ref);
    descriptor.set("CIDSet", cid_set_ref);
    update.set_object(descriptor_ref, pdf::Object(descriptor));

    Array widths;
    for (std::uint16_t g : glyphs) {
      widths.emplace_back(static_cast<std::int64_t>(g));
      widths.emplace_back(Array{static_cast<std::int64_t>(font_.advance(g) + 0.5)});
    }
    Ref cid_font_ref{update.new_object_number(), 0};
    Dict cid_font;
    cid_font.set("Type", Name{"Font"});
    cid_font.set("Subtype", Name{"CIDFontType2"});
    cid_font.set("BaseFont", Name{base_font});
    Dict system_info;
    system_info.set("Registry", pdf::String{"Adobe"});
    system_info.set("Ordering", pdf::String{"Identity"});
    system_info.set("Supplement", std::int64_t{0});
    cid_font.set("CIDSystemInfo", system_info);
    cid_font.set("FontDescriptor", descriptor_ref);
    cid_font.set("DW", std::int64_t{1000});
    cid_font.set("W", widths);
    cid_font.set("CIDToGIDMap", Name{"Identity"});
    update.set_object(cid_font_ref, pdf::Object(cid_font));

    Ref to_unicode_ref{update.new_object_number(), 0};
    Dict to_unicode_dict;
    to_unicode_dict.set("Filter", Name{"FlateDecode"});
    update.set_object(to_unicode_ref, stream_text(to_unicode_dict, deflate(to_unicode_cmap())));

    Ref type0_ref{update.new_object_number(), 0};
    Dict type0;
    type0.set("Type", Name{"Font"});
    type0.set("Subtype", Name{"Type0"});
    type0.set("BaseFont", Name{base_font});
    type0.set("Encoding", Name{"Identity-H"});
    type0.set("DescendantFonts", Array{cid_font_ref});
    type0.set("ToUnicode", to_unicode_ref);
    update.set_object(type0_ref, pdf::Object(type0));
    return type0_ref;
  }

 private:
  // Six capital letters derived from the glyph set, as PDF subset names require.
  static std::string subset_tag(const std::set<std::uint16_t>& glyphs) {
    std::uint64_t hash = 1469598103934665603ULL;
    for (std::uint16_t g : glyphs) hash = (hash ^ g) * 1099511628211ULL;
    std::string tag;
    for (int i = 0; i < 6; ++i) {
      tag += static_cast<char>('A' + hash % 26);
      hash /= 26;
    }
    return tag;
  }

  [[nodiscard]] std::string to_unicode_cmap() const {
    std::string cmap =
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n";
    std::vector<std::pair<std::uint16_t, char32_t>> entries(used_.begin(), used_.end());
    // At most 100 entries per bfchar block (PostScript CMap limit).
    for (std::size_t start = 0; start < entries.size(); start += 100) {
      std::size_t end = std::min(entries.size(), start + 100);
      cmap += std::to_string(end - start) + " beginbfchar\n";
      for (std::size_t i = start; i < end; ++i) {
        std::string utf16;
        pdf::append_utf16be(utf16, entries[i].second);
        cmap += "<" + hex_byte(entries[i].first >> 8u) + hex_byte(entries[i].first) + "> <";
        for (char c : utf16) cmap += hex_byte(static_cast<unsigned char>(c));
        cmap += ">\n";
      }
      cmap += "endbfchar\n";
    }
    cmap += "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n";
    return cmap;
  }

  FontProgram font_;
  std::map<std::uint16_t, char32_t> used_;  // glyph -> first character drawn with it
};

// A raster image (signature or seal) as an RGB image XObject with a stencil
// mask for its paper-white background.
struct PlacedImage {
  Ref ref;
  double aspect = 1;  // width / height
};

PlacedImage embed_image(const std::filesystem::path& file, IncrementalUpdate& update) {
  imaging::DecodeLimits limits;
  limits.max_pixels = kMaxImagePixels;
  // The decoder composites any alpha channel on white; the mask below turns
  // that white back into "not painted" without PDF transparency (PDF/A-1).
  imaging::DecodedPage page = imaging::decode_page(file.string(), 0, limits);
  const Image& image = page.image;
  if (image.width <= 0 || image.height <= 0) {
    throw Error(ErrorCode::CorruptInput, file.string() + " has no pixels");
  }
  const auto pixel_count = static_cast<std::size_t>(image.width) * image.height;
  std::vector<std::uint8_t> rgb(pixel_count * 3);
  const std::size_t mask_stride = (static_cast<std::size_t>(image.width) + 7) / 8;
  std::vector<std::uint8_t> mask(mask_stride * image.height, 0);
  bool any_masked = false;
  for (int y = 0; y < image.height; ++y) {
    const std::uint8_t* row = image.row(y);
    for (int x = 0; x < image.width; ++x) {
      std::uint8_t r = 0;
      std::uint8_t g = 0;
      std::uint8_t b = 0;
      if (image.channels >= 3) {
        r = row[x * image.channels];
        g = row[x * image.channels + 1];
        b = row[x * image.channels + 2];
      } else {
        r = g = b = row[x * image.channels];
      }
      std::size_t i = (static_cast<std::size_t>(y) * image.width + x) * 3;
      rgb[i] = r;
      rgb[i + 1] = g;
      rgb[i + 2] = b;
      if (r >= kPaperLevel && g >= kPaperLevel && b >= kPaperLevel) {
        // Mask sample 1 = not painted.
        mask[y * mask_stride + x / 8] |= static_cast<std::uint8_t>(0x80u >> (x % 8));
        any_masked = true;
      }
    }
  }
  Dict dict;
  dict.set("Type", Name{"XObject"});
  dict.set("Subtype", Name{"Image"});
  dict.set("Width", std::int64_t{image.width});
  dict.set("Height", std::int64_t{image.height});
  dict.set("ColorSpace", Name{"DeviceRGB"});
  dict.set("BitsPerComponent", std::int64_t{8});
  dict.set("Filter", Name{"FlateDecode"});
  if (any_masked) {
    Ref mask_ref{update.new_object_number(), 0};
    Dict mask_dict;
    mask_dict.set("Type", Name{"XObject"});
    mask_dict.set("Subtype", Name{"Image"});
    mask_dict.set("Width", std::int64_t{image.width});
    mask_dict.set("Height", std::int64_t{image.height});
    mask_dict.set("ImageMask", true);
    mask_dict.set("BitsPerComponent", std::int64_t{1});
    mask_dict.set("Filter", Name{"FlateDecode"});
    update.set_object(mask_ref, stream_text(mask_dict, pdf::deflate_data(mask)));
    dict.set("Mask", mask_ref);
  }
  Ref ref{update.new_object_number(), 0};
  update.set_object(ref, stream_text(dict, pdf::deflate_data(rgb)));
  return {ref, static_cast<double>(image.width) / image.height};
}

std::string draw_image(const char* name, double x, double y, double width, double height) {
  return "q " + number(width) + " 0 0 " + number(height) + " " + number(x) + " " + number(y) +
         " cm /" + name + " Do Q\n";
}

// Lines of text, black, left-aligned from (x, top) downwards.
std::string draw_lines(FontUse& font, const std::vector<std::u32string>& lines, double size,
                       double x, double top) {
  std::string out = "BT\n0 0 0 rg\n/F1 " + number(size) + " Tf\n";
  double baseline = top - size;  // the font's ascent is a little below one em
  out += number(x) + " " + number(baseline) + " Td\n";
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) out += "0 " + number(-size * kLineGap) + " Td\n";
    out += font.encode(lines[i]) + " Tj\n";
  }
  return out + "ET\n";
}

double widest(const FontUse& font, const std::vector<std::u32string>& lines, double size) {
  double w = 0;
  for (const auto& line : lines) w = std::max(w, font.width(line, size));
  return w;
}

std::string form_object(double width, double height, const std::string& content,
                        std::optional<Ref> font, const std::map<std::string, Ref>& images) {
  Dict dict;
  dict.set("Type", Name{"XObject"});
  dict.set("Subtype", Name{"Form"});
  dict.set("BBox", Array{0.0, 0.0, width, height});
  Dict resources;
  if (font) {
    Dict fonts;
    fonts.set("F1", *font);
    resources.set("Font", fonts);
  }
  if (!images.empty()) {
    Dict xobjects;
    for (const auto& [name, ref] : images) xobjects.set(name, ref);
    resources.set("XObject", xobjects);
  }
  dict.set("Resources", resources);
  dict.set("Filter", Name{"FlateDecode"});
  std::vector<std::uint8_t> data = deflate(content);
  return stream_text(dict, data);
}

std::filesystem::path font_path(const Appearance& appearance) {
  return appearance.font_file.empty() ? std::filesystem::path(kDefaultFont) : appearance.font_file;
}

// TT 05/2025: agency name and signing time, Times 10 pt, top right of page 1.
AppearanceStream digitisation_stamp(const Appearance& appearance, const std::string& iso_time,
                                    const PageBox& page_box, IncrementalUpdate& update) {
  FontUse font(font_path(appearance));
  std::vector<std::u32string> lines{pdf::code_points(appearance.agency),
                                    pdf::code_points(iso_time)};
  const double size = kStampFontSize;
  const double width = widest(font, lines, size) + 2 * kPadding;
  const double height = size * kLineGap * static_cast<double>(lines.size()) + 2 * kPadding;
  AppearanceStream look;
  look.visible = true;
  const double right = page_box[2] - kStampMargin;
  const double top = page_box[3] - kStampMargin;
  look.rect = {right - width, top - height, right, top};
  std::string content = draw_lines(font, lines, size, kPadding, height - kPadding);
  Ref font_ref = font.embed(update);
  look.form_xobject = form_object(width, height, content, font_ref, {});
  return look;
}

// NĐ 30/2020: signature image (with the seal over its left third) and the
// signer's name, title, agency and signing time.
AppearanceStream signature_block(const Appearance& appearance, const std::string& iso_time,
                                 const PageBox& page_box, IncrementalUpdate& update) {
  std::array<double, 4> box{page_box[2] - kDefaultBoxMargin - kDefaultBoxWidth,
                            page_box[1] + kDefaultBoxMargin, kDefaultBoxWidth, kDefaultBoxHeight};
  if (appearance.box) {
    box = *appearance.box;
    box[0] += page_box[0];
    box[1] += page_box[1];
  }
  const double width = box[2];
  const double height = box[3];
  if (width < 20 || height < 10) {
    throw Error(ErrorCode::InvalidArgument, "the signature box is too small (at least 20 x 10 pt)");
  }

  std::string content;
  std::map<std::string, Ref> images;
  double text_left = kPadding;
  const double art_height = height - 2 * kPadding;
  std::optional<PlacedImage> seal;
  std::optional<PlacedImage> signature;
  if (!appearance.seal_image.empty()) seal = embed_image(appearance.seal_image, update);
  if (!appearance.signature_image.empty()) {
    signature = embed_image(appearance.signature_image, update);
  }
  if (seal || signature) {
    // The images take at most 40 % of the box; the text the rest.
    const double art_width_limit = width * 0.4;
    double seal_w = seal ? art_height * seal->aspect : 0;
    double seal_h = seal ? art_height : 0;
    double sig_h = signature ? (seal ? art_height * 0.7 : art_height) : 0;
    double sig_w = signature ? sig_h * signature->aspect : 0;
    // The seal covers the left third of the signature: the signature starts a
    // third of its width before the seal's right edge.
    auto total_width = [&] { return seal ? seal_w + sig_w * 2.0 / 3.0 : sig_w; };
    if (total_width() > art_width_limit) {
      const double scale = art_width_limit / total_width();
      seal_w *= scale;
      seal_h *= scale;
      sig_w *= scale;
      sig_h *= scale;
    }
    const double sig_x = kPadding + (seal ? seal_w - sig_w / 3.0 : 0);
    if (signature) {
      images["Im1"] = signature->ref;
      content += draw_image("Im1", sig_x, (height - sig_h) / 2, sig_w, sig_h);
    }
    if (seal) {
      // Drawn after the signature: the seal is stamped over it.
      images["Im2"] = seal->ref;
      content += draw_image("Im2", kPadding, (height - seal_h) / 2, seal_w, seal_h);
    }
    text_left = kPadding + total_width() + kPadding * 2;
  }

  FontUse font(font_path(appearance));
  std::vector<std::u32string> lines;
  lines.push_back(pdf::code_points("Ký bởi: " + appearance.signer_name));
  if (!appearance.title.empty()) lines.push_back(pdf::code_points(appearance.title));
  if (!appearance.agency.empty()) {
    lines.push_back(pdf::code_points("Cơ quan: " + appearance.agency));
  }
  lines.push_back(pdf::code_points("Thời gian ký: " + iso_time));
  const double text_width = width - text_left - kPadding;
  const double text_height = height - 2 * kPadding;
  double size = kMaxTextSize;
  while (size > kMinTextSize &&
         (widest(font, lines, size) > text_width ||
          size * kLineGap * static_cast<double>(lines.size()) > text_height)) {
    size -= 0.25;
  }
  // Centred vertically in the box.
  const double block = size * kLineGap * static_cast<double>(lines.size());
  const double top = height / 2 + block / 2;
  content += draw_lines(font, lines, size, text_left, top);
  Ref font_ref = font.embed(update);

  AppearanceStream look;
  look.visible = true;
  look.rect = {box[0], box[1], box[0] + width, box[1] + height};
  look.form_xobject = form_object(width, height, content, font_ref, images);
  return look;
}
}  // namespace

AppearanceStream make_appearance(const Appearance& appearance, const std::string& iso_time,
                                 const PageBox& page_box, IncrementalUpdate& update) {
  switch (appearance.kind) {
    case AppearanceKind::DigitisationStamp:
      return digitisation_stamp(appearance, iso_time, page_box, update);
    case AppearanceKind::Signature:
      return signature_block(appearance, iso_time, page_box, update);
    case AppearanceKind::Invisible:
      break;
  }
  // PDF/A wants an appearance even for a hidden widget: an empty form.
  AppearanceStream look;
  Dict dict;
  dict.set("Type", Name{"XObject"});
  dict.set("Subtype", Name{"Form"});
  dict.set("BBox", Array{0.0, 0.0, 0.0, 0.0});
  dict.set("Resources", Dict{});
  look.form_xobject = pdf::stream_object(dict, "");
  return look;
}

}  // namespace sohoa::signing
