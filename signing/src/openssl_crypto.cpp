// OpenSSL adapter: hashing, certificates, PKCS#12 keys, CMS/RFC 3161/OCSP/CRL
// inspection. The only file in signing/ that includes OpenSSL headers.
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/ess.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <fstream>
#include <iterator>

#include "crypto.hpp"
#include "der.hpp"
#include "sohoa/core/error.hpp"

namespace sohoa::signing::crypto {

namespace {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
template <typename T, void (*Free)(T*)>
using Owned = std::unique_ptr<T, Deleter<T, Free>>;

using X509Ptr = Owned<X509, X509_free>;
using BioPtr = Owned<BIO, BIO_free_all>;
using CmsPtr = Owned<CMS_ContentInfo, CMS_ContentInfo_free>;
using StorePtr = Owned<X509_STORE, X509_STORE_free>;
using StoreCtxPtr = Owned<X509_STORE_CTX, X509_STORE_CTX_free>;
using Pkcs7Ptr = Owned<PKCS7, PKCS7_free>;
using TstInfoPtr = Owned<TS_TST_INFO, TS_TST_INFO_free>;
using TsRespPtr = Owned<TS_RESP, TS_RESP_free>;
using TsVerifyPtr = Owned<TS_VERIFY_CTX, TS_VERIFY_CTX_free>;
using OcspRespPtr = Owned<OCSP_RESPONSE, OCSP_RESPONSE_free>;
using OcspBasicPtr = Owned<OCSP_BASICRESP, OCSP_BASICRESP_free>;
using OcspCertIdPtr = Owned<OCSP_CERTID, OCSP_CERTID_free>;
using CrlPtr = Owned<X509_CRL, X509_CRL_free>;
using EvpCtxPtr = Owned<EVP_MD_CTX, EVP_MD_CTX_free>;

struct X509StackDeleter {
  void operator()(STACK_OF(X509) * s) const { sk_X509_pop_free(s, X509_free); }
};
using X509StackPtr = std::unique_ptr<STACK_OF(X509), X509StackDeleter>;

std::string openssl_error() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  return buf;
}

X509Ptr parse_x509(ByteView der) {
  const unsigned char* p = der.data();
  X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  return cert;
}

Buffer to_der(X509* cert) {
  int len = i2d_X509(cert, nullptr);
  if (len <= 0) return {};
  Buffer out(static_cast<std::size_t>(len));
  unsigned char* p = out.data();
  i2d_X509(cert, &p);
  return out;
}

X509StackPtr make_stack(const std::vector<Buffer>& ders) {
  X509StackPtr stack(sk_X509_new_null());
  for (const auto& der : ders) {
    if (X509Ptr cert = parse_x509(der)) sk_X509_push(stack.get(), cert.release());
  }
  return stack;
}

StorePtr make_store(const std::vector<Buffer>& anchors) {
  StorePtr store(X509_STORE_new());
  for (const auto& der : anchors) {
    if (X509Ptr cert = parse_x509(der)) X509_STORE_add_cert(store.get(), cert.get());
  }
  return store;
}

std::string name_text(const X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

// The UTF-8 value of the first attribute `nid` of a name, or empty.
std::string name_entry(const X509_NAME* name, int nid) {
  int index = X509_NAME_get_index_by_NID(name, nid, -1);
  if (index < 0) return {};
  const ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  unsigned char* utf8 = nullptr;
  int len = ASN1_STRING_to_UTF8(&utf8, value);
  if (len < 0) return {};
  std::string text(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(len));
  OPENSSL_free(utf8);
  return text;
}

std::time_t to_time(const ASN1_TIME* time) {
  std::tm tm{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1) return 0;
  return timegm(&tm);
}

Buffer octets(const ASN1_STRING* s) {
  if (s == nullptr) return {};
  const unsigned char* data = ASN1_STRING_get0_data(s);
  return Buffer(data, data + ASN1_STRING_length(s));
}

}  // namespace

// ----------------------------------------------------------------------------- hashing

Sha256::Sha256() : context_(EVP_MD_CTX_new()) {
  if (context_ == nullptr ||
      EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(context_), EVP_sha256(), nullptr) != 1) {
    throw Error(ErrorCode::Internal, "SHA-256 unavailable: " + openssl_error());
  }
}

