#pragma once
// The dossier registry (sổ đăng ký hồ sơ): dossiers with their official codes,
// status and due dates; documents with TT 05/2025 archival metadata, their pages
// (searchable, accent-insensitive) and every version of their files in the blob
// store; grants that let one agency reuse another's digitised papers; and an
// append-only, hash-chained audit log of every read.
//
// Isolation lives in one place: every read takes the Viewer and sees a dossier
// only when the viewer's agency owns it or holds an active grant covering it;
// every read appends an AuditRecord in the same transaction as it is answered.
//
// Nothing is overwritten: a signed file is a new DocumentVersion pointing at a new
// blob; earlier versions stay readable.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sohoa/storage/holiday_calendar.hpp"

namespace sohoa::storage {

// Who is asking. `agency` is the unit code of the account's agency.
enum class Role : std::uint8_t {
  CounterStaff,    // cán bộ một cửa: receives dossiers, adds scans
  Official,        // lãnh đạo / chuyên viên: reviews and signs
  RecordsOfficer,  // văn thư, lưu trữ: files, searches, shares
  Auditor,         // reads the audit log
};
std::string_view to_string(Role role);

struct Viewer {
  std::string agency;
  Role role = Role::RecordsOfficer;
  std::string account;  // the person's login, recorded in the audit log
};

// received -> digitised -> in review -> signed -> returned (one step at a time).
enum class DossierStatus : std::uint8_t { Received, Digitised, InReview, Signed, Returned };
std::string_view to_string(DossierStatus status);
std::optional<DossierStatus> dossier_status_from_string(std::string_view name);

// What the counter enters when a citizen hands in a dossier (tiếp nhận hồ sơ).
struct DossierIntake {
  std::string unit_code;       // receiving unit, e.g. "000.00.00.H49"
  Date received_on;            // the day of receipt (Vietnam time)
  std::string procedure_code;  // mã thủ tục, e.g. "1.001193"
  std::string title;
  std::string applicant_name;
  std::string personal_id;          // số định danh cá nhân (12 digits)
  int processing_working_days = 0;  // the procedure's time limit
  // A code already printed on a pre-numbered receipt; empty = generate one.
  std::string preprinted_code;
};

struct Dossier {
  std::int64_t id = 0;
  std::string code;  // <unit>-<YYMMDD>-<NNNN>
  std::string unit_code;
  std::string agency;  // the owner (the receiving unit)
  Date received_on;
  Date due_on;
  std::string procedure_code;
  std::string title;
  std::string applicant_name;
  std::string personal_id;
  DossierStatus status = DossierStatus::Received;
};

// The receipt handed back at the counter (giấy tiếp nhận và hẹn trả kết quả);
// `qr_payload` is what the receipt's QR code carries.
struct Receipt {
  Dossier dossier;
  std::string qr_payload;
};

// TT 05/2025 metadata of one document (tài liệu).
struct DocumentMetadata {
  std::string document_class;           // e.g. "can_cuoc", "giay_khai_sinh" (page classes, config)
  std::string number_symbol;            // số, ký hiệu
  std::string issued_on;                // ngày văn bản, ISO date (may be empty)
  std::string document_type;            // tên loại văn bản
  std::string issuing_agency;           // cơ quan ban hành
  std::string summary;                  // trích yếu nội dung
  std::string signer;                   // người ký
  std::string language = "vi";          // ngôn ngữ
  std::string confidence_level = "02";  // 01 original digital, 02 from original, 03 from copy
  std::string notes;
};

struct NewDocument {
  DocumentMetadata metadata;
  std::vector<std::uint8_t> file;  // the PDF/A (stored in the blob store)
  std::string media_type = "application/pdf";
  std::vector<std::string> page_texts;  // recognised text per page, in order
  bool is_result = false;               // a result (kết quả) gets the next `-KQn` code
};

struct DocumentVersion {
  std::int64_t document_id = 0;
  int version = 0;  // 1 = as digitised
  std::string blob_sha256;
  std::uint64_t size = 0;
  std::string media_type;
  std::string reason;  // "digitised", "signed", ...
  std::string created_by;
  std::int64_t created_at_ms = 0;
};

// One field changed by a person (hiệu chỉnh): kept append-only next to the
// machine's values, which are never overwritten.
struct FieldCorrection {
  std::string field;  // "document_class" or a metadata field (correctable_fields())
  std::string old_value;
  std::string new_value;
  std::string reason;
  std::string corrected_by;  // "<agency>/<account>"
  std::int64_t at_ms = 0;
};

// What the counter or records officer corrects in one go: a new class and/or
// metadata fields by name (see correctable_fields()), with why.
struct DocumentCorrection {
  std::optional<std::string> document_class;
  std::map<std::string, std::string> fields;
  std::string reason;
};

// The metadata fields a correction may name (besides the class).
const std::vector<std::string>& correctable_fields();

struct Document {
  std::int64_t id = 0;
  std::string code;  // "<dossier code>.<nn>" or "<dossier code>-KQ<n>" for results
  std::string dossier_code;
  std::string agency;
  DocumentMetadata metadata;  // as corrected (the machine's values when never corrected)
  int page_count = 0;
  DocumentVersion latest;
  DocumentMetadata machine_metadata;         // as the machine recognised it, never changed
  std::vector<FieldCorrection> corrections;  // oldest first
};

// Sharing between agencies (chia sẻ): the grantor's dossiers become readable to
// the grantee within `scope` until `expires_at`.
enum class GrantScope : std::uint8_t { All, DocumentClass, Dossier };
struct Grant {
  std::int64_t id = 0;
  std::string grantor_agency;
  std::string grantee_agency;
  GrantScope scope = GrantScope::All;
  std::string scope_value;  // the class or the dossier code; empty for All
  std::chrono::system_clock::time_point expires_at;
  bool revoked = false;
};

struct SearchQuery {
  // Words (any accents; all must occur), "quoted phrases" and prefix* terms.
  // Empty = filters only.
  std::string text;
  std::optional<std::string> dossier_code;
  std::optional<std::string> personal_id;
  std::optional<std::string> procedure_code;
  std::optional<std::string> document_class;
  std::optional<DossierStatus> status;
  std::optional<Date> received_from;  // inclusive
  std::optional<Date> received_to;    // inclusive
  std::optional<std::string> agency;  // owning agency
  int limit = 20;
};

struct SearchHit {
  std::int64_t page_id = 0;
  int page_number = 0;  // 1-based within the document
  std::int64_t document_id = 0;
  std::string document_code;
  std::string document_class;
  std::string dossier_code;
  std::string agency;
  std::string personal_id;
  double score = 0;     // bm25: lower is better
  std::string snippet;  // original text around the match, matches in [brackets]
};

// An earlier document of the same citizen that the viewer's agency may reuse,
// with where it came from.
struct ReusableDocument {
  Document document;
  Date received_on;
  std::string procedure_code;
  std::string provenance;  // "own agency" or "grant #<id> from <agency>"
};

struct AuditRecord {
  std::int64_t sequence = 0;
  std::int64_t at_ms = 0;
  std::string agency;
  std::string role;
  std::string account;
  std::string action;   // "search", "read-dossier", "read-file", "find-reusable", ...
  std::string subject;  // what was read (codes, query)
  std::string outcome;  // e.g. "3 hits", "denied"
  std::string previous_hash;
  std::string hash;
};

struct AuditVerdict {
  bool intact = true;
  std::int64_t records = 0;
  std::int64_t first_bad_sequence = 0;  // 0 when intact
  std::string problem;                  // what does not hold, for a person
  std::string head_hash;                // the last record's hash (publish it to pin the tail)
};

class Registry {
 public:
  virtual ~Registry() = default;

