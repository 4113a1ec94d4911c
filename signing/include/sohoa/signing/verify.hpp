#pragma once
// Verification of the PDF signatures in a file: one report per signature, with
// findings in Vietnamese and English that a person can act on.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "sohoa/signing/signer.hpp"

namespace sohoa::signing {

enum class CheckStatus : std::uint8_t { Passed, Failed, NotChecked };

// One statement about a signature, e.g. "integrity: the signed bytes are unchanged".
struct Finding {
  std::string check;  // stable id: integrity, byte-range, format, chain, revocation, timestamp,
                      // modification
  CheckStatus status = CheckStatus::NotChecked;
  std::string code;  // stable short reason, e.g. "digest-mismatch", "cert-expired"
  std::string en;
  std::string vi;
};

enum class SignatureVerdict : std::uint8_t { Valid, Invalid, Indeterminate };

struct SignatureReport {
  std::string field_name;
  bool document_timestamp = false;  // /DocTimeStamp (ETSI.RFC3161)
  std::string sub_filter;
  std::string signer;          // subject of the signer certificate
  std::string signing_time;    // /M as ISO 8601, when present
  std::string timestamp_time;  // signature or document time-stamp genTime
  std::vector<std::int64_t> byte_range;
  std::size_t revision_end = 0;  // bytes covered (end of the signed revision)
  bool covers_whole_file = false;
  std::string level;  // PAdES level reached: "B-B".."B-LTA", or "-"
  std::vector<Finding> findings;
  std::vector<Finding> modifications;  // changes after this signature that are not allowed
  SignatureVerdict verdict = SignatureVerdict::Indeterminate;
};

struct VerificationReport {
  std::string file;
  bool readable = true;
  std::string error;  // why the file could not be read
  std::vector<SignatureReport> signatures;
  [[nodiscard]] bool all_valid() const;
};

struct VerifyOptions {
  std::vector<Buffer> trust_anchors;  // DER certificates; empty: nothing is trusted
  bool online_revocation = false;     // ask OCSP/CRL servers when the DSS has nothing usable
  // Revocation freshness: an OCSP response or CRL counts only when it was
  // produced after the signing time (the signature time-stamp, else /M) less
  // this grace; online answers must also not be past their nextUpdate at the
  // validation time. Stale data is reported ("revocation-stale").
  std::chrono::seconds revocation_grace = std::chrono::hours(24);
  // The time the signatures are judged at; empty: now.
  std::optional<std::chrono::system_clock::time_point> validation_time;
};

VerificationReport verify_pdf(ByteView pdf, const VerifyOptions& options);
VerificationReport verify_file(const std::filesystem::path& file, const VerifyOptions& options);

std::string format_text(const VerificationReport& report);
std::string format_json(const VerificationReport& report);

}  // namespace sohoa::signing
