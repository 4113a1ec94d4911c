#pragma once
// The parsed class configuration (see config/page_classes/*.json). Patterns are
// kept folded (accent-free, lower case) for matching OCR text.

#include <regex>
#include <set>
#include <string>
#include <vector>

namespace sohoa::understanding::detail {

enum class ValueType {
  PersonName,
  PersonalId,
  Date,
  SpelledDate,
  Sex,
  ProcedureCode,
  DossierCode,
  Text
};

struct FieldRule {
  std::string name;
  std::string from;                 // "", "id_card", "dossier_qr": structured source first
  std::vector<std::string> labels;  // folded
  std::string after;                // folded anchor: search only below its first line
  std::string column;               // folded table header of the value's column
  bool value_below = false;         // the value may stand on the next line
  std::string sex;                  // "Nam"/"Nữ" when the field names a person of known sex
  ValueType type = ValueType::Text;
};

struct Continuation {
  std::vector<std::regex> patterns;  // on folded lines
  int min_hits = 1;
};

struct ClassRule {
  std::string id;
  std::string title;                // Vietnamese, for bookmarks
  std::string role;                 // "", "receipt", "blank"
  std::vector<std::string> titles;  // folded
  std::vector<std::string> labels;  // folded
  std::string qr;                   // "", "dossier_code", "id_card"
  bool mrz = false;
  bool card_text = false;  // text set small, as on an ID card copy
  bool seal = false;
  bool copy = false;  // digitised from a copy (confidence level 03)
  bool multi_page = false;
  Continuation continuation;
  bool has_continuation = false;
  std::vector<FieldRule> fields;
};

struct CatalogRules {
  std::string version;
  std::string effective_from;
  std::string source_path;
  double min_class_score = 0.45;
  double review_below_score = 0.6;
  std::vector<ClassRule> classes;
  std::set<std::string> province_codes;
  std::string receipt_class;
  std::string blank_class;
  [[nodiscard]] const ClassRule* find(std::string_view id) const {
    for (const auto& rule : classes) {
      if (rule.id == id) return &rule;
    }
    return nullptr;
  }
};

}  // namespace sohoa::understanding::detail
