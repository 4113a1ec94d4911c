// The libxml2 adapter: TT 05/2025 dossier metadata as XMP. PDF/A requires every
// custom schema to be declared in the packet itself (pdfaExtension:schemas),
// including the structured type of our document list. libxml2 does the
// escaping and namespace bookkeeping; its types stay in this file.
#include <libxml/tree.h>

#include <cstdio>
#include <memory>

#include "sohoa/understanding/dossier.hpp"

namespace sohoa::understanding {

namespace {

constexpr const char* kRdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
constexpr const char* kExtension = "http://www.aiim.org/pdfa/ns/extension/";
constexpr const char* kSchema = "http://www.aiim.org/pdfa/ns/schema#";
constexpr const char* kProperty = "http://www.aiim.org/pdfa/ns/property#";
constexpr const char* kType = "http://www.aiim.org/pdfa/ns/type#";
constexpr const char* kField = "http://www.aiim.org/pdfa/ns/field#";
constexpr const char* kDocumentNamespace = "http://ns.sohoa.vn/tt05-2025/tailieu/1.0/";

const xmlChar* x(const char* s) {
  return reinterpret_cast<const xmlChar*>(s);
}

struct DocDeleter {
  void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};

struct PropertyDefinition {
  const char* name;
  const char* value_type;
  const char* description;
};

// Properties of the dossier record (hồ sơ) we write; names follow TT 05/2025's fields.
constexpr PropertyDefinition kDossierProperties[] = {
    {"MaHoSo", "Text", "Ma ho so (dossier code, TT 03/2025)"},
    {"MaThuTuc", "Text", "Ma thu tuc hanh chinh (procedure code)"},
    {"SoDinhDanhNguoiNop", "Text", "So dinh danh ca nhan of the applicant"},
    {"TenNguoiNop", "Text", "Name of the applicant"},
    {"NgayTiepNhan", "Date", "Date of receipt (from the dossier code)"},
    {"SoLuongTaiLieu", "Integer", "Number of documents"},
    {"SoLuongTrang", "Integer", "Number of pages"},
    {"NgonNgu", "Text", "Language"},
    {"MucDoTinCay", "Text",
     "Confidence level: 01 born digital, 02 digitised from the original, 03 "
     "digitised from a copy"},
    {"TaiLieu", "seq TaiLieu", "Documents of the dossier in order"},
};

constexpr PropertyDefinition kDocumentFields[] = {
    {"LoaiTaiLieu", "Text", "Page class of the document"},
    {"TieuDe", "Text", "Title of the document"},
    {"TrangDau", "Integer", "First page in this file"},
    {"TrangCuoi", "Integer", "Last page in this file"},
    {"SoTrang", "Integer", "Page count"},
    {"MucDoTinCay", "Text", "Confidence level (02 or 03)"},
};

class Builder {
 public:
  Builder() : doc_(xmlNewDoc(x("1.0"))) {
    root_ = xmlNewDocNode(doc_.get(), nullptr, x("RDF"), nullptr);
    xmlDocSetRootElement(doc_.get(), root_);
    rdf_ = xmlNewNs(root_, x(kRdf), x("rdf"));
    xmlSetNs(root_, rdf_);
  }

  xmlNode* description() {
    xmlNode* node = xmlNewChild(root_, rdf_, x("Description"), nullptr);
    xmlNewNsProp(node, rdf_, x("about"), x(""));
    return node;
  }
  xmlNs* ns(xmlNode* on, const char* href, const char* prefix) {
    return xmlNewNs(on, x(href), x(prefix));
  }
  xmlNode* text(xmlNode* parent, xmlNs* ns, const char* name, const std::string& value) {
    return xmlNewTextChild(parent, ns, x(name), x(value.c_str()));
  }
  xmlNode* container(xmlNode* parent, xmlNs* ns, const char* name, const char* kind) {
    xmlNode* property = xmlNewChild(parent, ns, x(name), nullptr);
    return xmlNewChild(property, rdf_, x(kind), nullptr);
  }
  xmlNode* resource_item(xmlNode* container) {
    xmlNode* li = xmlNewChild(container, rdf_, x("li"), nullptr);
    xmlNewNsProp(li, rdf_, x("parseType"), x("Resource"));
    return li;
  }

  std::string serialise() {
    std::string out;
    for (xmlNode* child = root_->children; child != nullptr; child = child->next) {
      xmlBuffer* buffer = xmlBufferCreate();
      xmlNodeDump(buffer, doc_.get(), child, 2, 1);
      out.append(reinterpret_cast<const char*>(xmlBufferContent(buffer)),
                 static_cast<std::size_t>(xmlBufferLength(buffer)));
      out += '\n';
      xmlBufferFree(buffer);
    }
    return out;
  }

