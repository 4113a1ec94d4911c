// The PostgreSQL Registry: the rules of sqlite_registry.cpp for several nodes on
// one database. Talks to PostgreSQL only through pg_connection.hpp. Differences
// that matter:
// - Tables are prefixed `registry_` so the job queue (which has its own `pages`
//   and `dossiers`) can live in the same database and schema.
// - The daily counter is one row per (unit, day), bumped with INSERT … ON
//   CONFLICT DO UPDATE … RETURNING in the transaction that records the dossier:
//   the row stays locked until commit, so concurrent nodes queue up on it and a
//   rolled-back intake gives its number back (unique and gap-free).
// - Audit appends take LOCK TABLE … SHARE ROW EXCLUSIVE (self-conflicting, but
//   not blocking plain readers) before reading the chain's head, so two nodes
//   never write the same sequence or link to the same predecessor.
// - Search: each page's folded words (text_folding.hpp) go through
//   to_tsvector('simple'), which keeps every word as it is (no stemming, no stop
//   words); a query becomes to_tsquery('simple') with `<->` inside phrases and
//   `:*` on prefixes. Joining our own words with spaces first means PostgreSQL's
//   parser sees plain words only, so "1.001193" or "12/2025" split exactly as the
//   SQLite index splits them (its parser would keep them whole).
#include "sohoa/storage/pg_registry.hpp"

#include <algorithm>
#include <charconv>
#include <mutex>
#include <optional>
#include <tuple>
#include <utility>

#include "pg_connection.hpp"
#include "registry_shared.hpp"
#include "sohoa/core/error.hpp"
#include "sohoa/core/identifiers.hpp"
#include "sohoa/storage/text_folding.hpp"

