#include "sohoa/understanding/dossier.hpp"

#include <algorithm>
#include <cstdio>

#include "catalog_rules.hpp"
#include "sohoa/understanding/text_match.hpp"

namespace sohoa::understanding {

namespace {

std::string review_name(int serial) {
  char name[32];
  std::snprintf(name, sizeof name, "review-%02d", serial);
  return name;
}

// The rule of a field read from printed text (not from a QR) of the given type.
const detail::FieldRule* printed_field(const detail::ClassRule* rule, const std::string& field,
                                       detail::ValueType type) {
  if (rule == nullptr) return nullptr;
  for (const auto& f : rule->fields) {
    if (f.name == field) return f.type == type && f.from.empty() ? &f : nullptr;
  }
  return nullptr;
}

bool is_printed_field(const detail::ClassRule* rule, const std::string& field,
                      detail::ValueType type) {
  return printed_field(rule, field, type) != nullptr;
}

std::string compact_fold(const std::string& text) {
  std::string out;
  for (char c : fold(text)) {
    if (c != ' ') out += c;
  }
  return out;
}

}  // namespace

DossierSplitter::DossierSplitter(const ClassCatalog& catalog) : catalog_(catalog) {}

void DossierSplitter::open_group(GroupKind kind, std::string name, std::string reason) {
  close_group();
  GroupRecord group;
  group.kind = kind;
  group.name = std::move(name);
  group.reason = std::move(reason);
  open_ = std::move(group);
  ++group_serial_;
  content_pages_ = 0;
}

void DossierSplitter::close_group() {
  if (!open_) return;
  GroupRecord& group = *open_;
  if (content_pages_ == 0) {
    group.review.push_back({"",
                            -1,
                            group.name,
                            {"no-content",
                             "the group holds only blank or unreadable pages; "
                             "nothing was filed"}});
  }
  if (group.kind == GroupKind::Dossier) cross_check_dossier(group, pages_, catalog_);
  closed_ = std::move(group);
  open_.reset();
  pages_.clear();
}

Placement DossierSplitter::place(const PlacedPage& page) {
  const PageUnderstanding* u = page.understanding;
  Placement placement;
  const bool receipt = u != nullptr && !page.blank && u->page_class == catalog_.receipt_class();
  if (receipt) {
    if (u->dossier_code) {
      const std::string code = u->dossier_code->text();
      if (std::find(codes_seen_.begin(), codes_seen_.end(), code) != codes_seen_.end()) {
        open_group(GroupKind::Review, review_name(++review_serial_),
                   "a second receipt with dossier code " + code + " in the same batch");
        open_->review.push_back({page.source,
                                 page.stack_index,
                                 open_->name,
                                 {"duplicate-dossier-code", "dossier code " + code +
                                                                " was already filed from an "
                                                                "earlier receipt"}});
      } else {
        codes_seen_.push_back(code);
        open_group(GroupKind::Dossier, code, "");
      }
    } else {
      open_group(GroupKind::Review, review_name(++review_serial_),
                 "receipt whose dossier-code QR cannot be read");
    }
    placement.starts_group = true;
  } else if (!open_) {
    open_group(GroupKind::Review, review_name(++review_serial_),
               "pages before the first receipt of the batch");
    placement.starts_group = true;
  }
  GroupRecord& group = *open_;
  placement.group = group_serial_;
  group.stack_indices.push_back(page.stack_index);

  if (page.failed) {
    group.review.push_back({page.source,
                            page.stack_index,
                            group.name,
                            {"page-unreadable", "the page could not be read; check the scan"}});
    return placement;
  }
  if (u != nullptr) {
    for (const auto& flag : u->flags) {
      group.review.push_back({page.source, page.stack_index, group.name, flag});
    }
    pages_[page.stack_index] = *u;
  }
  if (page.blank) {
    // The back of the previous sheet: it belongs with that document, but holds nothing.
    placement.document = group.documents.empty() ? -1 : group.documents.back().id;
    return placement;
  }
  ++content_pages_;
  const std::string page_class = u != nullptr ? u->page_class : std::string();
  const bool continues = u != nullptr && u->continuation && !receipt && !group.documents.empty() &&
                         group.documents.back().page_class == page_class &&
                         catalog_.multi_page(page_class);
  if (continues) {
    group.documents.back().stack_indices.push_back(page.stack_index);
  } else {
    if (u != nullptr && u->continuation) {
      group.review.push_back(
          {page.source,
           page.stack_index,
           group.name,
           {"orphan-continuation",
            "looks like a continuation page of " + page_class +
                " but no such document precedes it; filed as its own document"}});
    }
    DocumentRecord document;
    document.id = document_serial_++;
    document.page_class = page_class;
    document.title = catalog_.title(page_class);
    const auto* rule = catalog_.rules().find(page_class);
    document.confidence_level = rule != nullptr && rule->copy ? "03" : "02";
    document.stack_indices.push_back(page.stack_index);
    group.documents.push_back(std::move(document));
    placement.starts_document = true;
  }
  placement.document = group.documents.back().id;
  if (receipt && group.kind == GroupKind::Dossier) {
    auto field = [&](const char* name) {
      auto it = u->fields.find(name);
      return it == u->fields.end() ? std::string() : it->second;
    };
    group.procedure_code = field("ma_thu_tuc");
    group.applicant_name = field("ho_ten");
    group.applicant_id = field("so_dinh_danh");
  }
  return placement;
}

std::optional<GroupRecord> DossierSplitter::take_closed() {
  std::optional<GroupRecord> out = std::move(closed_);
  closed_.reset();
  return out;
}

std::optional<GroupRecord> DossierSplitter::finish() {
  close_group();
  return take_closed();
}

void cross_check_dossier(GroupRecord& group, const std::map<int, PageUnderstanding>& pages,
                         const ClassCatalog& catalog) {
  // Identities read from ID-card QR codes: exact, so they correct OCR spellings.
  std::vector<IdCardQr> cards;
  for (const auto& [index, u] : pages) {
    if (u.id_card) cards.push_back(*u.id_card);
  }
  if (cards.empty()) return;
  for (const auto& [index, u] : pages) {
    const auto* rule = catalog.rules().find(u.page_class);
    for (const auto& [field, value] : u.fields) {
      if (is_printed_field(rule, field, detail::ValueType::PersonalId)) {
        // An ID misread by one digit (or with one digit too many or too few)
        // that is one edit from exactly one card's ID is that card's ID.
        std::vector<const IdCardQr*> near;
        for (const auto& card : cards) {
          if (card.personal_id != value && edit_distance(value, card.personal_id) <= 1) {
            near.push_back(&card);
          }
        }
        const bool exact = std::any_of(cards.begin(), cards.end(),
                                       [&](const IdCardQr& c) { return c.personal_id == value; });
        if (!exact && near.size() == 1) {
          group.corrected_fields[index][field] = near[0]->personal_id;
          // The card settles what the page's malformed reading was.
          const int page_index = index;
          const std::string prefix = field + " ";
          std::erase_if(group.review, [&](const ReviewItem& item) {
            return item.stack_index == page_index && item.flag.code == "personal-id-malformed" &&
                   item.flag.message.rfind(prefix, 0) == 0;
          });
        }
        continue;
      }
      const detail::FieldRule* name_rule =
          printed_field(rule, field, detail::ValueType::PersonName);
      if (name_rule == nullptr) continue;
      const std::string folded = fold(value);
      const IdCardQr* match = nullptr;
      std::size_t best = 3;
      for (const auto& card : cards) {
        const std::size_t d = edit_distance(folded, fold(card.name));
        if (d < best) {
          best = d;
          match = &card;
        }
      }
      if (match == nullptr && !name_rule->sex.empty()) {
        // Table cells OCR ran together ("PHƯƠNGHUỲNH"): the card of the field's
        // sex whose name the reading contains.
        const std::string compact = compact_fold(value);
        std::vector<const IdCardQr*> inside;
        for (const auto& card : cards) {
          if (fold(card.sex) == fold(name_rule->sex) &&
              compact.find(compact_fold(card.name)) != std::string::npos) {
            inside.push_back(&card);
          }
        }
        if (inside.size() == 1) match = inside.front();
      }
      if (match != nullptr && match->name != value) {
        group.corrected_fields[index][field] = match->name;
      }
    }
  }
  if (!group.applicant_id.empty()) {
    const bool on_card = std::any_of(cards.begin(), cards.end(), [&](const IdCardQr& card) {
      return card.personal_id == group.applicant_id;
    });
    if (!on_card) {
      group.review.push_back(
          {"",
           -1,
           group.name,
           {"applicant-id-not-on-card", "the receipt's applicant ID " + group.applicant_id +
                                            " matches none of the ID cards in the dossier"}});
    }
  }
}

}  // namespace sohoa::understanding
