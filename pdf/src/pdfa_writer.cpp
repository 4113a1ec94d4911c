// PdfAWriter is our own small PDF object writer rather than PoDoFo because:
//  * PDF/A-1b needs a classic xref table and no object streams, written in one pass;
//  * the Info and XMP dates must match exactly, and PoDoFo 0.9.8 rewrites /ModDate
//    when it saves (see /work/shared/TRAPS.md);
//  * pages are streamed to disk as they come, so memory stays flat in the page count;
//  * JPEG and CCITT G4 bytes must pass through untouched.
// The layout is: header, shared objects (font, ICC profile), then per page its
// image, content stream and page dictionary; finish() adds the page tree, XMP,
// Info, catalog, xref and trailer.

#include "sohoa/pdf/pdfa_writer.hpp"

#include <fstream>
#include <iterator>
#include <vector>

#include "glyphless_font.hpp"
#include "image_xobject.hpp"
#include "pdf_file_writer.hpp"
#include "pdf_syntax.hpp"
#include "pdfa_metadata.hpp"
#include "sohoa/core/error.hpp"
#include "text_layer.hpp"
#include "zlib_codec.hpp"

#ifndef SOHOA_VERSION
#define SOHOA_VERSION "dev"
#endif

namespace sohoa::pdf {
namespace {

constexpr const char* kSrgbProfilePath = "/usr/share/color/icc/sRGB.icc";
constexpr const char* kFontResource = "F1";
// Kids per intermediate page-tree node: below the PDF/A-1 array limit (8191).
constexpr std::size_t kPagesPerNode = 4096;
// PDF/A implementation limit for page sizes (points); 2b also requires >= 3.
constexpr double kMinPagePt = 3;
constexpr double kMaxPagePt = 14400;

std::vector<std::uint8_t> read_srgb_profile() {
  std::ifstream in(kSrgbProfilePath, std::ios::binary);
  if (!in) {
    throw Error(ErrorCode::InputNotFound,
                std::string("the sRGB ICC profile for the PDF/A output intent is missing: ") +
                    kSrgbProfilePath + " (Debian package icc-profiles-free)");
  }
  std::vector<std::uint8_t> profile((std::istreambuf_iterator<char>(in)),
                                    std::istreambuf_iterator<char>());
  const bool looks_right = profile.size() >= 128 && profile[36] == 'a' && profile[37] == 'c' &&
                           profile[38] == 's' && profile[39] == 'p' && profile[16] == 'R' &&
                           profile[17] == 'G' && profile[18] == 'B';
  if (!looks_right) {
    throw Error(
        ErrorCode::CorruptInput,
        std::string(kSrgbProfilePath) + " is not an RGB ICC profile; reinstall icc-profiles-free");
  }
  return profile;
}

std::string ref(int number) {
  return std::to_string(number) + " 0 R";
}

}  // namespace

PdfALevel parse_pdfa_level(const std::string& text) {
  if (text == "1b") return PdfALevel::A1b;
  if (text == "2b") return PdfALevel::A2b;
  if (text == "2u") return PdfALevel::A2u;
  throw Error(ErrorCode::InvalidArgument,
              "unknown PDF/A level \"" + text + "\"; expected 1b, 2b or 2u");
}

std::string to_string(PdfALevel level) {
  switch (level) {
    case PdfALevel::A1b:
      return "1b";
    case PdfALevel::A2b:
      return "2b";
    case PdfALevel::A2u:
      return "2u";
  }
  return "?";
}

struct PdfAWriter::State {
  State(std::string path, PdfALevel pdfa_level, DocumentInfo document_info)
      : file(std::move(path)), level(pdfa_level), info(std::move(document_info)) {}

  detail::PdfFileWriter file;
  PdfALevel level;
  DocumentInfo info;
  int catalog = 0;
  int pages_root = 0;
  int font = 0;
  int srgb_profile = 0;
  // Intermediate page-tree nodes, each reserved when its first page is written.
  std::vector<int> page_nodes;
  std::vector<std::vector<int>> page_node_kids;
  int page_count = 0;
  std::vector<Bookmark> bookmarks;
  bool finished = false;
  bool broken = false;  // a write failed half-way: the file cannot be completed