namespace sohoa::storage {

namespace {

using detail::AccessScope;
using detail::ParsedQuery;
using detail::PgConnection;
using detail::PgParam;
using detail::PgResult;

constexpr int kSchemaVersion = 1;
// Serialises schema creation when several nodes start at once (the queue uses …01).
constexpr std::int64_t kSchemaLockKey = 0x736f686f61'02;  // "sohoa" 2

constexpr const char* kSchema = R"sql(
CREATE TABLE registry_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE registry_daily_counters(
  unit_code TEXT NOT NULL, day TEXT NOT NULL, last_sequence INTEGER NOT NULL,
  PRIMARY KEY(unit_code, day));
CREATE TABLE registry_dossiers(
  id BIGSERIAL PRIMARY KEY,
  code TEXT NOT NULL UNIQUE,
  unit_code TEXT NOT NULL,
  agency TEXT NOT NULL,
  received_on TEXT NOT NULL,
  due_on TEXT NOT NULL,
  procedure_code TEXT NOT NULL,
  title TEXT NOT NULL,
  applicant_name TEXT NOT NULL,
  personal_id TEXT NOT NULL,
  status INTEGER NOT NULL,
  document_count INTEGER NOT NULL DEFAULT 0,
  result_count INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL);
CREATE INDEX registry_dossiers_by_person ON registry_dossiers(personal_id);
CREATE INDEX registry_dossiers_by_agency ON registry_dossiers(agency, received_on);
CREATE INDEX registry_dossiers_by_procedure ON registry_dossiers(procedure_code, received_on);
CREATE INDEX registry_dossiers_by_date ON registry_dossiers(received_on);
CREATE TABLE registry_status_history(
  dossier_id BIGINT NOT NULL REFERENCES registry_dossiers(id),
  status INTEGER NOT NULL, at BIGINT NOT NULL, account TEXT NOT NULL);
CREATE INDEX registry_status_history_by_dossier ON registry_status_history(dossier_id, status);
CREATE TABLE registry_documents(
  id BIGSERIAL PRIMARY KEY,
  dossier_id BIGINT NOT NULL REFERENCES registry_dossiers(id),
  code TEXT NOT NULL UNIQUE,
  document_class TEXT NOT NULL,
  number_symbol TEXT NOT NULL,
  issued_on TEXT NOT NULL,
  document_type TEXT NOT NULL,
  issuing_agency TEXT NOT NULL,
  summary TEXT NOT NULL,
  signer TEXT NOT NULL,
  language TEXT NOT NULL,
  confidence_level TEXT NOT NULL,
  notes TEXT NOT NULL,
  page_count INTEGER NOT NULL,
  is_result INTEGER NOT NULL,
  created_at BIGINT NOT NULL);
CREATE INDEX registry_documents_by_dossier ON registry_documents(dossier_id);
CREATE TABLE registry_document_versions(
  document_id BIGINT NOT NULL REFERENCES registry_documents(id),
  version INTEGER NOT NULL,
  blob_sha256 TEXT NOT NULL,
  size BIGINT NOT NULL,
  media_type TEXT NOT NULL,
  reason TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY(document_id, version));
-- `body` holds the folded words only (snippets are cut from `text`).
CREATE TABLE registry_pages(
  id BIGSERIAL PRIMARY KEY,
  document_id BIGINT NOT NULL REFERENCES registry_documents(id),
  page_number INTEGER NOT NULL,
  text TEXT NOT NULL,
  body TSVECTOR NOT NULL,
  UNIQUE(document_id, page_number));
CREATE INDEX registry_pages_search ON registry_pages USING GIN(body);
CREATE TABLE registry_grants(
  id BIGSERIAL PRIMARY KEY,
  grantor_agency TEXT NOT NULL,
  grantee_agency TEXT NOT NULL,
  scope INTEGER NOT NULL,
  scope_value TEXT NOT NULL,
  expires_at BIGINT NOT NULL,
  revoked INTEGER NOT NULL DEFAULT 0,
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL);
CREATE INDEX registry_grants_by_grantee ON registry_grants(grantee_agency);
CREATE TABLE registry_audit_log(
  sequence BIGINT PRIMARY KEY,
  at_ms BIGINT NOT NULL,
  agency TEXT NOT NULL,
  role TEXT NOT NULL,
  account TEXT NOT NULL,
  action TEXT NOT NULL,
  subject TEXT NOT NULL,
  outcome TEXT NOT NULL,
  previous_hash TEXT NOT NULL,
  hash TEXT NOT NULL);
-- Append-only by construction; someone with the database's owner role can
-- still drop these, which is what the hash chain is for.
CREATE FUNCTION registry_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION '%', TG_ARGV[0]; END $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON registry_audit_log
  FOR EACH ROW EXECUTE FUNCTION registry_refuse_change('the audit log is append-only');
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON registry_audit_log
  FOR EACH ROW EXECUTE FUNCTION registry_refuse_change('the audit log is append-only');
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON registry_audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION registry_refuse_change('the audit log is append-only');
CREATE TRIGGER versions_no_update BEFORE UPDATE ON registry_document_versions
  FOR EACH ROW EXECUTE FUNCTION registry_refuse_change('file versions are never overwritten');
CREATE TRIGGER versions_no_delete BEFORE DELETE ON registry_document_versions
  FOR EACH ROW EXECUTE FUNCTION registry_refuse_change('file versions are never deleted');
CREATE TRIGGER versions_no_truncate BEFORE TRUNCATE ON registry_document_versions
  FOR EACH STATEMENT EXECUTE FUNCTION registry_refuse_change('file versions are never deleted');
)sql";

// Added after schema version 1; created (if missing) whenever a registry is
// opened, under the schema lock, so a registry of version 1 gains it in place.
constexpr const char* kCorrectionsSchema = R"sql(
CREATE TABLE IF NOT EXISTS registry_document_corrections(
  id BIGSERIAL PRIMARY KEY,
  document_id BIGINT NOT NULL REFERENCES registry_documents(id),
  field TEXT NOT NULL,
  old_value TEXT NOT NULL,
  new_value TEXT NOT NULL,
  reason TEXT NOT NULL,
  corrected_by TEXT NOT NULL,
  at_ms BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS registry_document_corrections_by_document
  ON registry_document_corrections(document_id);
CREATE OR REPLACE TRIGGER corrections_no_update BEFORE UPDATE ON registry_document_corrections
  FOR EACH ROW EXECUTE FUNCTION registry_refuse_change('corrections are never overwritten');
CREATE OR REPLACE TRIGGER corrections_no_delete BEFORE DELETE ON registry_document_corrections
  FOR EACH ROW EXECUTE FUNCTION registry_refuse_change('corrections are never deleted');
CREATE OR REPLACE TRIGGER corrections_no_truncate BEFORE TRUNCATE
  ON registry_document_corrections
  FOR EACH STATEMENT EXECUTE FUNCTION registry_refuse_change('corrections are never deleted');
)sql";

// The URL without its password, for error messages.
std::string describe(const std::string& url) {
  const auto at = url.find('@');
  const auto scheme = url.find("://");
  if (at != std::string::npos && scheme != std::string::npos && at > scheme) {
    return url.substr(0, scheme + 3) + url.substr(at + 1);
  }
  return url;
}

// One row of a result, as registry_shared.hpp's readers take it.
struct PgRow {
  const PgResult& rows;
  int row;
  [[nodiscard]] std::string text(int column) const { return rows.text(row, column); }
  [[nodiscard]] std::int64_t integer(int column) const { return rows.int64(row, column); }
};

double to_double(const std::string& text) {
  double value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

// The words of a page as the index sees them: folded, split by our rules,
// joined by single spaces.
std::string index_words(const std::string& text) {
  std::string joined;
  for (const auto& word : search_words(fold_for_search(text))) {
    if (!joined.empty()) joined += ' ';
    joined += word;
  }
  return joined;
}

// The query's groups as to_tsquery text: every group must match (&), a phrase's
// words follow each other (<->), a prefix group's last word ends in :*. Our words
// hold only letters, digits and non-ASCII characters, so quoting them is safe.
std::string tsquery_text(const ParsedQuery& parsed) {
  std::string query;
  for (const auto& group : parsed.groups) {
    if (!query.empty()) query += " & ";
    query += '(';
    for (std::size_t i = 0; i < group.words.size(); ++i) {
      if (i > 0) query += " <-> ";
      query += '\'' + group.words[i] + '\'';
      if (group.prefix && i + 1 == group.words.size()) query += ":*";
    }
    query += ')';
  }
  return query;
}

// PostgreSQL refuses text that is not UTF-8 (SQLite would store the bytes):
// what the registry keeps must be text, so anything else is the caller's mistake.
void require_utf8(std::string_view value, const char* field) {
  if (!detail::is_valid_utf8(value)) {
    throw Error(ErrorCode::InvalidArgument, std::string(field) + " is not valid UTF-8 text");
  }
}

AuditVerdict verify_chain(PgConnection& db) {
  constexpr int kPage = 5000;
  std::vector<AuditRecord> page;
  std::size_t next_index = 0;
  std::optional<std::int64_t> last_sequence;
  bool exhausted = false;
  return detail::verify_audit_records([&]() -> std::optional<AuditRecord> {
    if (next_index == page.size()) {
      if (exhausted) return std::nullopt;
      page.clear();
      next_index = 0;
      // Paged by sequence so a long log is never held in memory at once.
      auto rows =
          last_sequence
              ? db.query(std::string("SELECT ") + detail::kAuditColumns +
                             " FROM registry_audit_log WHERE sequence > $1 ORDER BY sequence "
                             "LIMIT $2",
                         {*last_sequence, kPage})
              : db.query(std::string("SELECT ") + detail::kAuditColumns +
                             " FROM registry_audit_log ORDER BY sequence LIMIT $1",
                         {kPage});
      for (int row = 0; row < rows.rows(); ++row)
        page.push_back(detail::read_audit(PgRow{rows, row}));
      exhausted = rows.rows() < kPage;
      if (page.empty()) return std::nullopt;
      last_sequence = page.back().sequence;
    }
    return page[next_index++];
  });
}

class PgRegistry final : public Registry {
 public:
  explicit PgRegistry(PgRegistryOptions options)
      : options_(std::move(options)), db_(options_.url, describe(options_.url)) {
    if (!options_.blobs) throw Error(ErrorCode::InvalidArgument, "the registry needs a blob store");
    db_.transaction([&] {
      run("SELECT pg_advisory_xact_lock($1)", {kSchemaLockKey});
      if (!run("SELECT to_regclass('registry_meta')").is_null(0, 0)) {
        const auto version = run("SELECT value FROM registry_meta WHERE key = 'schema_version'");
        if (version.empty() || std::stoi(version.text(0, 0)) > kSchemaVersion) {
          throw Error(ErrorCode::UnsupportedFormat,
                      "the registry database was written by a newer sohoa", context());
        }
        if (run("SELECT to_regclass('registry_document_corrections')").is_null(0, 0)) {
          db_.execute(kCorrectionsSchema);
        }
        return;
      }
      if (!run("SELECT to_regclass('registry_dossiers')").is_null(0, 0)) {
        throw Error(ErrorCode::CorruptInput,
                    "the database has a table 'registry_dossiers' that is not a sohoa registry",
                    context());
      }
      db_.execute(kSchema);
      db_.execute(kCorrectionsSchema);
      run("INSERT INTO registry_meta(key, value) VALUES('schema_version', $1)",
          {std::to_string(kSchemaVersion)});
    });
  }

  Receipt receive_dossier(const DossierIntake& intake, const Viewer& by) override {
    if (intake.unit_code.empty()) throw Error(ErrorCode::InvalidArgument, "no receiving unit code");
    require_utf8(intake.unit_code, "the unit code");
    require_utf8(intake.procedure_code, "the procedure code");
    require_utf8(intake.title, "the title");
    require_utf8(intake.applicant_name, "the applicant's name");
    detail::check_intake(intake, by);
    const Date received = intake.received_on;
    const Date due = options_.holidays.due_date(received, intake.processing_working_days);
    const auto day = iso_date(received);
    const auto preprinted = detail::check_preprinted_code(intake);

    std::lock_guard lock(mutex_);
    std::optional<Dossier> recorded;
    db_.transaction([&] {
      std::string code;
      if (!preprinted) {
        // The counter row stays locked until commit: other nodes wait here.
        const auto counter =
            run("INSERT INTO registry_daily_counters(unit_code, day, last_sequence) "
                "VALUES($1, $2, 1) ON CONFLICT(unit_code, day) DO UPDATE SET "
                "last_sequence = registry_daily_counters.last_sequence + 1 RETURNING last_sequence",
                {intake.unit_code, day});
        code = format_dossier_code(intake.unit_code, received, counter.integer(0, 0));
      } else {
        code = preprinted->text();
        // Later generated codes continue after the pre-printed number.
        run("INSERT INTO registry_daily_counters(unit_code, day, last_sequence) "
            "VALUES($1, $2, $3) ON CONFLICT(unit_code, day) DO UPDATE SET "
            "last_sequence = greatest(registry_daily_counters.last_sequence, "
            "excluded.last_sequence)",
            {intake.unit_code, day, preprinted->sequence});
        if (!run("SELECT 1 FROM registry_dossiers WHERE code = $1", {code}).empty()) {
          throw Error(ErrorCode::InvalidArgument,
                      "the pre-printed code " + code + " was already used");
        }
      }
      const auto now = detail::millis(options_.now());
      const auto inserted =
          run("INSERT INTO registry_dossiers(code, unit_code, agency, received_on, due_on, "
              "procedure_code, title, applicant_name, personal_id, status, created_at) "
              "VALUES($1, $2, $2, $3, $4, $5, $6, $7, $8, 0, $9) RETURNING id",
              {code, intake.unit_code, day, iso_date(due), intake.procedure_code, intake.title,
               intake.applicant_name, intake.personal_id, now});
      record_status(inserted.int64(0, 0), DossierStatus::Received, by, now);
      append_audit(by, "receive-dossier", code, "recorded");
      recorded = load_dossier(code);
    });

    Receipt receipt;
    receipt.dossier = *recorded;
    receipt.qr_payload = detail::receipt_qr_payload(recorded->code, intake, due);
    return receipt;
  }

  Dossier advance_status(std::string_view dossier_code, DossierStatus to,
                         const Viewer& by) override {
    std::lock_guard lock(mutex_);
    Dossier advanced;
    db_.transaction([&] {
      // FOR UPDATE: two nodes advancing the same dossier take turns.
      auto dossier = load_dossier(dossier_code, true);
      if (!dossier || dossier->agency != by.agency) {
        throw detail::access_denied(std::string(dossier_code) + " is not a dossier of " +
                                    by.agency);
      }
      detail::check_status_step(dossier->status, to);
      run("UPDATE registry_dossiers SET status = $1 WHERE id = $2",
          {static_cast<int>(to), dossier->id});
      record_status(dossier->id, to, by, detail::millis(options_.now()));
      append_audit(by, "advance-status", dossier->code, std::string(to_string(to)));
      dossier->status = to;
      advanced = *dossier;
    });
    return advanced;
  }

  std::optional<Dossier> dossier(std::string_view dossier_code, const Viewer& viewer) override {
    std::lock_guard lock(mutex_);
    std::optional<Dossier> found;
    db_.transaction([&] {
      found = load_dossier(dossier_code);
      const auto scope = access_scope(viewer);
      if (found && !dossier_visible(*found, scope)) found.reset();
      append_audit(viewer, "read-dossier", std::string(dossier_code),
                   found ? "found" : "not found or not visible");
    });
    return found;
  }

  Document add_document(std::string_view dossier_code, const NewDocument& document,
                        const Viewer& by) override {
    const auto& metadata = document.metadata;
    for (const auto& [value, field] : {std::pair{&metadata.document_class, "the document class"},
                                       {&metadata.number_symbol, "the number and symbol"},
                                       {&metadata.issued_on, "the date of issue"},
                                       {&metadata.document_type, "the document type"},
                                       {&metadata.issuing_agency, "the issuing agency"},
                                       {&metadata.summary, "the summary"},
                                       {&metadata.signer, "the signer"},
                                       {&metadata.language, "the language"},
                                       {&metadata.confidence_level, "the confidence level"},
                                       {&metadata.notes, "the notes"},
                                       {&document.media_type, "the media type"}}) {
      require_utf8(*value, field);
    }
    for (const auto& text : document.page_texts) require_utf8(text, "a page's text");
    // The file is durable before any row points at it; a crash in between
    // leaves an unreferenced blob, which is harmless.
    const BlobRef blob = options_.blobs->put(document.file);
    std::lock_guard lock(mutex_);
    std::int64_t document_id = 0;
    std::optional<Document> added;
    db_.transaction([&] {
      auto dossier = load_dossier(dossier_code);
      if (!dossier || dossier->agency != by.agency) {
        throw detail::access_denied(std::string(dossier_code) + " is not a dossier of " +
                                    by.agency);
      }
      // The UPDATE locks the dossier's row: documents added on two nodes at once
      // get consecutive numbers.
      const auto count = run(
          document.is_result ? "UPDATE registry_dossiers SET result_count = result_count + 1 "
                               "WHERE id = $1 RETURNING result_count"
                             : "UPDATE registry_dossiers SET document_count = document_count + 1 "
                               "WHERE id = $1 RETURNING document_count",
          {dossier->id});
      const int number = count.integer(0, 0);
      const std::string code = detail::document_code(dossier->code, document.is_result, number);
      const auto now = detail::millis(options_.now());
      const auto& m = document.metadata;
      document_id =
          run("INSERT INTO registry_documents(dossier_id, code, document_class, number_symbol, "
              "issued_on, document_type, issuing_agency, summary, signer, language, "
              "confidence_level, notes, page_count, is_result, created_at) "
              "VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15) RETURNING id",
              {dossier->id, code, m.document_class, m.number_symbol, m.issued_on, m.document_type,
               m.issuing_agency, m.summary, m.signer, m.language, m.confidence_level, m.notes,
               static_cast<int>(document.page_texts.size()), document.is_result ? 1 : 0, now})
              .int64(0, 0);
      insert_version(document_id, 1, blob, document.media_type, "digitised", by, now);
      for (std::size_t page = 0; page < document.page_texts.size(); ++page) {
        run("INSERT INTO registry_pages(document_id, page_number, text, body) "
            "VALUES($1, $2, $3, to_tsvector('simple', $4))",
            {document_id, static_cast<int>(page + 1), document.page_texts[page],
             index_words(document.page_texts[page])});
      }
      append_audit(by, "add-document", code, blob.sha256);
      added = load_document(document_id);
    });
    return *added;
  }

  DocumentVersion add_version(std::int64_t document_id, std::vector<std::uint8_t> file,
                              std::string_view reason, const Viewer& by) override {
    require_utf8(reason, "the reason");
    const BlobRef blob = options_.blobs->put(file);
    std::lock_guard lock(mutex_);
    DocumentVersion added;
    db_.transaction([&] {
      // Lock the document's row so two nodes signing at once get versions n+1, n+2.
      run("SELECT id FROM registry_documents WHERE id = $1 FOR UPDATE", {document_id});
      auto document = load_document(document_id);
      if (!document || document->agency != by.agency) {
        throw detail::access_denied("document " + std::to_string(document_id) + " is not one of " +
                                    by.agency);
      }
      const int version = document->latest.version + 1;
      insert_version(document_id, version, blob, document->latest.media_type, std::string(reason),
                     by, detail::millis(options_.now()));
      append_audit(by, "add-version", document->code + " v" + std::to_string(version), blob.sha256);
      added = load_document(document_id)->latest;
    });
    return added;
  }

  std::vector<Document> documents(std::string_view dossier_code, const Viewer& viewer) override {
    std::lock_guard lock(mutex_);
    std::vector<Document> visible;
    db_.transaction([&] {
      visible.clear();
      const auto scope = access_scope(viewer);
      const auto ids =
          run("SELECT doc.id FROM registry_documents doc JOIN registry_dossiers d "
              "ON d.id = doc.dossier_id WHERE d.code = $1 ORDER BY doc.id",
              {dossier_code});
      for (int row = 0; row < ids.rows(); ++row) {
        auto document = load_document(ids.int64(row, 0));
        if (document && scope.covers(*document)) {
          visible.push_back(std::move(*document));
        }
      }
      append_audit(viewer, "list-documents", std::string(dossier_code),
                   std::to_string(visible.size()) + " of " + std::to_string(ids.rows()));
    });
    return visible;
  }

  Document correct_document(std::int64_t document_id, const DocumentCorrection& correction,
                            const Viewer& by) override {
    detail::check_correction(correction);
    std::lock_guard lock(mutex_);
    std::optional<Document> corrected;
    std::optional<Error> refused;
    db_.transaction([&] {
      refused.reset();
      // Lock the document's row: two corrections at once are recorded one after the other.
      run("SELECT id FROM registry_documents WHERE id = $1 FOR UPDATE", {document_id});
      const auto document = visible_document(document_id, by);
      if (!document) {
        append_audit(by, "correct-document", std::to_string(document_id),
                     "not found or not visible");
        refused = Error(ErrorCode::InputNotFound, "no such document visible to " + by.agency);
        return;
      }
      if (!detail::may_correct(*document, by)) {
        append_audit(by, "correct-document", document->code, "denied");
        refused = detail::access_denied("only the counter or records officers of " +
                                        document->agency + " correct " + document->code);
        return;
      }
      const auto changes = detail::plan_correction(document->metadata, correction, by,
                                                   detail::millis(options_.now()));
      DocumentMetadata m = document->metadata;
      std::string outcome;
      for (const auto& change : changes) {
        run(std::string("INSERT INTO registry_document_corrections(document_id, ") +
                detail::kCorrectionColumns + ") VALUES($1, $2, $3, $4, $5, $6, $7)",
            {document_id, change.field, change.old_value, change.new_value, change.reason,
             change.corrected_by, change.at_ms});
        detail::set_metadata_field(m, change.field, change.new_value);
        outcome += (outcome.empty() ? "" : ", ") + change.field;
      }
      // The class filter and class grants read registry_documents.document_class.
      run("UPDATE registry_documents SET document_class = $1, number_symbol = $2, "
          "issued_on = $3, document_type = $4, issuing_agency = $5, summary = $6, signer = $7, "
          "notes = $8 WHERE id = $9",
          {m.document_class, m.number_symbol, m.issued_on, m.document_type, m.issuing_agency,
           m.summary, m.signer, m.notes, document_id});
      append_audit(by, "correct-document", document->code, "corrected " + outcome);
      corrected = load_document(document_id);
    });
    if (refused) throw *refused;
    return *corrected;
  }

  std::vector<DocumentVersion> versions(std::int64_t document_id, const Viewer& viewer) override {
    std::lock_guard lock(mutex_);
    std::vector<DocumentVersion> all;
    db_.transaction([&] {
      all.clear();
      const auto document = visible_document(document_id, viewer);
      if (document) {
        const auto rows = run(std::string("SELECT ") + detail::kVersionColumns +
                                  " FROM registry_document_versions WHERE document_id = $1 "
                                  "ORDER BY version",
                              {document_id});
        for (int row = 0; row < rows.rows(); ++row)
          all.push_back(detail::read_version(PgRow{rows, row}));
      }
      append_audit(
          viewer, "list-versions", document ? document->code : std::to_string(document_id),
          document ? std::to_string(all.size()) + " versions" : "not found or not visible");
    });
    return all;
  }

  std::vector<std::uint8_t> read_file(std::int64_t document_id, int version,
                                      const Viewer& viewer) override {
    std::lock_guard lock(mutex_);
    std::vector<std::uint8_t> bytes;
    std::optional<Error> failure;
    db_.transaction([&] {
      bytes.clear();
      failure.reset();
      const auto document = visible_document(document_id, viewer);
      std::optional<DocumentVersion> wanted;
      if (document) {
        const auto row = run(std::string("SELECT ") + detail::kVersionColumns +
                                 " FROM registry_document_versions WHERE document_id = $1 "
                                 "AND version = $2",
                             {document_id, version == 0 ? document->latest.version : version});
        if (!row.empty()) wanted = detail::read_version(PgRow{row, 0});
      }
      const std::string subject = (document ? document->code : std::to_string(document_id)) + " v" +
                                  std::to_string(wanted ? wanted->version : version);
      if (!wanted) {
        append_audit(viewer, "read-file", subject, "not found or not visible");
        failure =
            Error(ErrorCode::InputNotFound, "no such file version visible to " + viewer.agency);
        return;
      }
      try {
        bytes = options_.blobs->get(wanted->blob_sha256);
      } catch (const Error& error) {
        failure = error;
      }
      append_audit(viewer, "read-file", subject,
                   failure ? "failed: " + failure->message() : wanted->blob_sha256);
    });
    if (failure) throw *failure;
    return bytes;
  }

  std::vector<SearchHit> search(const SearchQuery& query, const Viewer& viewer) override {
    std::lock_guard lock(mutex_);
    const ParsedQuery parsed = detail::parse_search_text(query.text);
    std::vector<SearchHit> hits;
    db_.transaction([&] {
      hits.clear();
      const auto scope = access_scope(viewer);
      std::vector<std::string> parameters;
      auto placeholder = [&] { return "$" + std::to_string(parameters.size()); };
      std::string where;
      auto add = [&](const std::optional<std::string>& value, const char* column,
                     const char* cast = "") {
        if (!value) return;
        parameters.push_back(*value);
        where += std::string(" AND ") + column + " = " + placeholder() + cast;
      };
      std::string rank = "0";
      if (!parsed.groups.empty()) {
        parameters.push_back(tsquery_text(parsed));
        const std::string tsquery = "to_tsquery('simple', " + placeholder() + ")";
        where += " AND p.body @@ " + tsquery;
        // Negated so that, as with bm25, lower is better.
        rank = "-ts_rank(p.body, " + tsquery + ", 1)";
      }
      add(query.dossier_code, "d.code");
      add(query.personal_id, "d.personal_id");
      add(query.procedure_code, "d.procedure_code");
      add(query.document_class, "doc.document_class");
      add(query.agency, "d.agency");
      if (query.status) {
        add(std::to_string(static_cast<int>(*query.status)), "d.status", "::integer");
      }
      if (query.received_from) {
        parameters.push_back(iso_date(*query.received_from));
        where += " AND d.received_on >= " + placeholder();
      }
      if (query.received_to) {
        parameters.push_back(iso_date(*query.received_to));
        where += " AND d.received_on <= " + placeholder();
      }
      where += " AND ";
      scope.append_sql(where, parameters, placeholder);
      parameters.push_back(std::to_string(std::max(1, query.limit)));
      const std::string order = parsed.groups.empty() ? "d.received_on DESC, p.id" : "10, p.id";
      const std::string sql =
          std::string("SELECT ") + detail::kSearchHitColumns + ", " + rank +
          " FROM registry_pages p JOIN registry_documents doc ON doc.id = p.document_id "
          "JOIN registry_dossiers d ON d.id = doc.dossier_id WHERE TRUE" +
          where + " ORDER BY " + order + " LIMIT " + placeholder() + "::integer";
      const auto rows = run(sql, {parameters.begin(), parameters.end()});
      for (int row = 0; row < rows.rows(); ++row) {
        SearchHit hit = detail::read_search_hit(PgRow{rows, row});
        hit.snippet = detail::make_snippet(rows.text(row, 2), parsed);
        hit.score = to_double(rows.text(row, 9));
        hits.push_back(std::move(hit));
      }
      append_audit(viewer, "search", detail::describe_search(query),
                   std::to_string(hits.size()) + " hits");
    });
    return hits;
  }

  std::vector<ReusableDocument> find_reusable_documents(std::string_view personal_id,
                                                        const Viewer& viewer) override {
    std::lock_guard lock(mutex_);
    std::vector<ReusableDocument> found;
    db_.transaction([&] {
      found.clear();
      const auto scope = access_scope(viewer);
      const auto rows =
          run("SELECT doc.id, d.received_on, d.procedure_code FROM registry_dossiers d "
              "JOIN registry_documents doc ON doc.dossier_id = d.id WHERE d.personal_id = $1 "
              "ORDER BY d.received_on DESC, doc.id DESC",
              {personal_id});
      for (int row = 0; row < rows.rows(); ++row) {
        auto document = load_document(rows.int64(row, 0));
        if (!document) continue;
        auto provenance = scope.provenance(*document);
        if (provenance.empty()) continue;
        found.push_back({std::move(*document), parse_iso_date(rows.text(row, 1)), rows.text(row, 2),
                         std::move(provenance)});
      }
      append_audit(
          viewer, "find-reusable", std::string(personal_id),
          std::to_string(found.size()) + " of " + std::to_string(rows.rows()) + " documents");
    });
    return found;
  }

  Grant grant(const Grant& grant, const Viewer& by) override {
    detail::check_new_grant(grant, by);
    require_utf8(grant.grantee_agency, "the grantee agency");
    require_utf8(grant.scope_value, "the grant's scope");
    std::lock_guard lock(mutex_);
    Grant stored = grant;
    stored.revoked = false;
    db_.transaction([&] {
      stored.id = run("INSERT INTO registry_grants(grantor_agency, grantee_agency, scope, "
                      "scope_value, expires_at, created_by, created_at) "
                      "VALUES($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                      {grant.grantor_agency, grant.grantee_agency, static_cast<int>(grant.scope),
                       grant.scope_value, detail::millis(grant.expires_at), by.account,
                       detail::millis(options_.now())})
                      .int64(0, 0);
      append_audit(by, "grant", "#" + std::to_string(stored.id) + " to " + grant.grantee_agency,
                   grant.scope_value.empty() ? "all" : grant.scope_value);
    });
    return stored;
  }

  void revoke_grant(std::int64_t grant_id, const Viewer& by) override {
    std::lock_guard lock(mutex_);
    db_.transaction([&] {
      run("UPDATE registry_grants SET revoked = 1 WHERE id = $1 AND grantor_agency = $2",
          {grant_id, by.agency});
      append_audit(by, "revoke-grant", "#" + std::to_string(grant_id), "revoked");
    });
  }

  std::vector<Grant> grants(const Viewer& viewer) override {
    std::lock_guard lock(mutex_);
    std::vector<Grant> all;
    db_.transaction([&] {
      all.clear();
      const auto rows = run(std::string("SELECT ") + detail::kGrantColumns +
                                " FROM registry_grants WHERE grantor_agency = $1 OR "
                                "grantee_agency = $1 ORDER BY id",
                            {viewer.agency});
      for (int row = 0; row < rows.rows(); ++row)
        all.push_back(detail::read_grant(PgRow{rows, row}));
      append_audit(viewer, "list-grants", viewer.agency, std::to_string(all.size()) + " grants");
    });
    return all;
  }

  std::vector<AuditRecord> audit_log(const Viewer& auditor, std::int64_t after,
                                     int limit) override {
    if (auditor.role != Role::Auditor) throw detail::access_denied("the audit log is for auditors");
    std::lock_guard lock(mutex_);
    std::vector<AuditRecord> records;
    db_.transaction([&] {
      records.clear();
      const auto rows = run(std::string("SELECT ") + detail::kAuditColumns +
                                " FROM registry_audit_log WHERE sequence > $1 "
                                "ORDER BY sequence LIMIT $2",
                            {after, limit});
      for (int row = 0; row < rows.rows(); ++row)
        records.push_back(detail::read_audit(PgRow{rows, row}));
      append_audit(auditor, "read-audit-log", "after " + std::to_string(after),
                   std::to_string(records.size()) + " records");
    });
    return records;
  }

  AuditVerdict verify_audit_chain() override {
    std::lock_guard lock(mutex_);
    return verify_chain(db_);
  }

 private:
  [[nodiscard]] ErrorContext context() const { return {db_.what()}; }

  // Every statement goes through here: a lookup key or viewer that is not UTF-8
  // (a read's parameters are not validated) becomes U+FFFD instead of an error
  // from the server, so it simply matches nothing, as in SQLite.
  PgResult run(const std::string& sql, const std::vector<PgParam>& params = {}) {
    const bool all_valid = std::all_of(params.begin(), params.end(), [](const PgParam& param) {
      return !param.text() || detail::is_valid_utf8(*param.text());
    });
    if (all_valid) return db_.query(sql, params);
    std::vector<PgParam> valid;
    valid.reserve(params.size());
    for (const auto& param : params) {
      valid.push_back(param.text() ? PgParam(detail::to_valid_utf8(*param.text())) : param);
    }
    return db_.query(sql, valid);
  }

  // Inside the caller's transaction, so a read and its record commit together.
  // The table lock makes appends from every node take turns: the head read here
  // is still the head when this record is inserted.
  void append_audit(const Viewer& viewer, std::string action, const std::string& subject,
                    const std::string& outcome) {
    db_.execute("LOCK TABLE registry_audit_log IN SHARE ROW EXCLUSIVE MODE");
    std::optional<detail::AuditHead> head;
    const auto last =
        run("SELECT sequence, hash FROM registry_audit_log ORDER BY sequence DESC LIMIT 1");
    if (!last.empty()) head = detail::AuditHead{last.int64(0, 0), last.text(0, 1)};
    AuditRecord record;
    // Made valid before hashing, so the stored record is the one hashed (a
    // search for bytes that are not text is still recorded).
    record.at_ms = detail::millis(options_.now());
    record.agency = detail::to_valid_utf8(viewer.agency);
    record.role = std::string(to_string(viewer.role));
    record.account = detail::to_valid_utf8(viewer.account);
    record.action = std::move(action);
    record.subject = detail::to_valid_utf8(subject);
    record.outcome = detail::to_valid_utf8(outcome);
    detail::chain_audit_record(record, head);
    run(std::string("INSERT INTO registry_audit_log(") + detail::kAuditColumns +
            ") VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        {record.sequence, record.at_ms, record.agency, record.role, record.account, record.action,
         record.subject, record.outcome, record.previous_hash, record.hash});
  }

