// The SQLite Registry. Talks to SQLite only through sqlite_connection.hpp.
#include "sohoa/storage/sqlite_registry.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <set>
#include <utility>
#include <variant>

#include "registry_shared.hpp"
#include "sohoa/core/error.hpp"
#include "sohoa/core/identifiers.hpp"
#include "sohoa/storage/text_folding.hpp"
#include "sqlite_connection.hpp"

namespace sohoa::storage {

namespace {

using detail::AccessScope;
using detail::ParsedQuery;
using detail::SqliteConnection;
using detail::SqliteQuery;
using detail::SqliteTransaction;

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
-- Folded text only (our folding, see text_folding.hpp) in `body`; `facets` holds
-- one token per fixed property of the page (agency, class, dossier, person,
-- procedure, month received) so the index itself narrows a search to what the
-- viewer may see and to the filters. Snippets and ranking read pages.text, so
-- the index keeps no copy of the content and no column sizes. Its rowid is
-- minus the page's id: FTS5 scans ascending rowids markedly faster than
-- descending ones, and a search wants the newest pages first.
CREATE VIRTUAL TABLE IF NOT EXISTS page_search USING fts5(
  body, facets, content='', columnsize=0, tokenize='unicode61 remove_diacritics 0');
-- bm25's statistics, kept as pages are indexed: pages per folded word, and totals.
CREATE TABLE IF NOT EXISTS search_terms(
  term TEXT PRIMARY KEY, pages INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS search_totals(
  id INTEGER PRIMARY KEY CHECK(id = 1), pages INTEGER NOT NULL, words INTEGER NOT NULL);
INSERT OR IGNORE INTO search_totals(id, pages, words) VALUES(1, 0, 0);
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
-- A person's corrections of a document's class and metadata (documents holds
-- the values as corrected): each changed field with its old value, append-only,
-- so the machine's values are the old value of each field's first correction.
CREATE TABLE IF NOT EXISTS document_corrections(
  id INTEGER PRIMARY KEY,
  document_id INTEGER NOT NULL REFERENCES documents(id),
  field TEXT NOT NULL,
  old_value TEXT NOT NULL,
  new_value TEXT NOT NULL,
  reason TEXT NOT NULL,
  corrected_by TEXT NOT NULL,
  at_ms INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS document_corrections_by_document ON document_corrections(document_id);
CREATE TRIGGER IF NOT EXISTS corrections_no_update BEFORE UPDATE ON document_corrections
  BEGIN SELECT RAISE(ABORT, 'corrections are never overwritten'); END;
CREATE TRIGGER IF NOT EXISTS corrections_no_delete BEFORE DELETE ON document_corrections
  BEGIN SELECT RAISE(ABORT, 'corrections are never deleted'); END;
CREATE TRIGGER IF NOT EXISTS versions_no_update BEFORE UPDATE ON document_versions
  BEGIN SELECT RAISE(ABORT, 'file versions are never overwritten'); END;
CREATE TRIGGER IF NOT EXISTS versions_no_delete BEFORE DELETE ON document_versions
  BEGIN SELECT RAISE(ABORT, 'file versions are never deleted'); END;
)sql";

// Bumped when page_search's content changes; an older registry is re-indexed on open.
constexpr std::string_view kSearchIndexVersion = "2";
// A text search ranks at most this many matching pages, the newest (see docs/registry.md).
constexpr int kRankingWindow = 1000;

// One index token for a fixed property of a page, in the `facets` column: the kind
// letter and the value in hex, so any code or class is one token the tokenizer
// keeps whole and no typed word (searched in `body` only) can meet it.
std::string facet(char kind, std::string_view value) {
  static constexpr std::string_view kHex = "0123456789abcdef";
  std::string token = "f";
  token += kind;
  for (const char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    token += kHex[byte >> 4U];
    token += kHex[byte & 15U];
  }
  return token;
}

std::string quoted_facet(char kind, std::string_view value) {
  return '"' + facet(kind, value) + '"';
}

// The properties of a page that never change once it is filed.
struct PageFacts {
  std::string agency, dossier_code, personal_id, procedure_code, received_on, document_class;
};

std::string facet_text(const PageFacts& facts) {
  return facet('a', facts.agency) + ' ' + facet('c', facts.agency + '\n' + facts.document_class) +
         ' ' + facet('k', facts.document_class) + ' ' + facet('d', facts.dossier_code) + ' ' +
         facet('i', facts.personal_id) + ' ' + facet('p', facts.procedure_code) + ' ' +
         facet('m', facts.received_on.substr(0, 7));
}

AuditVerdict verify_chain(SqliteConnection& db) {
  auto rows = db.query(std::string("SELECT ") + detail::kAuditColumns +
                       " FROM audit_log ORDER BY sequence");
  return detail::verify_audit_records([&]() -> std::optional<AuditRecord> {
    if (!rows.step()) return std::nullopt;
    return detail::read_audit(rows);
  });
}

// The viewer's scope (AccessScope) as an FTS5 condition on the `facets` column:
// an index-side narrowing; the SQL rule is still applied to every row it lets through.
std::string facet_match(const AccessScope& scope) {
  std::string match = "(" + quoted_facet('a', scope.viewer().agency);
  for (const auto& grant : scope.grants()) {
    switch (grant.scope) {
      case GrantScope::All:
        match += " OR " + quoted_facet('a', grant.grantor_agency);
        break;
      case GrantScope::Dossier:
        match += " OR " + quoted_facet('d', grant.scope_value);
        break;
      case GrantScope::DocumentClass:
        match += " OR " + quoted_facet('c', grant.grantor_agency + '\n' + grant.scope_value);
        break;
    }
  }
  return match + ")";
}

// A parsed query (registry_shared.hpp) as an FTS5 expression over folded text:
// every group one quoted term (so nothing the user types is FTS syntax), a phrase
// kept whole, a prefix group's term followed by `*`.
std::string fts5_match(const ParsedQuery& parsed) {
  std::string match;
  for (const auto& group : parsed.groups) {
    if (!match.empty()) match += ' ';
    match += '"';
    for (std::size_t i = 0; i < group.words.size(); ++i) match += (i ? " " : "") + group.words[i];
    match += group.prefix ? "\"*" : "\"";
  }
  return match;
}

// The months ("YYYY-MM") a closed date range touches, as facet tokens ORed; empty
// when the range is open or long (then only the SQL condition applies).
std::string month_facets(const SearchQuery& query) {
  constexpr int kMaxMonths = 36;
  if (!query.received_from || !query.received_to) return {};
  const auto from = iso_date(*query.received_from);
  const auto to = iso_date(*query.received_to);
  // Months counted from year 0: 12 * year + (month - 1).
  auto month_number = [](const std::string& date) {
    return std::stoi(date.substr(0, 4)) * 12 + std::stoi(date.substr(5, 2)) - 1;
  };
  const int first = month_number(from);
  const int last = month_number(to);
  if (first > last || last - first >= kMaxMonths) return {};
  std::string match = "(";
  for (int month = first; month <= last; ++month) {
    if (month > first) match += " OR ";
    match +=
        quoted_facet('m', std::to_string(month / 12) + "-" + detail::two_digits(month % 12 + 1));
  }
  return match + ")";
}

// A filed page's id and text, to index it again under a corrected class.
struct IndexedPage {
  std::int64_t id;
  std::string text;
};

// Writes pages to the search index and keeps bm25's statistics (pages per word,
// total pages and words) in step; `flush` before the transaction commits.
class SearchIndexWriter {
 public:
  explicit SearchIndexWriter(SqliteConnection& db) : db_(db) {}

  void add(std::int64_t page_id, const std::string& text, const PageFacts& facts) {
    const auto folded = fold_for_search(text);
    db_.query("INSERT INTO page_search(rowid, body, facets) VALUES(?, ?, ?)")
        .bind(1, -page_id)
        .bind(2, folded)
        .bind(3, facet_text(facts))
        .run();
    auto words = search_words(folded);
    ++pages_;
    words_ += static_cast<std::int64_t>(words.size());
    std::sort(words.begin(), words.end());
    words.erase(std::unique(words.begin(), words.end()), words.end());
    for (auto& word : words) ++pages_per_term_[std::move(word)];
  }

  // A page's index row exchanged for one with other facts (its words unchanged,
  // so bm25's statistics stay): FTS5's 'delete' with exactly what was indexed.
  void replace_facets(std::int64_t page_id, const std::string& text, const PageFacts& old_facts,
                      const PageFacts& new_facts) {
    const auto folded = fold_for_search(text);
    db_.query("INSERT INTO page_search(page_search, rowid, body, facets) VALUES('delete', ?, ?, ?)")
        .bind(1, -page_id)
        .bind(2, folded)
        .bind(3, facet_text(old_facts))
        .run();
    db_.query("INSERT INTO page_search(rowid, body, facets) VALUES(?, ?, ?)")
        .bind(1, -page_id)
        .bind(2, folded)
        .bind(3, facet_text(new_facts))
        .run();
  }

  void flush() {
    for (const auto& [term, pages] : pages_per_term_) {
      db_.query(
             "INSERT INTO search_terms(term, pages) VALUES(?, ?) "
             "ON CONFLICT(term) DO UPDATE SET pages = pages + excluded.pages")
          .bind(1, term)
          .bind(2, pages)
          .run();
    }
    db_.query("UPDATE search_totals SET pages = pages + ?, words = words + ? WHERE id = 1")
        .bind(1, pages_)
        .bind(2, words_)
        .run();
    pages_per_term_.clear();
    pages_ = words_ = 0;
  }

 private:
  SqliteConnection& db_;
  std::map<std::string, std::int64_t> pages_per_term_;
  std::int64_t pages_ = 0;
  std::int64_t words_ = 0;
};

// Okapi BM25 as FTS5's bm25() computes it (k1 = 1.2, b = 0.75, negated: lower is
// better), over our folded words: a phrase counts as its words, a prefix as every
// word it starts. Computed here from the page text and search_terms because
// FTS5's bm25() re-reads each term's whole posting list per query to count it.
class Bm25 {
 public:
  Bm25(SqliteConnection& db, const ParsedQuery& query) {
    auto totals = db.query("SELECT pages, words FROM search_totals WHERE id = 1");
    if (totals.step()) {
      pages_ = static_cast<double>(totals.integer(0));
      average_length_ = pages_ > 0 ? static_cast<double>(totals.integer(1)) / pages_ : 1;
    }
    totals.run();
    std::set<std::string> seen;
    for (const auto& word : query.words) {
      if (!seen.insert(word).second) continue;
      auto count = db.query("SELECT pages FROM search_terms WHERE term = ?");
      count.bind(1, word);
      terms_.push_back({word, false, idf(count.step() ? count.integer(0) : 0)});
      count.run();
    }
    for (const auto& prefix : query.prefixes) {
      if (!seen.insert(prefix + "*").second) continue;
      std::string end = prefix;
      end.back() = static_cast<char>(end.back() + 1);
      auto count = db.query("SELECT total(pages) FROM search_terms WHERE term >= ? AND term < ?");
      count.bind(1, prefix).bind(2, end);
      count.step();
      terms_.push_back({prefix, true, idf(static_cast<std::int64_t>(count.real(0)))});
      count.run();
    }
  }

  [[nodiscard]] double score(const std::string& text) const {
    constexpr double kK1 = 1.2;
    constexpr double kB = 0.75;
    const auto words = search_words(fold_for_search(text));
    const double length_factor =
        kK1 * (1 - kB + kB * static_cast<double>(words.size()) / average_length_);
    double score = 0;
    for (const auto& term : terms_) {
      const auto frequency = static_cast<double>(
          std::count_if(words.begin(), words.end(), [&](const std::string& word) {
            return term.prefix ? word.starts_with(term.text) : word == term.text;
          }));
      score += term.idf * frequency * (kK1 + 1) / (frequency + length_factor);
    }
    return -score;
  }

 private:
  struct Term {
    std::string text;
    bool prefix;
    double idf;
  };

  [[nodiscard]] double idf(std::int64_t pages_with_term) const {
    const double hits = std::min(pages_, static_cast<double>(pages_with_term));
    const double idf = std::log((pages_ - hits + 0.5) / (hits + 0.5));
    return idf > 0 ? idf : 1e-6;
  }

  double pages_ = 0;
  double average_length_ = 1;
  std::vector<Term> terms_;
};

class SqliteRegistry final : public Registry {
 public:
  explicit SqliteRegistry(SqliteRegistryOptions options)
      : options_(std::move(options)),
        db_(options_.database, static_cast<int>(options_.busy_timeout.count())) {
    if (!options_.blobs) throw Error(ErrorCode::InvalidArgument, "the registry needs a blob store");
    SqliteTransaction transaction(db_);
    db_.execute(kSchema);
    auto version = db_.query("SELECT value FROM registry_meta WHERE key = 'search_index'");
    const bool current = version.step() && version.text(0) == kSearchIndexVersion;
    version.run();
    if (!current) rebuild_search_index();
    transaction.commit();
  }

  Receipt receive_dossier(const DossierIntake& intake, const Viewer& by) override {
    std::lock_guard lock(mutex_);
    if (intake.unit_code.empty()) throw Error(ErrorCode::InvalidArgument, "no receiving unit code");
    detail::check_intake(intake, by);
    const Date received = intake.received_on;
    const Date due = options_.holidays.due_date(received, intake.processing_working_days);
    const auto day = iso_date(received);
    const auto preprinted = detail::check_preprinted_code(intake);

    SqliteTransaction transaction(db_);
    std::string code;
    if (!preprinted) {
      auto counter = db_.query(
          "INSERT INTO daily_counters(unit_code, day, last_sequence) VALUES(?, ?, 1) "
          "ON CONFLICT(unit_code, day) DO UPDATE SET last_sequence = last_sequence + 1 "
          "RETURNING last_sequence");
      counter.bind(1, intake.unit_code).bind(2, day);
      counter.step();
      code = format_dossier_code(intake.unit_code, received, static_cast<int>(counter.integer(0)));
      counter.run();
    } else {
      code = preprinted->text();
      // Later generated codes continue after the pre-printed number.
      db_.query(
             "INSERT INTO daily_counters(unit_code, day, last_sequence) VALUES(?, ?, ?) "
             "ON CONFLICT(unit_code, day) DO UPDATE SET "
             "last_sequence = max(last_sequence, excluded.last_sequence)")
          .bind(1, intake.unit_code)
          .bind(2, day)
          .bind(3, preprinted->sequence)
          .run();
    }
    const auto now = detail::millis(options_.now());
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
    receipt.qr_payload = detail::receipt_qr_payload(code, intake, due);
    return receipt;
  }

  Dossier advance_status(std::string_view dossier_code, DossierStatus to,
                         const Viewer& by) override {
    std::lock_guard lock(mutex_);
    SqliteTransaction transaction(db_);
    auto dossier = load_dossier(dossier_code);
    if (!dossier || dossier->agency != by.agency) {
      throw detail::access_denied(std::string(dossier_code) + " is not a dossier of " + by.agency);
    }
    detail::check_status_step(dossier->status, to);
    db_.query("UPDATE dossiers SET status = ? WHERE id = ?")
        .bind(1, static_cast<int>(to))
        .bind(2, dossier->id)
        .run();
    record_status(dossier->id, to, by, detail::millis(options_.now()));
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
      throw detail::access_denied(std::string(dossier_code) + " is not a dossier of " + by.agency);
    }
    auto counts = db_.query("SELECT document_count, result_count FROM dossiers WHERE id = ?");
    counts.bind(1, dossier->id).step();
    const int documents = static_cast<int>(counts.integer(0));
    const int results = static_cast<int>(counts.integer(1));
    counts.run();
    const std::string code = detail::document_code(dossier->code, document.is_result,
                                                   (document.is_result ? results : documents) + 1);
    db_.query(document.is_result
                  ? "UPDATE dossiers SET result_count = result_count + 1 WHERE id = ?"
                  : "UPDATE dossiers SET document_count = document_count + 1 "
                    "WHERE id = ?")
        .bind(1, dossier->id)
        .run();
    const auto now = detail::millis(options_.now());
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
    const PageFacts facts{dossier->agency,
                          dossier->code,
                          dossier->personal_id,
                          dossier->procedure_code,
                          iso_date(dossier->received_on),
                          m.document_class};
    std::vector<std::int64_t> page_ids;
    for (std::size_t page = 0; page < document.page_texts.size(); ++page) {
      db_.query("INSERT INTO pages(document_id, page_number, text) VALUES(?, ?, ?)")
          .bind(1, document_id)
          .bind(2, static_cast<std::int64_t>(page + 1))
          .bind(3, document.page_texts[page])
          .run();
      page_ids.push_back(db_.last_insert_id());
    }
    // Last page first: index rowids (minus the page ids) then ascend, as FTS5
    // wants within a transaction (a smaller rowid makes it write out a segment).
    SearchIndexWriter index(db_);
    for (std::size_t page = page_ids.size(); page-- > 0;) {
      index.add(page_ids[page], document.page_texts[page], facts);
    }
    index.flush();
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
      throw detail::access_denied("document " + std::to_string(document_id) + " is not one of " +
                                  by.agency);
    }
    const int version = document->latest.version + 1;
    const auto now = detail::millis(options_.now());
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
      if (document && scope.covers(*document)) {
        visible.push_back(std::move(*document));
      }
    }
    append_audit(viewer, "list-documents", std::string(dossier_code),
                 std::to_string(visible.size()) + " of " + std::to_string(document_ids.size()));
    transaction.commit();
    return visible;
  }