Sha256::~Sha256() {
  EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(context_));
}

void Sha256::update(ByteView data) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(context_), data.data(), data.size());
}

Digest Sha256::finish() {
  Digest digest{};
  unsigned int len = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(context_), digest.data(), &len);
  return digest;
}

Digest sha256(ByteView data) {
  Digest digest{};
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest.data(), &len, EVP_sha256(), nullptr);
  return digest;
}

std::string sha1_hex_upper(ByteView data) {
  std::array<std::uint8_t, 20> digest{};
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest.data(), &len, EVP_sha1(), nullptr);
  std::string text = hex(digest);
  std::transform(text.begin(), text.end(), text.begin(), [](char c) {
    return static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  });
  return text;
}

std::string hex(ByteView bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (std::uint8_t b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

// ----------------------------------------------------------------------------- certificates

CertificateFacts inspect_certificate(ByteView der) {
  X509Ptr cert = parse_x509(der);
  if (!cert) throw Error(ErrorCode::InvalidArgument, "not a DER X.509 certificate");
  CertificateFacts facts;
  facts.der = to_der(cert.get());
  {
    unsigned char* out = nullptr;
    int len = i2d_X509_NAME(X509_get_issuer_name(cert.get()), &out);
    if (len > 0) facts.issuer_name_der.assign(out, out + len);
    OPENSSL_free(out);
  }
  {
    unsigned char* out = nullptr;
    int len = i2d_X509_NAME(X509_get_subject_name(cert.get()), &out);
    if (len > 0) facts.subject_der.assign(out, out + len);
    OPENSSL_free(out);
  }
  {
    unsigned char* out = nullptr;
    int len = i2d_ASN1_INTEGER(X509_get0_serialNumber(cert.get()), &out);
    if (len > 0) facts.serial_der.assign(out, out + len);
    OPENSSL_free(out);
  }
  facts.subject = name_text(X509_get_subject_name(cert.get()));
  facts.issuer = name_text(X509_get_issuer_name(cert.get()));
  facts.common_name = name_entry(X509_get_subject_name(cert.get()), NID_commonName);
  facts.organization = name_entry(X509_get_subject_name(cert.get()), NID_organizationName);
  if (EVP_PKEY* key = X509_get0_pubkey(cert.get())) {
    facts.algorithm =
        EVP_PKEY_get_base_id(key) == EVP_PKEY_EC ? KeyAlgorithm::Ecdsa : KeyAlgorithm::Rsa;
    facts.key_bits = EVP_PKEY_get_bits(key);
  }
  facts.not_before = to_time(X509_get0_notBefore(cert.get()));
  facts.not_after = to_time(X509_get0_notAfter(cert.get()));
  std::uint32_t usage = X509_get_key_usage(cert.get());
  facts.key_usage_allows_signing =
      usage == UINT32_MAX || (usage & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)) != 0;
  return facts;
}

// ----------------------------------------------------------------------------- soft keys

struct SoftKey {
  EVP_PKEY* key = nullptr;
};

void SoftKeyDeleter::operator()(SoftKey* key) const {
  if (key != nullptr) EVP_PKEY_free(key->key);
  delete key;
}

SoftKeyPtr load_pkcs12(ByteView file, const std::string& password, Buffer& certificate,
                       std::vector<Buffer>& chain) {
  const unsigned char* p = file.data();
  Owned<PKCS12, PKCS12_free> p12(d2i_PKCS12(nullptr, &p, static_cast<long>(file.size())));
  if (!p12) throw Error(ErrorCode::InvalidArgument, "not a PKCS#12 file");
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  STACK_OF(X509)* ca = nullptr;
  if (PKCS12_parse(p12.get(), password.c_str(), &key, &cert, &ca) != 1) {
    ERR_clear_error();
    // Never echo the password; the usual cause is a wrong one.
    throw Error(ErrorCode::InvalidArgument,
                "cannot open the PKCS#12 file (wrong password or unsupported encryption)");
  }
  X509Ptr owned_cert(cert);
  X509StackPtr owned_ca(ca);
  SoftKeyPtr soft(new SoftKey{key});
  if (key == nullptr || cert == nullptr) {
    throw Error(ErrorCode::InvalidArgument, "the PKCS#12 file has no key and certificate");
  }
  certificate = to_der(cert);
  chain.clear();
  for (int i = 0; ca != nullptr && i < sk_X509_num(ca); ++i) {
    chain.push_back(to_der(sk_X509_value(ca, i)));
  }
  return soft;
}

Buffer sign_sha256(SoftKey& key, ByteView data) {
  EvpCtxPtr ctx(EVP_MD_CTX_new());
  std::size_t len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.key) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, data.data(), data.size()) != 1) {
    throw Error(ErrorCode::Internal, "signing failed: " + openssl_error());
  }
  Buffer signature(len);
  if (EVP_DigestSign(ctx.get(), signature.data(), &len, data.data(), data.size()) != 1) {
    throw Error(ErrorCode::Internal, "signing failed: " + openssl_error());
  }
  signature.resize(len);
  return signature;
}

