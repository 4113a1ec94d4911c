#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <thread>
#include <utility>

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

// Gathers the /DSS content: for each certificate path (the signer's, the
// time-stamping authority's), the certificates and revocation data of every
// non-root certificate (OCSP when the certificate names a responder, else its
// CRL), each item once, and a /VRI entry per signature. Refuses to add data
// that says a certificate is revoked.
class ValidationDataCollector {
 public:
  explicit ValidationDataCollector(std::vector<Buffer> anchors) : anchors_(std::move(anchors)) {}

  // Adds the validation data of the path from `leaf` (issuers looked up among
  // `candidates` and the anchors) and returns the indices used, for /VRI.
  DssContent::SignatureEntry add_path(const Buffer& leaf, const std::vector<Buffer>& candidates) {
    std::vector<crypto::CertificateFacts> pool;
    std::vector<Buffer> seen;  // a handful of certificates: a list is enough
    pool.push_back(crypto::inspect_certificate(leaf));
    seen.push_back(leaf);
    for (const std::vector<Buffer>* list :
         {&candidates, static_cast<const std::vector<Buffer>*>(&anchors_)}) {
      for (const auto& der : *list) {
        if (std::find(seen.begin(), seen.end(), der) != seen.end()) continue;
        seen.push_back(der);
        pool.push_back(crypto::inspect_certificate(der));
      }
    }
    // Walk from the leaf up to the root.
    std::vector<const crypto::CertificateFacts*> path{&pool.front()};
    while (path.size() < 8) {
      const crypto::CertificateFacts* issuer = find_issuer(*path.back(), pool);
      if (issuer == nullptr) break;
      path.push_back(issuer);
    }
    DssContent::SignatureEntry used;
    for (const auto* cert : path)
      used.certificates.push_back(index_of(content_.certificates, cert->der));
    for (std::size_t i = 0; i + 1 < path.size(); ++i) {
      Revocation revocation = revocation_of(*path[i], *path[i + 1]);
      if (revocation.is_ocsp) {
        used.ocsp_responses.push_back(index_of(content_.ocsp_responses, revocation.data));
      } else {
        used.crls.push_back(index_of(content_.crls, revocation.data));
      }
    }
    return used;
  }

  void add_signature(std::string vri_key, const std::vector<DssContent::SignatureEntry>& parts) {
    DssContent::SignatureEntry entry;
    entry.key = std::move(vri_key);
    auto merge = [](std::vector<std::size_t>& into, const std::vector<std::size_t>& from) {
      for (std::size_t i : from) {
        if (std::find(into.begin(), into.end(), i) == into.end()) into.push_back(i);
      }
    };
    for (const auto& part : parts) {
      merge(entry.certificates, part.certificates);
      merge(entry.ocsp_responses, part.ocsp_responses);
      merge(entry.crls, part.crls);
    }
    content_.signatures.push_back(std::move(entry));
  }

  [[nodiscard]] const DssContent& content() const { return content_; }

 private:
  struct Revocation {
    bool is_ocsp = false;
    Buffer data;
  };

  static std::size_t index_of(std::vector<Buffer>& list, const Buffer& item) {
    auto it = std::find(list.begin(), list.end(), item);
    if (it != list.end()) return static_cast<std::size_t>(it - list.begin());
    list.push_back(item);
    return list.size() - 1;
  }

  // The revocation data for `cert`, fetched once per certificate.
  Revocation revocation_of(const crypto::CertificateFacts& cert,
                           const crypto::CertificateFacts& issuer) {
    auto it = std::find_if(fetched_.begin(), fetched_.end(),
                           [&cert](const auto& entry) { return entry.first == cert.der; });
    if (it != fetched_.end()) return it->second;
    Revocation revocation = fetch(cert, issuer);
    fetched_.emplace_back(cert.der, revocation);
    return revocation;
  }