  void write_shared_objects(const std::vector<std::uint8_t>& icc_profile);
  void write_page(const PageContent& page);
  void write_end();
  // Writes the outline tree; returns its root object, 0 when there are no bookmarks.
  int write_outlines();
};

int PdfAWriter::State::write_outlines() {
  std::vector<const Bookmark*> valid;
  for (const auto& bookmark : bookmarks) {
    if (bookmark.page_index >= 0 && bookmark.page_index < page_count) valid.push_back(&bookmark);
  }
  if (valid.empty()) return 0;
  const int root = file.reserve_object();
  std::vector<int> items;
  for (std::size_t i = 0; i < valid.size(); ++i) items.push_back(file.reserve_object());
  for (std::size_t i = 0; i < valid.size(); ++i) {
    const auto index = static_cast<std::size_t>(valid[i]->page_index);
    const int page_object = page_node_kids[index / kPagesPerNode][index % kPagesPerNode];
    std::string item = "<< /Title " + detail::pdf_text_string(valid[i]->title) + " /Parent " +
                       ref(root) + " /Dest [" + ref(page_object) + " /Fit]";
    if (i > 0) item += " /Prev " + ref(items[i - 1]);
    if (i + 1 < valid.size()) item += " /Next " + ref(items[i + 1]);
    file.write_object(items[i], item + " >>");
  }
  file.write_object(root, "<< /Type /Outlines /First " + ref(items.front()) + " /Last " +
                              ref(items.back()) + " /Count " + std::to_string(items.size()) +
                              " >>");
  return root;
}

void PdfAWriter::State::write_shared_objects(const std::vector<std::uint8_t>& icc_profile) {
  // PDF/A-2 is based on PDF 1.7; one code path writes a classic xref for both.
  file.write(level == PdfALevel::A1b ? "%PDF-1.4\n" : "%PDF-1.7\n");
  file.write("%\xE2\xE3\xCF\xD3\n");  // four bytes > 127: tells transfer tools it is binary

  catalog = file.reserve_object();
  pages_root = file.reserve_object();
  font = file.reserve_object();
  const int cid_font = file.reserve_object();
  const int descriptor = file.reserve_object();
  const int font_file = file.reserve_object();
  const int cid_to_gid = file.reserve_object();
  const int to_unicode = file.reserve_object();
  srgb_profile = file.reserve_object();

  file.write_object(font,
                    "<< /Type /Font /Subtype /Type0 /BaseFont /GlyphLessFont"
                    " /Encoding /Identity-H /DescendantFonts [" +
                        ref(cid_font) + "] /ToUnicode " + ref(to_unicode) + " >>");
  file.write_object(cid_font,
                    "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /GlyphLessFont"
                    " /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >>"
                    " /FontDescriptor " +
                        ref(descriptor) + " /DW " + std::to_string(detail::kGlyphlessAdvance) +
                        " /CIDToGIDMap " + ref(cid_to_gid) + " >>");
  file.write_object(descriptor,
                    "<< /Type /FontDescriptor /FontName /GlyphLessFont /Flags 5"
                    " /FontBBox [0 0 500 700] /ItalicAngle 0 /Ascent 700 /Descent 0"
                    " /CapHeight 700 /StemV 80 /FontFile2 " +
                        ref(font_file) + " >>");
  const std::vector<std::uint8_t> font_program = detail::glyphless_truetype();
  file.write_stream_object(
      font_file, " /Length1 " + std::to_string(font_program.size()) + " /Filter /FlateDecode",
      detail::deflate_bytes(font_program));
  file.write_stream_object(cid_to_gid, " /Filter /FlateDecode",
                           detail::deflate_bytes(detail::cid_to_glyph_map()));
  const std::string cmap = detail::identity_to_unicode_cmap();
  file.write_stream_object(to_unicode, " /Filter /FlateDecode",
                           detail::deflate_bytes(std::span<const std::uint8_t>(
                               reinterpret_cast<const std::uint8_t*>(cmap.data()), cmap.size())));
  file.write_stream_object(srgb_profile, " /N 3 /Filter /FlateDecode",
                           detail::deflate_bytes(icc_profile));
}

void PdfAWriter::State::write_page(const PageContent& page) {
  if (!(page.dpi_x > 0) || !(page.dpi_y > 0)) {
    throw Error(ErrorCode::InvalidArgument, "page resolution must be positive");
  }
  const detail::ImageXObject image = detail::make_image_xobject(page);
  const double width_pt = image.width * 72.0 / page.dpi_x;
  const double height_pt = image.height * 72.0 / page.dpi_y;
  if (width_pt < kMinPagePt || height_pt < kMinPagePt || width_pt > kMaxPagePt ||
      height_pt > kMaxPagePt) {
    throw Error(ErrorCode::InvalidArgument,
                "page of " + detail::pdf_real(width_pt) + " x " + detail::pdf_real(height_pt) +
                    " pt is outside the PDF/A page size range (3..14400 pt); check the dpi");
  }

  std::string content = "q\n" + detail::pdf_real(width_pt) + " 0 0 " + detail::pdf_real(height_pt) +
                        " 0 0 cm\n/Im0 Do\nQ\n";
  std::string text_ops;
  if (page.text != nullptr) {
    text_ops = detail::text_layer_operators(
        *page.text, detail::PageGeometryPt{page.dpi_x, page.dpi_y, height_pt}, kFontResource);
  }
  content += text_ops;

  if (page_count % kPagesPerNode == 0) {
    page_nodes.push_back(file.reserve_object());
    page_node_kids.emplace_back();
  }
  const int image_object = file.reserve_object();
  const int content_object = file.reserve_object();
  const int page_object = file.reserve_object();
  broken = true;  // until the page is complete
  file.write_stream_object(image_object, image.dictionary_entries, image.stream_bytes());
  file.write_stream_object(
      content_object, " /Filter /FlateDecode",
      detail::deflate_bytes(std::span<const std::uint8_t>(
          reinterpret_cast<const std::uint8_t*>(content.data()), content.size())));
  std::string resources = "<< /XObject << /Im0 " + ref(image_object) + " >>";
  if (!text_ops.empty())
    resources += " /Font << /" + std::string(kFontResource) + " " + ref(font) + " >>";
  resources += " /ProcSet [/PDF /Text /ImageB /ImageC] >>";
  file.write_object(page_object, "<< /Type /Page /Parent " + ref(page_nodes.back()) +
                                     " /MediaBox [0 0 " + detail::pdf_real(width_pt) + " " +
                                     detail::pdf_real(height_pt) + "] /Resources " + resources +
                                     " /Contents " + ref(content_object) + " >>");
  broken = false;
  page_node_kids.back().push_back(page_object);
  ++page_count;
}

void PdfAWriter::State::write_end() {
  if (page_count == 0) {
    throw Error(ErrorCode::InvalidArgument, "a PDF needs at least one page; none was added",
                ErrorContext{file.final_path(), -1});
  }
  broken = true;
  std::string root_kids;
  for (std::size_t node = 0; node < page_nodes.size(); ++node) {
    std::string kids;
    for (const int page : page_node_kids[node]) kids += (kids.empty() ? "" : " ") + ref(page);
    file.write_object(page_nodes[node], "<< /Type /Pages /Parent " + ref(pages_root) + " /Kids [" +
                                            kids + "] /Count " +
                                            std::to_string(page_node_kids[node].size()) + " >>");
    root_kids += (root_kids.empty() ? "" : " ") + ref(page_nodes[node]);
  }
  file.write_object(pages_root, "<< /Type /Pages /Kids [" + root_kids + "] /Count " +
                                    std::to_string(page_count) + " >>");

  const int outlines = write_outlines();
  const std::string producer = std::string("sohoa ") + SOHOA_VERSION;
  const detail::DocumentDates dates = detail::format_dates(info.created, info.utc_offset_minutes);
  const int metadata = file.reserve_object();
  const std::string xmp = detail::xmp_packet(level, info, producer, dates);
  // Uncompressed: PDF/A-1 forbids filters on the metadata stream.
  file.write_stream_object(
      metadata, " /Type /Metadata /Subtype /XML",
      std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(xmp.data()), xmp.size()));
  const int info_object = file.reserve_object();
  file.write_object(info_object, detail::info_dictionary(info, producer, dates));
  const std::string outline_entries =
      outlines == 0 ? std::string() : " /Outlines " + ref(outlines) + " /PageMode /UseOutlines";
  file.write_object(catalog, "<< /Type /Catalog /Pages " + ref(pages_root) + outline_entries +
                                 " /Metadata " + ref(metadata) +
                                 " /OutputIntents [<< /Type /OutputIntent /S /GTS_PDFA1"
                                 " /OutputConditionIdentifier (sRGB IEC61966-2.1)"
                                 " /Info (sRGB IEC61966-2.1) /DestOutputProfile " +
                                 ref(srgb_profile) + " >>] >>");
  // The digest covers every object including the dates, so documents differ in /ID.
  const std::string id = detail::pdf_hex_string(file.content_digest16());
  file.write_xref_and_trailer(" /Root " + ref(catalog) + " /Info " + ref(info_object) + " /ID [" +
                              id + " " + id + "]");
  file.commit();
  broken = false;
  finished = true;
}

