#pragma once
// What one page is and says: its class, the QR codes and MRZ on it, the key
// fields, and what a person should check. Input is only a page's recognised
// text and its upright, deskewed gray image; this library knows nothing of how
// those were made.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sohoa/core/identifiers.hpp"
#include "sohoa/core/image.hpp"
#include "sohoa/core/page.hpp"
#include "sohoa/understanding/id_card.hpp"
#include "sohoa/understanding/mrz.hpp"
#include "sohoa/understanding/page_classes.hpp"

namespace sohoa::understanding {

// Something counter staff should look at; `code` is stable for programs.
struct ReviewFlag {
  std::string code;     // e.g. "receipt-qr-unreadable", "mrz-check-failed", "field-disagreement"
  std::string message;  // Vietnamese-friendly English sentence naming the facts
};

struct PageUnderstanding {
  std::string page_class;     // a class id of the catalog
  double score = 0;           // 0..1, how well the class's cues matched
  double margin = 0;          // score minus the runner-up's
  bool continuation = false;  // continues the previous document (no title, continuation cues)
  bool has_title = false;     // a class title was found on the page
  std::vector<std::string> qr_payloads;
  std::optional<DossierCode> dossier_code;  // from a receipt's QR
  std::optional<IdCardQr> id_card;
  std::optional<Mrz> mrz;
  std::map<std::string, std::string> fields;
  std::vector<ReviewFlag> flags;
};

// Reads a region of the page again with a recogniser suited to machine-readable
// text (the caller's OCR engine); lets this library improve MRZ reading without
// depending on one. Returns the lines read, top to bottom.
class RegionReader {
 public:
  virtual ~RegionReader() = default;
  virtual std::vector<std::string> read_lines(const Image& region, int dpi) = 0;
};

struct PageInput {
  const OcrText* text = nullptr;  // required
  const Image* gray =
      nullptr;  // upright, deskewed, 8-bit gray (the text's coordinates); may be null
  // The page as scanned (8-bit gray, any orientation, not resampled): QR codes
  // are read here first, since the deskew's interpolation can blur small modules.
  const Image* scan_gray = nullptr;
  int dpi = 300;
  bool blank = false;  // the pipeline found the page blank
};

// Const after construction, shared by all workers; per-call state only.
class PageAnalyzer {
 public:
  explicit PageAnalyzer(ClassCatalog catalog);
  [[nodiscard]] PageUnderstanding analyse(const PageInput& page,
                                          RegionReader* reader = nullptr) const;
  [[nodiscard]] const ClassCatalog& catalog() const { return catalog_; }

 private:
  ClassCatalog catalog_;
};

// QR codes on a gray page (zxing-cpp), payloads as UTF-8, top to bottom.
// `effort` 0 is the normal, cheap pass (fixed threshold); 1 and 2 try the
// local-average and histogram binarisations, for pages whose class expects a QR
// that the normal pass missed.
std::vector<std::string> read_qr_codes(const Image& gray, int effort = 0);

}  // namespace sohoa::understanding