  Revocation fetch(const crypto::CertificateFacts& cert, const crypto::CertificateFacts& issuer) {
    std::string url = crypto::ocsp_url(cert.der);
    if (!url.empty()) {
      crypto::OcspRequest request = crypto::make_ocsp_request(cert.der, issuer.der);
      Buffer response = http_post(url, "application/ocsp-request", request.der);
      crypto::RevocationFacts facts =
          crypto::check_ocsp(response, cert.der, issuer.der, anchors_, content_.certificates);
      if (facts.state == crypto::RevocationState::Revoked) {
        throw Error(ErrorCode::InvalidArgument,
                    "certificate " + cert.subject + " is revoked (" + facts.detail + ")");
      }
      if (facts.state != crypto::RevocationState::Good) {
        throw Error(ErrorCode::InputNotFound, "OCSP for " + cert.subject + ": " + facts.detail);
      }
      return {true, std::move(response)};
    }
    for (const std::string& crl_url : crypto::crl_urls(cert.der)) {
      Buffer crl = http_get(crl_url);
      crypto::RevocationFacts facts = crypto::check_crl(crl, cert.der, issuer.der);
      if (facts.state == crypto::RevocationState::Revoked) {
        throw Error(ErrorCode::InvalidArgument, "certificate " + cert.subject + " is revoked");
      }
      if (facts.state == crypto::RevocationState::Good) return {false, std::move(crl)};
    }
    throw Error(ErrorCode::InputNotFound, "no revocation source for " + cert.subject);
  }

  std::vector<Buffer> anchors_;
  DssContent content_;
  std::vector<std::pair<Buffer, Revocation>> fetched_;  // by certificate
};

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
  Buffer signature_timestamp;  // kept for the time-stamping authority's validation data
  if (options.level != PadesLevel::BB) {
    timestamper = [&](ByteView signature_value) -> std::optional<Buffer> {
      signature_timestamp = request_timestamp(options.tsa_url, crypto::sha256(signature_value));
      return signature_timestamp;
    };
  }
  auto make_cms = [&](const crypto::Digest& digest) {
    return build_pades_cms(digest, key, timestamper);
  };

  Buffer contents_value;
  std::string appended = append_signature_revision(input, spec, reserve, make_cms, &contents_value);
  signature_revision_size = appended.size();
  if (options.level == PadesLevel::BB || options.level == PadesLevel::BT) return appended;

  // B-LT and B-LTA read the signed file again for the next revisions (small
  // files in practice; the big-file path above never copies the input).
  Buffer whole;
  whole.reserve(input.size() + appended.size());
  whole.assign(input.begin(), input.end());
  whole.insert(whole.end(), appended.begin(), appended.end());
  // Validation data for the signer's path and for the path of the authority
  // that time-stamped the signature, and the /VRI entry tying both to it.
  ValidationDataCollector collector(options.extra_certificates);
  DssContent::SignatureEntry signer_part =
      collector.add_path(key.certificate_der(), key.chain_der());
  crypto::TimestampFacts stamp =
      crypto::inspect_timestamp_digest(signature_timestamp, crypto::Digest{}, {});
  if (stamp.tsa_certificate.empty()) {
    throw Error(ErrorCode::InvalidArgument,
                "the time-stamping authority's certificate is not in its time-stamp token");
  }
  std::vector<Buffer> tsa_candidates = stamp.certificates;
  tsa_candidates.insert(tsa_candidates.end(), key.chain_der().begin(), key.chain_der().end());
  DssContent::SignatureEntry tsa_part = collector.add_path(stamp.tsa_certificate, tsa_candidates);
  collector.add_signature(crypto::sha1_hex_upper(contents_value), {signer_part, tsa_part});
  std::string dss = append_dss_revision(whole, collector.content());
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

namespace {
// Closes a descriptor when it goes out of scope.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  [[nodiscard]] int get() const { return fd_; }
  // Closes now and reports whether the kernel accepted every write.
  bool close() {
    int fd = std::exchange(fd_, -1);
    return ::close(fd) == 0;
  }

 private:
  int fd_;
};