Buffer sha256_digest_info(const Digest& digest) {
  // DigestInfo ::= SEQUENCE { AlgorithmIdentifier sha256 NULL, OCTET STRING digest }
  Buffer info = der::sequence(
      {der::sequence({der::oid(der::oids::kSha256), der::null()}), der::octet_string(digest)});
  return info;
}

Buffer ecdsa_raw_to_der(ByteView raw) {
  if (raw.empty() || raw.size() % 2 != 0) throw Error(ErrorCode::Internal, "bad ECDSA signature");
  std::size_t half = raw.size() / 2;
  return der::sequence(
      {der::unsigned_integer(raw.first(half)), der::unsigned_integer(raw.subspan(half))});
}

std::vector<Buffer> read_pem_certificates(ByteView pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  std::vector<Buffer> out;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    out.push_back(to_der(cert));
    X509_free(cert);
  }
  ERR_clear_error();
  return out;
}

// ----------------------------------------------------------------------------- CMS

CmsFacts inspect_cms(ByteView der_bytes) {
  CmsFacts facts;
  // /Contents is zero-padded: parse only the first DER element.
  const unsigned char* p = der_bytes.data();
  CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der_bytes.size())));
  if (!cms) {
    facts.parse_error = "not a CMS structure: " + openssl_error();
    return facts;
  }
  if (OBJ_obj2nid(CMS_get0_type(cms.get())) != NID_pkcs7_signed) {
    facts.parse_error = "CMS is not SignedData";
    return facts;
  }
  facts.parsed = true;
  facts.detached = CMS_is_detached(cms.get()) == 1;
  STACK_OF(CMS_SignerInfo)* infos = CMS_get0_SignerInfos(cms.get());
  facts.signer_count = infos != nullptr ? sk_CMS_SignerInfo_num(infos) : 0;
  X509StackPtr certs(CMS_get1_certs(cms.get()));
  for (int i = 0; certs && i < sk_X509_num(certs.get()); ++i) {
    facts.certificates.push_back(to_der(sk_X509_value(certs.get(), i)));
  }
  if (facts.signer_count < 1) return facts;
  CMS_SignerInfo* si = sk_CMS_SignerInfo_value(infos, 0);
  X509_ALGOR* digest_alg = nullptr;
  X509_ALGOR* signature_alg = nullptr;
  CMS_SignerInfo_get0_algs(si, nullptr, nullptr, &digest_alg, &signature_alg);
  if (digest_alg != nullptr) {
    const ASN1_OBJECT* obj = nullptr;
    X509_ALGOR_get0(&obj, nullptr, nullptr, digest_alg);
    facts.digest_algorithm = OBJ_nid2sn(OBJ_obj2nid(obj));
    facts.digest_is_sha256 = OBJ_obj2nid(obj) == NID_sha256;
  }
  if (signature_alg != nullptr) {
    const ASN1_OBJECT* obj = nullptr;
    X509_ALGOR_get0(&obj, nullptr, nullptr, signature_alg);
    facts.signature_algorithm = OBJ_nid2sn(OBJ_obj2nid(obj));
  }
  facts.has_content_type = CMS_signed_get_attr_by_NID(si, NID_pkcs9_contentType, -1) >= 0;
  facts.has_signing_time = CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1) >= 0;
  if (auto* md = static_cast<ASN1_OCTET_STRING*>(CMS_signed_get0_data_by_OBJ(
          si, OBJ_nid2obj(NID_pkcs9_messageDigest), -3, V_ASN1_OCTET_STRING))) {
    facts.has_message_digest = true;
    facts.message_digest = octets(md);
  }
  facts.signature_value = octets(CMS_SignerInfo_get0_signature(si));

  X509* signer = nullptr;
  for (int i = 0; certs && i < sk_X509_num(certs.get()); ++i) {
    if (CMS_SignerInfo_cert_cmp(si, sk_X509_value(certs.get(), i)) == 0) {
      signer = sk_X509_value(certs.get(), i);
      break;
    }
  }
  if (signer != nullptr) {
    facts.signer_found = true;
    facts.signer = inspect_certificate(to_der(signer));
    CMS_SignerInfo_set1_signer_cert(si, signer);
    facts.signature_valid = CMS_SignerInfo_verify(si) == 1;
    ERR_clear_error();
  }

  int v2_index = CMS_signed_get_attr_by_NID(si, NID_id_smime_aa_signingCertificateV2, -1);
  if (v2_index >= 0) {
    facts.has_signing_certificate_v2 = true;
    X509_ATTRIBUTE* attr = CMS_signed_get_attr(si, v2_index);
    ASN1_TYPE* value = X509_ATTRIBUTE_get0_type(attr, 0);
    if (value != nullptr && value->type == V_ASN1_SEQUENCE && signer != nullptr) {
      const unsigned char* q = value->value.sequence->data;
      Owned<ESS_SIGNING_CERT_V2, ESS_SIGNING_CERT_V2_free> v2(
          d2i_ESS_SIGNING_CERT_V2(nullptr, &q, value->value.sequence->length));
      if (v2) {
        X509StackPtr chain(sk_X509_new_null());
        X509_up_ref(signer);
        sk_X509_push(chain.get(), signer);
        facts.signing_certificate_v2_matches =
            OSSL_ESS_check_signing_certs(nullptr, v2.get(), chain.get(), 1) == 1;
        ERR_clear_error();
      }
    }
  }

  int ts_index = CMS_unsigned_get_attr_by_NID(si, NID_id_smime_aa_timeStampToken, -1);
  if (ts_index >= 0) {
    X509_ATTRIBUTE* attr = CMS_unsigned_get_attr(si, ts_index);
    ASN1_TYPE* value = X509_ATTRIBUTE_get0_type(attr, 0);
    if (value != nullptr && value->type == V_ASN1_SEQUENCE) {
      facts.timestamp_token = octets(value->value.sequence);
    }
  }
  return facts;
}

