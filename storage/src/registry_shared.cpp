// Backend-neutral rules of the registry (see registry_shared.hpp).
#include "registry_shared.hpp"

#include <algorithm>
#include <cctype>
#include <map>

#include "sha256.hpp"
#include "sohoa/storage/text_folding.hpp"

namespace sohoa::storage::detail {

const std::string& audit_genesis_hash() {
  static const std::string genesis(64, '0');
  return genesis;
}

std::string audit_hash(const AuditRecord& record) {
  std::string canonical = record.previous_hash;
  for (const std::string& field :
       {std::to_string(record.sequence), std::to_string(record.at_ms), record.agency, record.role,
        record.account, record.action, record.subject, record.outcome}) {
    canonical += '|' + std::to_string(field.size()) + ':' + field;
  }
  return sha256_hex(canonical);
}

AuditVerdict verify_audit_records(const std::function<std::optional<AuditRecord>()>& next) {
  AuditVerdict verdict;
  std::string previous = audit_genesis_hash();
  while (auto record = next()) {
    const std::int64_t expected = verdict.records + 1;
    auto fail = [&](std::string problem) {
      verdict.intact = false;
      verdict.first_bad_sequence = record->sequence;
      verdict.problem = std::move(problem);
    };
    if (record->sequence != expected) {
      fail("record " + std::to_string(expected) + " is missing (next is " +
           std::to_string(record->sequence) + ")");
    } else if (record->previous_hash != previous) {
      fail("record " + std::to_string(record->sequence) +
           " does not follow the one before it (deleted, inserted or reordered)");
    } else if (audit_hash(*record) != record->hash) {
      fail("record " + std::to_string(record->sequence) + " was changed after it was written");
    }
    if (!verdict.intact) return verdict;
    previous = record->hash;
    ++verdict.records;
  }
  verdict.head_hash = previous;
  return verdict;
}

namespace {

// The length of the well-formed UTF-8 sequence at `i` (1-4), or 0 when the bytes
// there are not one (stray continuation, overlong form, surrogate, > U+10FFFF, NUL).
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t at) { return static_cast<unsigned char>(text[at]); };
  const unsigned char lead = byte(i);
  if (lead == 0) return 0;
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // no overlong forms
    if (lead == 0xED) high = 0x9F;  // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  if (byte(i + 1) < low || byte(i + 1) > high) return 0;
  for (std::size_t k = 2; k < length; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return length;
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto length = utf8_sequence_length(text, i);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

std::string to_valid_utf8(std::string_view text) {
  std::string valid;
  valid.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto length = utf8_sequence_length(text, i);
    if (length == 0) {
      valid += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
      ++i;
    } else {
      valid.append(text.substr(i, length));
      i += length;
    }
  }
  return valid;
}

std::int64_t millis(std::chrono::system_clock::time_point time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

Error access_denied(const std::string& what) {
  return Error(ErrorCode::InvalidArgument, "access denied: " + what);
}

std::string two_digits(int number) {
  return (number < 10 ? "0" : "") + std::to_string(number);
}

std::string describe_search(const SearchQuery& query) {
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

void check_intake(const DossierIntake& intake, const Viewer& by) {
  if (by.agency != intake.unit_code) {
    throw access_denied(by.agency + " cannot receive for " + intake.unit_code);
  }
  if (!parse_personal_id(intake.personal_id)) {
    throw Error(ErrorCode::InvalidArgument,
                "not a 12-digit personal identification number: " + intake.personal_id);
  }
  if (!intake.received_on.ok()) throw Error(ErrorCode::InvalidArgument, "no date of receipt");
}

std::optional<DossierCode> check_preprinted_code(const DossierIntake& intake) {
  if (intake.preprinted_code.empty()) return std::nullopt;
  auto preprinted = parse_dossier_code(intake.preprinted_code);
  if (!preprinted || preprinted->agency != intake.unit_code || preprinted->result_number != 0 ||
      format_dossier_code(intake.unit_code, intake.received_on, preprinted->sequence) !=
          preprinted->text()) {
    throw Error(ErrorCode::InvalidArgument, "the pre-printed code " + intake.preprinted_code +
                                                " is not a dossier code of this unit and day");
  }
  return preprinted;
}

std::string receipt_qr_payload(const std::string& code, const DossierIntake& intake, Date due) {
  return code + "|" + intake.procedure_code + "|" + intake.personal_id +
         "|Giấy tiếp nhận hồ sơ và hẹn trả kết quả|" + iso_date(due);
}

void chain_audit_record(AuditRecord& record, const std::optional<AuditHead>& head) {
  record.sequence = head ? head->sequence + 1 : 1;
  record.previous_hash = head ? head->hash : audit_genesis_hash();
  record.hash = audit_hash(record);
}

std::string version_author(const Viewer& by) {
  return by.account.empty() ? by.agency : by.agency + "/" + by.account;
}

void check_status_step(DossierStatus from, DossierStatus to) {
  if (static_cast<int>(to) != static_cast<int>(from) + 1) {
    throw Error(ErrorCode::InvalidArgument,
                "a dossier goes " + std::string(to_string(from)) + " -> " +
                    std::string(to_string(
                        static_cast<DossierStatus>(std::min(4, static_cast<int>(from) + 1)))) +
                    ", not to " + std::string(to_string(to)));
  }
}

std::string document_code(const std::string& dossier_code, bool is_result, int number) {
  return is_result ? format_result_code(dossier_code, number)
                   : dossier_code + "." + two_digits(number);
}

void check_new_grant(const Grant& grant, const Viewer& by) {
  if (grant.grantor_agency != by.agency) {
    throw access_denied(by.agency + " cannot share the dossiers of " + grant.grantor_agency);
  }
  if (grant.grantee_agency.empty() || grant.grantee_agency == grant.grantor_agency) {
    throw Error(ErrorCode::InvalidArgument, "a grant needs another agency as grantee");
  }
  if ((grant.scope == GrantScope::All) != grant.scope_value.empty()) {
    throw Error(ErrorCode::InvalidArgument, "a class or dossier grant names its scope");
  }
}

namespace {

// The metadata fields by name; "document_class" first.
std::vector<std::pair<std::string, std::string DocumentMetadata::*>> metadata_fields() {
  return {{"document_class", &DocumentMetadata::document_class},
          {"number_symbol", &DocumentMetadata::number_symbol},
          {"issued_on", &DocumentMetadata::issued_on},
          {"document_type", &DocumentMetadata::document_type},
          {"issuing_agency", &DocumentMetadata::issuing_agency},
          {"summary", &DocumentMetadata::summary},
          {"signer", &DocumentMetadata::signer},
          {"notes", &DocumentMetadata::notes}};
}

std::string DocumentMetadata::*metadata_member(const std::string& field) {
  for (const auto& [name, member] : metadata_fields()) {
    if (name == field) return member;
  }
  return nullptr;
}

}  // namespace

void check_correction(const DocumentCorrection& correction) {
  constexpr std::size_t kMaxValue = 4000;
  const auto& names = correctable_fields();
  for (const auto& [field, value] : correction.fields) {
    if (std::find(names.begin(), names.end(), field) == names.end()) {
      throw Error(ErrorCode::InvalidArgument,
                  "no correctable field '" + to_valid_utf8(field) + "'");
    }
    if (!is_valid_utf8(value) || value.size() > kMaxValue) {
      throw Error(ErrorCode::InvalidArgument, "the value of " + field + " is not text");
    }
  }
  if (correction.document_class) {
    const auto& value = *correction.document_class;
    const bool name =
        !value.empty() && value.size() <= 64 && std::all_of(value.begin(), value.end(), [](char c) {
          return std::islower(static_cast<unsigned char>(c)) ||
                 std::isdigit(static_cast<unsigned char>(c)) || c == '_';
        });
    if (!name) {
      throw Error(ErrorCode::InvalidArgument,
                  "a document class is a name of a-z, 0-9 and _ (at most 64)");
    }
  }
  if (const auto issued = correction.fields.find("issued_on");
      issued != correction.fields.end() && !issued->second.empty()) {
    try {
      if (iso_date(parse_iso_date(issued->second)) != issued->second) throw std::exception();
    } catch (const std::exception&) {
      throw Error(ErrorCode::InvalidArgument, "the date of issue is not an ISO date (YYYY-MM-DD)");
    }
  }
  if (correction.reason.empty() || !is_valid_utf8(correction.reason) ||
      correction.reason.size() > kMaxValue) {
    throw Error(ErrorCode::InvalidArgument, "a correction says why it is made");
  }
}

bool may_correct(const Document& document, const Viewer& by) {
  return document.agency == by.agency &&
         (by.role == Role::CounterStaff || by.role == Role::RecordsOfficer);
}

std::vector<FieldCorrection> plan_correction(const DocumentMetadata& current,
                                             const DocumentCorrection& correction, const Viewer& by,
                                             std::int64_t at_ms) {
  std::map<std::string, std::string> wanted = correction.fields;
  if (correction.document_class) wanted["document_class"] = *correction.document_class;
  std::vector<FieldCorrection> changes;
  for (const auto& [name, member] : metadata_fields()) {
    const auto it = wanted.find(name);
    if (it == wanted.end() || current.*member == it->second) continue;
    changes.push_back(
        {name, current.*member, it->second, correction.reason, version_author(by), at_ms});
  }
  if (changes.empty()) throw Error(ErrorCode::InvalidArgument, "the correction changes nothing");
  return changes;
}

void set_metadata_field(DocumentMetadata& metadata, const std::string& field,
                        const std::string& value) {
  if (auto member = metadata_member(field)) metadata.*member = value;
}

void attach_corrections(Document& document, std::vector<FieldCorrection> corrections) {
  document.machine_metadata = document.metadata;
  // Newest first, so the oldest correction of each field sets it last.
  for (auto it = corrections.rbegin(); it != corrections.rend(); ++it) {
    set_metadata_field(document.machine_metadata, it->field, it->old_value);
  }
  document.corrections = std::move(corrections);
}

const Grant* AccessScope::grant_covering(const std::string& agency, const std::string& dossier_code,
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

bool AccessScope::covers(const std::string& agency, const std::string& dossier_code,
                         const std::string& document_class) const {
  return agency == viewer_.agency ||
         grant_covering(agency, dossier_code, document_class) != nullptr;
}

std::string AccessScope::provenance(const std::string& agency, const std::string& dossier_code,
                                    const std::string& document_class) const {
  if (agency == viewer_.agency) return "own agency";
  const Grant* grant = grant_covering(agency, dossier_code, document_class);
  return grant ? "grant #" + std::to_string(grant->id) + " from " + agency : "";
}

bool AccessScope::has_class_grant_from(const std::string& agency) const {
  return std::any_of(grants_.begin(), grants_.end(), [&](const Grant& grant) {
    return grant.grantor_agency == agency && grant.scope == GrantScope::DocumentClass;
  });
}

bool AccessScope::covers(const Document& document) const {
  return covers(document.agency, document.dossier_code, document.metadata.document_class);
}

std::string AccessScope::provenance(const Document& document) const {
  return provenance(document.agency, document.dossier_code, document.metadata.document_class);
}

bool AccessScope::covers_dossier(
    const Dossier& dossier,
    const std::function<std::vector<std::string>()>& document_classes) const {
  if (covers(dossier.agency, dossier.code, "")) return true;
  if (!has_class_grant_from(dossier.agency)) return false;
  const auto classes = document_classes();
  return std::any_of(classes.begin(), classes.end(), [&](const std::string& document_class) {
    return covers(dossier.agency, dossier.code, document_class);
  });
}

void AccessScope::append_sql(std::string& sql, std::vector<std::string>& parameters,
                             const std::function<std::string()>& placeholder) const {
  auto bind = [&](const std::string& value) {
    parameters.push_back(value);
    return placeholder();
  };
  sql += "(d.agency = " + bind(viewer_.agency);
  for (const auto& grant : grants_) {
    switch (grant.scope) {
      case GrantScope::All:
        sql += " OR d.agency = " + bind(grant.grantor_agency);
        break;
      case GrantScope::Dossier:
        sql += " OR (d.agency = " + bind(grant.grantor_agency);
        sql += " AND d.code = " + bind(grant.scope_value) + ")";
        break;
      case GrantScope::DocumentClass:
        sql += " OR (d.agency = " + bind(grant.grantor_agency);
        sql += " AND doc.document_class = " + bind(grant.scope_value) + ")";
        break;
    }
  }
  sql += ")";
}

ParsedQuery parse_search_text(std::string_view text) {
  ParsedQuery parsed;
  auto add_group = [&](std::string_view raw, bool phrase) {
    const bool prefix = !phrase && !raw.empty() && raw.back() == '*';
    QueryGroup group;
    group.words = search_words(fold_for_search(prefix ? raw.substr(0, raw.size() - 1) : raw));
    if (group.words.empty()) return;
    group.prefix = prefix;
    for (std::size_t i = 0; i < group.words.size(); ++i) {
      (prefix && i + 1 == group.words.size() ? parsed.prefixes : parsed.words)
          .push_back(group.words[i]);
    }
    parsed.groups.push_back(std::move(group));
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

}  // namespace sohoa::storage::detail

namespace sohoa::storage {

const std::vector<std::string>& correctable_fields() {
  static const std::vector<std::string> fields{"number_symbol",  "issued_on", "document_type",
                                               "issuing_agency", "summary",   "signer",
                                               "notes"};
  return fields;
}

}  // namespace sohoa::storage