// The input file mapped read-only: its page-cache pages are hashed and parsed
// where they are, never copied into a buffer of ours. (A file truncated by
// someone else while it is being signed would fault; inputs are the desk's
// own files.)
class MappedInput {
 public:
  explicit MappedInput(const std::filesystem::path& path)
      : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
    if (fd_.get() < 0) {
      throw Error(ErrorCode::InputNotFound,
                  "cannot open " + path.string() + ": " + std::strerror(errno));
    }
    struct stat info {};
    if (::fstat(fd_.get(), &info) != 0 || !S_ISREG(info.st_mode)) {
      throw Error(ErrorCode::InvalidArgument, path.string() + " is not a regular file");
    }
    size_ = static_cast<std::size_t>(info.st_size);
    if (size_ == 0) throw Error(ErrorCode::EmptyInput, path.string() + " is empty");
    // MAP_POPULATE maps every page in one go instead of one fault per page.
    void* at = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd_.get(), 0);
    if (at == MAP_FAILED) {
      throw Error(ErrorCode::CorruptInput,
                  "cannot read " + path.string() + ": " + std::strerror(errno));
    }
    data_ = static_cast<const std::uint8_t*>(at);
  }
  MappedInput(const MappedInput&) = delete;
  MappedInput& operator=(const MappedInput&) = delete;
  ~MappedInput() { ::munmap(const_cast<std::uint8_t*>(data_), size_); }
  [[nodiscard]] int fd() const { return fd_.get(); }
  [[nodiscard]] ByteView bytes() const { return {data_, size_}; }

 private:
  FileDescriptor fd_;
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

bool write_all_at(int fd, ByteView data, std::size_t offset) {
  while (!data.empty()) {
    ssize_t n = ::pwrite(fd, data.data(), data.size(), static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data = data.subspan(static_cast<std::size_t>(n));
    offset += static_cast<std::size_t>(n);
  }
  return true;
}

// Copies the input into the output inside the kernel (copy_file_range: the
// bytes never pass through user space; a clone on file systems that share
// extents). Falls back to writing from the mapping where the kernel cannot.
bool copy_input(const MappedInput& input, int output) {
  const std::size_t size = input.bytes().size();
  loff_t from = 0;
  loff_t to = 0;
  while (static_cast<std::size_t>(to) < size) {
    ssize_t n =
        ::copy_file_range(input.fd(), &from, output, &to, size - static_cast<std::size_t>(to), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n > 0) continue;
    if (n == 0 || errno == EXDEV || errno == ENOSYS || errno == EOPNOTSUPP || errno == EINVAL) {
      const auto done = static_cast<std::size_t>(to);
      return write_all_at(output, input.bytes().subspan(done), done);
    }
    return false;
  }
  return true;
}
}  // namespace

void sign_file(const std::filesystem::path& input, const std::filesystem::path& output,
               KeySource& key, const SignOptions& options) {
  // The input is mapped once; while this thread parses the last revision,
  // hashes and signs, a second one copies the input to the output in the
  // kernel. The appended revisions are then written at the end with one
  // pwrite, and the file renamed into place (never half-written).
  const MappedInput source(input);
  const std::size_t size = source.bytes().size();
  // A name of its own beside the target: signings of the same output running
  // at once (a service's batch) never write into each other's file.
  static std::atomic<unsigned> sequence{0};
  std::filesystem::path temporary = output;
  temporary += std::to_string(::getpid()).insert(0, 1, '.');
  temporary += std::to_string(sequence++).insert(0, 1, '-');
  temporary += ".part";
  FileDescriptor out(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666));
  if (out.get() < 0) {
    throw Error(ErrorCode::OutputFailed,
                "cannot write " + output.string() + ": " + std::strerror(errno));
  }
  auto discard = [&temporary] {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
  };
  int copy_error = 0;  // errno of the copying thread, read after it has joined
  std::string appended;
  {
    std::jthread copier([&] {
      if (!copy_input(source, out.get())) copy_error = errno != 0 ? errno : EIO;
    });
    try {
      std::size_t signature_revision_size = 0;
      appended = signed_revisions(source.bytes(), key, options, signature_revision_size);
    } catch (...) {
      copier.join();
      out.close();
      discard();
      throw;
    }
  }
  const ByteView tail(reinterpret_cast<const std::uint8_t*>(appended.data()), appended.size());
  if (copy_error != 0 || !write_all_at(out.get(), tail, size) || !out.close()) {
    const int why = copy_error != 0 ? copy_error : errno;
    out.close();
    discard();
    throw Error(ErrorCode::OutputFailed,
                "cannot write " + output.string() + ": " + std::strerror(why));
  }
  std::error_code renamed;
  std::filesystem::rename(temporary, output, renamed);
  if (renamed) {
    discard();
    throw Error(ErrorCode::OutputFailed,
                "cannot write " + output.string() + ": " + renamed.message());
  }
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