// ----------------------------------------------------------------------------- chains

ChainResult verify_chain(const Buffer& leaf, const std::vector<Buffer>& untrusted,
                         const std::vector<Buffer>& anchors, std::time_t at,
                         const std::vector<Buffer>& crls, bool check_crls) {
  ChainResult result;
  X509Ptr cert = parse_x509(leaf);
  if (!cert) {
    result.code = "bad-certificate";
    result.detail = "the signer certificate cannot be parsed";
    return result;
  }
  StorePtr store = make_store(anchors);
  X509StackPtr others = make_stack(untrusted);
  StoreCtxPtr ctx(X509_STORE_CTX_new());
  X509_STORE_CTX_init(ctx.get(), store.get(), cert.get(), others.get());
  X509_STORE_CTX_set_time(ctx.get(), 0, at);
  STACK_OF(X509_CRL)* crl_stack = sk_X509_CRL_new_null();
  for (const auto& der : crls) {
    const unsigned char* p = der.data();
    if (X509_CRL* crl = d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size()))) {
      sk_X509_CRL_push(crl_stack, crl);
    }
  }
  if (check_crls) {
    X509_STORE_CTX_set0_crls(ctx.get(), crl_stack);
    X509_STORE_CTX_set_flags(ctx.get(), X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
  }
  int ok = X509_verify_cert(ctx.get());
  int error = X509_STORE_CTX_get_error(ctx.get());
  if (STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(ctx.get())) {
    for (int i = 0; i < sk_X509_num(chain); ++i) {
      result.chain.push_back(inspect_certificate(to_der(sk_X509_value(chain, i))));
    }
  }
  ctx.reset();
  sk_X509_CRL_pop_free(crl_stack, X509_CRL_free);
  ERR_clear_error();
  if (ok == 1) {
    result.trusted = true;
    result.code = "trusted";
    return result;
  }
  result.detail = X509_verify_cert_error_string(error);
  switch (error) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
      result.code = "cert-expired";
      break;
    case X509_V_ERR_CERT_NOT_YET_VALID:
      result.code = "cert-not-yet-valid";
      break;
    case X509_V_ERR_CERT_REVOKED:
      result.code = "cert-revoked";
      break;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
      result.code = "untrusted";
      break;
    case X509_V_ERR_UNABLE_TO_GET_CRL:
      result.code = "revocation-unknown";
      break;
    default:
      result.code = "chain-error";
  }
  return result;
}

