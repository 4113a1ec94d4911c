#include "pdf_document.hpp"

#include <algorithm>
#include <cstring>
#include <string_view>

#include "sohoa/core/error.hpp"

namespace sohoa::signing::pdf {

namespace {
constexpr std::size_t kInflateLimit = 256u << 20;
constexpr int kMaxXrefSections = 4096;
constexpr int kMaxLookups = 1'000'000;
constexpr std::uint32_t kMaxObjectNumber = 10'000'000;

[[noreturn]] void corrupt(const std::string& what) {
  throw Error(ErrorCode::CorruptInput, what);
}

std::size_t rfind(Bytes bytes, std::string_view needle, std::size_t before) {
  if (needle.size() > before) return std::string_view::npos;
  for (std::size_t i = before - needle.size() + 1; i-- > 0;) {
    if (std::memcmp(bytes.data() + i, needle.data(), needle.size()) == 0) return i;
  }
  return std::string_view::npos;
}

std::size_t find(Bytes bytes, std::string_view needle, std::size_t from) {
  std::string_view hay(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  return hay.find(needle, from);
}

std::vector<std::uint8_t> undo_png_predictor(std::vector<std::uint8_t> data, const Dict* parms) {
  if (parms == nullptr) return data;
  const Object* predictor = parms->find("Predictor");
  std::int64_t kind = predictor != nullptr ? predictor->integer().value_or(1) : 1;
  if (kind < 10) {
    if (kind != 1) corrupt("unsupported TIFF predictor");
    return data;
  }
  auto get = [parms](const char* key, std::int64_t fallback) {
    const Object* value = parms->find(key);
    return value != nullptr ? value->integer().value_or(fallback) : fallback;
  };
  std::int64_t columns = get("Columns", 1);
  std::int64_t colors = get("Colors", 1);
  std::int64_t bits = get("BitsPerComponent", 8);
  if (columns <= 0 || columns > 1 << 20 || colors <= 0 || colors > 32 || bits <= 0 || bits > 16) {
    corrupt("bad predictor parameters");
  }
  auto bpp = static_cast<std::size_t>(std::max<std::int64_t>(1, colors * bits / 8));
  auto row_length = static_cast<std::size_t>((columns * colors * bits + 7) / 8);
  std::vector<std::uint8_t> out;
  std::vector<std::uint8_t> previous(row_length, 0);
  for (std::size_t pos = 0; pos + row_length + 1 <= data.size(); pos += row_length + 1) {
    std::uint8_t filter = data[pos];
    std::vector<std::uint8_t> row(data.begin() + static_cast<std::ptrdiff_t>(pos + 1),
                                  data.begin() + static_cast<std::ptrdiff_t>(pos + 1 + row_length));
    for (std::size_t i = 0; i < row_length; ++i) {
      int left = i >= bpp ? row[i - bpp] : 0;
      int up = previous[i];
      int up_left = i >= bpp ? previous[i - bpp] : 0;
      int add = 0;
      switch (filter) {
        case 0:
          break;
        case 1:
          add = left;
          break;
        case 2:
          add = up;
          break;
        case 3:
          add = (left + up) / 2;
          break;
        case 4: {
          int p = left + up - up_left;
          int pa = std::abs(p - left);
          int pb = std::abs(p - up);
          int pc = std::abs(p - up_left);
          add = (pa <= pb && pa <= pc) ? left : (pb <= pc ? up : up_left);
          break;
        }
        default:
          corrupt("bad PNG predictor row filter");
      }
      row[i] = static_cast<std::uint8_t>(row[i] + add);
    }
    out.insert(out.end(), row.begin(), row.end());
    previous = std::move(row);
  }
  return out;
}
}  // namespace

std::vector<std::size_t> revision_ends(Bytes bytes) {
  std::vector<std::size_t> ends;
  std::size_t pos = 0;
  while ((pos = find(bytes, "%%EOF", pos)) != std::string_view::npos) {
    std::size_t end = pos + 5;
    if (end < bytes.size() && bytes[end] == '\r') ++end;
    if (end < bytes.size() && bytes[end] == '\n') ++end;
    ends.push_back(end);
    pos += 5;
  }
  return ends;
}

Document::Document(Bytes bytes) : bytes_(bytes) {
  if (bytes_.size() < 8 || std::memcmp(bytes_.data(), "%PDF-", 5) != 0) {
    // A header may follow some junk, but then offsets are shifted: we do not guess.
    if (find(bytes_, "%PDF-", 0) == std::string_view::npos) corrupt("not a PDF file");
  }
  std::size_t at = rfind(bytes_, "startxref", bytes_.size());
  if (at == std::string_view::npos) corrupt("no startxref");
  Parser parser(bytes_, at + 9);
  auto offset = parser.read_unsigned();
  if (!offset || *offset >= bytes_.size()) corrupt("startxref points outside the file");
  startxref_ = static_cast<std::size_t>(*offset);
  load_xref_chain(startxref_);
  const Object* size = trailer_.find("Size");
  if (size == nullptr || !size->integer() || *size->integer() <= 0 ||
      *size->integer() > kMaxObjectNumber) {
    corrupt("trailer /Size missing or invalid");
  }
  size_ = static_cast<std::uint32_t>(*size->integer());
  if (trailer_.find("Encrypt") != nullptr) {
    throw Error(ErrorCode::EncryptedPdf, "encrypted PDF files are not signed or verified");
  }
}

void Document::load_xref_chain(std::size_t offset) {
  std::set<std::size_t> seen;
  bool first = true;
  std::optional<std::size_t> next = offset;
  while (next) {
    std::size_t at = *next;
    next.reset();
    if (at >= bytes_.size() || !seen.insert(at).second) corrupt("broken xref /Prev chain");
    if (static_cast<int>(seen.size()) > kMaxXrefSections) corrupt("too many xref sections");
    Parser parser(bytes_, at);
    Dict section_trailer;
    if (parser.consume_keyword("xref")) {
      read_classic_section(parser.pos(), section_trailer);
      if (first) last_section_is_stream_ = false;
      // Hybrid files: the table's trailer points to an xref stream with more entries.
      if (const Object* stm = section_trailer.find("XRefStm")) {
        if (auto stm_offset = stm->integer();
            stm_offset && *stm_offset >= 0 &&
            static_cast<std::size_t>(*stm_offset) < bytes_.size()) {
          Object xref_stream = parse_indirect_at(static_cast<std::size_t>(*stm_offset), 0);
          if (const Stream* s = xref_stream.stream()) read_xref_stream(*s);
        }
      }
    } else {
      Object xref_stream = parse_indirect_at(at, 0);
      const Stream* stream = xref_stream.stream();
      if (stream == nullptr || stream->dict.find("Type") == nullptr ||
          stream->dict.find("Type")->name() != "XRef") {
        corrupt("startxref/Prev does not point to a cross-reference section");
      }
      read_xref_stream(*stream);
      section_trailer = stream->dict;
      if (first) last_section_is_stream_ = true;
    }
    if (first) {
      trailer_ = section_trailer;
      trailer_.erase("Prev");
      trailer_.erase("XRefStm");
      first = false;
    }
    if (const Object* prev = section_trailer.find("Prev")) {
      auto value = prev->integer();
      if (!value || *value < 0) corrupt("bad /Prev");
      next = static_cast<std::size_t>(*value);
    }
  }
}

std::size_t Document::read_classic_section(std::size_t offset, Dict& section_trailer) {
  Parser parser(bytes_, offset);
  for (;;) {
    if (parser.consume_keyword("trailer")) break;
    auto start = parser.read_unsigned();
    auto count = parser.read_unsigned();
    if (!start || !count || *start + *count > kMaxObjectNumber) corrupt("bad xref subsection");
    for (std::uint64_t i = 0; i < *count; ++i) {
      auto entry_offset = parser.read_unsigned();
      auto gen = parser.read_unsigned();
      bool in_use = parser.consume_keyword("n");
      if (!in_use && !parser.consume_keyword("f")) corrupt("bad xref entry");
      if (!entry_offset || !gen) corrupt("bad xref entry");
      auto num = static_cast<std::uint32_t>(*start + i);
      XrefEntry entry;
      entry.kind = in_use ? XrefEntry::Kind::InUse : XrefEntry::Kind::Free;
      entry.offset = *entry_offset;
      entry.gen = static_cast<std::uint16_t>(*gen & 0xFFFF);
      xref_.emplace(num, entry);  // newer sections were read first and win
    }
  }
  Object trailer = parser.parse_object();
  if (trailer.dict() == nullptr) corrupt("trailer is not a dictionary");
  section_trailer = *trailer.dict();
  return parser.pos();
}

void Document::read_xref_stream(const Stream& stream) {
  const Dict& dict = stream.dict;
  const Object* w = dict.find("W");
  if (w == nullptr || w->array() == nullptr || w->array()->size() != 3) corrupt("xref /W");
  std::size_t widths[3];
  for (int i = 0; i < 3; ++i) {
    auto value = (*w->array())[static_cast<std::size_t>(i)].integer();
    if (!value || *value < 0 || *value > 8) corrupt("xref /W value");
    widths[i] = static_cast<std::size_t>(*value);
  }
  std::size_t row = widths[0] + widths[1] + widths[2];
  if (row == 0) corrupt("xref /W is empty");
  std::vector<std::uint8_t> data = decoded_data(stream);
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
  if (const Object* index = dict.find("Index"); index != nullptr && index->array() != nullptr) {
    const Array& items = *index->array();
    for (std::size_t i = 0; i + 1 < items.size(); i += 2) {
      auto first = items[i].integer();
      auto count = items[i + 1].integer();
      if (!first || !count || *first < 0 || *count < 0 || *first + *count > kMaxObjectNumber) {
        corrupt("xref /Index");
      }
      ranges.emplace_back(*first, *count);
    }
  } else {
    auto size = dict.find("Size") != nullptr ? dict.find("Size")->integer() : std::nullopt;
    if (!size || *size < 0 || *size > kMaxObjectNumber) corrupt("xref stream /Size");
    ranges.emplace_back(0, *size);
  }
  std::size_t pos = 0;
  for (auto [first, count] : ranges) {
    for (std::uint64_t i = 0; i < count; ++i) {
      if (pos + row > data.size()) return;  // short stream: keep what is there
      std::uint64_t fields[3] = {0, 0, 0};
      for (int f = 0; f < 3; ++f) {
        for (std::size_t b = 0; b < widths[f]; ++b) fields[f] = (fields[f] << 8) | data[pos++];
      }
      if (widths[0] == 0) fields[0] = 1;
      XrefEntry entry;
      if (fields[0] == 0) {
        entry.kind = XrefEntry::Kind::Free;
      } else if (fields[0] == 1) {
        entry.kind = XrefEntry::Kind::InUse;
        entry.offset = fields[1];
        entry.gen = static_cast<std::uint16_t>(fields[2] & 0xFFFF);
      } else if (fields[0] == 2) {
        entry.kind = XrefEntry::Kind::Compressed;
        entry.offset = fields[1];
        entry.index = static_cast<std::uint32_t>(fields[2] & 0xFFFFFFFF);
      } else {
        continue;  // unknown types are ignored (ISO 32000-1, 7.5.8.3)
      }
      xref_.emplace(static_cast<std::uint32_t>(first + i), entry);
    }
  }
}

std::size_t Document::stream_length(const Dict& dict, std::size_t data_offset) {
  const Object* length = dict.find("Length");
  if (length != nullptr) {
    std::optional<std::int64_t> value = length->integer();
    if (!value && length->ref() != nullptr && !resolving_.contains(length->ref()->num)) {
      value = resolve(*length).integer();
    }
    if (value && *value >= 0 && data_offset + static_cast<std::size_t>(*value) <= bytes_.size()) {
      Parser check(bytes_, data_offset + static_cast<std::size_t>(*value));
      if (check.consume_keyword("endstream")) return static_cast<std::size_t>(*value);
    }
  }
  // A wrong /Length: fall back to the next endstream, as viewers do.
  std::size_t end = find(bytes_, "endstream", data_offset);
  if (end == std::string_view::npos) corrupt("stream without endstream");
  std::size_t trimmed = end;
  if (trimmed > data_offset && bytes_[trimmed - 1] == '\n') --trimmed;
  if (trimmed > data_offset && bytes_[trimmed - 1] == '\r') --trimmed;
  return trimmed - data_offset;
}

Object Document::parse_indirect_at(std::size_t offset, std::uint32_t expected_num) {
  Parser parser(bytes_, offset);
  auto num = parser.read_unsigned();
  auto gen = parser.read_unsigned();
  if (!num || !gen || !parser.consume_keyword("obj")) {
    corrupt("no object header at offset " + std::to_string(offset));
  }
  if (expected_num != 0 && *num != expected_num) {
    corrupt("xref entry for object " + std::to_string(expected_num) + " points to object " +
            std::to_string(*num));
  }
  Object object = parser.parse_object();
  std::size_t after = parser.pos();
  if (object.dict() != nullptr && parser.consume_keyword("stream")) {
    std::size_t data = parser.pos();
    if (data < bytes_.size() && bytes_[data] == '\r') ++data;
    if (data < bytes_.size() && bytes_[data] == '\n') ++data;
    Stream stream;
    stream.dict = std::move(*object.dict());
    stream.data_offset = data;
    stream.data_length = stream_length(stream.dict, data);
    return stream;
  }
  (void)after;
  return object;
}

Object Document::parse_compressed(std::uint32_t stream_num, std::uint32_t index,
                                  std::uint32_t num) {
  const Object& container = object(stream_num);
  const Stream* stream = container.stream();
  if (stream == nullptr) corrupt("object stream " + std::to_string(stream_num) + " missing");
  const Object* n = stream->dict.find("N");
  const Object* first = stream->dict.find("First");
  if (n == nullptr || first == nullptr || !n->integer() || !first->integer() || *n->integer() < 0 ||
      *first->integer() < 0) {
    corrupt("object stream header");
  }
  if (index >= *n->integer()) corrupt("object stream index out of range");
  std::vector<std::uint8_t> data = decoded_data(*stream);
  Bytes view(data);
  Parser header(view, 0);
  std::uint64_t found_offset = 0;
  bool found = false;
  for (std::uint32_t i = 0; i <= index; ++i) {
    auto obj_num = header.read_unsigned();
    auto obj_offset = header.read_unsigned();
    if (!obj_num || !obj_offset) corrupt("object stream header entries");
    if (i == index) {
      if (*obj_num != num) corrupt("object stream entry does not match its xref entry");
      found_offset = *obj_offset;
      found = true;
    }
  }
  std::size_t at = static_cast<std::size_t>(*first->integer()) + found_offset;
  if (!found || at >= data.size()) corrupt("object stream offset out of range");
  Parser parser(view, at);
  Object object = parser.parse_object();
  // Strings inside object streams have no position in the file.
  return object;
}

const Object& Document::object(std::uint32_t num) {
  static const Object kNull;
  if (auto it = cache_.find(num); it != cache_.end()) return it->second;
  auto entry = xref_.find(num);
  if (entry == xref_.end() || entry->second.kind == XrefEntry::Kind::Free) return kNull;
  if (++lookups_ > kMaxLookups) corrupt("too many object lookups");
  if (!resolving_.insert(num).second) corrupt("object refers to itself while being read");
  Object parsed;
  try {
    if (entry->second.kind == XrefEntry::Kind::InUse) {
      if (entry->second.offset >= bytes_.size()) corrupt("object offset outside the file");
      parsed = parse_indirect_at(static_cast<std::size_t>(entry->second.offset), num);
    } else {
      if (entry->second.offset > kMaxObjectNumber) corrupt("bad object stream number");
      parsed = parse_compressed(static_cast<std::uint32_t>(entry->second.offset),
                                entry->second.index, num);
    }
  } catch (...) {
    resolving_.erase(num);
    throw;
  }
  resolving_.erase(num);
  return cache_.emplace(num, std::move(parsed)).first->second;
}

const Object& Document::resolve(const Object& object_or_ref) {
  if (const Ref* ref = object_or_ref.ref()) return object(ref->num);
  return object_or_ref;
}

const Dict* Document::resolve_dict(const Object& object_or_ref) {
  return resolve(object_or_ref).dict();
}

Bytes Document::raw_data(const Stream& stream) const {
  if (stream.data_offset > bytes_.size() ||
      stream.data_length > bytes_.size() - stream.data_offset) {
    corrupt("stream data outside the file");
  }
  return bytes_.subspan(stream.data_offset, stream.data_length);
}

std::vector<std::uint8_t> Document::decoded_data(const Stream& stream) {
  Bytes raw = raw_data(stream);
  const Object* filter = stream.dict.find("Filter");
  const Object* parms = stream.dict.find("DecodeParms");
  std::string_view filter_name;
  if (filter != nullptr) {
    if (filter->array() != nullptr) {
      if (filter->array()->size() > 1) corrupt("chained filters are not supported here");
      if (!filter->array()->empty()) filter_name = filter->array()->front().name();
      if (parms != nullptr && parms->array() != nullptr && !parms->array()->empty()) {
        parms = &parms->array()->front();
      }
    } else {
      filter_name = filter->name();
    }
  }
  if (filter_name.empty()) return {raw.begin(), raw.end()};
  if (filter_name != "FlateDecode") corrupt("unsupported filter /" + std::string(filter_name));
  return undo_png_predictor(inflate_data(raw, kInflateLimit),
                            parms != nullptr ? resolve_dict(*parms) : nullptr);
}

std::optional<Ref> Document::root_ref() const {
  const Object* root = trailer_.find("Root");
  if (root == nullptr || root->ref() == nullptr) return std::nullopt;
  return *root->ref();
}

const Dict* Document::catalog() {
  auto root = root_ref();
  if (!root) return nullptr;
  return object(root->num).dict();
}

std::vector<Ref> Document::pages() {
  std::vector<Ref> result;
  const Dict* cat = catalog();
  if (cat == nullptr || cat->find("Pages") == nullptr || cat->find("Pages")->ref() == nullptr) {
    return result;
  }
  std::set<std::uint32_t> visited;
  // Depth-first, keeping document order.
  std::vector<std::pair<Ref, int>> todo{{*cat->find("Pages")->ref(), 0}};
  while (!todo.empty() && result.size() < 100000) {
    auto [ref, depth] = todo.back();
    todo.pop_back();
    if (depth > 64 || !visited.insert(ref.num).second) continue;
    const Dict* node = object(ref.num).dict();
    if (node == nullptr) continue;
    const Object* kids = node->find("Kids");
    if (kids != nullptr && kids->array() != nullptr) {
      const Array& items = *kids->array();
      for (auto it = items.rbegin(); it != items.rend(); ++it) {
        if (it->ref() != nullptr) todo.emplace_back(*it->ref(), depth + 1);
      }
    } else if (node->find("Type") == nullptr || node->find("Type")->name() == "Page") {
      result.push_back(ref);
    }
  }
  return result;
}

}  // namespace sohoa::signing::pdf