 private:
  std::unique_ptr<xmlDoc, DocDeleter> doc_;
  xmlNode* root_ = nullptr;
  xmlNs* rdf_ = nullptr;
};

void declare_schema(Builder& b) {
  xmlNode* d = b.description();
  xmlNs* ext = b.ns(d, kExtension, "pdfaExtension");
  xmlNs* schema = b.ns(d, kSchema, "pdfaSchema");
  xmlNs* property = b.ns(d, kProperty, "pdfaProperty");
  xmlNs* type = b.ns(d, kType, "pdfaType");
  xmlNs* field = b.ns(d, kField, "pdfaField");
  xmlNode* bag = b.container(d, ext, "schemas", "Bag");
  xmlNode* entry = b.resource_item(bag);
  b.text(entry, schema, "schema", "TT 05/2025/TT-BNV dossier metadata (sohoa)");
  b.text(entry, schema, "namespaceURI", kDossierXmpNamespace);
  b.text(entry, schema, "prefix", "hoso");
  xmlNode* properties = b.container(entry, schema, "property", "Seq");
  for (const auto& p : kDossierProperties) {
    xmlNode* li = b.resource_item(properties);
    b.text(li, property, "name", p.name);
    b.text(li, property, "valueType", p.value_type);
    b.text(li, property, "category", "external");
    b.text(li, property, "description", p.description);
  }
  xmlNode* types = b.container(entry, schema, "valueType", "Seq");
  xmlNode* document_type = b.resource_item(types);
  b.text(document_type, type, "type", "TaiLieu");
  b.text(document_type, type, "namespaceURI", kDocumentNamespace);
  b.text(document_type, type, "prefix", "tailieu");
  b.text(document_type, type, "description", "A document (tai lieu) of the dossier");
  xmlNode* fields = b.container(document_type, type, "field", "Seq");
  for (const auto& f : kDocumentFields) {
    xmlNode* li = b.resource_item(fields);
    b.text(li, field, "name", f.name);
    b.text(li, field, "valueType", f.value_type);
    b.text(li, field, "description", f.description);
  }
}

}  // namespace

std::string dossier_xmp(const GroupRecord& group, const std::map<int, int>& page_of) {
  Builder b;
  declare_schema(b);
  xmlNode* d = b.description();
  xmlNs* hoso = b.ns(d, kDossierXmpNamespace, "hoso");
  xmlNs* tailieu = b.ns(d, kDocumentNamespace, "tailieu");
  b.text(d, hoso, "MaHoSo", group.name);
  if (!group.procedure_code.empty()) b.text(d, hoso, "MaThuTuc", group.procedure_code);
  if (!group.applicant_id.empty()) b.text(d, hoso, "SoDinhDanhNguoiNop", group.applicant_id);
  if (!group.applicant_name.empty()) b.text(d, hoso, "TenNguoiNop", group.applicant_name);
  if (auto code = parse_dossier_code(group.name)) {
    char iso[16];
    std::snprintf(iso, sizeof iso, "%04d-%02d-%02d", code->year, code->month, code->day);
    b.text(d, hoso, "NgayTiepNhan", iso);
  }
  int pages = 0;
  bool any_copy = false;
  struct Entry {
    const DocumentRecord* document;
    int first;
    int last;
    int count;
  };
  std::vector<Entry> entries;
  for (const auto& document : group.documents) {
    int first = 0;
    int last = 0;
    int count = 0;
    for (int index : document.stack_indices) {
      auto it = page_of.find(index);
      if (it == page_of.end()) continue;
      first = first == 0 ? it->second : std::min(first, it->second);
      last = std::max(last, it->second);
      ++count;
    }
    if (count == 0) continue;
    pages += count;
    any_copy = any_copy || document.confidence_level == "03";
    entries.push_back({&document, first, last, count});
  }
  b.text(d, hoso, "SoLuongTaiLieu", std::to_string(entries.size()));
  b.text(d, hoso, "SoLuongTrang", std::to_string(pages));
  b.text(d, hoso, "NgonNgu", "vi");
  b.text(d, hoso, "MucDoTinCay", any_copy ? "03" : "02");
  xmlNode* seq = b.container(d, hoso, "TaiLieu", "Seq");
  for (const auto& e : entries) {
    xmlNode* li = b.resource_item(seq);
    b.text(li, tailieu, "LoaiTaiLieu", e.document->page_class);
    b.text(li, tailieu, "TieuDe", e.document->title);
    b.text(li, tailieu, "TrangDau", std::to_string(e.first));
    b.text(li, tailieu, "TrangCuoi", std::to_string(e.last));
    b.text(li, tailieu, "SoTrang", std::to_string(e.count));
    b.text(li, tailieu, "MucDoTinCay", e.document->confidence_level);
  }
  return b.serialise();
}

}  // namespace sohoa::understanding