// ----------------------------------------------------------------------------- RFC 3161

namespace {
TimestampFacts inspect_token(ByteView token, const Digest& digest,
                             const std::vector<Buffer>& anchors) {
  TimestampFacts facts;
  const unsigned char* p = token.data();
  Pkcs7Ptr pkcs7(d2i_PKCS7(nullptr, &p, static_cast<long>(token.size())));
  if (!pkcs7) {
    facts.error = "the time-stamp token cannot be parsed";
    return facts;
  }
  TstInfoPtr info(PKCS7_to_TS_TST_INFO(pkcs7.get()));
  if (!info) {
    facts.error = "the time-stamp token has no TSTInfo";
    return facts;
  }
  facts.parsed = true;
  facts.gen_time = to_time(TS_TST_INFO_get_time(info.get()));
  TS_MSG_IMPRINT* imprint = TS_TST_INFO_get_msg_imprint(info.get());
  X509_ALGOR* algo = TS_MSG_IMPRINT_get_algo(imprint);
  const ASN1_OBJECT* algo_obj = nullptr;
  X509_ALGOR_get0(&algo_obj, nullptr, nullptr, algo);
  Buffer message = octets(TS_MSG_IMPRINT_get_msg(imprint));
  facts.imprint_matches = OBJ_obj2nid(algo_obj) == NID_sha256 && message.size() == digest.size() &&
                          std::memcmp(message.data(), digest.data(), digest.size()) == 0;
  STACK_OF(X509)* token_certs = pkcs7->d.sign != nullptr ? pkcs7->d.sign->cert : nullptr;
  for (int i = 0; token_certs != nullptr && i < sk_X509_num(token_certs); ++i) {
    facts.certificates.push_back(to_der(sk_X509_value(token_certs, i)));
  }
  X509* tsa_cert = nullptr;
  STACK_OF(X509)* signers = PKCS7_get0_signers(pkcs7.get(), nullptr, 0);
  if (signers != nullptr && sk_X509_num(signers) > 0) {
    tsa_cert = sk_X509_value(signers, 0);
    facts.tsa = name_text(X509_get_subject_name(tsa_cert));
    facts.tsa_certificate = to_der(tsa_cert);
  }
  sk_X509_free(signers);
  ERR_clear_error();

  TsVerifyPtr ctx(TS_VERIFY_CTX_new());
  TS_VERIFY_CTX_set_flags(ctx.get(), TS_VFY_SIGNATURE);
  TS_VERIFY_CTX_set_store(ctx.get(), make_store(anchors).release());
  std::vector<Buffer> untrusted = anchors;
  untrusted.insert(untrusted.end(), facts.certificates.begin(), facts.certificates.end());
  TS_VERIFY_CTX_set_certs(ctx.get(), make_stack(untrusted).release());
  facts.signature_valid = TS_RESP_verify_token(ctx.get(), pkcs7.get()) == 1;
  if (!facts.signature_valid) facts.error = "time-stamp signature: " + openssl_error();
  if (!facts.imprint_matches && facts.error.empty()) {
    facts.error = "the time-stamp is not over this signature";
  }
  ERR_clear_error();
  return facts;
}
}  // namespace

