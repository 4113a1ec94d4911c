// The results and review files of `sohoa batch`.
#include <nlohmann/json.hpp>
#include <sstream>

#include "results_common.hpp"
#include "sohoa/pipeline/batch_job.hpp"

namespace sohoa::pipeline {

namespace {

nlohmann::json flags_json(const std::vector<understanding::ReviewFlag>& flags) {
  auto out = nlohmann::json::array();
  for (const auto& flag : flags) out.push_back({{"code", flag.code}, {"message", flag.message}});
  return out;
}

std::string item_source(const understanding::ReviewItem& item, const std::string& root) {
  return item.source.empty() ? std::string() : display_source(item.source, root);
}

}  // namespace

std::string batch_results_to_json(const BatchReport& report, const std::string& source_root) {
  nlohmann::json pages = nlohmann::json::array();
  for (const auto& page : report.pages) {
    nlohmann::json entry = page_json(page.report, source_root);
    if (page.report.ok || !page.page_class.empty()) {
      entry["class"] = page.page_class;
      entry["class_score"] = page.class_score;
      entry["qr"] = page.qr;
      entry["fields"] = page.fields;
    }
    // Only filed pages have a dossier; review pages say which group holds them.
    entry["dossier"] = page.filed ? nlohmann::json(page.group) : nlohmann::json(nullptr);
    entry["group"] = page.group;
    if (page.document >= 0) entry["document"] = page.document;
    entry["review"] = flags_json(page.flags);
    pages.push_back(std::move(entry));
  }
  nlohmann::json groups = nlohmann::json::array();
  for (const auto& group : report.groups) {
    nlohmann::json documents = nlohmann::json::array();
    for (const auto& document : group.record.documents) {
      documents.push_back({{"id", document.id},
                           {"class", document.page_class},
                           {"title", document.title},
                           {"pages", document.stack_indices.size()},
                           {"confidence_level", document.confidence_level}});
    }
    nlohmann::json entry = {
        {"name", group.record.name},
        {"kind", group.record.kind == understanding::GroupKind::Dossier ? "dossier" : "review"},
        {"pdf", group.pdf_path},
        {"pages_written", group.pages_written},
        {"documents", std::move(documents)}};
    if (group.record.kind == understanding::GroupKind::Dossier) {
      entry["procedure_code"] = group.record.procedure_code;
      entry["applicant_id"] = group.record.applicant_id;
      entry["applicant_name"] = group.record.applicant_name;
    } else {
      entry["reason"] = group.record.reason;
    }
    if (group.output_error) entry["output_error"] = error_json(*group.output_error);
    groups.push_back(std::move(entry));
  }
  nlohmann::json failed = nlohmann::json::array();
  for (const auto& failure : report.failed_inputs) {
    failed.push_back({{"source", display_source(failure.path, source_root)},
                      {"error", error_json(failure.error)}});
  }
  nlohmann::json root = {{"pages", std::move(pages)},
                         {"groups", std::move(groups)},
                         {"failed_inputs", std::move(failed)},
                         {"classes", report.classes_version},
                         {"seconds", report.seconds},
                         {"understanding_seconds", report.understanding_seconds}};
  return root.dump(1) + "\n";
}

std::string review_to_json(const BatchReport& report, const std::string& source_root) {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& item : report.review_items()) {
    nlohmann::json entry = {
        {"group", item.group}, {"code", item.flag.code}, {"message", item.flag.message}};
    if (!item.source.empty()) entry["source"] = item_source(item, source_root);
    if (item.stack_index >= 0) entry["stack_position"] = item.stack_index + 1;
    items.push_back(std::move(entry));
  }
  for (const auto& failure : report.failed_inputs) {
    items.push_back({{"group", ""},
                     {"code", "input-unreadable"},
                     {"source", display_source(failure.path, source_root)},
                     {"message", failure.error.message()}});
  }
  return nlohmann::json({{"review", std::move(items)}}).dump(1) + "\n";
}

std::string review_to_text(const BatchReport& report, const std::string& source_root) {
  std::ostringstream out;
  const auto items = report.review_items();
  int dossiers = 0;
  for (const auto& group : report.groups) {
    dossiers += group.record.kind == understanding::GroupKind::Dossier ? 1 : 0;
  }
  out << "Review list (" << items.size() + report.failed_inputs.size() << " items; " << dossiers
      << " dossiers filed)\n";
  std::string group;
  for (const auto& item : items) {
    if (item.group != group) {
      group = item.group;
      out << "\n[" << group << "]\n";
    }
    out << "  - ";
    if (item.stack_index >= 0) out << "page " << item.stack_index + 1 << " ";
    if (!item.source.empty()) out << "(" << item_source(item, source_root) << ") ";
    out << item.flag.code << ": " << item.flag.message << "\n";
  }
  for (const auto& failure : report.failed_inputs) {
    out << "  - " << display_source(failure.path, source_root)
        << " input-unreadable: " << failure.error.message() << "\n";
  }
  return out.str();
}

}  // namespace sohoa::pipeline
