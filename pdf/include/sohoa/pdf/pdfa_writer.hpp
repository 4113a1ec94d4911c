#pragma once
// Writes a searchable PDF/A: per page an image layer plus an invisible text layer
// placed word by word. Pages are streamed to disk as they are added (memory does
// not grow with the page count); the file appears under its final name only after
// finish() succeeded (temp file, fsync, rename).

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sohoa/core/image.hpp"
#include "sohoa/core/page.hpp"

namespace sohoa::pdf {

enum class PdfALevel : std::uint8_t { A1b, A2b, A2u };

// "1b" / "2b" / "2u"; throws Error(InvalidArgument) on anything else.
PdfALevel parse_pdfa_level(const std::string& text);
std::string to_string(PdfALevel level);

struct DocumentInfo {
  std::string title;
  std::string author;
  std::string subject;
  std::string keywords;
  std::string creator = "sohoa";
  // Creation and modification time of the document; both the Info dictionary and
  // the XMP packet are written from this one value so they always agree.
  std::chrono::system_clock::time_point created = std::chrono::system_clock::now();
  int utc_offset_minutes = 7 * 60;  // Vietnam, UTC+07:00
  // Complete <rdf:Description> elements added to the XMP packet as they are
  // (custom metadata; PDF/A requires its schemas to be declared with
  // pdfaExtension:schemas in the same packet — the caller's duty).
  std::string extra_xmp;
};

// An outline entry (bookmark) pointing at a page; titles may be any Unicode.
struct Bookmark {
  std::string title;
  int page_index = 0;  // 0-based page of this document
};

// One page to write. When `encoded.encoding != None` those bytes are embedded as
// they are (JPEG -> DCTDecode, G4 -> CCITTFaxDecode); otherwise `pixels` is
// compressed losslessly (Flate; bilevel packed to 1 bit).
struct PageContent {
  EncodedImage encoded;
  const Image* pixels = nullptr;
  double dpi_x = 300;
  double dpi_y = 300;
  const OcrText* text = nullptr;  // word boxes in pixels of the image; may be null
};

class PdfAWriter {
 public:
  PdfAWriter(std::string path, PdfALevel level, DocumentInfo info);
  ~PdfAWriter();  // without finish(): the temp file is removed, nothing appears
  PdfAWriter(const PdfAWriter&) = delete;
  PdfAWriter& operator=(const PdfAWriter&) = delete;

  void add_page(const PageContent& page);
  // Metadata known only once all pages are in (e.g. a dossier's document list);
  // call before finish().
  void set_extra_xmp(std::string rdf_descriptions);
  // One outline entry per item, in order; shown on opening (/PageMode /UseOutlines).
  void set_bookmarks(std::vector<Bookmark> bookmarks);
  // Writes the page tree, outlines, XMP, Info, OutputIntent, xref and trailer; renames into place.
  void finish();

  [[nodiscard]] int page_count() const;
  [[nodiscard]] std::uint64_t bytes_written() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace sohoa::pdf