  AccessScope access_scope(const Viewer& viewer) {
    std::vector<Grant> active;
    const auto rows = run(std::string("SELECT ") + detail::kGrantColumns +
                              " FROM registry_grants WHERE grantee_agency = $1 AND "
                              "revoked = 0 AND expires_at > $2 ORDER BY id",
                          {viewer.agency, detail::millis(options_.now())});
    active.reserve(static_cast<std::size_t>(rows.rows()));
    for (int row = 0; row < rows.rows(); ++row)
      active.push_back(detail::read_grant(PgRow{rows, row}));
    return {viewer, std::move(active)};
  }

  bool dossier_visible(const Dossier& dossier, const AccessScope& scope) {
    return scope.covers_dossier(dossier, [&] {
      const auto rows =
          run("SELECT DISTINCT document_class FROM registry_documents WHERE dossier_id = $1",
              {dossier.id});
      std::vector<std::string> classes;
      for (int row = 0; row < rows.rows(); ++row) classes.push_back(rows.text(row, 0));
      return classes;
    });
  }

  std::optional<Document> visible_document(std::int64_t document_id, const Viewer& viewer) {
    auto document = load_document(document_id);
    if (!document || !access_scope(viewer).covers(*document)) return std::nullopt;
    return document;
  }

  void insert_version(std::int64_t document_id, int version, const BlobRef& blob,
                      const std::string& media_type, const std::string& reason, const Viewer& by,
                      std::int64_t now) {
    run(std::string("INSERT INTO registry_document_versions(") + detail::kVersionColumns +
            ") VALUES($1, $2, $3, $4, $5, $6, $7, $8)",
        {document_id, version, blob.sha256, static_cast<std::int64_t>(blob.size), media_type,
         reason, detail::version_author(by), now});
  }

