#pragma once
// Rules every Registry backend applies the same way: the audit chain's hash and
// its verification, who may see what (AccessScope), how a search query is read
// and how snippets are cut. Backends differ only in their SQL.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sohoa/core/error.hpp"
#include "sohoa/core/identifiers.hpp"
#include "sohoa/storage/registry.hpp"

namespace sohoa::storage::detail {

// The previous_hash of the first audit record.
const std::string& audit_genesis_hash();

// The canonical bytes a record's hash covers, each field length-prefixed so no
// two different records serialise alike; returns the lowercase hex SHA-256.
std::string audit_hash(const AuditRecord& record);

// Walks records in sequence order; `next` yields them one by one (nullopt = end).
AuditVerdict verify_audit_records(const std::function<std::optional<AuditRecord>()>& next);

// Well-formed UTF-8 without NUL (what PostgreSQL's text accepts; SQLite takes any bytes).
bool is_valid_utf8(std::string_view text);
// `text` with every byte that is not part of well-formed UTF-8, and NUL, as U+FFFD.
std::string to_valid_utf8(std::string_view text);

std::int64_t millis(std::chrono::system_clock::time_point time);
Error access_denied(const std::string& what);
std::string two_digits(int number);
// The search as recorded in the audit log.
std::string describe_search(const SearchQuery& query);

// The checks on an intake that need no database (after the backend's own check
// that a unit code is given): `by` receives for its own unit, a 12-digit personal
// id and a date of receipt.
void check_intake(const DossierIntake& intake, const Viewer& by);
// The intake's pre-printed code parsed (nullopt when there is none); throws when
// it is not a dossier code of this unit and day.
std::optional<DossierCode> check_preprinted_code(const DossierIntake& intake);
// The receipt's QR payload for a recorded dossier.
std::string receipt_qr_payload(const std::string& code, const DossierIntake& intake, Date due);
// The last record of the audit chain.
struct AuditHead {
  std::int64_t sequence = 0;
  std::string hash;
};
// Links `record` (its other fields filled in) after the chain's head (nullopt =
// an empty log): sets its sequence, previous_hash and hash.
void chain_audit_record(AuditRecord& record, const std::optional<AuditHead>& head);
// A file version's created_by: "<agency>/<account>", or the agency alone.
std::string version_author(const Viewer& by);
// A dossier moves one status at a time.
void check_status_step(DossierStatus from, DossierStatus to);
// A new document's code: <dossier>.NN, or the dossier's result code.
std::string document_code(const std::string& dossier_code, bool is_result, int number);
// `by` grants from its own agency, to another one, with a scope value exactly
// when the scope is not All.
void check_new_grant(const Grant& grant, const Viewer& by);

// A correction's checks that need no database: known field names, text values,
// a class that is a name, an ISO date of issue (or none), and a reason.
void check_correction(const DocumentCorrection& correction);
// Only the owner agency's counter staff and records officers correct.
bool may_correct(const Document& document, const Viewer& by);
// The fields `correction` actually changes in `current`, oldest value first,
// stamped with `by` and `at_ms`; InvalidArgument when it changes nothing.
std::vector<FieldCorrection> plan_correction(const DocumentMetadata& current,
                                             const DocumentCorrection& correction, const Viewer& by,
                                             std::int64_t at_ms);
// `metadata` with `field` (a correctable field or "document_class") set to `value`.
void set_metadata_field(DocumentMetadata& metadata, const std::string& field,
                        const std::string& value);
// Fills `document.corrections` and its machine_metadata: the current metadata
// with each corrected field back at the value before its first correction.
void attach_corrections(Document& document, std::vector<FieldCorrection> corrections);
// The columns both backends select for corrections, in this order.
inline constexpr const char* kCorrectionColumns =
    "field, old_value, new_value, reason, corrected_by, at_ms";
template <class Row>
FieldCorrection read_correction(const Row& row) {
  return {row.text(0), row.text(1), row.text(2), row.text(3), row.text(4), row.integer(5)};
}

// The columns both backends select, in this order, for the readers below. A
// reader takes any row with `text(column)` and `integer(column)` (64-bit).
inline constexpr const char* kAuditColumns =
    "sequence, at_ms, agency, role, account, action, subject, outcome, previous_hash, hash";
inline constexpr const char* kVersionColumns =
    "document_id, version, blob_sha256, size, media_type, reason, created_by, created_at";
inline constexpr const char* kGrantColumns =
    "id, grantor_agency, grantee_agency, scope, scope_value, expires_at, revoked";
inline constexpr const char* kDossierColumns =
    "id, code, unit_code, agency, received_on, due_on, procedure_code, title, applicant_name, "
    "personal_id, status";
// Over `doc` (documents), `d` (its dossier) and `v` (its latest version).
inline constexpr const char* kDocumentColumns =
    "doc.id, doc.code, d.code, d.agency, doc.document_class, doc.number_symbol, doc.issued_on, "
    "doc.document_type, doc.issuing_agency, doc.summary, doc.signer, doc.language, "
    "doc.confidence_level, doc.notes, doc.page_count, v.document_id, v.version, v.blob_sha256, "
    "v.size, v.media_type, v.reason, v.created_by, v.created_at";

template <class Row>
AuditRecord read_audit(const Row& row) {
  return {row.integer(0), row.integer(1), row.text(2), row.text(3), row.text(4),
          row.text(5),    row.text(6),    row.text(7), row.text(8), row.text(9)};
}

// kVersionColumns, from column `first` on.
template <class Row>
DocumentVersion read_version(const Row& row, int first = 0) {
  return {row.integer(first),  static_cast<int>(row.integer(first + 1)),
          row.text(first + 2), static_cast<std::uint64_t>(row.integer(first + 3)),
          row.text(first + 4), row.text(first + 5),
          row.text(first + 6), row.integer(first + 7)};
}

template <class Row>
Grant read_grant(const Row& row) {
  return {.id = row.integer(0),
          .grantor_agency = row.text(1),
          .grantee_agency = row.text(2),
          .scope = static_cast<GrantScope>(row.integer(3)),
          .scope_value = row.text(4),
          .expires_at =
              std::chrono::system_clock::time_point(std::chrono::milliseconds(row.integer(5))),
          .revoked = row.integer(6) != 0};
}

template <class Row>
Dossier read_dossier(const Row& row) {
  return {.id = row.integer(0),
          .code = row.text(1),
          .unit_code = row.text(2),
          .agency = row.text(3),
          .received_on = parse_iso_date(row.text(4)),
          .due_on = parse_iso_date(row.text(5)),
          .procedure_code = row.text(6),
          .title = row.text(7),
          .applicant_name = row.text(8),
          .personal_id = row.text(9),
          .status = static_cast<DossierStatus>(row.integer(10))};
}

template <class Row>
Document read_document(const Row& row) {
  return {.id = row.integer(0),
          .code = row.text(1),
          .dossier_code = row.text(2),
          .agency = row.text(3),
          .metadata = {.document_class = row.text(4),
                       .number_symbol = row.text(5),
                       .issued_on = row.text(6),
                       .document_type = row.text(7),
                       .issuing_agency = row.text(8),
                       .summary = row.text(9),
                       .signer = row.text(10),
                       .language = row.text(11),
                       .confidence_level = row.text(12),
                       .notes = row.text(13)},
          .page_count = static_cast<int>(row.integer(14)),
          .latest = read_version(row, 15),
          .machine_metadata = {},  // attach_corrections() fills these two
          .corrections = {}};
}

// Over `p` (pages), `doc` and `d`. Column 2, the page's text, is left to the
// backend (ranking and snippet), as are score and snippet.
inline constexpr const char* kSearchHitColumns =
    "p.id, p.page_number, p.text, doc.id, doc.code, doc.document_class, d.code, d.agency, "
    "d.personal_id";

template <class Row>
SearchHit read_search_hit(const Row& row) {
  return {.page_id = row.integer(0),
          .page_number = static_cast<int>(row.integer(1)),
          .document_id = row.integer(3),
          .document_code = row.text(4),
          .document_class = row.text(5),
          .dossier_code = row.text(6),
          .agency = row.text(7),
          .personal_id = row.text(8),
          .score = 0,
          .snippet = {}};
}

// What one viewer may see: its own agency's dossiers plus its active grants.
class AccessScope {
 public:
  AccessScope(const Viewer& viewer, std::vector<Grant> grants)
      : viewer_(viewer), grants_(std::move(grants)) {}

