// ScanPdf on top of PoDoFo 0.9.8 — the only file that sees PoDoFo types. Every
// PoDoFo exception is translated into sohoa::Error here. The page tree is walked
// by our own code (with a visited set) rather than PoDoFo's page cache, so cyclic
// or malformed trees in hostile files end in CorruptInput, not a stack overflow.

#include <podofo/podofo.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sohoa/core/error.hpp"
#include "sohoa/pdf/scan_reader.hpp"
#include "zlib_codec.hpp"

namespace sohoa::pdf {
namespace {

using PoDoFo::PdfArray;
using PoDoFo::PdfDictionary;
using PoDoFo::PdfMemDocument;
using PoDoFo::PdfName;
using PoDoFo::PdfObject;

constexpr int kMaxNesting = 64;        // depth of nested arrays/dictionaries we inspect
constexpr int kMaxReferenceHops = 16;  // a reference to a reference to ...
constexpr int kMaxPageTreeDepth = 64;
constexpr int kMaxDimension = 1 << 20;

void quiet_podofo() {
  static const bool done = [] {
    PoDoFo::PdfError::EnableDebug(false);
    PoDoFo::PdfError::EnableLogging(false);
    return true;
  }();
  (void)done;
}

[[noreturn]] void corrupt(const std::string& name, const std::string& why, int page = -1) {
  throw Error(ErrorCode::CorruptInput, why, ErrorContext{name, page});
}

struct PageNode {
  const PdfObject* page = nullptr;
  const PdfObject* resources = nullptr;  // own or inherited
  const PdfObject* media_box = nullptr;  // own or inherited
  const PdfObject* rotate = nullptr;     // own or inherited
};

struct Filter {
  std::string name;
  const PdfObject* parameters = nullptr;  // DecodeParms dictionary or null
};

}  // namespace

struct ScanPdf::State {
  std::string name;
  std::int64_t max_pixels = 0;
  std::vector<char> bytes;  // kept alive for the in-memory document
  PdfMemDocument document;
  std::vector<PageNode> pages;

