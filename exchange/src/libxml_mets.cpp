// The libxml2 adapter: METS.xml and the TT 05/2025 descriptive records of a
// package, schema validation (XSD) of both, and reading back which files a
// METS.xml lists. libxml2 escapes text and attributes and keeps the namespace
// bookkeeping; its types stay in this file.
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>

#include <charconv>
#include <memory>

#include "package_model.hpp"
#include "sohoa/core/error.hpp"

namespace sohoa::exchange::detail {

namespace {

namespace fs = std::filesystem;

constexpr const char* kMetsNamespace = "http://www.loc.gov/METS/";
constexpr const char* kXlinkNamespace = "http://www.w3.org/1999/xlink";
constexpr const char* kSohoaNamespace = "https://ns.sohoa.vn/exchange/1.0";
constexpr const char* kProfile = "https://ns.sohoa.vn/exchange/sip-profile/1.0";
constexpr int kMaxReportedProblems = 5;

const xmlChar* x(const char* text) {
  return reinterpret_cast<const xmlChar*>(text);
}
const xmlChar* x(const std::string& text) {
  return x(text.c_str());
}

// libxml2 must be initialised once before threads use it (the service's HTTP threads).
void initialise_libxml() {
  static const bool initialised = [] {
    xmlInitParser();
    return true;
  }();
  (void)initialised;
}

struct DocDeleter {
  void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};
using DocPtr = std::unique_ptr<xmlDoc, DocDeleter>;

// Registry text as XML 1.0 allows it: invalid UTF-8 and control characters (which
// XML cannot carry) become U+FFFD, so a damaged field cannot break the package.
std::string xml_text(std::string_view text) {
  std::string clean;
  clean.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = lead < 0x80           ? 1
                         : (lead >> 5) == 0x6  ? 2
                         : (lead >> 4) == 0xE  ? 3
                         : (lead >> 3) == 0x1E ? 4
                                               : 0;
    bool valid = length > 0 && i + length <= text.size();
    for (std::size_t k = 1; valid && k < length; ++k) {
      valid = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
    }
    if (valid && length == 1 && lead < 0x20 && lead != '\t' && lead != '\n' && lead != '\r') {
      valid = false;
    }
    if (valid && length == 2 && lead < 0xC2) valid = false;  // overlong
    if (valid) {
      clean.append(text.substr(i, length));
      i += length;
    } else {
      clean += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return clean;
}

// A document under construction: elements in one namespace, text escaped by libxml2.
class XmlWriter {
 public:
  XmlWriter(const char* root_name, const char* namespace_uri, const char* prefix)
      : doc_((initialise_libxml(), xmlNewDoc(x("1.0")))) {
    root_ = xmlNewDocNode(doc_.get(), nullptr, x(root_name), nullptr);
    xmlDocSetRootElement(doc_.get(), root_);
    ns_ = xmlNewNs(root_, x(namespace_uri), x(prefix));
    xmlSetNs(root_, ns_);
  }

  [[nodiscard]] xmlNode* root() const { return root_; }
  [[nodiscard]] xmlNs* ns() const { return ns_; }
  xmlNs* declare(const char* namespace_uri, const char* prefix) {
    return xmlNewNs(root_, x(namespace_uri), x(prefix));
  }

  xmlNode* element(xmlNode* parent, const char* name, xmlNs* in = nullptr) {
    return xmlNewChild(parent, in != nullptr ? in : ns_, x(name), nullptr);
  }
  xmlNode* text(xmlNode* parent, const char* name, std::string_view value, xmlNs* in = nullptr) {
    return xmlNewTextChild(parent, in != nullptr ? in : ns_, x(name), x(xml_text(value)));
  }
  // An optional field: left out when empty (the schema makes it optional).
  void optional_text(xmlNode* parent, const char* name, std::string_view value,
                     xmlNs* in = nullptr) {
    if (!value.empty()) text(parent, name, value, in);
  }
  static void attribute(xmlNode* node, const char* name, std::string_view value,
                        xmlNs* in = nullptr) {
    const std::string clean = xml_text(value);
    if (in != nullptr) {
      xmlNewNsProp(node, in, x(name), x(clean));
    } else {
      xmlNewProp(node, x(name), x(clean));
    }
  }

  std::string serialise() {
    xmlChar* buffer = nullptr;
    int size = 0;
    xmlDocDumpFormatMemoryEnc(doc_.get(), &buffer, &size, "UTF-8", 1);
    if (buffer == nullptr) throw Error(ErrorCode::Internal, "cannot serialise XML");
    std::string out(reinterpret_cast<const char*>(buffer), static_cast<std::size_t>(size));
    xmlFree(buffer);
    return out;
  }

 private:
  DocPtr doc_;
  xmlNode* root_ = nullptr;
  xmlNs* ns_ = nullptr;
};

int total_pages(const PackageContent& content) {
  int pages = 0;
  for (const auto& document : content.documents) pages += document.document.page_count;
  return pages;
}

void checksum_attributes(xmlNode* node, const PackageFile& file) {
  XmlWriter::attribute(node, "MIMETYPE", file.mime_type);
  XmlWriter::attribute(node, "SIZE", std::to_string(file.size));
  XmlWriter::attribute(node, "CREATED", file.created);
  XmlWriter::attribute(node, "CHECKSUM", file.sha256);
  XmlWriter::attribute(node, "CHECKSUMTYPE", "SHA-256");
}

void location(XmlWriter& writer, xmlNode* node, xmlNs* xlink, const std::string& path) {
  writer.attribute(node, "LOCTYPE", "URL");
  writer.attribute(node, "type", "simple", xlink);
  writer.attribute(node, "href", path, xlink);
}

void agent(XmlWriter& writer, xmlNode* header, const char* role, const char* type,
           const std::string& name, const std::string& note, const char* other_role = nullptr,
           const char* other_type = nullptr) {
  xmlNode* node = writer.element(header, "agent");
  writer.attribute(node, "ROLE", role);
  if (other_role != nullptr) writer.attribute(node, "OTHERROLE", other_role);
  writer.attribute(node, "TYPE", type);
  if (other_type != nullptr) writer.attribute(node, "OTHERTYPE", other_type);
  writer.text(node, "name", name);
  writer.text(node, "note", note);
}

void descriptive_section(XmlWriter& writer, xmlNs* xlink, const std::string& id,
                         const char* record_type, const PackageFile& file) {
  xmlNode* section = writer.element(writer.root(), "dmdSec");
  writer.attribute(section, "ID", id);
  writer.attribute(section, "CREATED", file.created);
  xmlNode* reference = writer.element(section, "mdRef");
  location(writer, reference, xlink, file.path);
  writer.attribute(reference, "MDTYPE", "OTHER");
  writer.attribute(reference, "OTHERMDTYPE", record_type);
  checksum_attributes(reference, file);
}

void provenance(XmlWriter& writer, xmlNode* admin, const PackageContent& content,
                const DocumentEntry& document, const VersionEntry& version) {
  xmlNode* section = writer.element(admin, "digiprovMD");
  writer.attribute(section, "ID", version.provenance_id);
  writer.attribute(section, "CREATED", version.created_at);
  xmlNode* wrap = writer.element(section, "mdWrap");
  writer.attribute(wrap, "MIMETYPE", "text/xml");
  writer.attribute(wrap, "MDTYPE", "OTHER");
  writer.attribute(wrap, "OTHERMDTYPE", "SOHOA-NGUONGOC");
  xmlNode* data = writer.element(wrap, "xmlData");
  xmlNs* hs = xmlSearchNsByHref(nullptr, writer.root(), x(kSohoaNamespace));
  xmlNode* record = writer.element(data, "NguonGoc", hs);
  writer.text(record, "MaTaiLieu", document.document.code, hs);
  writer.text(record, "PhienBan", std::to_string(version.version.version), hs);
  writer.text(record, "LyDo", version.version.reason, hs);
  writer.text(record, "CoQuanSoHoa", document.document.agency, hs);
  writer.text(record, "NguoiThucHien", version.version.created_by, hs);
  writer.text(record, "ThoiDiem", version.created_at, hs);
  writer.text(record, "SoChuKySo", std::to_string(version.signature_dictionaries), hs);
  writer.text(record, "SHA256", version.file.sha256, hs);
  writer.text(record, "XuatBoi",
              content.exported_by.account + " (" + content.exported_by.agency + ")", hs);
}

std::string attribute_of(xmlNode* node, const char* name, const char* namespace_uri = nullptr) {
  xmlChar* value = namespace_uri != nullptr ? xmlGetNsProp(node, x(name), x(namespace_uri))
                                            : xmlGetProp(node, x(name));
  if (value == nullptr) return {};
  std::string text(reinterpret_cast<const char*>(value));
  xmlFree(value);
  return text;
}

bool is_mets(xmlNode* node, const char* name) {
  return node->type == XML_ELEMENT_NODE && node->ns != nullptr &&
         xmlStrEqual(node->ns->href, x(kMetsNamespace)) && xmlStrEqual(node->name, x(name));
}

void collect_references(xmlNode* node, std::vector<ReferencedFile>& found) {
  for (xmlNode* child = node; child != nullptr; child = child->next) {
    if (child->type != XML_ELEMENT_NODE) continue;
    const bool reference = is_mets(child, "mdRef");
    if (reference || is_mets(child, "file")) {
      ReferencedFile file;
      file.descriptive = reference;
      file.sha256 = attribute_of(child, "CHECKSUM");
      const auto size = attribute_of(child, "SIZE");
      std::from_chars(size.data(), size.data() + size.size(), file.size);
      xmlNode* located = child;
      if (!reference) {
        located = nullptr;
        for (xmlNode* inner = child->children; inner != nullptr; inner = inner->next) {
          if (is_mets(inner, "FLocat")) located = inner;
        }
      }
      if (located != nullptr) file.href = attribute_of(located, "href", kXlinkNamespace);
      found.push_back(std::move(file));
    }
    collect_references(child->children, found);
  }
}

// libxml2's messages for one check, with their line numbers.
struct Problems {
  std::string text;
  int count = 0;
};

void record_problem(void* context, const xmlError* error) {
  auto* problems = static_cast<Problems*>(context);
  if (error == nullptr || error->level < XML_ERR_ERROR) return;
  if (++problems->count > kMaxReportedProblems) return;
  std::string message = error->message != nullptr ? error->message : "invalid";
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  if (!problems->text.empty()) problems->text += "; ";
  problems->text += "line " + std::to_string(error->line) + ": " + message;
}

void record_problem_mutable(void* context, xmlError* error) {
  record_problem(context, error);
}

struct SchemaParserDeleter {
  void operator()(xmlSchemaParserCtxt* context) const { xmlSchemaFreeParserCtxt(context); }
};
struct SchemaDeleter {
  void operator()(xmlSchema* schema) const { xmlSchemaFree(schema); }
};
struct ValidatorDeleter {
  void operator()(xmlSchemaValidCtxt* context) const { xmlSchemaFreeValidCtxt(context); }
};

DocPtr read_xml(const fs::path& file) {
  initialise_libxml();
  // No network, no entity expansion, no DTD loading: a package is outside data.
  DocPtr doc(xmlReadFile(file.c_str(), nullptr,
                         XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
  if (!doc) {
    const xmlError* error = xmlGetLastError();
    std::string reason = error != nullptr && error->message != nullptr ? error->message : "";
    while (!reason.empty() && reason.back() == '\n') reason.pop_back();
    throw Error(ErrorCode::CorruptInput,
                "not well-formed XML" + (reason.empty() ? "" : " (" + reason + ")"),
                {file.string()});
  }
  return doc;
}

}  // namespace

std::string dossier_record_xml(const PackageContent& content) {
  const auto& dossier = content.dossier;
  XmlWriter writer("HoSo", kSohoaNamespace, "hs");
  xmlNode* root = writer.root();
  writer.text(root, "MaHoSo", dossier.code);
  writer.optional_text(root, "TieuDe", dossier.title);
  writer.text(root, "CoQuanQuanLy", dossier.agency);
  writer.text(root, "DonViTiepNhan", dossier.unit_code);
  writer.optional_text(root, "MaThuTuc", dossier.procedure_code);
  writer.text(root, "NgayTiepNhan", storage::iso_date(dossier.received_on));
  writer.text(root, "NgayHenTra", storage::iso_date(dossier.due_on));
  writer.text(root, "TrangThai", storage::to_string(dossier.status));
  xmlNode* applicant = writer.element(root, "NguoiNop");
  writer.optional_text(applicant, "HoTen", dossier.applicant_name);
  writer.optional_text(applicant, "SoDinhDanh", dossier.personal_id);
  writer.text(root, "SoLuongTaiLieu", std::to_string(content.documents.size()));
  writer.text(root, "SoLuongTrang", std::to_string(total_pages(content)));
  xmlNode* list = writer.element(root, "DanhMucTaiLieu");
  for (const auto& document : content.documents) {
    xmlNode* item = writer.text(list, "MaTaiLieu", document.document.code);
    writer.attribute(item, "href",
                     document.descriptive.path.substr(document.descriptive.path.rfind('/') + 1));
  }
  return writer.serialise();
}

std::string document_record_xml(const PackageContent& content, const DocumentEntry& entry) {
  const auto& document = entry.document;
  const auto& metadata = document.metadata;
  XmlWriter writer("TaiLieu", kSohoaNamespace, "hs");
  xmlNode* root = writer.root();
  writer.text(root, "MaTaiLieu", document.code);
  writer.text(root, "MaHoSo", content.dossier.code);
  writer.text(root, "LoaiTaiLieu", metadata.document_class);
  writer.optional_text(root, "SoKyHieu", metadata.number_symbol);
  writer.optional_text(root, "NgayVanBan", metadata.issued_on);
  writer.optional_text(root, "TenLoaiVanBan", metadata.document_type);
  writer.optional_text(root, "CoQuanBanHanh", metadata.issuing_agency);
  writer.optional_text(root, "TrichYeu", metadata.summary);
  writer.optional_text(root, "NguoiKy", metadata.signer);
  writer.text(root, "SoTrang", std::to_string(document.page_count));
  writer.optional_text(root, "NgonNgu", metadata.language);
  writer.text(root, "MucDoTinCay", metadata.confidence_level);
  writer.optional_text(root, "GhiChu", metadata.notes);
  writer.text(root, "SoPhienBan", std::to_string(entry.versions.size()));
  return writer.serialise();
}

std::string mets_xml(const PackageContent& content) {
  XmlWriter writer("mets", kMetsNamespace, "mets");
  xmlNs* xlink = writer.declare(kXlinkNamespace, "xlink");
  writer.declare(kSohoaNamespace, "hs");
  xmlNode* root = writer.root();
  writer.attribute(root, "OBJID", content.dossier.code);
  writer.attribute(root, "LABEL", content.dossier.title);
  writer.attribute(root, "TYPE", "Mixed");
  writer.attribute(root, "PROFILE", kProfile);

  xmlNode* header = writer.element(root, "metsHdr");
  writer.attribute(header, "CREATEDATE", content.created);
  writer.attribute(header, "RECORDSTATUS", "NEW");
  agent(writer, header, "CREATOR", "ORGANIZATION", content.dossier.agency,
        "the agency that received and digitised the dossier");
  agent(writer, header, "OTHER", "INDIVIDUAL", content.exported_by.account,
        "exported for agency " + content.exported_by.agency, "EXPORTER");
  agent(writer, header, "CREATOR", "OTHER", "sohoa", content.software_version, nullptr, "SOFTWARE");

  descriptive_section(writer, xlink, "dmd-dossier", "SOHOA-TT05-HOSO", content.dossier_descriptive);
  for (const auto& document : content.documents) {
    descriptive_section(writer, xlink, "dmd-doc-" + document.key, "SOHOA-TT05-TAILIEU",
                        document.descriptive);
  }

  bool any_version = false;
  for (const auto& document : content.documents) any_version |= !document.versions.empty();
  if (any_version) {
    xmlNode* admin = writer.element(root, "amdSec");
    writer.attribute(admin, "ID", "amd-1");
    for (const auto& document : content.documents) {
      for (const auto& version : document.versions)
        provenance(writer, admin, content, document, version);
    }
  }

  xmlNode* files = writer.element(root, "fileSec");
  writer.attribute(files, "ID", "filesec-1");
  const auto file_element = [&](xmlNode* group, const PackageFile& file) {
    xmlNode* node = writer.element(group, "file");
    writer.attribute(node, "ID", file.id);
    checksum_attributes(node, file);
    return node;
  };
  if (any_version) {
    xmlNode* group = writer.element(files, "fileGrp");
    writer.attribute(group, "ID", "grp-rep1");
    writer.attribute(group, "USE", "Representations/rep1/Data");
    for (const auto& document : content.documents) {
      for (const auto& version : document.versions) {
        xmlNode* node = file_element(group, version.file);
        writer.attribute(node, "SEQ", std::to_string(version.version.version));
        writer.attribute(node, "GROUPID", "doc-" + document.key);
        writer.attribute(node, "USE", version.version.reason);
        writer.attribute(node, "ADMID", version.provenance_id);
        location(writer, writer.element(node, "FLocat"), xlink, version.file.path);
      }
    }
  }
  xmlNode* schemas = writer.element(files, "fileGrp");
  writer.attribute(schemas, "ID", "grp-schemas");
  writer.attribute(schemas, "USE", "Schemas");
  for (const auto& schema : content.schemas) {
    location(writer, writer.element(file_element(schemas, schema), "FLocat"), xlink, schema.path);
  }

  xmlNode* map = writer.element(root, "structMap");
  writer.attribute(map, "ID", "structmap-1");
  writer.attribute(map, "TYPE", "PHYSICAL");
  writer.attribute(map, "LABEL", "sohoa dossier");
  xmlNode* top = writer.element(map, "div");
  writer.attribute(top, "ID", "div-dossier");
  writer.attribute(top, "TYPE", "dossier");
  writer.attribute(top, "LABEL", content.dossier.code);
  writer.attribute(top, "DMDID", "dmd-dossier");
  int order = 0;
  for (const auto& document : content.documents) {
    xmlNode* div = writer.element(top, "div");
    writer.attribute(div, "ID", "div-doc-" + document.key);
    writer.attribute(div, "TYPE", "document");
    writer.attribute(div, "ORDER", std::to_string(++order));
    const auto& title = document.document.metadata.summary.empty()
                            ? document.document.metadata.document_type
                            : document.document.metadata.summary;
    writer.attribute(div, "LABEL",
                     title.empty() ? document.document.code : document.document.code + " " + title);
    writer.attribute(div, "DMDID", "dmd-doc-" + document.key);
    for (const auto& version : document.versions) {
      writer.attribute(writer.element(div, "fptr"), "FILEID", version.file.id);
    }
  }
  xmlNode* schema_div = writer.element(top, "div");
  writer.attribute(schema_div, "ID", "div-schemas");
  writer.attribute(schema_div, "TYPE", "schemas");
  writer.attribute(schema_div, "LABEL", "Schemas");
  for (const auto& schema : content.schemas) {
    writer.attribute(writer.element(schema_div, "fptr"), "FILEID", schema.id);
  }
  return writer.serialise();
}

void validate_against_schema(const fs::path& xml_file, const fs::path& schema_file) {
  initialise_libxml();
  Problems problems;
  std::unique_ptr<xmlSchemaParserCtxt, SchemaParserDeleter> parser(
      xmlSchemaNewParserCtxt(schema_file.c_str()));
  if (!parser) throw Error(ErrorCode::Internal, "cannot read the schema", {schema_file.string()});
  xmlSchemaSetParserStructuredErrors(parser.get(), record_problem_mutable, &problems);
  std::unique_ptr<xmlSchema, SchemaDeleter> schema(xmlSchemaParse(parser.get()));
  if (!schema) {
    throw Error(ErrorCode::Internal, "the schema does not load: " + problems.text,
                {schema_file.string()});
  }
  const DocPtr doc = read_xml(xml_file);
  std::unique_ptr<xmlSchemaValidCtxt, ValidatorDeleter> validator(
      xmlSchemaNewValidCtxt(schema.get()));
  xmlSchemaSetValidStructuredErrors(validator.get(), record_problem_mutable, &problems);
  const int verdict = xmlSchemaValidateDoc(validator.get(), doc.get());
  if (verdict != 0) {
    std::string message = "does not follow " + schema_file.filename().string() + ": " +
                          (problems.text.empty() ? "invalid" : problems.text);
    if (problems.count > kMaxReportedProblems) {
      message += " (and " + std::to_string(problems.count - kMaxReportedProblems) + " more)";
    }
    throw Error(ErrorCode::CorruptInput, message, {xml_file.string()});
  }
}

std::vector<ReferencedFile> referenced_files(const fs::path& mets_file) {
  const DocPtr doc = read_xml(mets_file);
  std::vector<ReferencedFile> found;
  collect_references(xmlDocGetRootElement(doc.get()), found);
  return found;
}

}  // namespace sohoa::exchange::detail