  Document correct_document(std::int64_t document_id, const DocumentCorrection& correction,
                            const Viewer& by) override {
    detail::check_correction(correction);
    std::lock_guard lock(mutex_);
    SqliteTransaction transaction(db_);
    const auto document = visible_document(document_id, by);
    if (!document) {
      append_audit(by, "correct-document", std::to_string(document_id), "not found or not visible");
      transaction.commit();
      throw Error(ErrorCode::InputNotFound, "no such document visible to " + by.agency);
    }
    if (!detail::may_correct(*document, by)) {
      append_audit(by, "correct-document", document->code, "denied");
      transaction.commit();
      throw detail::access_denied("only the counter or records officers of " + document->agency +
                                  " correct " + document->code);
    }
    const auto changes =
        detail::plan_correction(document->metadata, correction, by, detail::millis(options_.now()));
    DocumentMetadata corrected = document->metadata;
    std::string outcome;
    for (const auto& change : changes) {
      db_.query(
             "INSERT INTO document_corrections(document_id, field, old_value, new_value, reason, "
             "corrected_by, at_ms) VALUES(?, ?, ?, ?, ?, ?, ?)")
          .bind(1, document_id)
          .bind(2, change.field)
          .bind(3, change.old_value)
          .bind(4, change.new_value)
          .bind(5, change.reason)
          .bind(6, change.corrected_by)
          .bind(7, change.at_ms)
          .run();
      detail::set_metadata_field(corrected, change.field, change.new_value);
      outcome += (outcome.empty() ? "" : ", ") + change.field;
    }
    const auto& m = corrected;
    db_.query(
           "UPDATE documents SET document_class = ?, number_symbol = ?, issued_on = ?, "
           "document_type = ?, issuing_agency = ?, summary = ?, signer = ?, notes = ? "
           "WHERE id = ?")
        .bind(1, m.document_class)
        .bind(2, m.number_symbol)
        .bind(3, m.issued_on)
        .bind(4, m.document_type)
        .bind(5, m.issuing_agency)
        .bind(6, m.summary)
        .bind(7, m.signer)
        .bind(8, m.notes)
        .bind(9, document_id)
        .run();
    if (m.document_class != document->metadata.document_class) {
      // The pages' class facets follow the class, so the class filter finds them.
      auto dossier = load_dossier(document->dossier_code);
      PageFacts old_facts{dossier->agency,
                          dossier->code,
                          dossier->personal_id,
                          dossier->procedure_code,
                          iso_date(dossier->received_on),
                          document->metadata.document_class};
      PageFacts new_facts = old_facts;
      new_facts.document_class = m.document_class;
      std::vector<IndexedPage> pages;
      auto rows = db_.query("SELECT id, text FROM pages WHERE document_id = ? ORDER BY id DESC");
      rows.bind(1, document_id);
      while (rows.step()) pages.push_back({rows.integer(0), rows.text(1)});
      SearchIndexWriter index(db_);
      for (const auto& page : pages) index.replace_facets(page.id, page.text, old_facts, new_facts);
    }
    append_audit(by, "correct-document", document->code, "corrected " + outcome);
    transaction.commit();
    return *load_document(document_id);
  }