  void load(const std::function<void()>& podofo_load);
  const PdfObject* resolve(const PdfObject* object) const;
  const PdfObject* key(const PdfObject* dictionary, const char* name) const;
  void check_not_encrypted() const;
  void check_no_active_content() const;
  void collect_pages();
  ScanPage read_page(int index) const;
};

namespace {

std::string name_of(const PdfObject* object) {
  return object != nullptr && object->IsName() ? object->GetName().GetName() : std::string();
}

std::optional<double> number_of(const PdfObject* object) {
  if (object == nullptr || !(object->IsNumber() || object->IsReal())) return std::nullopt;
  const double value = object->GetReal();
  if (!std::isfinite(value)) return std::nullopt;
  return value;
}

// A page's /Rotate as clockwise degrees 0/90/180/270. The value must be a
// multiple of 90 (negative ones count the other way); viewers ignore anything
// else, and so do we.
int display_rotation(const PdfObject* rotate) {
  const auto degrees = number_of(rotate);
  if (!degrees || *degrees != std::floor(*degrees) || std::fabs(*degrees) > 1e6) return 0;
  const auto whole = static_cast<long>(*degrees);
  if (whole % 90 != 0) return 0;
  return static_cast<int>(((whole % 360) + 360) % 360);
}

// Expands filter abbreviations used in inline images and by some writers.
std::string canonical_filter(const std::string& name) {
  if (name == "Fl") return "FlateDecode";
  if (name == "DCT") return "DCTDecode";
  if (name == "CCF") return "CCITTFaxDecode";
  if (name == "AHx") return "ASCIIHexDecode";
  if (name == "A85") return "ASCII85Decode";
  if (name == "RL") return "RunLengthDecode";
  if (name == "LZW") return "LZWDecode";
  return name;
}

// Gray/RGB component count of a colour space name; 0 when not a plain device space.
int device_components(const std::string& name) {
  if (name == "DeviceGray" || name == "CalGray" || name == "G") return 1;
  if (name == "DeviceRGB" || name == "CalRGB" || name == "RGB") return 3;
  if (name == "DeviceCMYK" || name == "CMYK") return 4;
  return 0;
}

// Components of a JPEG from its SOF marker; 0 when not found.
int jpeg_components(const std::vector<std::uint8_t>& jpeg) {
  std::size_t i = 2;
  while (i + 9 < jpeg.size()) {
    if (jpeg[i] != 0xFF) return 0;
    const std::uint8_t marker = jpeg[i + 1];
    if (marker == 0xFF) {
      ++i;
      continue;
    }
    const std::size_t length = (static_cast<std::size_t>(jpeg[i + 2]) << 8) | jpeg[i + 3];
    const bool sof =
        marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (sof) return jpeg[i + 9];
    i += 2 + length;
  }
  return 0;
}

// Undoes PNG (Predictor >= 10) and TIFF (2) predictors on inflated rows.
std::vector<std::uint8_t> unpredict(std::vector<std::uint8_t> data, int predictor, int colors,
                                    int bits, int columns, const std::string& name) {
  if (predictor <= 1) return data;
  const std::size_t pixel_bytes = std::max<std::size_t>(1, (colors * bits + 7) / 8);
  const std::size_t row_bytes = (static_cast<std::size_t>(columns) * colors * bits + 7) / 8;
  if (predictor == 2) {
    if (bits != 8) {
      throw Error(ErrorCode::UnsupportedFormat,
                  "TIFF predictor with " + std::to_string(bits) + "-bit samples");
    }
    for (std::size_t row = 0; row + row_bytes <= data.size(); row += row_bytes) {
      for (std::size_t i = pixel_bytes; i < row_bytes; ++i) {
        data[row + i] = static_cast<std::uint8_t>(data[row + i] + data[row + i - pixel_bytes]);
      }
    }
    return data;
  }
  std::vector<std::uint8_t> out;
  out.reserve(data.size());
  std::vector<std::uint8_t> previous(row_bytes, 0);
  std::vector<std::uint8_t> current(row_bytes, 0);
  for (std::size_t at = 0; at + 1 + row_bytes <= data.size(); at += 1 + row_bytes) {
    const std::uint8_t type = data[at];
    const std::uint8_t* in = data.data() + at + 1;
    for (std::size_t i = 0; i < row_bytes; ++i) {
      const int left = i >= pixel_bytes ? current[i - pixel_bytes] : 0;
      const int up = previous[i];
      const int up_left = i >= pixel_bytes ? previous[i - pixel_bytes] : 0;
      int predicted = 0;
      switch (type) {
        case 0:
          predicted = 0;
          break;
        case 1:
          predicted = left;
          break;
        case 2:
          predicted = up;
          break;
        case 3:
          predicted = (left + up) / 2;
          break;
        case 4: {
          const int p = left + up - up_left;
          const int pa = std::abs(p - left);
          const int pb = std::abs(p - up);
          const int pc = std::abs(p - up_left);
          predicted = (pa <= pb && pa <= pc) ? left : (pb <= pc ? up : up_left);
          break;
        }
        default:
          corrupt(name, "unknown PNG predictor row type " + std::to_string(type));
      }
      current[i] = static_cast<std::uint8_t>(in[i] + predicted);
    }
    out.insert(out.end(), current.begin(), current.end());
    std::swap(previous, current);
  }
  return out;
}

// Decodes one non-image filter (everything but DCT/CCITT/JBIG2/JPX).
std::vector<std::uint8_t> apply_filter(const std::vector<std::uint8_t>& input, const Filter& filter,
                                       std::size_t max_output, const PdfObject* parameters,
                                       const std::string& name) {
  if (filter.name == "FlateDecode") {
    std::vector<std::uint8_t> inflated = detail::inflate_bytes(input, max_output);
    if (parameters != nullptr && parameters->IsDictionary()) {
      const PdfDictionary& p = parameters->GetDictionary();
      auto get = [&p](const char* key, int fallback) {
        const PdfObject* value = p.GetKey(PdfName(key));
        return value != nullptr && value->IsNumber() ? static_cast<int>(value->GetNumber())
                                                     : fallback;
      };
      const int predictor = get("Predictor", 1);
      const int colors = get("Colors", 1);
      const int bits = get("BitsPerComponent", 8);
      const int columns = get("Columns", 1);
      if (colors < 1 || colors > 4 ||
          (bits != 1 && bits != 2 && bits != 4 && bits != 8 && bits != 16) || columns < 1 ||
          columns > kMaxDimension) {
        corrupt(name, "invalid Flate predictor parameters");
      }
      return unpredict(std::move(inflated), predictor, colors, bits, columns, name);
    }
    return inflated;
  }
  PoDoFo::EPdfFilter kind = PoDoFo::ePdfFilter_None;
  if (filter.name == "ASCIIHexDecode") kind = PoDoFo::ePdfFilter_ASCIIHexDecode;
  if (filter.name == "ASCII85Decode") kind = PoDoFo::ePdfFilter_ASCII85Decode;
  if (filter.name == "RunLengthDecode") kind = PoDoFo::ePdfFilter_RunLengthDecode;
  if (filter.name == "LZWDecode") kind = PoDoFo::ePdfFilter_LZWDecode;
  if (kind == PoDoFo::ePdfFilter_None) {
    throw Error(ErrorCode::UnsupportedFormat,
                "page image uses the unsupported filter /" + filter.name, ErrorContext{name, -1});
  }
  std::unique_ptr<PoDoFo::PdfFilter> decoder(PoDoFo::PdfFilterFactory::Create(kind));
  if (!decoder) corrupt(name, "no decoder for /" + filter.name);
  char* decoded = nullptr;
  PoDoFo::pdf_long decoded_length = 0;
  decoder->Decode(
      reinterpret_cast<const char*>(input.data()), static_cast<PoDoFo::pdf_long>(input.size()),
      &decoded, &decoded_length,
      parameters != nullptr && parameters->IsDictionary() ? &parameters->GetDictionary() : nullptr);
  std::vector<std::uint8_t> out;
  if (decoded != nullptr) {
    const std::size_t kept = std::min<std::size_t>(decoded_length, max_output);
    out.assign(decoded, decoded + kept);
    PoDoFo::podofo_free(decoded);
  }
  return out;
}

}  // namespace

const PdfObject* ScanPdf::State::resolve(const PdfObject* object) const {
  for (int hop = 0; object != nullptr && object->IsReference(); ++hop) {
    if (hop >= kMaxReferenceHops) return nullptr;
    object = document.GetObjects().GetObject(object->GetReference());
  }
  return object;
}

const PdfObject* ScanPdf::State::key(const PdfObject* dictionary, const char* key_name) const {
  dictionary = resolve(dictionary);
  if (dictionary == nullptr || !dictionary->IsDictionary()) return nullptr;
  return resolve(dictionary->GetDictionary().GetKey(PdfName(key_name)));
}

void ScanPdf::State::check_not_encrypted() const {
  const PdfObject* trailer = document.GetTrailer();
  const bool has_encrypt_key = trailer != nullptr && trailer->IsDictionary() &&
                               trailer->GetDictionary().HasKey(PdfName("Encrypt"));
  if (document.GetEncrypted() || has_encrypt_key) {
    throw Error(ErrorCode::EncryptedPdf, "the PDF is encrypted", ErrorContext{name, -1});
  }
}

// Any JavaScript, launch action or additional-actions dictionary anywhere in the
// file refuses it: scans never need them, and they are how PDFs attack readers.
void ScanPdf::State::check_no_active_content() const {
  const auto refuse = [this](const std::string& what) {
    throw Error(ErrorCode::ActivePdfContent, "the PDF carries " + what, ErrorContext{name, -1});
  };
  std::function<void(const PdfObject&, int)> inspect = [&](const PdfObject& object, int depth) {
    if (depth > kMaxNesting) return;
    if (object.IsArray()) {
      for (const PdfObject& item : object.GetArray()) inspect(item, depth + 1);
      return;
    }
    if (!object.IsDictionary()) return;
    for (const auto& [key_name, value] : object.GetDictionary().GetKeys()) {
      const std::string& k = key_name.GetName();
      if (k == "JS" || k == "JavaScript") refuse("JavaScript");
      if (k == "AA") refuse("additional actions (/AA)");
      if (k == "S" && value != nullptr && value->IsName()) {
        const std::string& action = value->GetName().GetName();
        if (action == "JavaScript") refuse("a JavaScript action");
        if (action == "Launch") refuse("a launch action");
      }
      if (value != nullptr) inspect(*value, depth + 1);
    }
  };
  for (const PdfObject* object : document.GetObjects()) {
    if (object != nullptr) inspect(*object, 0);
  }
  if (document.GetTrailer() != nullptr) inspect(*document.GetTrailer(), 0);
}

void ScanPdf::State::collect_pages() {
  const PdfObject* catalog = resolve(document.GetCatalog());
  const PdfObject* root = key(catalog, "Pages");
  if (root == nullptr || !root->IsDictionary()) corrupt(name, "the document has no page tree");
  std::set<PoDoFo::PdfReference> visited;
  std::function<void(const PdfObject*, PageNode, int)> walk = [&](const PdfObject* node,
                                                                  PageNode inherited, int depth) {
    if (node == nullptr || !node->IsDictionary()) return;
    if (depth > kMaxPageTreeDepth) corrupt(name, "the page tree is too deep");
    if (node->Reference().ObjectNumber() != 0 && !visited.insert(node->Reference()).second) {
      corrupt(name, "the page tree has a cycle");
    }
    if (const PdfObject* resources = key(node, "Resources")) inherited.resources = resources;
    if (const PdfObject* box = key(node, "MediaBox")) inherited.media_box = box;
    if (const PdfObject* rotate = key(node, "Rotate")) inherited.rotate = rotate;
    const PdfObject* kids = key(node, "Kids");
    const std::string type = name_of(key(node, "Type"));
    if (type == "Pages" || (type.empty() && kids != nullptr)) {
      if (kids == nullptr || !kids->IsArray()) corrupt(name, "a page tree node has no /Kids");
      for (const PdfObject& kid : kids->GetArray()) walk(resolve(&kid), inherited, depth + 1);
      return;
    }
    inherited.page = node;
    pages.push_back(inherited);
  };
  walk(root, PageNode{}, 0);
}

ScanPage ScanPdf::State::read_page(int index) const {
  if (index < 0 || index >= static_cast<int>(pages.size())) {
    throw Error(
        ErrorCode::InvalidArgument,
        "no page " + std::to_string(index) + " (the PDF has " + std::to_string(pages.size()) + ")",
        ErrorContext{name, index});
  }
  const PageNode& node = pages[index];

  // The largest image among the page's XObjects and those of its forms (one level).
  const PdfObject* best = nullptr;
  double best_area = 0;
  auto consider_xobjects = [&](const PdfObject* resources, bool follow_forms,
                               const auto& self) -> void {
    const PdfObject* xobjects = key(resources, "XObject");
    if (xobjects == nullptr || !xobjects->IsDictionary()) return;
    for (const auto& entry : xobjects->GetDictionary().GetKeys()) {
      const PdfObject* xobject = resolve(entry.second);
      if (xobject == nullptr || !xobject->IsDictionary()) continue;
      const std::string subtype = name_of(key(xobject, "Subtype"));
      if (subtype == "Image") {
        const PdfObject* mask = key(xobject, "ImageMask");
        if (mask != nullptr && mask->IsBool() && mask->GetBool()) continue;
        const double area = number_of(key(xobject, "Width")).value_or(0) *
                            number_of(key(xobject, "Height")).value_or(0);
        if (area > best_area) {
          best_area = area;
          best = xobject;
        }
      } else if (subtype == "Form" && follow_forms) {
        self(key(xobject, "Resources"), false, self);
      }
    }
  };
  consider_xobjects(node.resources, true, consider_xobjects);
  if (best == nullptr) {
    throw Error(ErrorCode::UnsupportedFormat,
                "page " + std::to_string(index + 1) + " holds no image; it is not a scanned page",
                ErrorContext{name, index});
  }

  const double width_d = number_of(key(best, "Width")).value_or(0);
  const double height_d = number_of(key(best, "Height")).value_or(0);
  if (!(width_d >= 1 && height_d >= 1 && width_d <= kMaxDimension && height_d <= kMaxDimension)) {
    corrupt(name, "page image has an invalid size", index);
  }
  const int width = static_cast<int>(width_d);
  const int height = static_cast<int>(height_d);
  if (static_cast<std::int64_t>(width) * height > max_pixels) {
    throw Error(ErrorCode::ImageTooLarge,
                "page image of " + std::to_string(width) + " x " + std::to_string(height) +
                    " pixels is above the limit of " + std::to_string(max_pixels),
                ErrorContext{name, index});
  }

  ScanPage result;
  result.rotation = display_rotation(node.rotate);
  // dpi from the image stretched over the MediaBox (scans fill their page).
  if (node.media_box != nullptr && node.media_box->IsArray() &&
      node.media_box->GetArray().size() == 4) {
    const PdfArray& box = node.media_box->GetArray();
    const auto x0 = number_of(resolve(&box[0]));
    const auto y0 = number_of(resolve(&box[1]));
    const auto x1 = number_of(resolve(&box[2]));
    const auto y1 = number_of(resolve(&box[3]));
    if (x0 && y0 && x1 && y1 && std::abs(*x1 - *x0) >= 1 && std::abs(*y1 - *y0) >= 1) {
      result.dpi_x = width * 72.0 / std::abs(*x1 - *x0);
      result.dpi_y = height * 72.0 / std::abs(*y1 - *y0);
    }
  }

  // Filters in decoding order, each with its parameters.
  std::vector<Filter> filters;
  const PdfObject* filter_object = key(best, "Filter");
  const PdfObject* parameters_object = key(best, "DecodeParms");
  if (filter_object != nullptr && filter_object->IsName()) {
    filters.push_back({canonical_filter(name_of(filter_object)), parameters_object});
  } else if (filter_object != nullptr && filter_object->IsArray()) {
    const PdfArray& names = filter_object->GetArray();
    for (std::size_t i = 0; i < names.size(); ++i) {
      const PdfObject* parameters = nullptr;
      if (parameters_object != nullptr && parameters_object->IsArray() &&
          i < parameters_object->GetArray().size()) {
        parameters = resolve(&parameters_object->GetArray()[i]);
      }
      filters.push_back({canonical_filter(name_of(resolve(&names[i]))), parameters});
    }
  }
  for (const Filter& filter : filters) {
    if (filter.name.empty()) corrupt(name, "page image has an invalid /Filter", index);
  }

  const PoDoFo::PdfStream* stream = best->HasStream() ? best->GetStream() : nullptr;
  if (stream == nullptr) corrupt(name, "page image has no data", index);
  char* raw_buffer = nullptr;
  PoDoFo::pdf_long raw_length = 0;
  stream->GetCopy(&raw_buffer, &raw_length);
  std::vector<std::uint8_t> data;
  if (raw_buffer != nullptr) {
    data.assign(raw_buffer, raw_buffer + std::max<PoDoFo::pdf_long>(raw_length, 0));
    PoDoFo::podofo_free(raw_buffer);
  }

  const std::string last = filters.empty() ? std::string() : filters.back().name;
  const bool passthrough = last == "DCTDecode" || last == "CCITTFaxDecode";
  const std::size_t decode_limit =
      static_cast<std::size_t>(width) * height * 4 + static_cast<std::size_t>(height) + 1024;
  const std::size_t stage_limit =
      passthrough ? std::max<std::size_t>(decode_limit, data.size() * 8) : decode_limit;
  for (std::size_t i = 0; i + (passthrough ? 1 : 0) < filters.size(); ++i) {
    data = apply_filter(data, filters[i], stage_limit, filters[i].parameters, name);
  }

  if (last == "DCTDecode") {
    const std::string space = name_of(key(best, "ColorSpace"));
    int components = device_components(space);
    if (components == 0) components = jpeg_components(data);
    result.encoded.encoding = Encoding::Jpeg;
    result.encoded.width = width;
    result.encoded.height = height;
    result.encoded.components = components;
    result.encoded.bytes = std::move(data);
    return result;
  }
  if (last == "CCITTFaxDecode") {
    const PdfObject* parameters = filters.back().parameters;
    const auto k = number_of(key(parameters, "K")).value_or(0);
    if (k >= 0) {
      throw Error(ErrorCode::UnsupportedFormat,
                  "page image is CCITT Group 3; only Group 4 is supported",
                  ErrorContext{name, index});
    }
    const PdfObject* black_is_1 = key(parameters, "BlackIs1");
    result.encoded.encoding = Encoding::CcittG4;
    result.encoded.width = width;
    result.encoded.height = height;
    result.encoded.components = 1;
    result.encoded.black_is_1 =
        black_is_1 != nullptr && black_is_1->IsBool() && black_is_1->GetBool();
    result.encoded.bytes = std::move(data);
    return result;
  }

  // Raw samples: work out the colour space.
  const int bits = static_cast<int>(number_of(key(best, "BitsPerComponent")).value_or(8));
  if (bits == 16) {
    throw Error(ErrorCode::UnsupportedFormat,
                "page image has 16 bits per component, which is not supported",
                ErrorContext{name, index});
  }
  if (bits != 1 && bits != 2 && bits != 4 && bits != 8) {
    corrupt(name, "page image has " + std::to_string(bits) + " bits per component", index);
  }
  const PdfObject* space = key(best, "ColorSpace");
  int components = 0;
  std::vector<std::uint8_t> palette;  // Indexed: base colour per index
  int palette_components = 0;
  auto base_components = [&](const PdfObject* base) -> int {
    if (base == nullptr) return 0;
    if (base->IsName()) return device_components(name_of(base));
    if (base->IsArray() && !base->GetArray().empty()) {
      const std::string family = name_of(resolve(&base->GetArray()[0]));
      if (family == "ICCBased" && base->GetArray().size() >= 2) {
        return static_cast<int>(number_of(key(resolve(&base->GetArray()[1]), "N")).value_or(0));
      }
      if ((family == "CalRGB" || family == "CalGray")) return family == "CalRGB" ? 3 : 1;
    }
    return 0;
  };
  if (space != nullptr && space->IsArray() && !space->GetArray().empty() &&
      name_of(resolve(&space->GetArray()[0])) == "Indexed") {
    const PdfArray& indexed = space->GetArray();
    if (indexed.size() < 4) corrupt(name, "invalid Indexed colour space", index);
    palette_components = base_components(resolve(&indexed[1]));
    const auto high = number_of(resolve(&indexed[2]));
    const PdfObject* lookup = resolve(&indexed[3]);
    if ((palette_components != 1 && palette_components != 3) || !high || *high < 0 || *high > 255 ||
        lookup == nullptr) {
      throw Error(ErrorCode::UnsupportedFormat, "unsupported Indexed colour space",
                  ErrorContext{name, index});
    }
    if (lookup->IsString() || lookup->IsHexString()) {
      const PoDoFo::PdfString& text = lookup->GetString();
      palette.assign(text.GetString(), text.GetString() + text.GetLength());
    } else if (lookup->HasStream()) {
      char* table = nullptr;
      PoDoFo::pdf_long table_length = 0;
      lookup->GetStream()->GetFilteredCopy(&table, &table_length);
      if (table != nullptr) {
        palette.assign(table, table + std::min<PoDoFo::pdf_long>(table_length, 256 * 3));
        PoDoFo::podofo_free(table);
      }
    }
    palette.resize(static_cast<std::size_t>(256) * palette_components, 0);
    components = 1;
  } else {
    components = base_components(space);
    if (components == 0 && space == nullptr && bits == 1) components = 1;
    if (components != 1 && components != 3 && components != 4) {
      throw Error(ErrorCode::UnsupportedFormat, "unsupported image colour space",
                  ErrorContext{name, index});
    }
  }

  const std::size_t row_bytes = (static_cast<std::size_t>(width) * components * bits + 7) / 8;
  if (data.size() < row_bytes * height) {
    // Short data: pad with white-ish zeros would hide corruption; refuse instead.
    corrupt(name, "page image data is truncated", index);
  }
  bool invert = false;
  if (const PdfObject* decode = key(best, "Decode");
      decode != nullptr && decode->IsArray() && decode->GetArray().size() >= 2 && palette.empty()) {
    invert = number_of(resolve(&decode->GetArray()[0])).value_or(0) >
             number_of(resolve(&decode->GetArray()[1])).value_or(1);
  }

  Image& image = result.pixels;
  image.width = width;
  image.height = height;
  image.dpi_x = result.dpi_x;
  image.dpi_y = result.dpi_y;
  const int out_channels = palette.empty() ? (components == 1 ? 1 : 3) : palette_components;
  image.channels = out_channels;
  image.mode = out_channels == 3
                   ? ColorMode::Rgb
                   : (bits == 1 && palette.empty() ? ColorMode::Bilevel : ColorMode::Gray);
  image.pixels.resize(static_cast<std::size_t>(width) * height * out_channels);
  const int max_sample = (1 << bits) - 1;
  for (int y = 0; y < height; ++y) {
    const std::uint8_t* in = data.data() + row_bytes * y;
    std::uint8_t* out = image.row(y);
    for (int x = 0; x < width; ++x) {
      auto sample = [&](int c) -> int {
        const std::size_t bit = (static_cast<std::size_t>(x) * components + c) * bits;
        if (bits == 8) return in[bit / 8];
        const int shift = 8 - bits - static_cast<int>(bit % 8);
        return (in[bit / 8] >> shift) & max_sample;
      };
      if (!palette.empty()) {
        const int entry = sample(0);
        for (int c = 0; c < palette_components; ++c) {
          out[x * palette_components + c] = palette[entry * palette_components + c];
        }
      } else if (components == 1) {
        int value = sample(0) * 255 / max_sample;
        if (invert) value = 255 - value;
        out[x] = static_cast<std::uint8_t>(value);
      } else if (components == 3) {
        for (int c = 0; c < 3; ++c)
          out[x * 3 + c] = static_cast<std::uint8_t>(sample(c) * 255 / max_sample);
      } else {  // naive CMYK -> RGB; scans are rarely CMYK
        const int k = sample(3) * 255 / max_sample;
        for (int c = 0; c < 3; ++c) {
          out[x * 3 + c] =
              static_cast<std::uint8_t>(255 - std::min(255, sample(c) * 255 / max_sample + k));
        }
      }
    }
  }
  return result;
}

ScanPdf::ScanPdf(std::unique_ptr<State> state) : state_(std::move(state)) {}
ScanPdf::~ScanPdf() = default;
ScanPdf::ScanPdf(ScanPdf&&) noexcept = default;
ScanPdf& ScanPdf::operator=(ScanPdf&&) noexcept = default;

void ScanPdf::State::load(const std::function<void()>& podofo_load) {
  try {
    podofo_load();
    check_not_encrypted();
    check_no_active_content();
    collect_pages();
  } catch (const Error&) {
    throw;
  } catch (const PoDoFo::PdfError& error) {
    if (error.GetError() == PoDoFo::ePdfError_InvalidPassword) {
      throw Error(ErrorCode::EncryptedPdf, "the PDF is encrypted", ErrorContext{name, -1});
    }
    corrupt(name, std::string("not a readable PDF (") + error.what() + ")");
  } catch (const std::bad_alloc&) {
    corrupt(name, "the PDF claims more memory than it can hold");
  } catch (const std::exception& error) {
    corrupt(name, std::string("not a readable PDF (") + error.what() + ")");
  }
  if (pages.empty()) corrupt(name, "the PDF has no pages");
}

ScanPdf ScanPdf::open(const std::string& path, std::int64_t max_pixels) {
  quiet_podofo();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw Error(ErrorCode::InputNotFound, "no such file", ErrorContext{path, -1});
  }
  const auto size = std::filesystem::file_size(path, ec);
  if (ec)
    throw Error(ErrorCode::InputNotFound, "cannot read: " + ec.message(), ErrorContext{path, -1});
  if (size == 0) throw Error(ErrorCode::EmptyInput, "the file is empty", ErrorContext{path, -1});
  auto state = std::make_unique<State>();
  state->name = path;
  state->max_pixels = max_pixels;
  State& s = *state;
  // Loading from the file lets PoDoFo read objects on demand instead of a copy in memory.
  s.load([&s, &path] { s.document.Load(path.c_str()); });
  return ScanPdf(std::move(state));
}