TimestampFacts inspect_timestamp(ByteView token, ByteView data,
                                 const std::vector<Buffer>& anchors) {
  return inspect_token(token, sha256(data), anchors);
}

TimestampFacts inspect_timestamp_digest(ByteView token, const Digest& digest,
                                        const std::vector<Buffer>& anchors) {
  return inspect_token(token, digest, anchors);
}

TimestampRequest make_timestamp_request(const Digest& digest) {
  TimestampRequest request;
  request.nonce.resize(8);
  if (RAND_bytes(request.nonce.data(), 8) != 1) throw Error(ErrorCode::Internal, "no randomness");
  request.nonce[0] &= 0x7F;
  Buffer imprint = der::sequence(
      {der::sequence({der::oid(der::oids::kSha256), der::null()}), der::octet_string(digest)});
  request.der = der::sequence(
      {der::small_integer(1), imprint, der::unsigned_integer(request.nonce), der::boolean(true)});
  return request;
}

Buffer timestamp_token_from_response(ByteView response, const TimestampRequest& request) {
  const unsigned char* p = response.data();
  TsRespPtr resp(d2i_TS_RESP(nullptr, &p, static_cast<long>(response.size())));
  if (!resp) throw Error(ErrorCode::CorruptInput, "the TSA answer is not an RFC 3161 response");
  TS_STATUS_INFO* status = TS_RESP_get_status_info(resp.get());
  long code = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(status));
  if (code != 0 && code != 1) {
    throw Error(ErrorCode::CorruptInput,
                "the TSA refused the request (status " + std::to_string(code) + ")");
  }
  TS_TST_INFO* info = TS_RESP_get_tst_info(resp.get());
  PKCS7* token = TS_RESP_get_token(resp.get());
  if (info == nullptr || token == nullptr) {
    throw Error(ErrorCode::CorruptInput, "the TSA response carries no token");
  }
  const ASN1_INTEGER* nonce = TS_TST_INFO_get_nonce(info);
  Owned<BIGNUM, BN_free> expected(
      BN_bin2bn(request.nonce.data(), static_cast<int>(request.nonce.size()), nullptr));
  Owned<BIGNUM, BN_free> got(nonce != nullptr ? ASN1_INTEGER_to_BN(nonce, nullptr) : nullptr);
  if (!got || BN_cmp(expected.get(), got.get()) != 0) {
    throw Error(ErrorCode::CorruptInput, "the TSA response does not answer our request (nonce)");
  }
  int len = i2d_PKCS7(token, nullptr);
  Buffer out(static_cast<std::size_t>(len > 0 ? len : 0));
  unsigned char* q = out.data();
  i2d_PKCS7(token, &q);
  return out;
}

// ----------------------------------------------------------------------------- revocation

