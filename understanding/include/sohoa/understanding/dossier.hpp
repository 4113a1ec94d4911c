#pragma once
// Turning a scanner stack into dossiers: a receipt whose QR holds the dossier
// code starts a dossier; the citizen's papers that follow are split into
// documents (a multi-page contract is one document). Pages that cannot be
// filed safely — before the first receipt, after a receipt whose QR is
// unreadable — form review groups; they are never merged into a dossier.
// Pages are placed one by one in stack order, so the caller can stream each
// group's pages to its output as they arrive and close it when the next begins.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sohoa/understanding/page_classes.hpp"
#include "sohoa/understanding/page_understanding.hpp"

namespace sohoa::understanding {

enum class GroupKind { Dossier, Review };

// One item of the review list for counter staff.
struct ReviewItem {
  std::string source;    // the page's file (and page) or empty for a group-wide item
  int stack_index = -1;  // position of the page in the stack, -1 for a group
  std::string group;     // dossier code or review-group name
  ReviewFlag flag;
};

struct DocumentRecord {
  int id = 0;  // unique in the batch
  std::string page_class;
  std::string title;                    // Vietnamese class title
  std::vector<int> stack_indices;       // content pages, in order
  std::string confidence_level = "02";  // TT 05/2025: 02 from original, 03 from a copy
};

struct GroupRecord {
  GroupKind kind = GroupKind::Review;
  std::string name;    // the dossier code, or "review-NN"
  std::string reason;  // review groups: why the pages could not be filed
  std::string procedure_code;
  std::string applicant_name;
  std::string applicant_id;
  std::vector<DocumentRecord> documents;
  std::vector<int> stack_indices;  // every page placed in the group, blank ones too
  std::vector<ReviewItem> review;
  // Fields corrected by cross-checking across the dossier: stack index -> field -> value.
  std::map<int, std::map<std::string, std::string>> corrected_fields;
};

struct Placement {
  int group = 0;  // serial number of the group in the batch
  bool starts_group = false;
  int document = -1;  // document id; -1 for pages in no document
  bool starts_document = false;
};

// What the splitter needs to know of a page.
struct PlacedPage {
  int stack_index = 0;
  std::string source;
  bool failed = false;  // the page could not be read at all
  bool blank = false;
  const PageUnderstanding* understanding = nullptr;  // null when failed
};

class DossierSplitter {
 public:
  explicit DossierSplitter(const ClassCatalog& catalog);

  // Places the next page of the stack. When the page starts a new group the
  // previous one is complete and can be taken with take_closed().
  Placement place(const PlacedPage& page);
  // The group closed by the last place(), if any; and at the end, finish().
  std::optional<GroupRecord> take_closed();
  std::optional<GroupRecord> finish();

  [[nodiscard]] const GroupRecord* current() const { return open_ ? &*open_ : nullptr; }

 private:
  void open_group(GroupKind kind, std::string name, std::string reason);
  void close_group();
  const ClassCatalog& catalog_;
  std::optional<GroupRecord> open_;
  std::optional<GroupRecord> closed_;
  std::map<int, PageUnderstanding> pages_;  // understanding of the open group's pages
  std::vector<std::string> codes_seen_;
  int group_serial_ = -1;
  int review_serial_ = 0;
  int document_serial_ = 0;
  int content_pages_ = 0;  // of the open group
};

// Cross-checks a closed dossier's pages against each other (QR of ID cards vs
// names and IDs printed on forms, receipt applicant vs cards): fills
// corrected_fields and review. Called by the splitter when a group closes.
void cross_check_dossier(GroupRecord& group, const std::map<int, PageUnderstanding>& pages,
                         const ClassCatalog& catalog);

// TT 05/2025 archival metadata of a dossier as XMP rdf:Description elements
// (our extension schema plus its PDF/A extension-schema declaration), for the
// dossier PDF's metadata packet. `page_of` maps a stack index to its 1-based page in the PDF.
std::string dossier_xmp(const GroupRecord& group, const std::map<int, int>& page_of);

// The namespace of that schema.
inline constexpr const char* kDossierXmpNamespace = "http://ns.sohoa.vn/tt05-2025/hoso/1.0/";

}  // namespace sohoa::understanding
