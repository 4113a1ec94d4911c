// Loading the dated class configuration (nlohmann-json stays in this file).
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "catalog_rules.hpp"
#include "sohoa/core/error.hpp"
#include "sohoa/understanding/page_classes.hpp"
#include "sohoa/understanding/text_match.hpp"

namespace sohoa::understanding {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

json read_json(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw Error(ErrorCode::InputNotFound, "cannot open the page-class configuration", {path});
  std::stringstream buffer;
  buffer << in.rdbuf();
  try {
    return json::parse(buffer.str());
  } catch (const json::exception& error) {
    throw Error(ErrorCode::CorruptInput, std::string("not valid JSON: ") + error.what(), {path});
  }
}

std::vector<std::string> folded_list(const json& node, const char* key) {
  std::vector<std::string> out;
  if (!node.contains(key)) return out;
  for (const auto& item : node.at(key)) out.push_back(fold(item.get<std::string>()));
  return out;
}

detail::ValueType value_type(const std::string& name, const std::string& path) {
  using detail::ValueType;
  if (name == "person_name") return ValueType::PersonName;
  if (name == "personal_id") return ValueType::PersonalId;
  if (name == "date") return ValueType::Date;
  if (name == "spelled_date") return ValueType::SpelledDate;
  if (name == "sex") return ValueType::Sex;
  if (name == "procedure_code") return ValueType::ProcedureCode;
  if (name == "dossier_code") return ValueType::DossierCode;
  if (name == "text") return ValueType::Text;
  throw Error(ErrorCode::CorruptInput, "unknown field type \"" + name + "\"", {path});
}

detail::ClassRule parse_class(const json& node, const std::string& path) {
  detail::ClassRule rule;
  rule.id = node.at("id").get<std::string>();
  rule.title = node.value("title", rule.id);
  rule.role = node.value("role", "");
  rule.titles = folded_list(node, "titles");
  rule.labels = folded_list(node, "labels");
  rule.multi_page = node.value("multi_page", false);
  rule.copy = node.value("copy", rule.id == "can_cuoc");
  if (node.contains("structure")) {
    const auto& s = node.at("structure");
    rule.qr = s.value("qr", "");
    rule.mrz = s.value("mrz", false);
    rule.card_text = s.value("card_text", false);
    rule.seal = s.value("seal", false);
  }
  if (node.contains("continuation")) {
    const auto& c = node.at("continuation");
    rule.has_continuation = true;
    rule.continuation.min_hits = c.value("min_hits", 1);
    for (const auto& pattern : c.at("patterns")) {
      try {
        rule.continuation.patterns.emplace_back(pattern.get<std::string>(),
                                                std::regex::ECMAScript | std::regex::optimize);
      } catch (const std::regex_error& error) {
        throw Error(ErrorCode::CorruptInput,
                    "class " + rule.id + ": bad continuation pattern: " + error.what(), {path});
      }
    }
  }
  if (node.contains("fields")) {
    for (const auto& f : node.at("fields")) {
      detail::FieldRule field;
      field.name = f.at("name").get<std::string>();
      field.from = f.value("from", "");
      field.labels = folded_list(f, "labels");
      field.after = fold(f.value("after", ""));
      field.column = fold(f.value("column", ""));
      field.value_below = f.value("value_below", false);
      field.sex = f.value("sex", "");
      field.type = value_type(f.value("type", "text"), path);
      rule.fields.push_back(std::move(field));
    }
  }
  return rule;
}

}  // namespace

ClassCatalog::ClassCatalog(std::shared_ptr<const detail::CatalogRules> rules)
    : rules_(std::move(rules)) {}

ClassCatalog ClassCatalog::load(const std::string& path) {
  const json root = read_json(path);
  auto rules = std::make_shared<detail::CatalogRules>();
  try {
    rules->version = root.at("version").get<std::string>();
    rules->effective_from = root.at("effective_from").get<std::string>();
    rules->source_path = path;
    rules->min_class_score = root.value("min_class_score", 0.45);
    rules->review_below_score = root.value("review_below_score", 0.6);
    for (const auto& node : root.at("classes")) rules->classes.push_back(parse_class(node, path));
    if (root.contains("province_codes")) {
      const fs::path provinces =
          fs::path(path).parent_path() / root.at("province_codes").get<std::string>();
      const json list = read_json(provinces.string());
      for (const auto& [code, name] : list.at("codes").items()) rules->province_codes.insert(code);
    }
  } catch (const json::exception& error) {
    throw Error(ErrorCode::CorruptInput, std::string("page-class configuration: ") + error.what(),
                {path});
  }
  for (const auto& rule : rules->classes) {
    if (rule.role == "receipt") rules->receipt_class = rule.id;
    if (rule.role == "blank") rules->blank_class = rule.id;
  }
  if (rules->classes.empty() || rules->receipt_class.empty() || rules->blank_class.empty()) {
    throw Error(ErrorCode::CorruptInput,
                "page-class configuration needs classes, one with role \"receipt\" and one with "
                "role \"blank\"",
                {path});
  }
  return ClassCatalog(std::move(rules));
}

ClassCatalog ClassCatalog::load_effective(const std::string& directory, const std::string& date) {
  std::string best;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(directory, ec)) {
    const std::string stem = entry.path().stem().string();
    if (entry.path().extension() != ".json" || stem.size() != 10) continue;
    if (!date.empty() && stem > date) continue;  // not yet in force on that date
    if (stem > best) best = stem;
  }
  if (best.empty()) {
    throw Error(ErrorCode::InputNotFound,
                "no page-class configuration (<YYYY-MM-DD>.json) in force" +
                    (date.empty() ? std::string() : " on " + date),
                {directory});
  }
  return load((fs::path(directory) / (best + ".json")).string());
}

const std::string& ClassCatalog::version() const {
  return rules_->version;
}
const std::string& ClassCatalog::effective_from() const {
  return rules_->effective_from;
}
const std::string& ClassCatalog::source_path() const {
  return rules_->source_path;
}

std::vector<std::string> ClassCatalog::class_ids() const {
  std::vector<std::string> ids;
  for (const auto& rule : rules_->classes) ids.push_back(rule.id);
  return ids;
}

bool ClassCatalog::has_class(std::string_view id) const {
  return rules_->find(id) != nullptr;
}

std::string ClassCatalog::title(std::string_view id) const {
  const auto* rule = rules_->find(id);
  return rule ? rule->title : std::string(id);
}

bool ClassCatalog::multi_page(std::string_view id) const {
  const auto* rule = rules_->find(id);
  return rule != nullptr && rule->multi_page;
}

const std::string& ClassCatalog::receipt_class() const {
  return rules_->receipt_class;
}
const std::string& ClassCatalog::blank_class() const {
  return rules_->blank_class;
}

bool ClassCatalog::known_province(std::string_view code) const {
  return rules_->province_codes.empty() || rules_->province_codes.count(std::string(code)) > 0;
}

}  // namespace sohoa::understanding
