#include <cstring>
#include <ctime>
#include <fstream>
#include <iterator>
#include <set>

#include "cms_builder.hpp"
#include "crypto.hpp"
#include "http_client.hpp"
#include "incremental_update.hpp"
#include "pdf_document.hpp"
#include "signature_revision.hpp"
#include "sohoa/core/error.hpp"
#include "sohoa/signing/pades.hpp"

namespace sohoa::signing {

namespace {
using pdf::Array;
using pdf::Dict;
using pdf::Name;
using pdf::Object;
using pdf::Ref;

constexpr std::size_t kReserveBB = 8192;
constexpr std::size_t kReserveWithTimestamp = 20480;
constexpr std::size_t kReserveDocTimestamp = 12288;

// The wall-clock time at `utc_offset_minutes` east of UTC.
std::tm civil_time(std::chrono::system_clock::time_point when, int utc_offset_minutes) {
  std::time_t t = std::chrono::system_clock::to_time_t(when) + std::time_t{utc_offset_minutes} * 60;
  std::tm civil{};
  gmtime_r(&t, &civil);
  return civil;
}

// /M: D:YYYYMMDDHHmmSS+HH'mm'
std::string pdf_date(std::chrono::system_clock::time_point when, int utc_offset_minutes) {
  std::tm c = civil_time(when, utc_offset_minutes);
  int offset = utc_offset_minutes < 0 ? -utc_offset_minutes : utc_offset_minutes;
  char buf[64];
  std::snprintf(buf, sizeof buf, "D:%04d%02d%02d%02d%02d%02d%c%02d'%02d'", c.tm_year + 1900,
                c.tm_mon + 1, c.tm_mday, c.tm_hour, c.tm_min, c.tm_sec,
                utc_offset_minutes < 0 ? '-' : '+', offset / 60, offset % 60);
  return buf;
}

// As NĐ 30/2020 and TT 05/2025 show it: yyyy-MM-ddThh:mm:ss+07:00.
std::string iso_8601(std::chrono::system_clock::time_point when, int utc_offset_minutes) {
  std::tm c = civil_time(when, utc_offset_minutes);
  int offset = utc_offset_minutes < 0 ? -utc_offset_minutes : utc_offset_minutes;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", c.tm_year + 1900,
                c.tm_mon + 1, c.tm_mday, c.tm_hour, c.tm_min, c.tm_sec,
                utc_offset_minutes < 0 ? '-' : '+', offset / 60, offset % 60);
  return buf;
}

// Fills the names a visible appearance shows from the certificate when the
// caller gave none: the signer's CN, the agency's O (or, for an organisation
// certificate without O, its CN).
Appearance resolve_appearance(Appearance appearance, const crypto::CertificateFacts& signer) {
  if (appearance.kind == AppearanceKind::Invisible) return appearance;
  if (appearance.signer_name.empty()) appearance.signer_name = signer.common_name;
  if (appearance.agency.empty()) {
    appearance.agency = !signer.organization.empty() ? signer.organization : signer.common_name;
  }
  if (appearance.kind == AppearanceKind::DigitisationStamp && appearance.agency.empty()) {
    throw Error(
        ErrorCode::InvalidArgument,
        "the digitisation stamp needs the agency name (--agency): the certificate has none");
  }
  return appearance;
}

Buffer request_timestamp(const std::string& tsa_url, const crypto::Digest& digest) {
  if (tsa_url.empty()) {
    throw Error(ErrorCode::InvalidArgument, "a time-stamping authority URL (--tsa) is required");
  }
  crypto::TimestampRequest request = crypto::make_timestamp_request(digest);
  Buffer response = http_post(tsa_url, "application/timestamp-query", request.der);
  return crypto::timestamp_token_from_response(response, request);
}

// Finds the issuer of `cert` among `pool` by name (self-signed: none).
const crypto::CertificateFacts* find_issuer(const crypto::CertificateFacts& cert,
                                            const std::vector<crypto::CertificateFacts>& pool) {
  if (cert.subject_der == cert.issuer_name_der) return nullptr;
  for (const auto& candidate : pool) {
    if (candidate.subject_der == cert.issuer_name_der && candidate.der != cert.der) {
      return &candidate;
    }
  }
  return nullptr;
}

// Fetches revocation data for every non-root certificate of the chain: OCSP
// when the certificate names a responder, else its CRL. Refuses to add data
// that says the certificate is revoked.
struct ValidationData {
  std::vector<Buffer> certificates;
  std::vector<Buffer> ocsp_responses;
  std::vector<Buffer> crls;
};

ValidationData collect_validation_data(const std::vector<Buffer>& chain_ders,
                                       const std::vector<Buffer>& anchors) {
  ValidationData data;
  std::vector<crypto::CertificateFacts> pool;
  std::set<Buffer> seen;
  for (const auto& der : chain_ders) {
    if (seen.insert(der).second) pool.push_back(crypto::inspect_certificate(der));
  }
  for (const auto& der : anchors) {
    if (seen.insert(der).second) pool.push_back(crypto::inspect_certificate(der));
  }
  // Walk from the signer (first) up to the root.
  std::vector<const crypto::CertificateFacts*> path{&pool.front()};
  while (path.size() < 8) {
    const crypto::CertificateFacts* issuer = find_issuer(*path.back(), pool);
    if (issuer == nullptr) break;
    path.push_back(issuer);
  }
  for (const auto* cert : path) data.certificates.push_back(cert->der);
  for (std::size_t i = 0; i + 1 < path.size(); ++i) {
    const crypto::CertificateFacts& cert = *path[i];
    const crypto::CertificateFacts& issuer = *path[i + 1];
    std::string url = crypto::ocsp_url(cert.der);
    if (!url.empty()) {
      crypto::OcspRequest request = crypto::make_ocsp_request(cert.der, issuer.der);
      Buffer response = http_post(url, "application/ocsp-request", request.der);
      crypto::RevocationFacts facts =
          crypto::check_ocsp(response, cert.der, issuer.der, anchors, data.certificates);
      if (facts.state == crypto::RevocationState::Revoked) {
        throw Error(ErrorCode::InvalidArgument,
                    "certificate " + cert.subject + " is revoked (" + facts.detail + ")");
      }
      if (facts.state != crypto::RevocationState::Good) {
        throw Error(ErrorCode::InputNotFound, "OCSP for " + cert.subject + ": " + facts.detail);
      }
      data.ocsp_responses.push_back(std::move(response));
      continue;
    }
    bool found = false;
    for (const std::string& crl_url : crypto::crl_urls(cert.der)) {
      Buffer crl = http_get(crl_url);
      crypto::RevocationFacts facts = crypto::check_crl(crl, cert.der, issuer.der);
      if (facts.state == crypto::RevocationState::Revoked) {
        throw Error(ErrorCode::InvalidArgument, "certificate " + cert.subject + " is revoked");
      }
      if (facts.state == crypto::RevocationState::Good) {
        data.crls.push_back(std::move(crl));
        found = true;
        break;
      }
    }
    if (!found) {
      throw Error(ErrorCode::InputNotFound, "no revocation source for " + cert.subject);
    }
  }
  return data;
}

}  // namespace

