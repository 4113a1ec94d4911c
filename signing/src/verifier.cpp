#include <algorithm>
#include <chrono>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iterator>
#include <memory>
#include <set>

#include "crypto.hpp"
#include "http_client.hpp"
#include "modification_analysis.hpp"
#include "pdf_document.hpp"
#include "sohoa/core/error.hpp"
#include "sohoa/signing/verify.hpp"

namespace sohoa::signing {

namespace {
using pdf::Array;
using pdf::Dict;
using pdf::Document;
using pdf::Object;

Finding passed(std::string check, std::string code, std::string en, std::string vi) {
  return Finding{std::move(check), CheckStatus::Passed, std::move(code), std::move(en),
                 std::move(vi)};
}
Finding failed(std::string check, std::string code, std::string en, std::string vi) {
  return Finding{std::move(check), CheckStatus::Failed, std::move(code), std::move(en),
                 std::move(vi)};
}
Finding not_checked(std::string check, std::string code, std::string en, std::string vi) {
  return Finding{std::move(check), CheckStatus::NotChecked, std::move(code), std::move(en),
                 std::move(vi)};
}

std::string iso_time(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// "D:YYYYMMDDHHmmSS+07'00'" -> "YYYY-MM-DDTHH:mm:SS+07:00" (empty when malformed).
std::string pdf_date_to_iso(const std::string& date) {
  std::string d = date.rfind("D:", 0) == 0 ? date.substr(2) : date;
  if (d.size() < 14 || !std::all_of(d.begin(), d.begin() + 14, ::isdigit)) return {};
  std::string out = d.substr(0, 4) + "-" + d.substr(4, 2) + "-" + d.substr(6, 2) + "T" +
                    d.substr(8, 2) + ":" + d.substr(10, 2) + ":" + d.substr(12, 2);
  std::string zone = d.substr(14);
  if (zone.empty() || zone[0] == 'Z') return out + "Z";
  if ((zone[0] == '+' || zone[0] == '-') && zone.size() >= 3) {
    std::string minutes = zone.size() >= 6 ? zone.substr(4, 2) : "00";
    return out + zone.substr(0, 3) + ":" + minutes;
  }
  return out;
}

struct SignatureField {
  std::string name;
  std::uint32_t value_num = 0;
};

void collect_fields(Document& doc, const Object& node, const std::string& prefix, int depth,
                    std::set<std::uint32_t>& seen, std::vector<SignatureField>& out) {
  if (depth > 16 || out.size() > 1000) return;
  if (node.ref() != nullptr && !seen.insert(node.ref()->num).second) return;
  const Dict* dict = doc.resolve_dict(node);
  if (dict == nullptr) return;
  std::string name = prefix;
  if (const Object* t = dict->find("T"); t != nullptr && t->string() != nullptr) {
    name = (prefix.empty() ? "" : prefix + ".") + pdf::text_to_utf8(t->string()->bytes);
  }
  if (const Object* kids = dict->find("Kids")) {
    if (const Array* items = doc.resolve(*kids).array()) {
      for (const Object& kid : *items) collect_fields(doc, kid, name, depth + 1, seen, out);
    }
  }
  const Object* v = dict->find("V");
  const Object* ft = dict->find("FT");
  if (v != nullptr && v->ref() != nullptr && (ft == nullptr || ft->name() == "Sig")) {
    const Dict* value = doc.resolve_dict(*v);
    if (value != nullptr && (ft != nullptr || value->find("ByteRange") != nullptr ||
                             value->find("Contents") != nullptr)) {
      out.push_back(SignatureField{name, v->ref()->num});
    }
  }
}

struct DssData {
  std::vector<Buffer> certificates;
  std::vector<Buffer> ocsps;
  std::vector<Buffer> crls;
  bool present = false;
};

DssData read_dss(Document& doc) {
  DssData data;
  const Dict* catalog = doc.catalog();
  if (catalog == nullptr || catalog->find("DSS") == nullptr) return data;
  const Dict* dss = doc.resolve_dict(*catalog->find("DSS"));
  if (dss == nullptr) return data;
  data.present = true;
  auto read = [&](const char* key, std::vector<Buffer>& into) {
    const Object* list = dss->find(key);
    const Array* items = list != nullptr ? doc.resolve(*list).array() : nullptr;
    if (items == nullptr) return;
    for (const Object& item : *items) {
      if (const pdf::Stream* s = doc.resolve(item).stream()) into.push_back(doc.decoded_data(*s));
    }
  };
  read("Certs", data.certificates);
  read("OCSPs", data.ocsps);
  read("CRLs", data.crls);
  return data;
}

// "D:YYYYMMDDHHmmSS+07'00'" -> seconds since the epoch (0 when malformed).
std::time_t pdf_date_to_time(const std::string& date) {
  std::string d = date.rfind("D:", 0) == 0 ? date.substr(2) : date;
  if (d.size() < 14 || !std::all_of(d.begin(), d.begin() + 14, ::isdigit)) return 0;
  std::tm tm{};
  tm.tm_year = std::stoi(d.substr(0, 4)) - 1900;
  tm.tm_mon = std::stoi(d.substr(4, 2)) - 1;
  tm.tm_mday = std::stoi(d.substr(6, 2));
  tm.tm_hour = std::stoi(d.substr(8, 2));
  tm.tm_min = std::stoi(d.substr(10, 2));
  tm.tm_sec = std::stoi(d.substr(12, 2));
  std::time_t t = timegm(&tm);
  std::string zone = d.substr(14);
  if (zone.size() >= 3 && (zone[0] == '+' || zone[0] == '-') && ::isdigit(zone[1]) != 0 &&
      ::isdigit(zone[2]) != 0) {
    int minutes = std::stoi(zone.substr(1, 2)) * 60;
    if (zone.size() >= 6 && ::isdigit(zone[4]) != 0 && ::isdigit(zone[5]) != 0) {
      minutes += std::stoi(zone.substr(4, 2));
    }
    t -= (zone[0] == '+' ? 1 : -1) * static_cast<std::time_t>(minutes) * 60;
  }
  return t;
}

// The times revocation data is judged against.
struct RevocationTimes {
  std::time_t signing = 0;     // the signature time-stamp, else /M, else `validation`
  std::time_t validation = 0;  // now, or VerifyOptions::validation_time
  std::int64_t grace = 0;      // seconds
};

struct RevocationOutcome {
  Finding finding;
  bool from_dss = false;
};

// Whose certificates a revocation finding is about.
struct RevocationSubject {
  std::string check;   // "revocation" (signer) or "timestamp" (time-stamping authority)
  std::string prefix;  // code prefix: "" or "tsa-"
  std::string en;      // "" or "time-stamping authority: "
  std::string vi;
};

RevocationOutcome check_revocation(const std::vector<crypto::CertificateFacts>& chain,
                                   const DssData& dss, const VerifyOptions& options,
                                   const std::vector<Buffer>& extra_certs,
                                   const RevocationTimes& times, const RevocationSubject& who) {
  RevocationOutcome outcome;
  if (chain.size() < 2) {
    outcome.finding = not_checked(who.check, who.prefix + "no-chain",
                                  who.en + "revocation not checked: no certificate path",
                                  who.vi + "chưa kiểm tra thu hồi: không có đường dẫn chứng thư");
    return outcome;
  }
  bool all_good_from_dss = true;
  std::string details;
  for (std::size_t i = 0; i + 1 < chain.size(); ++i) {
    const Buffer& cert = chain[i].der;
    const Buffer& issuer = chain[i + 1].der;
    crypto::RevocationFacts best;
    std::string stale_en;  // why the last status found was not used
    std::string stale_vi;
    // Takes `facts` when it says something and is fresh enough.
    auto usable = [&](const crypto::RevocationFacts& facts, bool online) {
      if (facts.state == crypto::RevocationState::Unknown) return false;
      if (facts.state != crypto::RevocationState::Revoked) {
        const char* kind = facts.from_ocsp ? "OCSP response" : "CRL";
        const char* kind_vi = facts.from_ocsp ? "phản hồi OCSP" : "CRL";
        if (facts.issued_at != 0 && facts.issued_at + times.grace < times.signing) {
          stale_en = std::string(kind) + " produced at " + iso_time(facts.issued_at) +
                     ", before the signing time " + iso_time(times.signing) + " (grace " +
                     std::to_string(times.grace) + " s)";
          stale_vi = std::string(kind_vi) + " lập lúc " + iso_time(facts.issued_at) +
                     ", trước thời điểm ký " + iso_time(times.signing);
          return false;
        }
        if (online && facts.next_update != 0 && facts.next_update < times.validation) {
          stale_en = std::string(kind) + " expired: its nextUpdate " + iso_time(facts.next_update) +
                     " is before the validation time " + iso_time(times.validation);
          stale_vi = std::string(kind_vi) + " đã hết hạn: nextUpdate " +
                     iso_time(facts.next_update) + " trước thời điểm kiểm tra " +
                     iso_time(times.validation);
          return false;
        }
      }
      best = facts;
      return true;
    };
    bool found = false;
    for (const Buffer& response : dss.ocsps) {
      if (usable(crypto::check_ocsp(response, cert, issuer, options.trust_anchors, extra_certs),
                 false)) {
        found = true;
        break;
      }
    }
    for (std::size_t k = 0; !found && k < dss.crls.size(); ++k) {
      found = usable(crypto::check_crl(dss.crls[k], cert, issuer), false);
    }
    if (!found && options.online_revocation) {
      all_good_from_dss = false;
      try {
        std::string url = crypto::ocsp_url(cert);
        if (!url.empty()) {
          Buffer response = http_post(url, "application/ocsp-request",
                                      crypto::make_ocsp_request(cert, issuer).der);
          found = usable(
              crypto::check_ocsp(response, cert, issuer, options.trust_anchors, extra_certs), true);
        } else {
          for (const std::string& crl_url : crypto::crl_urls(cert)) {
            found = usable(crypto::check_crl(http_get(crl_url), cert, issuer), true);
            if (found) break;
          }
        }
      } catch (const Error& error) {
        best.detail = error.message();
      }
    }
    if (found && best.state == crypto::RevocationState::Revoked) {
      outcome.finding =
          failed(who.check, who.prefix + "cert-revoked",
                 who.en + "certificate revoked: " + chain[i].subject + " (" + best.detail + ")",
                 who.vi + "chứng thư số đã bị thu hồi: " + chain[i].subject);
      return outcome;
    }
    if (!found && !stale_en.empty()) {
      outcome.finding =
          not_checked(who.check, who.prefix + "revocation-stale",
                      who.en + "revocation data for " + chain[i].subject + " is stale: " + stale_en,
                      who.vi + "dữ liệu thu hồi của " + chain[i].subject + " đã cũ: " + stale_vi);
      return outcome;
    }
    if (!found) {
      outcome.finding = not_checked(who.check, who.prefix + "revocation-unknown",
                                    who.en + "no revocation information for " + chain[i].subject,
                                    who.vi + "không có thông tin thu hồi cho " + chain[i].subject);
      return outcome;
    }
    details += (details.empty() ? "" : "; ") + best.detail;
  }
  outcome.from_dss = all_good_from_dss;
  outcome.finding =
      passed(who.check, who.prefix + "not-revoked",
             who.en + "not revoked (" + (all_good_from_dss ? "DSS" : "online") + "): " + details,
             who.vi + "chưa bị thu hồi (" + (all_good_from_dss ? "DSS" : "trực tuyến") + ")");
  return outcome;
}

const RevocationSubject kSigner{"revocation", "", "", ""};
const RevocationSubject kTimestampAuthority{
    "timestamp", "tsa-", "time-stamping authority: ", "đơn vị cấp dấu thời gian: "};

bool has_failure(const std::vector<Finding>& findings) {
  return std::any_of(findings.begin(), findings.end(),
                     [](const Finding& f) { return f.status == CheckStatus::Failed; });
}

class Verifier {
 public:
  Verifier(ByteView pdf, const VerifyOptions& options)
      : pdf_(pdf),
        options_(options),
        now_(std::chrono::system_clock::to_time_t(
            options.validation_time.value_or(std::chrono::system_clock::now()))) {}

  VerificationReport run() {
    VerificationReport report;
    try {
      final_ = std::make_unique<Document>(pdf_);
    } catch (const Error& error) {
      report.readable = false;
      report.error = error.message();
      return report;
    }
    ends_ = pdf::revision_ends(pdf_);
    if (const std::string why = incomplete_tail(); !why.empty()) {
      report.readable = false;
      report.error = why;
      return report;
    }
    std::vector<SignatureField> fields;
    try {
      const Dict* catalog = final_->catalog();
      if (catalog != nullptr && catalog->find("AcroForm") != nullptr) {
        if (const Dict* form = final_->resolve_dict(*catalog->find("AcroForm"))) {
          if (const Object* list = form->find("Fields")) {
            if (const Array* items = final_->resolve(*list).array()) {
              std::set<std::uint32_t> seen;
              for (const Object& item : *items) collect_fields(*final_, item, "", 0, seen, fields);
            }
          }
        }
      }
      dss_ = read_dss(*final_);
    } catch (const Error& error) {
      report.readable = false;
      report.error = error.message();
      return report;
    }
    for (const auto& field : fields) {
      SignatureReport sig;
      sig.field_name = field.name;
      try {
        check_signature(field, sig);
      } catch (const Error& error) {
        sig.findings.push_back(failed("format", "unreadable-signature",
                                      "the signature cannot be read: " + error.message(),
                                      "không đọc được chữ ký: " + error.message()));
      } catch (const std::exception& error) {
        sig.findings.push_back(failed("format", "unreadable-signature",
                                      std::string("the signature cannot be read: ") + error.what(),
                                      "không đọc được chữ ký"));
      }
      sig.verdict = has_failure(sig.findings) || !sig.modifications.empty()
                        ? SignatureVerdict::Invalid
                        : SignatureVerdict::Valid;
      report.signatures.push_back(std::move(sig));
    }
    std::stable_sort(report.signatures.begin(), report.signatures.end(),
                     [](const SignatureReport& a, const SignatureReport& b) {
                       return a.revision_end < b.revision_end;
                     });
    promote_to_lta(report);
    return report;
  }

 private:
  void check_signature(const SignatureField& field, SignatureReport& sig) {
    const Dict* dict = final_->object(field.value_num).dict();
    if (dict == nullptr) {
      sig.findings.push_back(failed("format", "no-signature-dictionary",
                                    "the signature value is not a dictionary",
                                    "giá trị chữ ký không phải là từ điển"));
      return;
    }
    std::string type = dict->find("Type") != nullptr ? std::string(dict->find("Type")->name()) : "";
    sig.sub_filter =
        dict->find("SubFilter") != nullptr ? std::string(dict->find("SubFilter")->name()) : "";
    sig.document_timestamp = sig.sub_filter == "ETSI.RFC3161";
    signing_time_raw_.clear();
    if (const Object* m = dict->find("M"); m != nullptr && m->string() != nullptr) {
      sig.signing_time = pdf_date_to_iso(m->string()->bytes);
      signing_time_raw_ = m->string()->bytes;
    }
    if (!check_byte_range(*dict, sig)) return;
    const pdf::String& contents = *dict->find("Contents")->string();

    // Hash the two covered ranges in one pass.
    crypto::Sha256 hasher;
    hasher.update(pdf_.subspan(0, static_cast<std::size_t>(sig.byte_range[1])));
    hasher.update(pdf_.subspan(static_cast<std::size_t>(sig.byte_range[2]),
                               static_cast<std::size_t>(sig.byte_range[3])));
    crypto::Digest digest = hasher.finish();
    ByteView cms_bytes(reinterpret_cast<const std::uint8_t*>(contents.bytes.data()),
                       contents.bytes.size());

    if (sig.document_timestamp) {
      check_document_timestamp(cms_bytes, digest, sig);
    } else {
      if (sig.sub_filter != "ETSI.CAdES.detached") {
        sig.findings.push_back(failed(
            "format", "not-pades",
            "SubFilter /" + sig.sub_filter + " is not PAdES baseline (/ETSI.CAdES.detached)",
            "SubFilter /" + sig.sub_filter + " không phải PAdES cơ bản (/ETSI.CAdES.detached)"));
      }
      if (type != "Sig" && !type.empty()) {
        sig.findings.push_back(failed("format", "bad-type", "/Type is /" + type + ", not /Sig",
                                      "/Type là /" + type + ", không phải /Sig"));
      }
      if (sig.signing_time.empty()) {
        sig.findings.push_back(failed("format", "no-m",
                                      "the signature dictionary has no valid /M signing time",
                                      "từ điển chữ ký không có thời điểm ký /M hợp lệ"));
      }
      check_cms(cms_bytes, digest, sig);
    }
    if (sig.revision_end < pdf_.size()) {
      Document signed_revision(pdf_.subspan(0, sig.revision_end));
      sig.modifications = find_modifications(signed_revision, *final_);
    }
    if (!has_failure(sig.findings) && sig.modifications.empty()) {
      sig.findings.push_back(
          passed("modification", "no-disallowed-changes",
                 sig.covers_whole_file ? "covers the whole file"
                                       : "later revisions only add signatures, time-stamps or "
                                         "validation data",
                 sig.covers_whole_file ? "bao phủ toàn bộ tệp"
                                       : "các phiên bản sau chỉ thêm chữ ký, dấu thời gian hoặc "
                                         "dữ liệu xác thực"));
    }
  }

  // A file cut short inside its last revision (objects after the last %%EOF).
  [[nodiscard]] std::string incomplete_tail() const {
    std::size_t from = ends_.empty() ? 0 : ends_.back();
    std::string_view tail(reinterpret_cast<const char*>(pdf_.data()) + from, pdf_.size() - from);
    if (tail.find(" obj") != std::string_view::npos ||
        tail.find("xref") != std::string_view::npos ||
        tail.find("stream") != std::string_view::npos || ends_.empty()) {
      return "the file is truncated: its last revision does not end with %%EOF";
    }
    return {};
  }

  // Signature wrapping and universal signature forgery checks.
  bool check_byte_range(const Dict& dict, SignatureReport& sig) {
    const Object* range = dict.find("ByteRange");
    const Object* contents = dict.find("Contents");
    if (range == nullptr || range->array() == nullptr || range->array()->size() != 4) {
      sig.findings.push_back(failed("byte-range", "no-byte-range",
                                    "/ByteRange is missing or not four numbers",
                                    "/ByteRange bị thiếu hoặc không gồm bốn số"));
      return false;
    }
    for (const Object& item : *range->array()) {
      auto value = item.integer();
      if (!value || *value < 0) {
        sig.findings.push_back(failed("byte-range", "bad-byte-range",
                                      "/ByteRange holds a value that is not a non-negative integer",
                                      "/ByteRange chứa giá trị không phải số nguyên không âm"));
        return false;
      }
      sig.byte_range.push_back(*value);
    }
    if (contents == nullptr || contents->string() == nullptr || contents->string()->bytes.empty()) {
      sig.findings.push_back(failed("byte-range", "no-contents", "/Contents is missing or empty",
                                    "/Contents bị thiếu hoặc rỗng"));
      return false;
    }
    auto [start, gap_begin, gap_end, tail] =
        std::tuple(sig.byte_range[0], sig.byte_range[1], sig.byte_range[2], sig.byte_range[3]);
    const auto size = static_cast<std::int64_t>(pdf_.size());
    if (start != 0 || gap_begin <= 0 || gap_end <= gap_begin || gap_end > size ||
        tail > size - gap_end) {
      sig.findings.push_back(failed("byte-range", "bad-byte-range",
                                    "/ByteRange does not start at 0 or lies outside the file",
                                    "/ByteRange không bắt đầu từ 0 hoặc nằm ngoài tệp"));
      return false;
    }
    const pdf::String& value = *contents->string();
    if (static_cast<std::int64_t>(value.begin) != gap_begin ||
        static_cast<std::int64_t>(value.end) != gap_end || !value.hex) {
      sig.findings.push_back(
          failed("byte-range", "gap-not-contents",
                 "the unsigned gap of /ByteRange is not exactly this signature's /Contents "
                 "(signature wrapping)",
                 "khoảng không được ký của /ByteRange không đúng là /Contents của chữ ký này "
                 "(tấn công bọc chữ ký)"));
      return false;
    }
    auto end = static_cast<std::size_t>(gap_end + tail);
    if (std::find(ends_.begin(), ends_.end(), end) == ends_.end() &&
        std::find_if(ends_.begin(), ends_.end(), [end](std::size_t e) {
          return e > end && e - end <= 2 && end >= 5;
        }) == ends_.end()) {
      sig.findings.push_back(failed("byte-range", "not-a-revision",
                                    "the signed bytes do not end at the end of a revision (%%EOF)",
                                    "phần được ký không kết thúc ở cuối một phiên bản (%%EOF)"));
      return false;
    }
    sig.revision_end = end;
    // Trailing end-of-line bytes after the last %%EOF do not make a new revision.
    std::size_t rest = pdf_.size() - end;
    bool only_eol =
        rest <= 2 && std::all_of(pdf_.begin() + static_cast<std::ptrdiff_t>(end), pdf_.end(),
                                 [](std::uint8_t c) { return c == '\r' || c == '\n'; });
    sig.covers_whole_file = only_eol;
    if (only_eol) sig.revision_end = pdf_.size();
    sig.findings.push_back(passed(
        "byte-range", "whole-revision",
        sig.covers_whole_file ? "the byte range covers the whole file except the signature value"
                              : "the byte range covers a whole earlier revision",
        sig.covers_whole_file ? "phạm vi ký bao phủ toàn bộ tệp trừ giá trị chữ ký"
                              : "phạm vi ký bao phủ trọn một phiên bản trước"));
    return true;
  }

  void check_cms(ByteView cms_bytes, const crypto::Digest& digest, SignatureReport& sig) {
    crypto::CmsFacts cms = crypto::inspect_cms(cms_bytes);
    if (!cms.parsed) {
      sig.findings.push_back(failed("integrity", "bad-cms",
                                    "the signature value is not CMS: " + cms.parse_error,
                                    "giá trị chữ ký không phải CMS hợp lệ"));
      return;
    }
    if (cms.signer_count != 1 || !cms.detached) {
      sig.findings.push_back(failed("format", "cms-structure",
                                    "PAdES needs a detached CMS with exactly one signer",
                                    "PAdES yêu cầu CMS tách rời với đúng một người ký"));
    }
    if (cms.signer) {
      sig.signer = cms.signer->subject;
    }
    if (!cms.digest_is_sha256 && cms.digest_algorithm != "SHA384" &&
        cms.digest_algorithm != "SHA512") {
      sig.findings.push_back(failed(
          "format", "weak-digest", "digest algorithm " + cms.digest_algorithm + " is not accepted",
          "thuật toán băm " + cms.digest_algorithm + " không được chấp nhận"));
    }
    if (!cms.has_message_digest || cms.message_digest != Buffer(digest.begin(), digest.end())) {
      if (cms.digest_is_sha256) {
        sig.findings.push_back(failed("integrity", "digest-mismatch",
                                      "the signed bytes were changed (digest mismatch)",
                                      "nội dung đã ký bị thay đổi (giá trị băm không khớp)"));
        return;
      }
    }
    if (!cms.signer_found) {
      sig.findings.push_back(failed("integrity", "no-signer-certificate",
                                    "the signer certificate is not in the signature",
                                    "chứng thư số của người ký không có trong chữ ký"));
      return;
    }
    if (!cms.signature_valid) {
      sig.findings.push_back(failed("integrity", "signature-invalid",
                                    "the signature value does not verify with the signer's key",
                                    "giá trị chữ ký không khớp với khoá của người ký"));
      return;
    }
    sig.findings.push_back(passed("integrity", "intact",
                                  "the signed bytes are unchanged and the signature verifies",
                                  "nội dung đã ký còn nguyên vẹn và chữ ký đúng"));
    bool baseline = sig.sub_filter == "ETSI.CAdES.detached";
    if (cms.has_signing_time) {
      baseline = false;
      sig.findings.push_back(failed("format", "signing-time-attribute",
                                    "the CMS carries a signingTime attribute (PAdES forbids it)",
                                    "CMS chứa thuộc tính signingTime (PAdES không cho phép)"));
    }
    if (!cms.has_signing_certificate_v2 || !cms.signing_certificate_v2_matches ||
        !cms.has_content_type) {
      baseline = false;
      sig.findings.push_back(
          failed("format", "signed-attributes",
                 "content-type or a matching signing-certificate-v2 attribute is missing",
                 "thiếu thuộc tính content-type hoặc signing-certificate-v2 khớp với chứng thư"));
    }
    const crypto::CertificateFacts& signer = *cms.signer;
    if (signer.algorithm == KeyAlgorithm::Rsa && signer.key_bits < 2048) {
      sig.findings.push_back(
          failed("format", "weak-key", "RSA key of " + std::to_string(signer.key_bits) + " bits",
                 "khoá RSA " + std::to_string(signer.key_bits) + " bit (quá ngắn)"));
    }
    if (!signer.key_usage_allows_signing) {
      sig.findings.push_back(failed("chain", "key-usage",
                                    "the certificate's key usage does not allow signatures",
                                    "mục đích sử dụng khoá của chứng thư không cho phép ký"));
    }

    // Signature time-stamp (B-T).
    const std::time_t now = now_;
    std::time_t validation_time = now;
    bool timestamp_ok = false;
    crypto::TimestampFacts ts;
    if (cms.timestamp_token) {
      ts = crypto::inspect_timestamp(*cms.timestamp_token, cms.signature_value,
                                     options_.trust_anchors);
      if (ts.parsed && ts.signature_valid && ts.imprint_matches) {
        timestamp_ok = true;
        validation_time = ts.gen_time;
        sig.timestamp_time = iso_time(ts.gen_time);
        sig.findings.push_back(
            passed("timestamp", "timestamp-valid",
                   "signature time-stamp valid: " + sig.timestamp_time + " by " + ts.tsa,
                   "dấu thời gian hợp lệ: " + sig.timestamp_time));
      } else {
        sig.findings.push_back(failed("timestamp", "timestamp-invalid",
                                      "the signature time-stamp is not valid: " + ts.error,
                                      "dấu thời gian của chữ ký không hợp lệ"));
      }
    } else {
      sig.findings.push_back(not_checked("timestamp", "no-timestamp",
                                         "no signature time-stamp (B-B)",
                                         "không có dấu thời gian (B-B)"));
    }

    // Chain to the trust anchors at the time-stamp's time (else now).
    std::vector<Buffer> untrusted = cms.certificates;
    untrusted.insert(untrusted.end(), dss_.certificates.begin(), dss_.certificates.end());
    crypto::ChainResult chain;
    if (options_.trust_anchors.empty()) {
      chain.code = "untrusted";
      chain.detail = "no trust anchors given (--trust)";
    } else {
      chain = crypto::verify_chain(signer.der, untrusted, options_.trust_anchors, validation_time,
                                   {}, false);
    }
    if (chain.trusted) {
      sig.findings.push_back(passed("chain", "trusted",
                                    "the certificate chains to a trust anchor: " + signer.issuer,
                                    "chứng thư số được xác thực tới CA tin cậy: " + signer.issuer));
    } else if (chain.code == "cert-expired") {
      sig.findings.push_back(failed(
          "chain", chain.code, "the signer certificate had expired at " + iso_time(validation_time),
          "chứng thư số đã hết hạn tại thời điểm " + iso_time(validation_time)));
    } else if (chain.code == "cert-not-yet-valid") {
      sig.findings.push_back(failed("chain", chain.code, "the certificate was not yet valid",
                                    "chứng thư số chưa có hiệu lực"));
    } else {
      sig.findings.push_back(
          failed("chain", chain.code.empty() ? "untrusted" : chain.code,
                 "the certificate does not chain to a trusted CA: " + chain.detail,
                 "chứng thư số không được xác thực tới CA tin cậy"));
    }

    // Revocation data must postdate the signing time: the time-stamp's, else
    // the claimed /M, else now.
    RevocationTimes times{now, now, options_.revocation_grace.count()};
    if (timestamp_ok) {
      times.signing = ts.gen_time;
    } else if (const std::time_t claimed = pdf_date_to_time(signing_time_raw_); claimed != 0) {
      times.signing = claimed;
    }
    RevocationOutcome revocation;
    if (chain.trusted) {
      revocation = check_revocation(chain.chain, dss_, options_, untrusted, times, kSigner);
    } else {
      revocation.finding = not_checked("revocation", "no-chain", "revocation not checked",
                                       "chưa kiểm tra tình trạng thu hồi");
    }
    sig.findings.push_back(revocation.finding);

    // The time-stamping authority's certificates, for the long-term levels:
    // their validation data must be in the file too (or online).
    RevocationOutcome tsa_revocation;
    if (timestamp_ok) tsa_revocation = check_timestamp_authority(ts, untrusted, sig);

    if (!baseline) {
      sig.level = "-";
    } else if (!timestamp_ok) {
      sig.level = "B-B";
    } else if (revocation.finding.status == CheckStatus::Passed && revocation.from_dss &&
               tsa_revocation.finding.status == CheckStatus::Passed && tsa_revocation.from_dss) {
      sig.level = "B-LT";
    } else {
      sig.level = "B-T";
    }
  }

  // The revocation status of the certificates of the authority that issued
  // a valid time-stamp, as of its time (a finding is added when its path is trusted).
  RevocationOutcome check_timestamp_authority(const crypto::TimestampFacts& ts,
                                              const std::vector<Buffer>& more_certificates,
                                              SignatureReport& sig) {
    RevocationOutcome outcome;
    if (ts.tsa_certificate.empty()) return outcome;
    std::vector<Buffer> untrusted = ts.certificates;
    untrusted.insert(untrusted.end(), more_certificates.begin(), more_certificates.end());
    crypto::ChainResult chain = crypto::verify_chain(
        ts.tsa_certificate, untrusted, options_.trust_anchors, ts.gen_time, {}, false);
    if (!chain.trusted) return outcome;
    RevocationTimes times{ts.gen_time, now_, options_.revocation_grace.count()};
    outcome = check_revocation(chain.chain, dss_, options_, untrusted, times, kTimestampAuthority);
    sig.findings.push_back(outcome.finding);
    return outcome;
  }

  void check_document_timestamp(ByteView token, const crypto::Digest& digest,
                                SignatureReport& sig) {
    crypto::TimestampFacts ts =
        crypto::inspect_timestamp_digest(token, digest, options_.trust_anchors);
    sig.signer = ts.tsa;
    if (!ts.parsed) {
      sig.findings.push_back(failed("integrity", "bad-timestamp",
                                    "the document time-stamp cannot be read: " + ts.error,
                                    "không đọc được dấu thời gian tài liệu"));
      return;
    }
    if (!ts.imprint_matches) {
      sig.findings.push_back(failed("integrity", "digest-mismatch",
                                    "the time-stamped bytes were changed (imprint mismatch)",
                                    "nội dung được gắn dấu thời gian bị thay đổi"));
      return;
    }
    sig.findings.push_back(passed("integrity", "intact", "the time-stamped bytes are unchanged",
                                  "nội dung được gắn dấu thời gian còn nguyên vẹn"));
    sig.timestamp_time = iso_time(ts.gen_time);
    if (ts.signature_valid) {
      sig.findings.push_back(passed("timestamp", "timestamp-valid",
                                    "document time-stamp valid: " + sig.timestamp_time,
                                    "dấu thời gian tài liệu hợp lệ: " + sig.timestamp_time));
      sig.level = "DocTimeStamp";
      (void)check_timestamp_authority(ts, dss_.certificates, sig);
    } else {
      sig.findings.push_back(failed("timestamp", "timestamp-invalid",
                                    "the document time-stamp does not verify: " + ts.error,
                                    "dấu thời gian tài liệu không hợp lệ"));
    }
  }

  // B-LTA: a valid document time-stamp over a revision that already holds the /DSS.
  void promote_to_lta(VerificationReport& report) {
    for (auto& sig : report.signatures) {
      if (sig.level != "B-LT" || sig.verdict != SignatureVerdict::Valid) continue;
      for (const auto& ts : report.signatures) {
        if (!ts.document_timestamp || ts.verdict != SignatureVerdict::Valid ||
            ts.revision_end <= sig.revision_end) {
          continue;
        }
        try {
          Document covered(pdf_.subspan(0, ts.revision_end));
          if (read_dss(covered).present) {
            sig.level = "B-LTA";
            break;
          }
        } catch (const Error&) {
        }
      }
    }
  }

  ByteView pdf_;
  const VerifyOptions& options_;
  std::time_t now_;
  std::string signing_time_raw_;  // /M of the signature being checked
  std::unique_ptr<Document> final_;
  std::vector<std::size_t> ends_;
  DssData dss_;
};
}  // namespace

bool VerificationReport::all_valid() const {
  return readable && !signatures.empty() &&
         std::all_of(signatures.begin(), signatures.end(),
                     [](const SignatureReport& s) { return s.verdict == SignatureVerdict::Valid; });
}

VerificationReport verify_pdf(ByteView pdf, const VerifyOptions& options) {
  try {
    return Verifier(pdf, options).run();
  } catch (const Error& error) {
    VerificationReport report;
    report.readable = false;
    report.error = error.message();
    return report;
  } catch (const std::exception& error) {
    // Malformed input must give a verdict, not an abort.
    VerificationReport report;
    report.readable = false;
    report.error = std::string("the file cannot be analysed: ") + error.what();
    return report;
  }
}

VerificationReport verify_file(const std::filesystem::path& file, const VerifyOptions& options) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    VerificationReport report;
    report.file = file.string();
    report.readable = false;
    report.error = "cannot open " + file.string();
    return report;
  }
  // One read of the whole file (not byte by byte through a stream iterator).
  in.seekg(0, std::ios::end);
  const auto size = static_cast<std::size_t>(in.tellg());
  in.seekg(0);
  std::unique_ptr<std::uint8_t[]> bytes(new std::uint8_t[size == 0 ? 1 : size]);
  in.read(reinterpret_cast<char*>(bytes.get()), static_cast<std::streamsize>(size));
  VerificationReport report =
      verify_pdf(ByteView(bytes.get(), static_cast<std::size_t>(in.gcount())), options);
  report.file = file.string();
  return report;
}

}  // namespace sohoa::signing
