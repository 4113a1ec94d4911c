#include "modification_analysis.hpp"

#include <algorithm>
#include <cstring>
#include <map>
#include <set>

#include "sohoa/core/error.hpp"

namespace sohoa::signing {

namespace {
using pdf::Array;
using pdf::Dict;
using pdf::Document;
using pdf::Object;
using pdf::Ref;
using pdf::XrefEntry;

Finding modification(const std::string& code, const std::string& en, const std::string& vi) {
  return Finding{"modification", CheckStatus::Failed, code, en, vi};
}

bool same_object(Document& a, Document& b, std::uint32_t num) {
  const Object& x = a.object(num);
  const Object& y = b.object(num);
  const pdf::Stream* sx = x.stream();
  const pdf::Stream* sy = y.stream();
  if (sx != nullptr || sy != nullptr) {
    if (sx == nullptr || sy == nullptr || !(sx->dict == sy->dict)) return false;
    pdf::Bytes dx = a.raw_data(*sx);
    pdf::Bytes dy = b.raw_data(*sy);
    return dx.size() == dy.size() && std::memcmp(dx.data(), dy.data(), dx.size()) == 0;
  }
  return x == y;
}

std::vector<std::uint32_t> ref_numbers(Document& doc, const Object* array_or_ref) {
  std::vector<std::uint32_t> out;
  if (array_or_ref == nullptr) return out;
  const Array* items = doc.resolve(*array_or_ref).array();
  if (items == nullptr) return out;
  for (const Object& item : *items) {
    if (item.ref() != nullptr) out.push_back(item.ref()->num);
  }
  return out;
}

bool is_signature_widget_or_field(Document& doc, std::uint32_t num) {
  const Dict* dict = doc.object(num).dict();
  for (int depth = 0; dict != nullptr && depth < 8; ++depth) {
    if (const Object* ft = dict->find("FT")) return ft->name() == "Sig";
    const Object* parent = dict->find("Parent");
    dict = parent != nullptr ? doc.resolve_dict(*parent) : nullptr;
  }
  return false;
}

// Items kept and added in a list of references (annotations, fields).
void compare_reference_lists(Document& before, Document& after,
                             const std::vector<std::uint32_t>& old_items,
                             const std::vector<std::uint32_t>& new_items, const std::string& what,
                             std::vector<Finding>& out) {
  std::set<std::uint32_t> now(new_items.begin(), new_items.end());
  std::set<std::uint32_t> was(old_items.begin(), old_items.end());
  for (std::uint32_t num : old_items) {
    if (!now.contains(num)) {
      out.push_back(modification("removed-" + what,
                                 what + " object " + std::to_string(num) + " was removed",
                                 "đối tượng " + what + " " + std::to_string(num) + " đã bị xoá"));
    }
  }
  for (std::uint32_t num : new_items) {
    if (was.contains(num)) continue;
    if (!is_signature_widget_or_field(after, num)) {
      const Dict* dict = after.object(num).dict();
      std::string subtype = dict != nullptr && dict->find("Subtype") != nullptr
                                ? std::string(dict->find("Subtype")->name())
                                : "?";
      out.push_back(modification(
          "added-" + what,
          what + " " + std::to_string(num) + " (/" + subtype + ") added after signing",
          "thêm " + what + " " + std::to_string(num) + " (/" + subtype + ") sau khi ký"));
    }
  }
  (void)before;
}

// Keys of two dictionaries that differ, except `ignored`.
std::vector<std::string> changed_keys(const Dict& a, const Dict& b,
                                      const std::set<std::string>& ignored) {
  std::set<std::string> keys;
  for (const auto& e : a.entries()) keys.insert(e.key);
  for (const auto& e : b.entries()) keys.insert(e.key);
  std::vector<std::string> out;
  for (const auto& key : keys) {
    if (ignored.contains(key)) continue;
    const Object* x = a.find(key);
    const Object* y = b.find(key);
    if ((x == nullptr) != (y == nullptr) || (x != nullptr && !(*x == *y))) out.push_back(key);
  }
  return out;
}

void collect_references(const Object& object, std::set<std::uint32_t>& out, int depth) {
  if (depth > 64) return;
  if (const Ref* ref = object.ref()) {
    out.insert(ref->num);
  } else if (const Array* items = object.array()) {
    for (const Object& item : *items) collect_references(item, out, depth + 1);
  } else if (const Dict* dict = object.dict()) {
    for (const auto& entry : dict->entries()) collect_references(entry.value, out, depth + 1);
  }
}

// Every object number referred to by any object of `doc` (content streams are
// not parsed: they name resources, not objects).
std::set<std::uint32_t> referenced_numbers(Document& doc) {
  std::set<std::uint32_t> out;
  collect_references(Object(doc.trailer()), out, 0);
  for (const auto& [num, entry] : doc.xref()) {
    if (entry.kind == XrefEntry::Kind::Free) continue;
    try {
      collect_references(doc.object(num), out, 0);
    } catch (const Error&) {
      // An unreadable object refers to nothing we can follow.
    }
  }
  return out;
}

std::string join_keys(const std::vector<std::string>& keys) {
  std::string out;
  for (const auto& k : keys) out += (out.empty() ? "/" : ", /") + k;
  return out;
}
}  // namespace

std::vector<Finding> find_modifications(Document& before, Document& after) {
  std::vector<Finding> out;
  if (after.startxref() < before.bytes().size()) {
    out.push_back(modification(
        "unreferenced-update",
        "bytes were appended after the signed revision without their own cross-reference section",
        "có dữ liệu được nối thêm sau phiên bản đã ký mà không có bảng tham chiếu chéo riêng"));
  }

  std::optional<Ref> root_before = before.root_ref();
  std::optional<Ref> root_after = after.root_ref();
  if (!root_before || !root_after || root_before->num != root_after->num) {
    out.push_back(modification("catalog-replaced", "the document catalog was replaced",
                               "danh mục tài liệu (catalog) đã bị thay thế"));
    return out;
  }

  // Roles of objects in the signed revision whose later rewriting is allowed.
  std::vector<Ref> pages_before = before.pages();
  std::vector<Ref> pages_after = after.pages();
  if (pages_before != pages_after) {
    out.push_back(modification("pages-changed",
                               "pages were added, removed or reordered after signing",
                               "trang đã bị thêm, xoá hoặc sắp xếp lại sau khi ký"));
  }
  std::map<std::uint32_t, std::size_t> page_index;
  for (std::size_t i = 0; i < pages_before.size(); ++i) page_index[pages_before[i].num] = i;
  std::map<std::uint32_t, std::size_t> annots_array_page;  // indirect /Annots arrays
  for (std::size_t i = 0; i < pages_before.size(); ++i) {
    const Dict* page = before.object(pages_before[i].num).dict();
    if (page == nullptr) continue;
    if (const Object* annots = page->find("Annots");
        annots != nullptr && annots->ref() != nullptr) {
      annots_array_page[annots->ref()->num] = i;
    }
  }
  const Dict* catalog_before = before.catalog();
  std::optional<std::uint32_t> acroform_num;
  std::optional<std::uint32_t> fields_num;
  std::optional<std::uint32_t> dss_num;
  std::optional<std::uint32_t> metadata_num;
  if (catalog_before != nullptr) {
    if (const Object* af = catalog_before->find("AcroForm"); af != nullptr) {
      if (af->ref() != nullptr) acroform_num = af->ref()->num;
      if (const Dict* form = before.resolve_dict(*af)) {
        if (const Object* f = form->find("Fields"); f != nullptr && f->ref() != nullptr) {
          fields_num = f->ref()->num;
        }
      }
    }
    if (const Object* d = catalog_before->find("DSS"); d != nullptr && d->ref() != nullptr) {
      dss_num = d->ref()->num;
    }
    if (const Object* m = catalog_before->find("Metadata"); m != nullptr && m->ref() != nullptr) {
      metadata_num = m->ref()->num;
    }
  }

  auto fields_of = [](Document& doc) -> std::vector<std::uint32_t> {
    const Dict* catalog = doc.catalog();
    if (catalog == nullptr || catalog->find("AcroForm") == nullptr) return {};
    const Dict* form = doc.resolve_dict(*catalog->find("AcroForm"));
    return form != nullptr ? ref_numbers(doc, form->find("Fields")) : std::vector<std::uint32_t>{};
  };
  auto annots_of = [](Document& doc, std::uint32_t page_num) {
    const Dict* page = doc.object(page_num).dict();
    return page != nullptr ? ref_numbers(doc, page->find("Annots")) : std::vector<std::uint32_t>{};
  };

  std::optional<std::set<std::uint32_t>> referenced_before;
  bool fields_compared = false;
  std::set<std::size_t> annots_compared;
  for (const auto& [num, entry_after] : after.xref()) {
    auto it = before.xref().find(num);
    bool existed = it != before.xref().end() && it->second.kind != XrefEntry::Kind::Free;
    if (existed && it->second == entry_after) continue;
    if (!existed) {
      if (entry_after.kind == XrefEntry::Kind::Free) continue;
      // A number the signed revision already referred to (dangling, so drawing
      // nothing) that is defined only later: the shadow "hide" trick.
      if (!referenced_before) referenced_before = referenced_numbers(before);
      if (!referenced_before->contains(num)) continue;
      out.push_back(modification(
          "object-resurrected",
          "object " + std::to_string(num) +
              " was referenced but undefined when signed, and is defined later",
          "đối tượng " + std::to_string(num) +
              " được tham chiếu nhưng chưa tồn tại khi ký, và được định nghĩa sau đó"));
      continue;
    }
    if (entry_after.kind == XrefEntry::Kind::Free) {
      out.push_back(modification("object-deleted",
                                 "object " + std::to_string(num) + " was deleted after signing",
                                 "đối tượng " + std::to_string(num) + " đã bị xoá sau khi ký"));
      continue;
    }
    if (same_object(before, after, num)) continue;

    if (num == root_before->num) {
      const Dict* a = before.catalog();
      const Dict* b = after.catalog();
      if (a == nullptr || b == nullptr) continue;
      auto keys = changed_keys(*a, *b, {"AcroForm", "DSS", "Metadata", "Perms"});
      if (!keys.empty()) {
        out.push_back(modification("catalog-changed",
                                   "the catalog changed after signing: " + join_keys(keys),
                                   "danh mục tài liệu thay đổi sau khi ký: " + join_keys(keys)));
      }
      if (!fields_compared) {
        compare_reference_lists(before, after, fields_of(before), fields_of(after), "field", out);
        fields_compared = true;
      }
    } else if (auto page = page_index.find(num); page != page_index.end()) {
      const Dict* a = before.object(num).dict();
      const Dict* b = after.object(num).dict();
      std::string where = "page " + std::to_string(page->second + 1);
      std::string where_vi = "trang " + std::to_string(page->second + 1);
      if (a == nullptr || b == nullptr) {
        out.push_back(
            modification("page-replaced", where + " was replaced", where_vi + " đã bị thay thế"));
        continue;
      }
      auto keys = changed_keys(*a, *b, {"Annots"});
      if (!keys.empty()) {
        out.push_back(modification("page-changed",
                                   where + " changed after signing: " + join_keys(keys),
                                   where_vi + " thay đổi sau khi ký: " + join_keys(keys)));
      }
      if (annots_compared.insert(page->second).second) {
        compare_reference_lists(before, after, annots_of(before, num), annots_of(after, num),
                                "annotation", out);
      }
    } else if (auto arr = annots_array_page.find(num); arr != annots_array_page.end()) {
      if (annots_compared.insert(arr->second).second) {
        std::uint32_t page_num = pages_before[arr->second].num;
        compare_reference_lists(before, after, annots_of(before, page_num),
                                annots_of(after, page_num), "annotation", out);
      }
    } else if ((acroform_num && num == *acroform_num) || (fields_num && num == *fields_num)) {
      if (acroform_num && num == *acroform_num) {
        const Dict* a = before.object(num).dict();
        const Dict* b = after.object(num).dict();
        if (a != nullptr && b != nullptr) {
          auto keys = changed_keys(*a, *b, {"Fields", "SigFlags", "DR", "DA"});
          if (!keys.empty()) {
            out.push_back(modification("form-changed",
                                       "the form dictionary changed: " + join_keys(keys),
                                       "từ điển biểu mẫu thay đổi: " + join_keys(keys)));
          }
        }
      }
      if (!fields_compared) {
        compare_reference_lists(before, after, fields_of(before), fields_of(after), "field", out);
        fields_compared = true;
      }
    } else if (dss_num && num == *dss_num) {
      continue;  // validation data may grow
    } else if (metadata_num && num == *metadata_num) {
      continue;  // XMP is informational; PAdES tolerates it
    } else if (is_signature_widget_or_field(before, num) &&
               is_signature_widget_or_field(after, num)) {
      // An empty signature field being signed: only /V, /AP and flags may change.
      const Dict* a = before.object(num).dict();
      const Dict* b = after.object(num).dict();
      if (a != nullptr && b != nullptr) {
        auto keys = changed_keys(*a, *b, {"V", "AP", "F", "Lock", "SV", "AS"});
        if (!keys.empty()) {
          out.push_back(modification(
              "signature-field-changed",
              "signature field " + std::to_string(num) + " changed: " + join_keys(keys),
              "trường chữ ký " + std::to_string(num) + " thay đổi: " + join_keys(keys)));
        }
      }
    } else {
      const Dict* dict = after.object(num).dict();
      std::string kind;
      if (dict != nullptr && dict->find("Type") != nullptr) {
        kind = " (/" + std::string(dict->find("Type")->name()) + ")";
      } else if (after.object(num).stream() != nullptr) {
        kind = " (stream)";
      }
      std::string field_note;
      if (dict != nullptr && dict->find("FT") != nullptr) field_note = " (form field value)";
      out.push_back(modification(
          "object-replaced",
          "object " + std::to_string(num) + kind + field_note + " was replaced after signing",
          "đối tượng " + std::to_string(num) + kind + " đã bị thay thế sau khi ký"));
    }
  }
  return out;
}

}  // namespace sohoa::signing