  std::vector<DocumentVersion> versions(std::int64_t document_id, const Viewer& viewer) override {
    std::lock_guard lock(mutex_);
    SqliteTransaction transaction(db_);
    const auto document = visible_document(document_id, viewer);
    std::vector<DocumentVersion> all;
    if (document) {
      auto rows = db_.query(std::string("SELECT ") + detail::kVersionColumns +
                            " FROM document_versions WHERE document_id = ? ORDER BY version");
      rows.bind(1, document_id);
      while (rows.step()) all.push_back(detail::read_version(rows));
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
      auto row = db_.query(std::string("SELECT ") + detail::kVersionColumns +
                           " FROM document_versions WHERE document_id = ? AND version = ?");
      row.bind(1, document_id).bind(2, version == 0 ? document->latest.version : version);
      if (row.step()) wanted = detail::read_version(row);
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
    const ParsedQuery parsed = detail::parse_search_text(query.text);
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
    scope.append_sql(where, text_parameters, [] { return std::string("?"); });

    const int limit = std::max(1, query.limit);
    const std::string columns = std::string("SELECT ") + detail::kSearchHitColumns + " ";
    std::string sql;
    std::string match;
    if (parsed.groups.empty()) {
      sql = columns +
            "FROM dossiers d JOIN documents doc ON doc.dossier_id = d.id "
            "JOIN pages p ON p.document_id = doc.id WHERE 1" +
            where + " ORDER BY d.received_on DESC, p.id LIMIT ?";
    } else {
      // The index narrows by scope and filters itself (facets), newest page
      // first, and stops after the ranking window; the SQL conditions still
      // decide every row.
      match = "body : (" + fts5_match(parsed) + ") AND facets : " + facet_match(scope);
      auto narrow = [&](const std::optional<std::string>& value, char kind) {
        if (value) match += " AND facets : " + quoted_facet(kind, *value);
      };
      narrow(query.dossier_code, 'd');
      narrow(query.personal_id, 'i');
      narrow(query.procedure_code, 'p');
      narrow(query.document_class, 'k');
      narrow(query.agency, 'a');
      if (const auto months = month_facets(query); !months.empty()) {
        match += " AND facets : " + months;
      }
      sql = columns +
            "FROM page_search CROSS JOIN pages p CROSS JOIN documents doc CROSS JOIN dossiers d "
            "WHERE page_search MATCH ? AND p.id = -page_search.rowid AND doc.id = p.document_id "
            "AND d.id = doc.dossier_id" +
            where + " ORDER BY page_search.rowid LIMIT ?";
    }
    auto rows = db_.query(sql);
    int index = 1;
    if (!match.empty()) rows.bind(index++, match);
    for (const auto& parameter : text_parameters) rows.bind(index++, parameter);
    rows.bind(index, match.empty() ? limit : kRankingWindow);
    struct Candidate {
      SearchHit hit;
      std::string text;
    };
    std::vector<Candidate> candidates;
    while (rows.step()) {
      candidates.push_back({detail::read_search_hit(rows), rows.text(2)});
    }
    const bool window_full =
        !match.empty() && candidates.size() == static_cast<std::size_t>(kRankingWindow);
    if (!match.empty()) {
      const Bm25 bm25(db_, parsed);
      for (auto& candidate : candidates) candidate.hit.score = bm25.score(candidate.text);
      // Best first; among equals, the newest page.
      std::stable_sort(
          candidates.begin(), candidates.end(),
          [](const Candidate& a, const Candidate& b) { return a.hit.score < b.hit.score; });
    }
    if (candidates.size() > static_cast<std::size_t>(limit)) {
      candidates.resize(static_cast<std::size_t>(limit));
    }
    std::vector<SearchHit> hits;
    for (auto& candidate : candidates) {
      candidate.hit.snippet = detail::make_snippet(candidate.text, parsed);
      hits.push_back(std::move(candidate.hit));
    }
    append_audit(viewer, "search", detail::describe_search(query),
                 std::to_string(hits.size()) + " hits" +
                     (window_full ? " (ranked among the newest " + std::to_string(kRankingWindow) +
                                        " matches)"
                                  : ""));
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
      auto provenance = scope.provenance(*document);
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
    detail::check_new_grant(grant, by);
    SqliteTransaction transaction(db_);
    db_.query(
           "INSERT INTO grants(grantor_agency, grantee_agency, scope, scope_value, expires_at, "
           "created_by, created_at) VALUES(?, ?, ?, ?, ?, ?, ?)")
        .bind(1, grant.grantor_agency)
        .bind(2, grant.grantee_agency)
        .bind(3, static_cast<int>(grant.scope))
        .bind(4, grant.scope_value)
        .bind(5, detail::millis(grant.expires_at))
        .bind(6, by.account)
        .bind(7, detail::millis(options_.now()))
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
    auto rows =
        db_.query(std::string("SELECT ") + detail::kGrantColumns +
                  " FROM grants WHERE grantor_agency = ?1 OR grantee_agency = ?1 ORDER BY id");
    rows.bind(1, viewer.agency);
    while (rows.step()) all.push_back(detail::read_grant(rows));
    append_audit(viewer, "list-grants", viewer.agency, std::to_string(all.size()) + " grants");
    transaction.commit();
    return all;
  }

  std::vector<AuditRecord> audit_log(const Viewer& auditor, std::int64_t after,
                                     int limit) override {
    std::lock_guard lock(mutex_);
    if (auditor.role != Role::Auditor) throw detail::access_denied("the audit log is for auditors");
    SqliteTransaction transaction(db_);
    std::vector<AuditRecord> records;
    auto rows = db_.query(std::string("SELECT ") + detail::kAuditColumns +
                          " FROM audit_log WHERE sequence > ? ORDER BY sequence LIMIT ?");
    rows.bind(1, after).bind(2, limit);
    while (rows.step()) records.push_back(detail::read_audit(rows));
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
  // Indexes every page again (a registry from before page_search, or one whose
  // pages were written without the index); inside the constructor's transaction.
  void rebuild_search_index() {
    db_.execute(
        "DROP TABLE IF EXISTS page_index; "
        "INSERT INTO page_search(page_search) VALUES('delete-all'); "
        "DELETE FROM search_terms; UPDATE search_totals SET pages = 0, words = 0");
    SearchIndexWriter index(db_);
    auto pages = db_.query(
        "SELECT p.id, p.text, d.agency, d.code, d.personal_id, d.procedure_code, d.received_on, "
        "doc.document_class FROM pages p JOIN documents doc ON doc.id = p.document_id "
        "JOIN dossiers d ON d.id = doc.dossier_id ORDER BY p.id DESC");  // rowids ascend
    for (std::int64_t count = 1; pages.step(); ++count) {
      index.add(pages.integer(0), pages.text(1),
                {pages.text(2), pages.text(3), pages.text(4), pages.text(5), pages.text(6),
                 pages.text(7)});
      if (count % 100000 == 0) index.flush();  // bounded memory on a large registry
    }
    index.flush();
    db_.execute("INSERT INTO page_search(page_search) VALUES('optimize')");
    db_.query(
           "INSERT INTO registry_meta(key, value) VALUES('search_index', ?) "
           "ON CONFLICT(key) DO UPDATE SET value = excluded.value")
        .bind(1, kSearchIndexVersion)
        .run();
  }

  // Inside the caller's transaction, so a read and its record commit together.
  void append_audit(const Viewer& viewer, std::string action, std::string subject,
                    std::string outcome) {
    std::optional<detail::AuditHead> head;
    auto last = db_.query("SELECT sequence, hash FROM audit_log ORDER BY sequence DESC LIMIT 1");
    if (last.step()) head = detail::AuditHead{last.integer(0), last.text(1)};
    last.run();
    AuditRecord record;
    record.at_ms = detail::millis(options_.now());
    record.agency = viewer.agency;
    record.role = std::string(to_string(viewer.role));
    record.account = viewer.account;
    record.action = std::move(action);
    record.subject = std::move(subject);
    record.outcome = std::move(outcome);
    detail::chain_audit_record(record, head);
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
    auto rows =
        db_.query(std::string("SELECT ") + detail::kGrantColumns +
                  " FROM grants WHERE grantee_agency = ? AND revoked = 0 AND expires_at > ? "
                  "ORDER BY id");
    rows.bind(1, viewer.agency).bind(2, detail::millis(options_.now()));
    while (rows.step()) active.push_back(detail::read_grant(rows));
    return {viewer, std::move(active)};
  }

  bool dossier_visible(const Dossier& dossier, const AccessScope& scope) {
    return scope.covers_dossier(dossier, [&] {
      std::vector<std::string> classes;
      auto rows = db_.query("SELECT DISTINCT document_class FROM documents WHERE dossier_id = ?");
      rows.bind(1, dossier.id);
      while (rows.step()) classes.push_back(rows.text(0));
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
    db_.query(
           "INSERT INTO document_versions(document_id, version, blob_sha256, size, media_type, "
           "reason, created_by, created_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(1, document_id)
        .bind(2, version)
        .bind(3, blob.sha256)
        .bind(4, static_cast<std::int64_t>(blob.size))
        .bind(5, media_type)
        .bind(6, reason)
        .bind(7, detail::version_author(by))
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
    auto row = db_.query(std::string("SELECT ") + detail::kDossierColumns +
                         " FROM dossiers WHERE code = ?");
    row.bind(1, code);
    if (!row.step()) return std::nullopt;
    return detail::read_dossier(row);
  }

  std::optional<Document> load_document(std::int64_t id) {
    auto row = db_.query(std::string("SELECT ") + detail::kDocumentColumns +
                         " FROM documents doc JOIN dossiers d ON d.id = doc.dossier_id "
                         "JOIN document_versions v ON v.document_id = doc.id WHERE doc.id = ? "
                         "ORDER BY v.version DESC LIMIT 1");
    row.bind(1, id);
    if (!row.step()) return std::nullopt;
    auto document = detail::read_document(row);
    row.run();
    std::vector<FieldCorrection> corrections;
    auto rows = db_.query(std::string("SELECT ") + detail::kCorrectionColumns +
                          " FROM document_corrections WHERE document_id = ? ORDER BY id");
    rows.bind(1, id);
    while (rows.step()) corrections.push_back(detail::read_correction(rows));
    detail::attach_corrections(document, std::move(corrections));
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