  void record_status(std::int64_t dossier_id, DossierStatus status, const Viewer& by,
                     std::int64_t now) {
    run("INSERT INTO registry_status_history(dossier_id, status, at, account) "
        "VALUES($1, $2, $3, $4)",
        {dossier_id, static_cast<int>(status), now, by.account});
  }

  std::optional<Dossier> load_dossier(std::string_view code, bool for_update = false) {
    const auto row =
        run(std::string("SELECT ") + detail::kDossierColumns +
                " FROM registry_dossiers WHERE code = $1" + (for_update ? " FOR UPDATE" : ""),
            {code});
    if (row.empty()) return std::nullopt;
    return detail::read_dossier(PgRow{row, 0});
  }

  std::optional<Document> load_document(std::int64_t id) {
    const auto row = run(std::string("SELECT ") + detail::kDocumentColumns +
                             " FROM registry_documents doc JOIN registry_dossiers d "
                             "ON d.id = doc.dossier_id JOIN registry_document_versions v "
                             "ON v.document_id = doc.id WHERE doc.id = $1 "
                             "ORDER BY v.version DESC LIMIT 1",
                         {id});
    if (row.empty()) return std::nullopt;
    auto document = detail::read_document(PgRow{row, 0});
    const auto rows = run(std::string("SELECT ") + detail::kCorrectionColumns +
                              " FROM registry_document_corrections WHERE document_id = $1 "
                              "ORDER BY id",
                          {id});
    std::vector<FieldCorrection> corrections;
    for (int index = 0; index < rows.rows(); ++index) {
      corrections.push_back(detail::read_correction(PgRow{rows, index}));
    }
    detail::attach_corrections(document, std::move(corrections));
    return document;
  }