ScanPdf ScanPdf::open(std::span<const std::uint8_t> data, const std::string& name,
                      std::int64_t max_pixels) {
  quiet_podofo();
  if (data.empty()) throw Error(ErrorCode::EmptyInput, "no bytes", ErrorContext{name, -1});
  auto state = std::make_unique<State>();
  state->name = name;
  state->max_pixels = max_pixels;
  state->bytes.assign(data.begin(), data.end());
  State& s = *state;
  s.load([&s] { s.document.LoadFromBuffer(s.bytes.data(), static_cast<long>(s.bytes.size())); });
  return ScanPdf(std::move(state));
}

int ScanPdf::page_count() const {
  return static_cast<int>(state_->pages.size());
}

ScanPage ScanPdf::page(int index) const {
  const std::string& name = state_->name;
  try {
    return state_->read_page(index);
  } catch (const Error&) {
    throw;
  } catch (const PoDoFo::PdfError& error) {
    corrupt(name, std::string("page cannot be read (") + error.what() + ")", index);
  } catch (const std::bad_alloc&) {
    corrupt(name, "page claims more memory than it can hold", index);
  } catch (const std::exception& error) {
    corrupt(name, std::string("page cannot be read (") + error.what() + ")", index);
  }
}

}  // namespace sohoa::pdf