  [[nodiscard]] const Grant* grant_covering(const std::string& agency,
                                            const std::string& dossier_code,
                                            const std::string& document_class) const;
  // A document (or, with an empty class, a dossier's own record).
  [[nodiscard]] bool covers(const std::string& agency, const std::string& dossier_code,
                            const std::string& document_class) const;
  // "own agency", "grant #<id> from <agency>", or empty when not visible.
  [[nodiscard]] std::string provenance(const std::string& agency, const std::string& dossier_code,
                                       const std::string& document_class) const;
  [[nodiscard]] bool has_class_grant_from(const std::string& agency) const;
  // The same for a document as loaded (its dossier's agency and code, its class).
  [[nodiscard]] bool covers(const Document& document) const;
  [[nodiscard]] std::string provenance(const Document& document) const;
  // A dossier's own record: then a class grant counts when the dossier holds a
  // document of that class; `document_classes` lists them and is only called
  // when such a grant could apply.
  [[nodiscard]] bool covers_dossier(
      const Dossier& dossier,
      const std::function<std::vector<std::string>()>& document_classes) const;

  [[nodiscard]] const Viewer& viewer() const { return viewer_; }
  [[nodiscard]] const std::vector<Grant>& grants() const { return grants_; }

  // The same rule as an SQL condition over `d` (dossiers) and `doc` (documents);
  // `placeholder` returns the next parameter's marker after its value is pushed.
  void append_sql(std::string& sql, std::vector<std::string>& parameters,
                  const std::function<std::string()>& placeholder) const;

 private:
  const Viewer& viewer_;
  std::vector<Grant> grants_;
};

// A search text read as groups of folded words: a bare word, a "quoted phrase",
// or `word*` (the group's last word is a prefix). Nothing typed is query syntax.
struct QueryGroup {
  std::vector<std::string> words;
  bool prefix = false;
};
struct ParsedQuery {
  std::vector<QueryGroup> groups;  // empty = no text condition
  std::vector<std::string> words;  // whole folded words, for snippets
  std::vector<std::string> prefixes;
};
ParsedQuery parse_search_text(std::string_view text);

// The original text around the first match, matched words in [brackets].
std::string make_snippet(const std::string& text, const ParsedQuery& query);

}  // namespace sohoa::storage::detail
