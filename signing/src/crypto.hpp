#pragma once
// What signing/ needs from OpenSSL, in our own types. Implemented in
// openssl_crypto.cpp, the only file that includes OpenSSL headers.

#include <array>
#include <cstdint>
#include <ctime>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sohoa/signing/signer.hpp"

namespace sohoa::signing::crypto {

using Digest = std::array<std::uint8_t, 32>;

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(ByteView data);
  Digest finish();

 private:
  void* context_;
};

Digest sha256(ByteView data);
// The key of a /VRI entry: SHA-1 of the bytes, upper-case hexadecimal.
std::string sha1_hex_upper(ByteView data);

struct CertificateFacts {
  Buffer der;
  Buffer issuer_name_der;  // Name TLV
  Buffer subject_der;      // Name TLV
  Buffer serial_der;       // INTEGER TLV
  std::string subject;     // one line, UTF-8
  std::string issuer;
  std::string common_name;   // subject CN (the signer's name on a personal certificate)
  std::string organization;  // subject O (the agency)
  KeyAlgorithm algorithm = KeyAlgorithm::Rsa;
  int key_bits = 0;
  std::time_t not_before = 0;
  std::time_t not_after = 0;
  bool key_usage_allows_signing = true;  // digitalSignature or nonRepudiation (or no extension)
};
CertificateFacts inspect_certificate(ByteView der);  // throws InvalidArgument

// A private key loaded in memory (PKCS#12).
struct SoftKey;
struct SoftKeyDeleter {
  void operator()(SoftKey* key) const;
};
using SoftKeyPtr = std::unique_ptr<SoftKey, SoftKeyDeleter>;
SoftKeyPtr load_pkcs12(ByteView file, const std::string& password, Buffer& certificate,
                       std::vector<Buffer>& chain);
Buffer sign_sha256(SoftKey& key, ByteView data);

// RSA: wraps a SHA-256 digest in a DigestInfo for raw PKCS#1 v1.5 (CKM_RSA_PKCS).
Buffer sha256_digest_info(const Digest& digest);
// ECDSA: turns a raw r||s signature (PKCS#11) into the DER form CMS expects.
Buffer ecdsa_raw_to_der(ByteView raw);

// ---------------------------------------------------------------- verification

struct CmsFacts {
  bool parsed = false;
  std::string parse_error;
  int signer_count = 0;
  bool detached = true;
  bool digest_is_sha256 = false;
  std::string digest_algorithm;
  std::string signature_algorithm;
  bool has_content_type = false;
  bool has_message_digest = false;
  bool has_signing_time = false;
  bool has_signing_certificate_v2 = false;
  bool signing_certificate_v2_matches = false;
  Buffer message_digest;
  bool signer_found = false;
  bool signature_valid = false;  // over the signed attributes, with the signer's key
  std::optional<CertificateFacts> signer;
  std::vector<Buffer> certificates;
  Buffer signature_value;
  std::optional<Buffer> timestamp_token;  // unsigned signature-time-stamp attribute
};
CmsFacts inspect_cms(ByteView der);

struct ChainResult {
  bool trusted = false;
  std::string code;  // cert-expired, cert-not-yet-valid, untrusted, cert-revoked, ...
  std::string detail;
  std::vector<CertificateFacts> chain;  // leaf first, when built
};
// Builds and checks the path from `leaf` to one of `anchors` at time `at`;
// `crls` (DER) are checked when `check_crls`.
ChainResult verify_chain(const Buffer& leaf, const std::vector<Buffer>& untrusted,
                         const std::vector<Buffer>& anchors, std::time_t at,
                         const std::vector<Buffer>& crls, bool check_crls);

struct TimestampFacts {
  bool parsed = false;
  bool signature_valid = false;  // token signature and TSA certificate path
  bool imprint_matches = false;
  std::string error;
  std::time_t gen_time = 0;
  std::string tsa;
  Buffer tsa_certificate;  // DER of the certificate that signed the token, when found
  std::vector<Buffer> certificates;
};
// Checks an RFC 3161 token: its imprint must be SHA-256(`data`).
TimestampFacts inspect_timestamp(ByteView token, ByteView data, const std::vector<Buffer>& anchors);
// Same, with the imprint given as a digest.
TimestampFacts inspect_timestamp_digest(ByteView token, const Digest& digest,
                                        const std::vector<Buffer>& anchors);

// ---------------------------------------------------------------- time-stamping (RFC 3161)

struct TimestampRequest {
  Buffer der;
  Buffer nonce;
};
TimestampRequest make_timestamp_request(const Digest& digest);
// Checks status, imprint and nonce; returns the TimeStampToken (ContentInfo) DER.
Buffer timestamp_token_from_response(ByteView response, const TimestampRequest& request);

// ---------------------------------------------------------------- revocation

struct OcspRequest {
  Buffer der;
};
OcspRequest make_ocsp_request(const Buffer& certificate, const Buffer& issuer);
std::string ocsp_url(const Buffer& certificate);               // AIA OCSP URL or empty
std::vector<std::string> crl_urls(const Buffer& certificate);  // CRL distribution points

enum class RevocationState : std::uint8_t { Good, Revoked, Unknown };
struct RevocationFacts {
  RevocationState state = RevocationState::Unknown;
  std::string detail;
  bool from_ocsp = false;
  // When the status was established: OCSP producedAt, CRL thisUpdate (0: unknown).
  std::time_t issued_at = 0;
  std::time_t next_update = 0;  // OCSP nextUpdate / CRL nextUpdate (0: none given)
};
// Checks a DER OCSPResponse for `certificate` issued by `issuer`; the response
// signature must chain to `anchors` (or be signed by the issuer).
RevocationFacts check_ocsp(ByteView response, const Buffer& certificate, const Buffer& issuer,
                           const std::vector<Buffer>& anchors, const std::vector<Buffer>& extra);
// Checks a DER CRL signed by `issuer` for `certificate`.
RevocationFacts check_crl(ByteView crl, const Buffer& certificate, const Buffer& issuer);

std::string hex(ByteView bytes);
std::vector<Buffer> read_pem_certificates(ByteView pem);

}  // namespace sohoa::signing::crypto
