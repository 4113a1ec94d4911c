// Text (Vietnamese + English) and JSON forms of a verification report.
#include <nlohmann/json.hpp>

#include "sohoa/signing/verify.hpp"

namespace sohoa::signing {

namespace {
std::string status_word(CheckStatus status) {
  switch (status) {
    case CheckStatus::Passed:
      return "passed";
    case CheckStatus::Failed:
      return "failed";
    case CheckStatus::NotChecked:
      return "not-checked";
  }
  return "?";
}

std::string verdict_word(SignatureVerdict verdict) {
  switch (verdict) {
    case SignatureVerdict::Valid:
      return "valid";
    case SignatureVerdict::Invalid:
      return "invalid";
    case SignatureVerdict::Indeterminate:
      return "indeterminate";
  }
  return "?";
}

std::string verdict_bilingual(SignatureVerdict verdict) {
  switch (verdict) {
    case SignatureVerdict::Valid:
      return "HỢP LỆ / VALID";
    case SignatureVerdict::Invalid:
      return "KHÔNG HỢP LỆ / INVALID";
    case SignatureVerdict::Indeterminate:
      return "CHƯA XÁC ĐỊNH / INDETERMINATE";
  }
  return "?";
}

std::string mark(CheckStatus status) {
  switch (status) {
    case CheckStatus::Passed:
      return "[ĐẠT/OK]   ";
    case CheckStatus::Failed:
      return "[LỖI/FAIL] ";
    case CheckStatus::NotChecked:
      return "[--/N/A]   ";
  }
  return "";
}

std::string check_label(const std::string& check) {
  if (check == "integrity") return "Toàn vẹn / Integrity";
  if (check == "byte-range") return "Phạm vi ký / Byte range";
  if (check == "format") return "Định dạng / Format";
  if (check == "chain") return "Chuỗi chứng thư / Certificate chain";
  if (check == "revocation") return "Thu hồi / Revocation";
  if (check == "timestamp") return "Dấu thời gian / Time-stamp";
  if (check == "modification") return "Thay đổi sau ký / Changes after signing";
  return check;
}

nlohmann::json finding_json(const Finding& f) {
  return {{"check", f.check},
          {"status", status_word(f.status)},
          {"code", f.code},
          {"en", f.en},
          {"vi", f.vi}};
}
}  // namespace

std::string format_text(const VerificationReport& report) {
  std::string out = "Tệp / File: " + report.file + "\n";
  if (!report.readable) {
    out += "Không đọc được tệp / File unreadable: " + report.error + "\n";
    return out;
  }
  if (report.signatures.empty()) {
    out += "Không có chữ ký số / No signatures found\n";
    return out;
  }
  int n = 0;
  for (const auto& sig : report.signatures) {
    ++n;
    out += "\n" +
           std::string(sig.document_timestamp ? "Dấu thời gian tài liệu / Document time-stamp "
                                              : "Chữ ký / Signature ") +
           std::to_string(n) + " (" + sig.field_name + "): " + verdict_bilingual(sig.verdict) +
           "\n";
    if (!sig.signer.empty()) out += "  Người ký / Signer: " + sig.signer + "\n";
    if (!sig.signing_time.empty())
      out += "  Thời điểm ký (/M) / Signing time: " + sig.signing_time + "\n";
    if (!sig.timestamp_time.empty()) {
      out += "  Dấu thời gian / Time-stamp: " + sig.timestamp_time + "\n";
    }
    if (!sig.level.empty()) out += "  Mức PAdES / PAdES level: " + sig.level + "\n";
    if (sig.byte_range.size() == 4) {
      out += "  ByteRange: [" + std::to_string(sig.byte_range[0]) + " " +
             std::to_string(sig.byte_range[1]) + " " + std::to_string(sig.byte_range[2]) + " " +
             std::to_string(sig.byte_range[3]) + "]" +
             (sig.covers_whole_file ? " (toàn bộ tệp / whole file)"
                                    : " (phiên bản trước / earlier revision)") +
             "\n";
    }
    for (const auto& f : sig.findings) {
      out += "  " + mark(f.status) + check_label(f.check) + ": " + f.vi + " / " + f.en + "\n";
    }
    if (!sig.modifications.empty()) {
      out += "  Thay đổi sau khi ký / Changes after signing:\n";
      for (const auto& m : sig.modifications) {
        out += "    - " + m.vi + " / " + m.en + " [" + m.code + "]\n";
      }
    }
  }
  out += std::string("\nKết luận / Result: ") +
         (report.all_valid() ? "tất cả chữ ký hợp lệ / all signatures valid"
                             : "có chữ ký không hợp lệ / some signatures are not valid") +
         "\n";
  return out;
}

std::string format_json(const VerificationReport& report) {
  nlohmann::json root;
  root["file"] = report.file;
  root["readable"] = report.readable;
  if (!report.readable) root["error"] = report.error;
  root["all_valid"] = report.all_valid();
  root["signatures"] = nlohmann::json::array();
  for (const auto& sig : report.signatures) {
    nlohmann::json s;
    s["field"] = sig.field_name;
    s["document_timestamp"] = sig.document_timestamp;
    s["sub_filter"] = sig.sub_filter;
    s["signer"] = sig.signer;
    s["signing_time"] = sig.signing_time;
    s["timestamp_time"] = sig.timestamp_time;
    s["byte_range"] = sig.byte_range;
    s["revision_end"] = sig.revision_end;
    s["covers_whole_file"] = sig.covers_whole_file;
    s["level"] = sig.level;
    s["verdict"] = verdict_word(sig.verdict);
    s["findings"] = nlohmann::json::array();
    for (const auto& f : sig.findings) s["findings"].push_back(finding_json(f));
    s["modifications"] = nlohmann::json::array();
    for (const auto& m : sig.modifications) s["modifications"].push_back(finding_json(m));
    root["signatures"].push_back(s);
  }
  // Byte strings from the file (names, subjects) may not be UTF-8: replace, don't throw.
  return root.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace sohoa::signing