// ----------------------------------------------------------------------------- levels

std::string to_string(PadesLevel level) {
  switch (level) {
    case PadesLevel::BB:
      return "B-B";
    case PadesLevel::BT:
      return "B-T";
    case PadesLevel::BLT:
      return "B-LT";
    case PadesLevel::BLTA:
      return "B-LTA";
  }
  return "?";
}

PadesLevel parse_pades_level(const std::string& text) {
  if (text == "B-B") return PadesLevel::BB;
  if (text == "B-T") return PadesLevel::BT;
  if (text == "B-LT") return PadesLevel::BLT;
  if (text == "B-LTA") return PadesLevel::BLTA;
  throw Error(ErrorCode::InvalidArgument,
              "unknown PAdES level '" + text + "' (expected B-B, B-T, B-LT or B-LTA)");
}

// ----------------------------------------------------------------------------- signing

namespace {
// The bytes to append to `input`: the signature revision and, for B-LT/B-LTA,
// the /DSS and document time-stamp revisions.
std::string signed_revisions(ByteView input, KeySource& key, const SignOptions& options,
                             std::size_t& signature_revision_size) {
  if (options.level != PadesLevel::BB && options.tsa_url.empty()) {
    throw Error(ErrorCode::InvalidArgument,
                to_string(options.level) + " needs a time-stamping authority (--tsa URL)");
  }
  crypto::CertificateFacts signer = crypto::inspect_certificate(key.certificate_der());
  if (signer.algorithm == KeyAlgorithm::Rsa && signer.key_bits < 2048) {
    throw Error(ErrorCode::InvalidArgument, "RSA keys shorter than 2048 bits are not accepted");
  }

  SignatureFieldSpec spec;
  spec.dictionary_type = "Sig";
  spec.sub_filter = "ETSI.CAdES.detached";
  const auto when = options.signing_time.value_or(std::chrono::system_clock::now());
  spec.signing_time = pdf_date(when, options.utc_offset_minutes);
  spec.display_time = iso_8601(when, options.utc_offset_minutes);
  spec.reason = options.reason;
  spec.location = options.location;
  spec.field_name = options.field_name;
  spec.appearance = resolve_appearance(options.appearance, signer);
  std::size_t reserve = options.reserved_signature_bytes;
  if (reserve == 0) reserve = options.level == PadesLevel::BB ? kReserveBB : kReserveWithTimestamp;

  SignatureTimestamper timestamper;
  if (options.level != PadesLevel::BB) {
    timestamper = [&options](ByteView signature_value) -> std::optional<Buffer> {
      return request_timestamp(options.tsa_url, crypto::sha256(signature_value));
    };
  }
  auto make_cms = [&](const crypto::Digest& digest) {
    return build_pades_cms(digest, key, timestamper);
  };

  std::string appended = append_signature_revision(input, spec, reserve, make_cms);
  signature_revision_size = appended.size();
  if (options.level == PadesLevel::BB || options.level == PadesLevel::BT) return appended;

  // B-LT and B-LTA read the signed file again for the next revisions (small
  // files in practice; the big-file path above never copies the input).
  Buffer whole;
  whole.reserve(input.size() + appended.size());
  whole.assign(input.begin(), input.end());
  whole.insert(whole.end(), appended.begin(), appended.end());
  std::vector<Buffer> chain{key.certificate_der()};
  chain.insert(chain.end(), key.chain_der().begin(), key.chain_der().end());
  ValidationData data = collect_validation_data(chain, options.extra_certificates);
  std::string dss = append_dss_revision(whole, data.certificates, data.ocsp_responses, data.crls);
  appended += dss;
  whole.insert(whole.end(), dss.begin(), dss.end());
  if (options.level == PadesLevel::BLTA) {
    SignatureFieldSpec ts_spec;
    ts_spec.dictionary_type = "DocTimeStamp";
    ts_spec.sub_filter = "ETSI.RFC3161";
    auto make_token = [&options](const crypto::Digest& digest) {
      return request_timestamp(options.tsa_url, digest);
    };
    appended += append_signature_revision(whole, ts_spec, kReserveDocTimestamp, make_token);
  }
  return appended;
}

}  // namespace

