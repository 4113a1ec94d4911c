// The SQLite Registry. Talks to SQLite only through sqlite_connection.hpp.
#include "sohoa/storage/sqlite_registry.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <utility>
#include <variant>

#include "sha256.hpp"
#include "sohoa/core/error.hpp"
#include "sohoa/core/identifiers.hpp"
#include "sohoa/storage/text_folding.hpp"
#include "sqlite_connection.hpp"

namespace sohoa::storage {

namespace {

using detail::SqliteConnection;
using detail::SqliteQuery;
using detail::SqliteTransaction;
using SystemTime = std::chrono::system_clock::time_point;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS registry_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- The unit's counter of the day (TT 03/2025): bumped in the transaction that
-- records the dossier, so codes are unique and gap-free.
CREATE TABLE IF NOT EXISTS daily_counters(
  unit_code TEXT NOT NULL, day TEXT NOT NULL, last_sequence INTEGER NOT NULL,
  PRIMARY KEY(unit_code, day)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS dossiers(
  id INTEGER PRIMARY KEY,
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
  created_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS dossiers_by_person ON dossiers(personal_id);
CREATE INDEX IF NOT EXISTS dossiers_by_agency ON dossiers(agency, received_on);
CREATE INDEX IF NOT EXISTS dossiers_by_procedure ON dossiers(procedure_code, received_on);
CREATE INDEX IF NOT EXISTS dossiers_by_date ON dossiers(received_on);
CREATE TABLE IF NOT EXISTS status_history(
  dossier_id INTEGER NOT NULL REFERENCES dossiers(id),
  status INTEGER NOT NULL, at INTEGER NOT NULL, account TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents(
  id INTEGER PRIMARY KEY,
  dossier_id INTEGER NOT NULL REFERENCES dossiers(id),
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
  created_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS documents_by_dossier ON documents(dossier_id);
CREATE TABLE IF NOT EXISTS document_versions(
  document_id INTEGER NOT NULL REFERENCES documents(id),
  version INTEGER NOT NULL,
  blob_sha256 TEXT NOT NULL,
  size INTEGER NOT NULL,
  media_type TEXT NOT NULL,
  reason TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY(document_id, version)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS pages(
  id INTEGER PRIMARY KEY,
  document_id INTEGER NOT NULL REFERENCES documents(id),
  page_number INTEGER NOT NULL,
  text TEXT NOT NULL,
  UNIQUE(document_id, page_number));
-- Folded text only (our folding, see text_folding.hpp); snippets are cut from
-- pages.text, so the index keeps no copy of the content.
CREATE VIRTUAL TABLE IF NOT EXISTS page_index USING fts5(
  body, content='', tokenize='unicode61 remove_diacritics 0');
CREATE TABLE IF NOT EXISTS grants(
  id INTEGER PRIMARY KEY,
  grantor_agency TEXT NOT NULL,
  grantee_agency TEXT NOT NULL,
  scope INTEGER NOT NULL,
  scope_value TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  revoked INTEGER NOT NULL DEFAULT 0,
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS grants_by_grantee ON grants(grantee_agency);
CREATE TABLE IF NOT EXISTS audit_log(
  sequence INTEGER PRIMARY KEY,
  at_ms INTEGER NOT NULL,
  agency TEXT NOT NULL,
  role TEXT NOT NULL,
  account TEXT NOT NULL,
  action TEXT NOT NULL,
  subject TEXT NOT NULL,
  outcome TEXT NOT NULL,
  previous_hash TEXT NOT NULL,
  hash TEXT NOT NULL);
-- Append-only by construction; someone with the file can still drop these,
-- which is what the hash chain is for.
CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS versions_no_update BEFORE UPDATE ON document_versions
  BEGIN SELECT RAISE(ABORT, 'file versions are never overwritten'); END;
CREATE TRIGGER IF NOT EXISTS versions_no_delete BEFORE DELETE ON document_versions
  BEGIN SELECT RAISE(ABORT, 'file versions are never deleted'); END;
)sql";

const std::string kGenesisHash(64, '0');

std::int64_t millis(SystemTime time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

Error denied(const std::string& what) {
  return Error(ErrorCode::InvalidArgument, "access denied: " + what);
}

// The canonical bytes a record's hash covers: each field length-prefixed, so no
// two different records serialise alike.
std::string audit_hash(const AuditRecord& record) {
  std::string canonical = record.previous_hash;
  for (const std::string& field :
       {std::to_string(record.sequence), std::to_string(record.at_ms), record.agency, record.role,
        record.account, record.action, record.subject, record.outcome}) {
    canonical += '|' + std::to_string(field.size()) + ':' + field;
  }
  return detail::sha256_hex(canonical);
}

AuditVerdict verify_chain(SqliteConnection& db) {
  AuditVerdict verdict;
  std::string previous = kGenesisHash;
  auto rows = db.query(
      "SELECT sequence, at_ms, agency, role, account, action, subject, outcome, previous_hash, "
      "hash FROM audit_log ORDER BY sequence");
  while (rows.step()) {
    AuditRecord record{rows.integer(0), rows.integer(1), rows.text(2), rows.text(3), rows.text(4),
                       rows.text(5),    rows.text(6),    rows.text(7), rows.text(8), rows.text(9)};
    const std::int64_t expected = verdict.records + 1;
    auto fail = [&](std::string problem) {
      verdict.intact = false;
      verdict.first_bad_sequence = record.sequence;
      verdict.problem = std::move(problem);
    };
    if (record.sequence != expected) {
      fail("record " + std::to_string(expected) + " is missing (next is " +
           std::to_string(record.sequence) + ")");
    } else if (record.previous_hash != previous) {
      fail("record " + std::to_string(record.sequence) +
           " does not follow the one before it (deleted, inserted or reordered)");
    } else if (audit_hash(record) != record.hash) {
      fail("record " + std::to_string(record.sequence) + " was changed after it was written");
    }
    if (!verdict.intact) return verdict;
    previous = record.hash;
    ++verdict.records;
  }
  verdict.head_hash = previous;
  return verdict;
}

// What one viewer may see: its own agency's dossiers plus its active grants.
// Every read goes through this class (the single place isolation is decided).
class AccessScope {
 public:
  AccessScope(const Viewer& viewer, std::vector<Grant> grants)
      : viewer_(viewer), grants_(std::move(grants)) {}

  [[nodiscard]] const Grant* grant_covering(const std::string& agency,
                                            const std::string& dossier_code,
                                            const std::string& document_class) const {
    for (const auto& grant : grants_) {
      if (grant.grantor_agency != agency) continue;
      if (grant.scope == GrantScope::All ||
          (grant.scope == GrantScope::Dossier && grant.scope_value == dossier_code) ||
          (grant.scope == GrantScope::DocumentClass && grant.scope_value == document_class)) {
        return &grant;
      }
    }
    return nullptr;
  }

  // A document (or, with an empty class, a dossier's own record: then a class
  // grant counts when the dossier holds a document of that class).
  [[nodiscard]] bool covers(const std::string& agency, const std::string& dossier_code,
                            const std::string& document_class) const {
    return agency == viewer_.agency ||
           grant_covering(agency, dossier_code, document_class) != nullptr;
  }

  [[nodiscard]] std::string provenance(const std::string& agency, const std::string& dossier_code,
                                       const std::string& document_class) const {
    if (agency == viewer_.agency) return "own agency";
    const Grant* grant = grant_covering(agency, dossier_code, document_class);
    return grant ? "grant #" + std::to_string(grant->id) + " from " + agency : "";
  }

  [[nodiscard]] bool has_class_grant_from(const std::string& agency) const {
    return std::any_of(grants_.begin(), grants_.end(), [&](const Grant& grant) {
      return grant.grantor_agency == agency && grant.scope == GrantScope::DocumentClass;
    });
  }

  // The same rule as SQL over `d` (dossiers) and `doc` (documents), with its parameters.
  void append_sql(std::string& sql, std::vector<std::string>& parameters) const {
    sql += "(d.agency = ?";
    parameters.push_back(viewer_.agency);
    for (const auto& grant : grants_) {
      switch (grant.scope) {
        case GrantScope::All:
          sql += " OR d.agency = ?";
          parameters.push_back(grant.grantor_agency);
          break;
        case GrantScope::Dossier:
          sql += " OR (d.agency = ? AND d.code = ?)";
          parameters.push_back(grant.grantor_agency);
          parameters.push_back(grant.scope_value);
          break;
        case GrantScope::DocumentClass:
          sql += " OR (d.agency = ? AND doc.document_class = ?)";
          parameters.push_back(grant.grantor_agency);
          parameters.push_back(grant.scope_value);
          break;
      }
    }
    sql += ")";
  }

 private:
  const Viewer& viewer_;
  std::vector<Grant> grants_;
};

// A query's words turned into an FTS5 expression over folded text: every term
// quoted (so nothing the user types is FTS syntax), phrases kept, `word*` a prefix.
struct ParsedQuery {
  std::string match;               // empty = no text condition
  std::vector<std::string> words;  // folded words, for snippets
  std::vector<std::string> prefixes;
};

ParsedQuery parse_query(std::string_view text) {
  ParsedQuery parsed;
  auto add_group = [&](std::string_view raw, bool phrase) {
    const bool prefix = !phrase && !raw.empty() && raw.back() == '*';
    const auto words = search_words(fold_for_search(prefix ? raw.substr(0, raw.size() - 1) : raw));
    if (words.empty()) return;
    std::string term = "\"";
    for (std::size_t i = 0; i < words.size(); ++i) {
      term += (i ? " " : "") + words[i];
      if (prefix && i + 1 == words.size()) {
        parsed.prefixes.push_back(words[i]);
      } else {
        parsed.words.push_back(words[i]);
      }
    }
    term += prefix ? "\"*" : "\"";
    if (!parsed.match.empty()) parsed.match += ' ';
    parsed.match += term;
  };
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '"') {
      const auto end = text.find('"', i + 1);
      const auto stop = end == std::string_view::npos ? text.size() : end;
      add_group(text.substr(i + 1, stop - i - 1), true);
      i = stop + 1;
    } else if (text[i] == ' ' || text[i] == '\t' || text[i] == '\n') {
      ++i;
    } else {
      auto end = text.find_first_of(" \t\n\"", i);
      if (end == std::string_view::npos) end = text.size();
      add_group(text.substr(i, end - i), false);
      i = end;
    }
  }
  return parsed;
}

// The original text around the first match, matched words in [brackets]. Works
// on the original so the officer reads the accents; words are found by folding
// each one, which keeps word positions (text_folding.hpp).
std::string make_snippet(const std::string& text, const ParsedQuery& query) {
  struct Word {
    std::size_t begin, end;
    bool hit;
  };
  std::vector<Word> words;
  std::size_t i = 0;
  while (i < text.size()) {
    const auto begin = i;
    while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i > begin) {
      bool hit = false;
      for (const auto& folded : search_words(fold_for_search(text.substr(begin, i - begin)))) {
        hit = hit || std::find(query.words.begin(), query.words.end(), folded) != query.words.end();
        for (const auto& prefix : query.prefixes) hit = hit || folded.starts_with(prefix);
      }
      words.push_back({begin, i, hit});
    }
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  }
  if (words.empty()) return {};
  constexpr std::size_t kBefore = 6;
  constexpr std::size_t kSpan = 18;
  std::size_t first = 0;
  while (first < words.size() && !words[first].hit) ++first;
  if (first == words.size()) first = 0;
  const std::size_t from = first > kBefore ? first - kBefore : 0;
  const std::size_t to = std::min(words.size(), from + kSpan);
  std::string snippet = from > 0 ? "… " : "";
  for (std::size_t w = from; w < to; ++w) {
    const auto word = text.substr(words[w].begin, words[w].end - words[w].begin);
    snippet += words[w].hit ? "[" + word + "]" : word;
    if (w + 1 < to) snippet += ' ';
  }
  if (to < words.size()) snippet += " …";
  return snippet;
}

std::string two_digits(int number) {
  return (number < 10 ? "0" : "") + std::to_string(number);
}

class SqliteRegistry final : public Registry {
 public:
  explicit SqliteRegistry(SqliteRegistryOptions options)
      : options_(std::move(options)),
        db_(options_.database, static_cast<int>(options_.busy_timeout.count())) {
    if (!options_.blobs) throw Error(ErrorCode::InvalidArgument, "the registry needs a blob store");
    SqliteTransaction transaction(db_);
    db_.execute(kSchema);
    transaction.commit();
  }

  Receipt receive_dossier(const DossierIntake& intake, const Viewer& by) override {
    std::lock_guard lock(mutex_);
    if (intake.unit_code.empty()) throw Error(ErrorCode::InvalidArgument, "no receiving unit code");
    if (by.agency != intake.unit_code)
      throw denied(by.agency + " cannot receive for " + intake.unit_code);
    if (!parse_personal_id(intake.personal_id)) {
      throw Error(ErrorCode::InvalidArgument,
                  "not a 12-digit personal identification number: " + intake.personal_id);
    }
    const Date received = intake.received_on;
    if (!received.ok()) throw Error(ErrorCode::InvalidArgument, "no date of receipt");
    const Date due = options_.holidays.due_date(received, intake.processing_working_days);
    const auto day = iso_date(received);

    SqliteTransaction transaction(db_);
    std::string code;
    if (intake.preprinted_code.empty()) {
      auto counter = db_.query(
          "INSERT INTO daily_counters(unit_code, day, last_sequence) VALUES(?, ?, 1) "
          "ON CONFLICT(unit_code, day) DO UPDATE SET last_sequence = last_sequence + 1 "
          "RETURNING last_sequence");
      counter.bind(1, intake.unit_code).bind(2, day);
      counter.step();
      code = format_dossier_code(intake.unit_code, received, static_cast<int>(counter.integer(0)));
      counter.run();
    } else {
      const auto parsed = parse_dossier_code(intake.preprinted_code);
      if (!parsed || parsed->agency != intake.unit_code || parsed->result_number != 0 ||
          format_dossier_code(intake.unit_code, received, parsed->sequence) != parsed->text()) {
        throw Error(ErrorCode::InvalidArgument, "the pre-printed code " + intake.preprinted_code +
                                                    " is not a dossier code of this unit and day");
      }
      code = parsed->text();
      // Later generated codes continue after the pre-printed number.
      db_.query(
             "INSERT INTO daily_counters(unit_code, day, last_sequence) VALUES(?, ?, ?) "
             "ON CONFLICT(unit_code, day) DO UPDATE SET "
             "last_sequence = max(last_sequence, excluded.last_sequence)")
          .bind(1, intake.unit_code)
          .bind(2, day)
          .bind(3, parsed->sequence)
          .run();
    }
    const auto now = millis(options_.now());
    db_.query(
           "INSERT INTO dossiers(code, unit_code, agency, received_on, due_on, procedure_code, "
           "title, applicant_name, personal_id, status, created_at) "
           "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)")
        .bind(1, code)
        .bind(2, intake.unit_code)
        .bind(3, intake.unit_code)
        .bind(4, day)
        .bind(5, iso_date(due))
        .bind(6, intake.procedure_code)
        .bind(7, intake.title)
        .bind(8, intake.applicant_name)
        .bind(9, intake.personal_id)
        .bind(10, now)
        .run();
    const auto id = db_.last_insert_id();
    record_status(id, DossierStatus::Received, by, now);
    append_audit(by, "receive-dossier", code, "recorded");
    transaction.commit();

    Receipt receipt;
    receipt.dossier = *load_dossier(code);
    receipt.qr_payload = code + "|" + intake.procedure_code + "|" + intake.personal_id +
                         "|Giấy tiếp nhận hồ sơ và hẹn trả kết quả|" + iso_date(due);
    return receipt;
  }

  Dossier advance_status(std::string_view dossier_code, DossierStatus to,
                         const Viewer& by) override {
    std::lock_guard lock(mutex_);
    SqliteTransaction transaction(db_);
    auto dossier = load_dossier(dossier_code);
    if (!dossier || dossier->agency != by.agency) {
      throw denied(std::string(dossier_code) + " is not a dossier of " + by.agency);
    }
    if (static_cast<int>(to) != static_cast<int>(dossier->status) + 1) {
      throw Error(ErrorCode::InvalidArgument,
                  "a dossier goes " + std::string(to_string(dossier->status)) + " -> " +
                      std::string(to_string(static_cast<DossierStatus>(
                          std::min(4, static_cast<int>(dossier->status) + 1)))) +
                      ", not to " + std::string(to_string(to)));
    }
    db_.query("UPDATE dossiers SET status = ? WHERE id = ?")
        .bind(1, static_cast<int>(to))
        .bind(2, dossier->id)
        .run();
    record_status(dossier->id, to, by, millis(options_.now()));
    append_audit(by, "advance-status", dossier->code, std::string(to_string(to)));
    transaction.commit();
    dossier->status = to;
    return *dossier;
  }

  std::optional<Dossier> dossier(std::string_view dossier_code, const Viewer& viewer) override {
    std::lock_guard lock(mutex_);
    SqliteTransaction transaction(db_);
    auto dossier = load_dossier(dossier_code);
    const auto scope = access_scope(viewer);
    if (dossier && !dossier_visible(*dossier, scope)) dossier.reset();
    append_audit(viewer, "read-dossier", std::string(dossier_code),
                 dossier ? "found" : "not found or not visible");
    transaction.commit();
    return dossier;
  }

  Document add_document(std::string_view dossier_code, const NewDocument& document,
                        const Viewer& by) override {
    // The file is durable before any row points at it; a crash in between
    // leaves an unreferenced blob, which is harmless.
    const BlobRef blob = options_.blobs->put(document.file);
    std::lock_guard lock(mutex_);
    SqliteTransaction transaction(db_);
    auto dossier = load_dossier(dossier_code);
    if (!dossier || dossier->agency != by.agency) {
      throw denied(std::string(dossier_code) + " is not a dossier of " + by.agency);
    }
    auto counts = db_.query("SELECT document_count, result_count FROM dossiers WHERE id = ?");
    counts.bind(1, dossier->id).step();
    const int documents = static_cast<int>(counts.integer(0));
    const int results = static_cast<int>(counts.integer(1));
    counts.run();
    const std::string code = document.is_result ? format_result_code(dossier->code, results + 1)
                                                : dossier->code + "." + two_digits(documents + 1);
    db_.query(document.is_result
                  ? "UPDATE dossiers SET result_count = result_count + 1 WHERE id = ?"
                  : "UPDATE dossiers SET document_count = document_count + 1 "
                    "WHERE id = ?")
        .bind(1, dossier->id)
        .run();
    const auto now = millis(options_.now());
    const auto& m = document.metadata;
    db_.query(
           "INSERT INTO documents(dossier_id, code, document_class, number_symbol, issued_on, "
           "document_type, issuing_agency, summary, signer, language, confidence_level, notes, "
           "page_count, is_result, created_at) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
        .bind(1, dossier->id)
        .bind(2, code)
        .bind(3, m.document_class)
        .bind(4, m.number_symbol)
        .bind(5, m.issued_on)
        .bind(6, m.document_type)
        .bind(7, m.issuing_agency)
        .bind(8, m.summary)
        .bind(9, m.signer)
        .bind(10, m.language)
        .bind(11, m.confidence_level)
        .bind(12, m.notes)
        .bind(13, static_cast<std::int64_t>(document.page_texts.size()))
        .bind(14, document.is_result ? 1 : 0)
        .bind(15, now)
        .run();
    const auto document_id = db_.last_insert_id();
    insert_version(document_id, 1, blob, document.media_type, "digitised", by, now);
    for (std::size_t page = 0; page < document.page_texts.size(); ++page) {
      db_.query("INSERT INTO pages(document_id, page_number, text) VALUES(?, ?, ?)")
          .bind(1, document_id)
          .bind(2, static_cast<std::int64_t>(page + 1))
          .bind(3, document.page_texts[page])
          .run();
      db_.query("INSERT INTO page_index(rowid, body) VALUES(?, ?)")
          .bind(1, db_.last_insert_id())
          .bind(2, fold_for_search(document.page_texts[page]))
          .run();
    }
    append_audit(by, "add-document", code, blob.sha256);
    transaction.commit();
    return *load_document(document_id);
  }

  DocumentVersion add_version(std::int64_t document_id, std::vector<std::uint8_t> file,
                              std::string_view reason, const Viewer& by) override {
    const BlobRef blob = options_.blobs->put(file);
    std::lock_guard lock(mutex_);
    SqliteTransaction transaction(db_);
    auto document = load_document(document_id);
    if (!document || document->agency != by.agency) {
      throw denied("document " + std::to_string(document_id) + " is not one of " + by.agency);
    }
    const int version = document->latest.version + 1;
    const auto now = millis(options_.now());
    insert_version(document_id, version, blob, document->latest.media_type, std::string(reason), by,
                   now);
    append_audit(by, "add-version", document->code + " v" + std::to_string(version), blob.sha256);
    transaction.commit();
    return load_document(document_id)->latest;
  }

  std::vector<Document> documents(std::string_view dossier_code, const Viewer& viewer) override {
    std::lock_guard lock(mutex_);
    SqliteTransaction transaction(db_);
    const auto scope = access_scope(viewer);
    std::vector<Document> visible;
    auto ids = db_.query(
        "SELECT doc.id FROM documents doc JOIN dossiers d ON d.id = doc.dossier_id "
        "WHERE d.code = ? ORDER BY doc.id");
    ids.bind(1, dossier_code);
    std::vector<std::int64_t> document_ids;
    while (ids.step()) document_ids.push_back(ids.integer(0));
    for (const auto id : document_ids) {
      auto document = load_document(id);
      if (document && scope.covers(document->agency, document->dossier_code,
                                   document->metadata.document_class)) {
        visible.push_back(std::move(*document));
      }
    }
    append_audit(viewer, "list-documents", std::string(dossier_code),
                 std::to_string(visible.size()) + " of " + std::to_string(document_ids.size()));
    transaction.commit();
    return visible;
  }

  std::vector<DocumentVersion> versions(std::int64_t document_id, const Viewer& viewer) override {
    std::lock_guard lock(mutex_);
    SqliteTransaction transaction(db_);
    const auto document = visible_document(document_id, viewer);
    std::vector<DocumentVersion> all;
    if (document) {
      auto rows = db_.query(
          "SELECT document_id, version, blob_sha256, size, media_type, reason, created_by, "
          "created_at FROM document_versions WHERE document_id = ? ORDER BY version");
      rows.bind(1, document_id);
      while (rows.step()) all.push_back(read_version(rows));
    }
    append_audit(viewer, "list-versions", document ? document->code : std::to_string(document_id),
                 document ? std::to_string(all.size()) + " versions" : "not found or not visible");
    transaction.commit();
    return all;
  }

  std::vector<std::uint8_t> read_file(std::int64_t document_id, int version,
                                      const Viewer& viewer) override {
    std::lock_guard lock(mutex_);
    SqliteTransaction transaction(db_);
    const auto document = visible_document(document_id, viewer);
    std::optional<DocumentVersion> wanted;
    if (document) {
      auto row = db_.query(
          "SELECT document_id, version, blob_sha256, size, media_type, reason, created_by, "
          "created_at FROM document_versions WHERE document_id = ? AND version = ?");
      row.bind(1, document_id).bind(2, version == 0 ? document->latest.version : version);
      if (row.step()) wanted = read_version(row);
    }
    const std::string subject = (document ? document->code : std::to_string(document_id)) + " v" +
                                std::to_string(wanted ? wanted->version : version);
    if (!wanted) {
      append_audit(viewer, "read-file", subject, "not found or not visible");
      transaction.commit();
      throw Error(ErrorCode::InputNotFound, "no such file version visible to " + viewer.agency);
    }
    std::vector<std::uint8_t> bytes;
    std::optional<Error> failure;
    try {
      bytes = options_.blobs->get(wanted->blob_sha256);
    } catch (const Error& error) {
      failure = error;
    }
    append_audit(viewer, "read-file", subject,
                 failure ? "failed: " + failure->message() : wanted->blob_sha256);
    transaction.commit();
    if (failure) throw *failure;
    return bytes;
  }

  std::vector<SearchHit> search(const SearchQuery& query, const Viewer& viewer) override {
    std::lock_guard lock(mutex_);
    SqliteTransaction transaction(db_);
    const auto scope = access_scope(viewer);
    const ParsedQuery parsed = parse_query(query.text);
    std::vector<std::string> text_parameters;
    std::string where;
    auto add = [&](const std::optional<std::string>& value, const char* condition) {
      if (!value) return;
      where += std::string(" AND ") + condition;
      text_parameters.push_back(*value);
    };
    add(query.dossier_code, "d.code = ?");
    add(query.personal_id, "d.personal_id = ?");
    add(query.procedure_code, "d.procedure_code = ?");
    add(query.document_class, "doc.document_class = ?");
    add(query.agency, "d.agency = ?");
    if (query.status) {
      add(std::string(1, static_cast<char>('0' + static_cast<int>(*query.status))),
          "d.status = CAST(? AS INTEGER)");
    }
    if (query.received_from) add(iso_date(*query.received_from), "d.received_on >= ?");
    if (query.received_to) add(iso_date(*query.received_to), "d.received_on <= ?");
    where += " AND ";
    scope.append_sql(where, text_parameters);

    const bool selective = query.dossier_code || query.personal_id;
    std::string sql =
        "SELECT p.id, p.page_number, p.text, doc.id, doc.code, doc.document_class, d.code, "
        "d.agency, d.personal_id, ";
    if (parsed.match.empty()) {
      sql +=
          "0 FROM dossiers d JOIN documents doc ON doc.dossier_id = d.id "
          "JOIN pages p ON p.document_id = doc.id WHERE 1" +
          where + " ORDER BY d.received_on DESC, p.id LIMIT ?";
    } else if (selective) {
      // Few dossiers: walk them and probe the index by rowid (FTS5 seeks).
      sql +=
          "bm25(page_index) FROM dossiers d CROSS JOIN documents doc CROSS JOIN pages p "
          "CROSS JOIN page_index WHERE doc.dossier_id = d.id AND p.document_id = doc.id "
          "AND page_index.rowid = p.id AND page_index MATCH ?" +
          where + " ORDER BY bm25(page_index) LIMIT ?";
    } else {
      sql +=
          "bm25(page_index) FROM page_index JOIN pages p ON p.id = page_index.rowid "
          "JOIN documents doc ON doc.id = p.document_id JOIN dossiers d ON d.id = "
          "doc.dossier_id WHERE page_index MATCH ?" +
          where + " ORDER BY bm25(page_index) LIMIT ?";
    }
    auto rows = db_.query(sql);
    int index = 1;
    if (!parsed.match.empty()) rows.bind(index++, parsed.match);
    for (const auto& parameter : text_parameters) rows.bind(index++, parameter);
    rows.bind(index, std::max(1, query.limit));
    std::vector<SearchHit> hits;
    while (rows.step()) {
      SearchHit hit;
      hit.page_id = rows.integer(0);
      hit.page_number = static_cast<int>(rows.integer(1));
      hit.snippet = make_snippet(rows.text(2), parsed);
      hit.document_id = rows.integer(3);
      hit.document_code = rows.text(4);
      hit.document_class = rows.text(5);
      hit.dossier_code = rows.text(6);
      hit.agency = rows.text(7);
      hit.personal_id = rows.text(8);
      hit.score = rows.real(9);
      hits.push_back(std::move(hit));
    }
    append_audit(viewer, "search", describe(query), std::to_string(hits.size()) + " hits");
    transaction.commit();
    return hits;
  }

  std::vector<ReusableDocument> find_reusable_documents(std::string_view personal_id,
                                                        const Viewer& viewer) override {
    std::lock_guard lock(mutex_);
    SqliteTransaction transaction(db_);
    const auto scope = access_scope(viewer);
    std::vector<ReusableDocument> found;
    auto rows = db_.query(
        "SELECT doc.id, d.received_on, d.procedure_code FROM dossiers d "
        "JOIN documents doc ON doc.dossier_id = d.id WHERE d.personal_id = ? "
        "ORDER BY d.received_on DESC, doc.id DESC");
    rows.bind(1, personal_id);
    std::vector<std::tuple<std::int64_t, std::string, std::string>> candidates;
    while (rows.step()) candidates.emplace_back(rows.integer(0), rows.text(1), rows.text(2));
    for (const auto& [id, received_on, procedure] : candidates) {
      auto document = load_document(id);
      if (!document) continue;
      auto provenance = scope.provenance(document->agency, document->dossier_code,
                                         document->metadata.document_class);
      if (provenance.empty()) continue;
      found.push_back(
          {std::move(*document), parse_iso_date(received_on), procedure, std::move(provenance)});
    }
    append_audit(
        viewer, "find-reusable", std::string(personal_id),
        std::to_string(found.size()) + " of " + std::to_string(candidates.size()) + " documents");
    transaction.commit();
    return found;
  }

  Grant grant(const Grant& grant, const Viewer& by) override {
    std::lock_guard lock(mutex_);
    if (grant.grantor_agency != by.agency) {
      throw denied(by.agency + " cannot share the dossiers of " + grant.grantor_agency);
    }
    if (grant.grantee_agency.empty() || grant.grantee_agency == grant.grantor_agency) {
      throw Error(ErrorCode::InvalidArgument, "a grant needs another agency as grantee");
    }
    if ((grant.scope == GrantScope::All) != grant.scope_value.empty()) {
      throw Error(ErrorCode::InvalidArgument, "a class or dossier grant names its scope");
    }
    SqliteTransaction transaction(db_);
    db_.query(
           "INSERT INTO grants(grantor_agency, grantee_agency, scope, scope_value, expires_at, "
           "created_by, created_at) VALUES(?, ?, ?, ?, ?, ?, ?)")
        .bind(1, grant.grantor_agency)
        .bind(2, grant.grantee_agency)
        .bind(3, static_cast<int>(grant.scope))
        .bind(4, grant.scope_value)
        .bind(5, millis(grant.expires_at))
        .bind(6, by.account)
        .bind(7, millis(options_.now()))
        .run();
    Grant stored = grant;
    stored.id = db_.last_insert_id();
    stored.revoked = false;
    append_audit(by, "grant", "#" + std::to_string(stored.id) + " to " + grant.grantee_agency,
                 grant.scope_value.empty() ? "all" : grant.scope_value);
    transaction.commit();
    return stored;
  }

  void revoke_grant(std::int64_t grant_id, const Viewer& by) override {
    std::lock_guard lock(mutex_);
    SqliteTransaction transaction(db_);
    auto update = db_.query("UPDATE grants SET revoked = 1 WHERE id = ? AND grantor_agency = ?");
    update.bind(1, grant_id).bind(2, by.agency).run();
    append_audit(by, "revoke-grant", "#" + std::to_string(grant_id), "revoked");
    transaction.commit();
  }

  std::vector<Grant> grants(const Viewer& viewer) override {
    std::lock_guard lock(mutex_);
    SqliteTransaction transaction(db_);
    std::vector<Grant> all;
    auto rows = db_.query(
        "SELECT id, grantor_agency, grantee_agency, scope, scope_value, expires_at, revoked "
        "FROM grants WHERE grantor_agency = ?1 OR grantee_agency = ?1 ORDER BY id");
    rows.bind(1, viewer.agency);
    while (rows.step()) all.push_back(read_grant(rows));
    append_audit(viewer, "list-grants", viewer.agency, std::to_string(all.size()) + " grants");
    transaction.commit();
    return all;
  }

  std::vector<AuditRecord> audit_log(const Viewer& auditor, std::int64_t after,
                                     int limit) override {
    std::lock_guard lock(mutex_);
    if (auditor.role != Role::Auditor) throw denied("the audit log is for auditors");
    SqliteTransaction transaction(db_);
    std::vector<AuditRecord> records;
    auto rows = db_.query(
        "SELECT sequence, at_ms, agency, role, account, action, subject, outcome, previous_hash, "
        "hash FROM audit_log WHERE sequence > ? ORDER BY sequence LIMIT ?");
    rows.bind(1, after).bind(2, limit);
    while (rows.step()) {
      records.push_back({rows.integer(0), rows.integer(1), rows.text(2), rows.text(3), rows.text(4),
                         rows.text(5), rows.text(6), rows.text(7), rows.text(8), rows.text(9)});
    }
    append_audit(auditor, "read-audit-log", "after " + std::to_string(after),
                 std::to_string(records.size()) + " records");
    transaction.commit();
    return records;
  }

  AuditVerdict verify_audit_chain() override {
    std::lock_guard lock(mutex_);
    return verify_chain(db_);
  }

 private:
  static std::string describe(const SearchQuery& query) {
    std::string text = "text=" + query.text;
    auto add = [&](const char* name, const std::optional<std::string>& value) {
      if (value) text += std::string("; ") + name + "=" + *value;
    };
    add("dossier", query.dossier_code);
    add("personal_id", query.personal_id);
    add("procedure", query.procedure_code);
    add("class", query.document_class);
    add("agency", query.agency);
    if (query.status) text += "; status=" + std::string(to_string(*query.status));
    if (query.received_from) text += "; from=" + iso_date(*query.received_from);
    if (query.received_to) text += "; to=" + iso_date(*query.received_to);
    return text;
  }

  // Inside the caller's transaction, so a read and its record commit together.
  void append_audit(const Viewer& viewer, std::string action, std::string subject,
                    std::string outcome) {
    AuditRecord record;
    auto last = db_.query("SELECT sequence, hash FROM audit_log ORDER BY sequence DESC LIMIT 1");
    if (last.step()) {
      record.sequence = last.integer(0) + 1;
      record.previous_hash = last.text(1);
    } else {
      record.sequence = 1;
      record.previous_hash = kGenesisHash;
    }
    last.run();
    record.at_ms = millis(options_.now());
    record.agency = viewer.agency;
    record.role = std::string(to_string(viewer.role));
    record.account = viewer.account;
    record.action = std::move(action);
    record.subject = std::move(subject);
    record.outcome = std::move(outcome);
    record.hash = audit_hash(record);
    db_.query(
           "INSERT INTO audit_log(sequence, at_ms, agency, role, account, action, subject, "
           "outcome, previous_hash, hash) VALUES(?,?,?,?,?,?,?,?,?,?)")
        .bind(1, record.sequence)
        .bind(2, record.at_ms)
        .bind(3, record.agency)
        .bind(4, record.role)
        .bind(5, record.account)
        .bind(6, record.action)
        .bind(7, record.subject)
        .bind(8, record.outcome)
        .bind(9, record.previous_hash)
        .bind(10, record.hash)
        .run();
  }

  AccessScope access_scope(const Viewer& viewer) {
    std::vector<Grant> active;
    auto rows = db_.query(
        "SELECT id, grantor_agency, grantee_agency, scope, scope_value, expires_at, revoked "
        "FROM grants WHERE grantee_agency = ? AND revoked = 0 AND expires_at > ? ORDER BY id");
    rows.bind(1, viewer.agency).bind(2, millis(options_.now()));
    while (rows.step()) active.push_back(read_grant(rows));
    return {viewer, std::move(active)};
  }

  bool dossier_visible(const Dossier& dossier, const AccessScope& scope) {
    if (scope.covers(dossier.agency, dossier.code, "")) return true;
    if (!scope.has_class_grant_from(dossier.agency)) return false;
    auto classes = db_.query("SELECT DISTINCT document_class FROM documents WHERE dossier_id = ?");
    classes.bind(1, dossier.id);
    bool visible = false;
    while (classes.step()) {
      visible = visible || scope.covers(dossier.agency, dossier.code, classes.text(0));
    }
    return visible;
  }

  std::optional<Document> visible_document(std::int64_t document_id, const Viewer& viewer) {
    auto document = load_document(document_id);
    if (!document) return std::nullopt;
    const auto scope = access_scope(viewer);
    if (!scope.covers(document->agency, document->dossier_code,
                      document->metadata.document_class)) {
      return std::nullopt;
    }
    return document;
  }

  static Grant read_grant(const SqliteQuery& rows) {
    Grant grant;
    grant.id = rows.integer(0);
    grant.grantor_agency = rows.text(1);
    grant.grantee_agency = rows.text(2);
    grant.scope = static_cast<GrantScope>(rows.integer(3));
    grant.scope_value = rows.text(4);
    grant.expires_at = SystemTime(std::chrono::milliseconds(rows.integer(5)));
    grant.revoked = rows.integer(6) != 0;
    return grant;
  }

  static DocumentVersion read_version(const SqliteQuery& rows) {
    return {rows.integer(0), static_cast<int>(rows.integer(1)),
            rows.text(2),    static_cast<std::uint64_t>(rows.integer(3)),
            rows.text(4),    rows.text(5),
            rows.text(6),    rows.integer(7)};
  }

  void insert_version(std::int64_t document_id, int version, const BlobRef& blob,
                      const std::string& media_type, const std::string& reason, const Viewer& by,
                      std::int64_t now) {
    db_.query(
           "INSERT INTO document_versions(document_id, version, blob_sha256, size, media_type, "
           "reason, created_by, created_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(1, document_id)
        .bind(2, version)
        .bind(3, blob.sha256)
        .bind(4, static_cast<std::int64_t>(blob.size))
        .bind(5, media_type)
        .bind(6, reason)
        .bind(7, by.account.empty() ? by.agency : by.agency + "/" + by.account)
        .bind(8, now)
        .run();
  }

  void record_status(std::int64_t dossier_id, DossierStatus status, const Viewer& by,
                     std::int64_t now) {
    db_.query("INSERT INTO status_history(dossier_id, status, at, account) VALUES(?, ?, ?, ?)")
        .bind(1, dossier_id)
        .bind(2, static_cast<int>(status))
        .bind(3, now)
        .bind(4, by.account)
        .run();
  }

  std::optional<Dossier> load_dossier(std::string_view code) {
    auto row = db_.query(
        "SELECT id, code, unit_code, agency, received_on, due_on, procedure_code, title, "
        "applicant_name, personal_id, status FROM dossiers WHERE code = ?");
    row.bind(1, code);
    if (!row.step()) return std::nullopt;
    Dossier dossier;
    dossier.id = row.integer(0);
    dossier.code = row.text(1);
    dossier.unit_code = row.text(2);
    dossier.agency = row.text(3);
    dossier.received_on = parse_iso_date(row.text(4));
    dossier.due_on = parse_iso_date(row.text(5));
    dossier.procedure_code = row.text(6);
    dossier.title = row.text(7);
    dossier.applicant_name = row.text(8);
    dossier.personal_id = row.text(9);
    dossier.status = static_cast<DossierStatus>(row.integer(10));
    return dossier;
  }

  std::optional<Document> load_document(std::int64_t id) {
    auto row = db_.query(
        "SELECT doc.id, doc.code, d.code, d.agency, doc.document_class, doc.number_symbol, "
        "doc.issued_on, doc.document_type, doc.issuing_agency, doc.summary, doc.signer, "
        "doc.language, doc.confidence_level, doc.notes, doc.page_count, v.document_id, v.version, "
        "v.blob_sha256, v.size, v.media_type, v.reason, v.created_by, v.created_at "
        "FROM documents doc JOIN dossiers d ON d.id = doc.dossier_id "
        "JOIN document_versions v ON v.document_id = doc.id WHERE doc.id = ? "
        "ORDER BY v.version DESC LIMIT 1");
    row.bind(1, id);
    if (!row.step()) return std::nullopt;
    Document document;
    document.id = row.integer(0);
    document.code = row.text(1);
    document.dossier_code = row.text(2);
    document.agency = row.text(3);
    auto& m = document.metadata;
    m.document_class = row.text(4);
    m.number_symbol = row.text(5);
    m.issued_on = row.text(6);
    m.document_type = row.text(7);
    m.issuing_agency = row.text(8);
    m.summary = row.text(9);
    m.signer = row.text(10);
    m.language = row.text(11);
    m.confidence_level = row.text(12);
    m.notes = row.text(13);
    document.page_count = static_cast<int>(row.integer(14));
    document.latest = {row.integer(15), static_cast<int>(row.integer(16)),
                       row.text(17),    static_cast<std::uint64_t>(row.integer(18)),
                       row.text(19),    row.text(20),
                       row.text(21),    row.integer(22)};
    row.run();
    return document;
  }

  SqliteRegistryOptions options_;
  SqliteConnection db_;
  std::mutex mutex_;
};

}  // namespace

std::unique_ptr<Registry> open_sqlite_registry(SqliteRegistryOptions options) {
  return std::make_unique<SqliteRegistry>(std::move(options));
}

AuditVerdict verify_sqlite_audit_chain(const std::filesystem::path& database) {
  if (!std::filesystem::exists(database)) {
    throw Error(ErrorCode::InputNotFound, "no registry database", {database.string()});
  }
  SqliteConnection db(database, 10000);
  return verify_chain(db);
}

}  // namespace sohoa::storage
