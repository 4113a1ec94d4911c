#pragma once
// Inputs for the pdf tests: synthetic pages, a real corpus JPEG, G4 bytes made
// from a corpus TIFF, Vietnamese OCR text, and the external tools' verdicts.

#include <filesystem>
#include <string>
#include <vector>

#include "sohoa/core/image.hpp"
#include "sohoa/core/page.hpp"
#include "sohoa/pdf/pdfa_writer.hpp"

namespace sohoa::test {

// Gray or RGB gradient with a few dark rectangles; Bilevel = thresholded 0/255.
Image synthetic_image(int width, int height, ColorMode mode);

// A corpus JPEG (b01), with width/height/components parsed from its SOF marker.
// Empty encoding when the corpus is absent.
EncodedImage corpus_jpeg();

// G4 bytes of a corpus bilevel TIFF, re-encoded by libtiff as one strip so that
// they form a single CCITT stream. Empty encoding when the corpus is absent.
EncodedImage corpus_g4(const std::filesystem::path& scratch);

// Three lines of a Vietnamese form header laid out on a 300 dpi A4 page; `scale`
// shrinks the layout for pages of lower resolution.
OcrText vietnamese_header_text(double scale = 1.0);
inline const std::vector<std::string> kVietnameseLines = {"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                                                          "Độc lập - Tự do - Hạnh phúc",
                                                          "Số định danh cá nhân: 001234567890"};

// pdftotext output with every run of white space folded to one space.
std::string extracted_text(const std::filesystem::path& pdf);

// Last line of check_pdfa.sh and the whole output.
struct PdfaVerdict {
  std::string last_line;
  std::string output;
};
PdfaVerdict check_pdfa(const std::filesystem::path& pdf, const std::string& level);

pdf::DocumentInfo test_document_info();

}  // namespace sohoa::test
