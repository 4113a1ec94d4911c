#include "signature_revision.hpp"

#include <algorithm>
#include <cstring>
#include <set>

#include "appearance.hpp"
#include "incremental_update.hpp"
#include "pdf_document.hpp"
#include "sohoa/core/error.hpp"

namespace sohoa::signing {

namespace {
using pdf::Array;
using pdf::Dict;
using pdf::Document;
using pdf::IncrementalUpdate;
using pdf::Name;
using pdf::Object;
using pdf::Ref;

constexpr std::string_view kByteRangePlaceholder = "[0 0000000000 0000000000 0000000000]";

struct ContentsTooSmall {
  std::size_t needed;
};

Ref ref_with_gen(const Document& doc, std::uint32_t num) {
  auto it = doc.xref().find(num);
  std::uint16_t gen =
      it != doc.xref().end() && it->second.kind == pdf::XrefEntry::Kind::InUse ? it->second.gen : 0;
  return Ref{num, gen};
}

std::string unique_field_name(Document& doc, const Array& fields, const std::string& wanted,
                              const std::string& prefix) {
  std::set<std::string> taken;
  for (const Object& field : fields) {
    if (const Dict* dict = doc.resolve_dict(field)) {
      if (const Object* t = dict->find("T"); t != nullptr && t->string() != nullptr) {
        taken.insert(pdf::text_to_utf8(t->string()->bytes));
      }
    }
  }
  if (!wanted.empty()) {
    if (taken.contains(wanted)) {
      throw Error(ErrorCode::InvalidArgument, "a field named '" + wanted + "' already exists");
    }
    return wanted;
  }
  for (int n = 1;; ++n) {
    std::string name = prefix + std::to_string(n);
    if (!taken.contains(name)) return name;
  }
}

// A page attribute, inherited from the page tree when the page lacks it.
const pdf::Object* inherited(Document& doc, const Dict& page, std::string_view key) {
  const Dict* node = &page;
  for (int depth = 0; node != nullptr && depth < 32; ++depth) {
    if (const Object* value = node->find(key)) return &doc.resolve(*value);
    const Object* parent = node->find("Parent");
    node = parent != nullptr ? doc.resolve_dict(*parent) : nullptr;
  }
  return nullptr;
}

std::optional<PageBox> box_of(const Object* value) {
  if (value == nullptr || value->array() == nullptr || value->array()->size() != 4) {
    return std::nullopt;
  }
  PageBox box{};
  for (std::size_t i = 0; i < 4; ++i) {
    std::optional<double> v = (*value->array())[i].number();
    if (!v) return std::nullopt;
    box[i] = *v;
  }
  // Normalise so that [x0 y0] is the lower-left corner.
  if (box[0] > box[2]) std::swap(box[0], box[2]);
  if (box[1] > box[3]) std::swap(box[1], box[3]);
  return box;
}

// What a viewer shows of the page: the crop box within the media box (US Letter
// when a broken file has neither).
PageBox visible_box(Document& doc, const Dict& page) {
  PageBox media = box_of(inherited(doc, page, "MediaBox")).value_or(PageBox{0, 0, 612, 792});
  std::optional<PageBox> crop = box_of(inherited(doc, page, "CropBox"));
  if (!crop) return media;
  PageBox visible{std::max(media[0], (*crop)[0]), std::max(media[1], (*crop)[1]),
                  std::min(media[2], (*crop)[2]), std::min(media[3], (*crop)[3])};
  if (visible[0] >= visible[2] || visible[1] >= visible[3]) return media;
  return visible;
}

std::string build_once(ByteView input, const SignatureFieldSpec& spec, std::size_t reserve,
                       const ContentsMaker& make_contents, Buffer* contents_value) {
  Document doc(input);
  std::optional<Ref> root = doc.root_ref();
  const Dict* catalog_in = doc.catalog();
  if (!root || catalog_in == nullptr) throw Error(ErrorCode::CorruptInput, "no document catalog");
  std::vector<Ref> pages = doc.pages();
  if (pages.empty()) throw Error(ErrorCode::CorruptInput, "the document has no pages");
  // The widget sits on page 1 unless a visible signature names another page;
  // the digitisation stamp always goes on page 1 (TT 05/2025).
  std::size_t page_index = 0;
  if (spec.appearance.kind == AppearanceKind::Signature) {
    if (spec.appearance.page < 1 || static_cast<std::size_t>(spec.appearance.page) > pages.size()) {
      throw Error(ErrorCode::InvalidArgument, "page " + std::to_string(spec.appearance.page) +
                                                  " does not exist (the document has " +
                                                  std::to_string(pages.size()) + " pages)");
    }
    page_index = static_cast<std::size_t>(spec.appearance.page) - 1;
  }
  Ref page_ref = ref_with_gen(doc, pages[page_index].num);
  const Dict* page_in = doc.object(page_ref.num).dict();
  if (page_in == nullptr) throw Error(ErrorCode::CorruptInput, "the page is not a dictionary");
  const PageBox page_box = visible_box(doc, *page_in);

  Dict catalog = *catalog_in;
  Dict page = *page_in;
  IncrementalUpdate update(doc);
  const std::uint32_t sig_num = update.new_object_number();
  const std::uint32_t widget_num = update.new_object_number();
  bool catalog_changed = false;

  // AcroForm and its /Fields may be direct or indirect; rewrite whichever object holds them.
  Dict acroform;
  std::optional<Ref> acroform_ref;
  if (const Object* af = catalog.find("AcroForm")) {
    if (af->ref() != nullptr) acroform_ref = ref_with_gen(doc, af->ref()->num);
    if (const Dict* d = doc.resolve_dict(*af)) acroform = *d;
  }
  Array fields;
  std::optional<Ref> fields_ref;
  if (const Object* f = acroform.find("Fields")) {
    if (f->ref() != nullptr) fields_ref = ref_with_gen(doc, f->ref()->num);
    if (const Array* a = doc.resolve(*f).array()) fields = *a;
  }
  bool is_timestamp = spec.dictionary_type == "DocTimeStamp";
  std::string field_name =
      unique_field_name(doc, fields, spec.field_name, is_timestamp ? "DocTimeStamp" : "Signature");
  fields.emplace_back(Ref{widget_num, 0});
  if (fields_ref) {
    update.set_object(*fields_ref, Object(fields));
  } else {
    acroform.set("Fields", fields);
  }
  acroform.set("SigFlags", std::int64_t{3});
  if (acroform_ref) {
    update.set_object(*acroform_ref, Object(acroform));
  } else {
    Ref new_ref{update.new_object_number(), 0};
    update.set_object(new_ref, Object(acroform));
    catalog.set("AcroForm", new_ref);
    catalog_changed = true;
  }

  // The widget goes into page 1's /Annots (direct array, indirect array, or new).
  const Object* annots = page.find("Annots");
  if (annots != nullptr && annots->ref() != nullptr) {
    Array items;
    if (const Array* a = doc.resolve(*annots).array()) items = *a;
    items.emplace_back(Ref{widget_num, 0});
    update.set_object(ref_with_gen(doc, annots->ref()->num), Object(items));
  } else {
    Array items;
    if (annots != nullptr && annots->array() != nullptr) items = *annots->array();
    items.emplace_back(Ref{widget_num, 0});
    page.set("Annots", items);
    update.set_object(page_ref, Object(page));
  }

  // Appearance stream: PDF/A wants /AP /N even for an invisible widget.
  AppearanceStream look = make_appearance(spec.appearance, spec.display_time, page_box, update);
  std::uint32_t ap_num = update.new_object_number();
  update.set_object(Ref{ap_num, 0}, look.form_xobject);

  Dict widget;
  widget.set("Type", Name{"Annot"});
  widget.set("Subtype", Name{"Widget"});
  widget.set("FT", Name{"Sig"});
  widget.set("T", pdf::text_string(field_name));
  widget.set("V", Ref{sig_num, 0});
  widget.set("F", std::int64_t{look.visible ? 4 : 132});  // Print (+ Locked when hidden)
  Array rect;
  for (double v : look.rect) rect.emplace_back(v);
  widget.set("Rect", rect);
  widget.set("P", page_ref);
  Dict ap;
  ap.set("N", Ref{ap_num, 0});
  widget.set("AP", ap);
  update.set_object(Ref{widget_num, 0}, Object(widget));

  if (catalog_changed) update.set_object(ref_with_gen(doc, root->num), Object(catalog));

  // The signature dictionary is written as text so the placeholders stay fixed-width.
  std::string sig =
      "<</Type/" + spec.dictionary_type + "/Filter/Adobe.PPKLite/SubFilter/" + spec.sub_filter;
  if (!spec.signing_time.empty()) sig += "/M" + pdf::serialize(pdf::String{spec.signing_time});
  if (!spec.reason.empty()) sig += "/Reason" + pdf::serialize(pdf::text_string(spec.reason));
  if (!spec.location.empty()) sig += "/Location" + pdf::serialize(pdf::text_string(spec.location));
  sig += "/ByteRange";
  sig += kByteRangePlaceholder;
  sig += "/Contents<";
  sig.append(reserve * 2, '0');
  sig += ">>>";
  update.set_object(Ref{sig_num, 0}, sig);

  IncrementalUpdate::Result result = update.finish();
  std::string& out = result.appended;
  const std::size_t base_size = input.size();
  std::size_t sig_at = result.offsets.at(sig_num) - base_size;
  std::size_t range_at = out.find(kByteRangePlaceholder, sig_at);
  std::size_t contents_at = out.find("/Contents<", sig_at);
  if (range_at == std::string::npos || contents_at == std::string::npos) {
    throw Error(ErrorCode::Internal, "signature placeholders not found");
  }
  contents_at += 9;  // at '<'
  const std::size_t gap_begin = base_size + contents_at;
  const std::size_t gap_end = gap_begin + reserve * 2 + 2;
  const std::size_t total = base_size + out.size();
  std::string numbers = "0 " + std::to_string(gap_begin) + ' ' + std::to_string(gap_end) + ' ' +
                        std::to_string(total - gap_end);
  std::string range_text = "[" + numbers;
  range_text.append(kByteRangePlaceholder.size() - 1 - range_text.size(), ' ');
  range_text += ']';
  out.replace(range_at, range_text.size(), range_text);

  // One streaming pass over the two covered ranges; the input is never re-parsed.
  crypto::Sha256 hasher;
  hasher.update(input);
  auto appended = [&out](std::size_t from, std::size_t to) {
    return ByteView(reinterpret_cast<const std::uint8_t*>(out.data()) + from, to - from);
  };
  hasher.update(appended(0, contents_at));
  hasher.update(appended(gap_end - base_size, out.size()));
  Buffer contents = make_contents(hasher.finish());
  if (contents.size() > reserve) throw ContentsTooSmall{contents.size()};
  std::string hex = crypto::hex(contents);
  std::copy(hex.begin(), hex.end(), out.begin() + static_cast<std::ptrdiff_t>(contents_at + 1));
  if (contents_value != nullptr) {
    *contents_value = contents;
    contents_value->resize(reserve, 0);
  }
  return out;
}

std::string stream_body(const Buffer& data) {
  return pdf::stream_object(
      Dict{}, std::string_view(reinterpret_cast<const char*>(data.data()), data.size()));
}
}  // namespace

std::string append_signature_revision(ByteView input, const SignatureFieldSpec& spec,
                                      std::size_t reserve, const ContentsMaker& make_contents,
                                      Buffer* contents_value) {
  try {
    return build_once(input, spec, reserve, make_contents, contents_value);
  } catch (const ContentsTooSmall& small) {
    return build_once(input, spec, small.needed + 2048, make_contents, contents_value);
  }
}

std::string append_dss_revision(ByteView input, const DssContent& content) {
  Document doc(input);
  std::optional<Ref> root = doc.root_ref();
  const Dict* catalog_in = doc.catalog();
  if (!root || catalog_in == nullptr) throw Error(ErrorCode::CorruptInput, "no document catalog");
  Dict catalog = *catalog_in;
  IncrementalUpdate update(doc);

  // Keep what an earlier /DSS already holds.
  Dict dss;
  if (const Object* existing = catalog.find("DSS")) {
    if (const Dict* d = doc.resolve_dict(*existing)) dss = *d;
  }
  // One stream per item; the /DSS arrays and the /VRI entries refer to them.
  auto extend = [&](const char* key, const std::vector<Buffer>& items) {
    std::vector<Ref> refs;
    if (items.empty()) return refs;
    Array array;
    if (const Object* current = dss.find(key)) {
      if (const Array* a = doc.resolve(*current).array()) array = *a;
    }
    for (const Buffer& item : items) {
      Ref ref{update.new_object_number(), 0};
      update.set_object(ref, stream_body(item));
      array.emplace_back(ref);
      refs.push_back(ref);
    }
    dss.set(key, array);
    return refs;
  };
  const std::vector<Ref> certs = extend("Certs", content.certificates);
  const std::vector<Ref> ocsps = extend("OCSPs", content.ocsp_responses);
  const std::vector<Ref> crls = extend("CRLs", content.crls);

  if (!content.signatures.empty()) {
    Dict vri;
    if (const Object* current = dss.find("VRI")) {
      if (const Dict* d = doc.resolve_dict(*current)) vri = *d;
    }
    auto pick = [](const std::vector<Ref>& refs, const std::vector<std::size_t>& indices) {
      Array array;
      for (std::size_t i : indices) {
        if (i < refs.size()) array.emplace_back(refs[i]);
      }
      return array;
    };
    for (const DssContent::SignatureEntry& signature : content.signatures) {
      Dict entry;
      if (Array a = pick(certs, signature.certificates); !a.empty()) entry.set("Cert", a);
      if (Array a = pick(ocsps, signature.ocsp_responses); !a.empty()) entry.set("OCSP", a);
      if (Array a = pick(crls, signature.crls); !a.empty()) entry.set("CRL", a);
      vri.set(signature.key, entry);
    }
    dss.set("VRI", vri);
  }
  Ref dss_ref{update.new_object_number(), 0};
  update.set_object(dss_ref, Object(dss));
  catalog.set("DSS", dss_ref);
  auto it = doc.xref().find(root->num);
  update.set_object(Ref{root->num, it != doc.xref().end() ? it->second.gen : std::uint16_t{0}},
                    Object(catalog));
  return update.finish().appended;
}

}  // namespace sohoa::signing