  // Records a received dossier: its code (generated unless pre-printed; the
  // unit's counter of that day, atomic across threads, processes and nodes), its
  // due date from the holiday calendar, and the receipt's QR payload.
  virtual Receipt receive_dossier(const DossierIntake& intake, const Viewer& by) = 0;
  // Moves a dossier one step along its lifecycle (only the owner agency may).
  virtual Dossier advance_status(std::string_view dossier_code, DossierStatus to,
                                 const Viewer& by) = 0;
  // nullopt when absent or not visible to `viewer` (both audited).
  virtual std::optional<Dossier> dossier(std::string_view dossier_code, const Viewer& viewer) = 0;

  // Files a document (its file to the blob store as version 1, its pages to the
  // search index) in a dossier of the viewer's own agency.
  virtual Document add_document(std::string_view dossier_code, const NewDocument& document,
                                const Viewer& by) = 0;
  // A new version of a document's file (e.g. signed); the old one stays.
  virtual DocumentVersion add_version(std::int64_t document_id, std::vector<std::uint8_t> file,
                                      std::string_view reason, const Viewer& by) = 0;
  virtual std::vector<Document> documents(std::string_view dossier_code, const Viewer& viewer) = 0;
  // Corrects a document's class and metadata fields (owner agency's counter staff
  // or records officers only): each changed field is appended to the document's
  // corrections with its old value, the machine's values stay, the search index
  // follows the new class, and the correction is audited, all in one transaction.
  // Unknown field names, an empty reason or no change: Error(InvalidArgument);
  // a document that is absent or not visible: Error(InputNotFound).
  virtual Document correct_document(std::int64_t document_id, const DocumentCorrection& correction,
                                    const Viewer& by) = 0;
  virtual std::vector<DocumentVersion> versions(std::int64_t document_id, const Viewer& viewer) = 0;
  // A version's bytes, verified against their SHA-256 (0 = latest).
  virtual std::vector<std::uint8_t> read_file(std::int64_t document_id, int version,
                                              const Viewer& viewer) = 0;

  virtual std::vector<SearchHit> search(const SearchQuery& query, const Viewer& viewer) = 0;
  virtual std::vector<ReusableDocument> find_reusable_documents(std::string_view personal_id,
                                                                const Viewer& viewer) = 0;

  // Only the grantor agency grants or revokes.
  virtual Grant grant(const Grant& grant, const Viewer& by) = 0;
  virtual void revoke_grant(std::int64_t grant_id, const Viewer& by) = 0;
  virtual std::vector<Grant> grants(const Viewer& viewer) = 0;

  // The audit log (reading it is itself audited); Auditor role only.
  virtual std::vector<AuditRecord> audit_log(const Viewer& auditor, std::int64_t after = 0,
                                             int limit = 1000) = 0;
  // Walks the whole chain: edits, deletions and reorderings show as a broken link.
  // Truncating the tail is caught by comparing `head_hash` with a published one.
  virtual AuditVerdict verify_audit_chain() = 0;
};

// The daily counter's code: "<unit>-<YYMMDD>-<NNNN>".
std::string format_dossier_code(std::string_view unit_code, Date received_on, int sequence);
// "<dossier code>-KQ<n>".
std::string format_result_code(std::string_view dossier_code, int result_number);

}  // namespace sohoa::storage