SignResult sign_pdf(ByteView input, KeySource& key, const SignOptions& options) {
  std::size_t signature_revision_size = 0;
  std::string appended = signed_revisions(input, key, options, signature_revision_size);
  SignResult result;
  result.pdf.reserve(input.size() + appended.size());
  result.pdf.assign(input.begin(), input.end());
  result.signature_revision_end = input.size() + signature_revision_size;
  result.pdf.insert(result.pdf.end(), appended.begin(), appended.end());
  return result;
}

void sign_file(const std::filesystem::path& input, const std::filesystem::path& output,
               KeySource& key, const SignOptions& options) {
  // One read of the input into an uninitialised buffer, one signing pass over
  // it (no parse beyond the objects the signature revision touches), then the
  // input and the appended revisions written as two large writes.
  std::ifstream in(input, std::ios::binary);
  if (!in) throw Error(ErrorCode::InputNotFound, "cannot open " + input.string());
  in.seekg(0, std::ios::end);
  auto size = static_cast<std::size_t>(in.tellg());
  in.seekg(0);
  if (size == 0) throw Error(ErrorCode::EmptyInput, input.string() + " is empty");
  std::unique_ptr<std::uint8_t[]> bytes(new std::uint8_t[size]);
  in.read(reinterpret_cast<char*>(bytes.get()), static_cast<std::streamsize>(size));
  if (!in) throw Error(ErrorCode::CorruptInput, "cannot read " + input.string());
  const ByteView view(bytes.get(), size);
  std::size_t signature_revision_size = 0;
  std::string appended = signed_revisions(view, key, options, signature_revision_size);
  // Write beside the target, then rename: a crash never leaves half a file.
  std::filesystem::path temporary = output;
  temporary += ".part";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.get()), static_cast<std::streamsize>(size));
    out.write(appended.data(), static_cast<std::streamsize>(appended.size()));
    out.close();
    if (!out) {
      std::error_code ignored;
      std::filesystem::remove(temporary, ignored);
      throw Error(ErrorCode::OutputFailed, "cannot write " + output.string());
    }
  }
  std::filesystem::rename(temporary, output);
}

// ----------------------------------------------------------------------------- key helpers

Secret::Secret(Secret&& other) noexcept : value_(std::move(other.value_)) {
  other.wipe();
}

Secret& Secret::operator=(Secret&& other) noexcept {
  if (this != &other) {
    wipe();
    value_ = std::move(other.value_);
    other.wipe();
  }
  return *this;
}

Secret::~Secret() {
  wipe();
}

void Secret::wipe() {
  if (!value_.empty()) explicit_bzero(value_.data(), value_.size());
  value_.clear();
}

RemoteKeySource::RemoteKeySource(std::unique_ptr<RemoteSigningService> service)
    : service_(std::move(service)),
      certificate_(service_->certificate_der()),
      chain_(service_->chain_der()),
      algorithm_(service_->algorithm()) {}

Buffer RemoteKeySource::sign_sha256(ByteView data) {
  crypto::Digest digest = crypto::sha256(data);
  return service_->sign_digest(std::span<const std::uint8_t, 32>(digest));
}

Buffer parse_hex_id(const std::string& hex) {
  Buffer out;
  int pending = -1;
  for (char c : hex) {
    if (c == ':' || c == ' ') continue;
    int v = -1;
    if (c >= '0' && c <= '9') v = c - '0';
    if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    if (v < 0) throw Error(ErrorCode::InvalidArgument, "key id is not hexadecimal: " + hex);
    if (pending < 0) {
      pending = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(pending * 16 + v));
      pending = -1;
    }
  }
  if (pending >= 0 || out.empty()) {
    throw Error(ErrorCode::InvalidArgument, "key id needs an even number of hex digits: " + hex);
  }
  return out;
}

}  // namespace sohoa::signing