OcspRequest make_ocsp_request(const Buffer& certificate, const Buffer& issuer) {
  X509Ptr cert = parse_x509(certificate);
  X509Ptr issuer_cert = parse_x509(issuer);
  if (!cert || !issuer_cert) throw Error(ErrorCode::InvalidArgument, "bad certificate for OCSP");
  Owned<OCSP_REQUEST, OCSP_REQUEST_free> request(OCSP_REQUEST_new());
  OCSP_CERTID* id = OCSP_cert_to_id(EVP_sha1(), cert.get(), issuer_cert.get());
  if (id == nullptr || OCSP_request_add0_id(request.get(), id) == nullptr) {
    throw Error(ErrorCode::Internal, "cannot build an OCSP request");
  }
  OcspRequest out;
  int len = i2d_OCSP_REQUEST(request.get(), nullptr);
  out.der.resize(static_cast<std::size_t>(len > 0 ? len : 0));
  unsigned char* p = out.der.data();
  i2d_OCSP_REQUEST(request.get(), &p);
  return out;
}

std::string ocsp_url(const Buffer& certificate) {
  X509Ptr cert = parse_x509(certificate);
  if (!cert) return {};
  STACK_OF(OPENSSL_STRING)* urls = X509_get1_ocsp(cert.get());
  std::string url;
  if (urls != nullptr && sk_OPENSSL_STRING_num(urls) > 0) url = sk_OPENSSL_STRING_value(urls, 0);
  X509_email_free(urls);
  return url;
}

std::vector<std::string> crl_urls(const Buffer& certificate) {
  std::vector<std::string> out;
  X509Ptr cert = parse_x509(certificate);
  if (!cert) return out;
  auto* points = static_cast<STACK_OF(DIST_POINT)*>(
      X509_get_ext_d2i(cert.get(), NID_crl_distribution_points, nullptr, nullptr));
  for (int i = 0; points != nullptr && i < sk_DIST_POINT_num(points); ++i) {
    DIST_POINT* point = sk_DIST_POINT_value(points, i);
    if (point->distpoint == nullptr || point->distpoint->type != 0) continue;
    GENERAL_NAMES* names = point->distpoint->name.fullname;
    for (int j = 0; j < sk_GENERAL_NAME_num(names); ++j) {
      GENERAL_NAME* name = sk_GENERAL_NAME_value(names, j);
      if (name->type == GEN_URI) {
        const ASN1_IA5STRING* uri = name->d.uniformResourceIdentifier;
        out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(uri)),
                         static_cast<std::size_t>(ASN1_STRING_length(uri)));
      }
    }
  }
  sk_DIST_POINT_pop_free(points, DIST_POINT_free);
  return out;
}

RevocationFacts check_ocsp(ByteView response, const Buffer& certificate, const Buffer& issuer,
                           const std::vector<Buffer>& anchors, const std::vector<Buffer>& extra) {
  RevocationFacts facts;
  const unsigned char* p = response.data();
  OcspRespPtr resp(d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(response.size())));
  if (!resp || OCSP_response_status(resp.get()) != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
    facts.detail = "OCSP response missing or unsuccessful";
    return facts;
  }
  OcspBasicPtr basic(OCSP_response_get1_basic(resp.get()));
  X509Ptr cert = parse_x509(certificate);
  X509Ptr issuer_cert = parse_x509(issuer);
  if (!basic || !cert || !issuer_cert) {
    facts.detail = "OCSP response cannot be read";
    return facts;
  }
  std::vector<Buffer> trust = anchors;
  trust.push_back(issuer);
  StorePtr store = make_store(trust);
  X509StackPtr others = make_stack(extra);
  if (OCSP_basic_verify(basic.get(), others.get(), store.get(), 0) != 1) {
    facts.detail = "OCSP response signature invalid: " + openssl_error();
    return facts;
  }
  OcspCertIdPtr id(OCSP_cert_to_id(EVP_sha1(), cert.get(), issuer_cert.get()));
  int status = -1;
  int reason = -1;
  ASN1_GENERALIZEDTIME* revoked_at = nullptr;
  ASN1_GENERALIZEDTIME* this_update = nullptr;
  ASN1_GENERALIZEDTIME* next_update = nullptr;
  if (OCSP_resp_find_status(basic.get(), id.get(), &status, &reason, &revoked_at, &this_update,
                            &next_update) != 1) {
    facts.detail = "OCSP response is not about this certificate";
    return facts;
  }
  ERR_clear_error();
  facts.from_ocsp = true;
  facts.issued_at = to_time(OCSP_resp_get0_produced_at(basic.get()));
  if (facts.issued_at == 0) facts.issued_at = to_time(this_update);
  facts.next_update = to_time(next_update);
  if (status == V_OCSP_CERTSTATUS_GOOD) {
    facts.state = RevocationState::Good;
    facts.detail = "OCSP: good";
  } else if (status == V_OCSP_CERTSTATUS_REVOKED) {
    facts.state = RevocationState::Revoked;
    facts.detail = std::string("OCSP: revoked (") + OCSP_crl_reason_str(reason) + ")";
  } else {
    facts.detail = "OCSP: unknown";
  }
  return facts;
}