  PgRegistryOptions options_;
  PgConnection db_;
  std::mutex mutex_;
};

}  // namespace

std::unique_ptr<Registry> open_pg_registry(PgRegistryOptions options) {
  return std::make_unique<PgRegistry>(std::move(options));
}

AuditVerdict verify_pg_audit_chain(const std::string& url) {
  PgConnection db(url, describe(url));
  if (db.query("SELECT to_regclass('registry_audit_log')").is_null(0, 0)) {
    throw Error(ErrorCode::InputNotFound, "no registry in this database", {describe(url)});
  }
  return verify_chain(db);
}

std::vector<UnitProcedureFigures> pg_registry_figures(const std::string& url,
                                                      std::string_view agency,
                                                      std::string_view today) {
  PgConnection db(url, describe(url));
  // status_history.at is milliseconds since the epoch; due dates are Vietnam
  // dates (UTC+7), compared as ISO text as in the SQLite figures.
  const auto rows = db.query(
      "SELECT d.unit_code, d.procedure_code, count(*), "
      "  count(*) FILTER (WHERE d.document_count > 0), "
      "  count(*) FILTER (WHERE d.status = $1::integer), "
      "  count(*) FILTER (WHERE d.status = $1::integer AND (SELECT to_char(to_timestamp("
      "      min(h.at) / 1000 + 25200) AT TIME ZONE 'UTC', 'YYYY-MM-DD') "
      "      FROM registry_status_history h WHERE h.dossier_id = d.id "
      "      AND h.status = $1::integer) <= d.due_on), "
      "  count(*) FILTER (WHERE d.status <> $1::integer AND d.due_on < $3) "
      "FROM registry_dossiers d WHERE d.agency = $2 "
      "GROUP BY d.unit_code, d.procedure_code ORDER BY d.unit_code, d.procedure_code",
      {static_cast<int>(DossierStatus::Returned), detail::to_valid_utf8(agency),
       detail::to_valid_utf8(today)});
  std::vector<UnitProcedureFigures> figures;
  figures.reserve(static_cast<std::size_t>(rows.rows()));
  for (int row = 0; row < rows.rows(); ++row) {
    figures.push_back({rows.text(row, 0), rows.text(row, 1), rows.integer(row, 2),
                       rows.integer(row, 3), rows.integer(row, 4), rows.integer(row, 5),
                       rows.integer(row, 6)});
  }
  return figures;
}

}  // namespace sohoa::storage