PdfAWriter::PdfAWriter(std::string path, PdfALevel level, DocumentInfo info) {
  const std::vector<std::uint8_t> icc_profile = read_srgb_profile();
  state_ = std::make_unique<State>(std::move(path), level, std::move(info));
  state_->write_shared_objects(icc_profile);
}

PdfAWriter::~PdfAWriter() = default;  // PdfFileWriter removes an uncommitted temp file

void PdfAWriter::add_page(const PageContent& page) {
  if (state_->finished) throw Error(ErrorCode::InvalidArgument, "add_page() after finish()");
  if (state_->broken) {
    throw Error(ErrorCode::OutputFailed, "an earlier write to this PDF failed",
                ErrorContext{state_->file.final_path(), -1});
  }
  try {
    state_->write_page(page);
  } catch (const Error& error) {
    throw error.within(ErrorContext{state_->file.final_path(), state_->page_count});
  }
}

void PdfAWriter::set_extra_xmp(std::string rdf_descriptions) {
  state_->info.extra_xmp = std::move(rdf_descriptions);
}

void PdfAWriter::set_bookmarks(std::vector<Bookmark> bookmarks) {
  state_->bookmarks = std::move(bookmarks);
}

void PdfAWriter::finish() {
  if (state_->finished) return;
  if (state_->broken) {
    throw Error(ErrorCode::OutputFailed, "an earlier write to this PDF failed",
                ErrorContext{state_->file.final_path(), -1});
  }
  state_->write_end();
}

int PdfAWriter::page_count() const {
  return state_->page_count;
}

std::uint64_t PdfAWriter::bytes_written() const {
  return state_->file.offset();
}

}  // namespace sohoa::pdf