RevocationFacts check_crl(ByteView crl_der, const Buffer& certificate, const Buffer& issuer) {
  RevocationFacts facts;
  const unsigned char* p = crl_der.data();
  CrlPtr crl(d2i_X509_CRL(nullptr, &p, static_cast<long>(crl_der.size())));
  X509Ptr cert = parse_x509(certificate);
  X509Ptr issuer_cert = parse_x509(issuer);
  if (!crl || !cert || !issuer_cert) {
    facts.detail = "CRL cannot be read";
    return facts;
  }
  if (X509_NAME_cmp(X509_CRL_get_issuer(crl.get()), X509_get_subject_name(issuer_cert.get())) !=
          0 ||
      X509_CRL_verify(crl.get(), X509_get0_pubkey(issuer_cert.get())) != 1) {
    ERR_clear_error();
    facts.detail = "CRL not issued by the certificate's issuer";
    return facts;
  }
  facts.issued_at = to_time(X509_CRL_get0_lastUpdate(crl.get()));
  facts.next_update = to_time(X509_CRL_get0_nextUpdate(crl.get()));
  X509_REVOKED* entry = nullptr;
  if (X509_CRL_get0_by_cert(crl.get(), &entry, cert.get()) == 1) {
    facts.state = RevocationState::Revoked;
    facts.detail = "CRL: revoked";
  } else {
    facts.state = RevocationState::Good;
    facts.detail = "CRL: not revoked";
  }
  return facts;
}

}  // namespace sohoa::signing::crypto

// ----------------------------------------------------------------------------- key sources

namespace sohoa::signing {

struct P12KeySource::Impl {
  crypto::SoftKeyPtr key;
  Buffer certificate;
  std::vector<Buffer> chain;
  KeyAlgorithm algorithm = KeyAlgorithm::Rsa;
};

P12KeySource::P12KeySource(const std::filesystem::path& file, const Secret& password)
    : impl_(std::make_unique<Impl>()) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(ErrorCode::InputNotFound, "cannot open " + file.string());
  Buffer bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  impl_->key = crypto::load_pkcs12(bytes, password.reveal(), impl_->certificate, impl_->chain);
  impl_->algorithm = crypto::inspect_certificate(impl_->certificate).algorithm;
  std::fill(bytes.begin(), bytes.end(), 0);
}

P12KeySource::~P12KeySource() = default;
const Buffer& P12KeySource::certificate_der() const {
  return impl_->certificate;
}
const std::vector<Buffer>& P12KeySource::chain_der() const {
  return impl_->chain;
}
KeyAlgorithm P12KeySource::algorithm() const {
  return impl_->algorithm;
}
Buffer P12KeySource::sign_sha256(ByteView data) {
  return crypto::sign_sha256(*impl_->key, data);
}

std::vector<Buffer> load_pem_certificates(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(ErrorCode::InputNotFound, "cannot open " + file.string());
  Buffer bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<Buffer> certs = crypto::read_pem_certificates(bytes);
  if (certs.empty()) {
    throw Error(ErrorCode::InvalidArgument, file.string() + " holds no PEM certificate");
  }
  return certs;
}

}  // namespace sohoa::signing
