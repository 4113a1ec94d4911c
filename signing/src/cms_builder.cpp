#include "cms_builder.hpp"

#include "der.hpp"

namespace sohoa::signing {

namespace {
Buffer attribute(std::string_view type, const Buffer& value) {
  return der::sequence({der::oid(type), der::set_of({value})});
}

// SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2 }; the hash
// algorithm is omitted because SHA-256 is its DEFAULT (RFC 5035).
Buffer signing_certificate_v2(const crypto::CertificateFacts& cert) {
  crypto::Digest cert_hash = crypto::sha256(cert.der);
  Buffer general_names = der::sequence({der::tlv(0xA4, cert.issuer_name_der)});
  Buffer issuer_serial = der::sequence({general_names, cert.serial_der});
  Buffer ess_cert_id = der::sequence({der::octet_string(cert_hash), issuer_serial});
  return der::sequence({der::sequence({ess_cert_id})});
}
}  // namespace

Buffer build_pades_cms(const crypto::Digest& document_digest, KeySource& key,
                       const SignatureTimestamper& timestamper) {
  crypto::CertificateFacts signer = crypto::inspect_certificate(key.certificate_der());
  Buffer signed_attrs = der::set_of({
      attribute(der::oids::kContentType, der::oid(der::oids::kData)),
      attribute(der::oids::kMessageDigest, der::octet_string(document_digest)),
      attribute(der::oids::kSigningCertificateV2, signing_certificate_v2(signer)),
  });
  // The signature covers the attributes encoded as a SET (tag 0x31, RFC 5652 5.4).
  Buffer signature = key.sign_sha256(signed_attrs);
  Buffer signed_attrs_implicit = signed_attrs;
  signed_attrs_implicit[0] = 0xA0;

  Buffer digest_algorithm = der::sequence({der::oid(der::oids::kSha256)});
  Buffer signature_algorithm =
      signer.algorithm == KeyAlgorithm::Ecdsa
          ? der::sequence({der::oid(der::oids::kEcdsaWithSha256)})
          : der::sequence({der::oid(der::oids::kRsaEncryption), der::null()});
  Buffer signer_info_content = der::concat({
      der::small_integer(1),
      der::sequence({signer.issuer_name_der, signer.serial_der}),
      digest_algorithm,
      signed_attrs_implicit,
      signature_algorithm,
      der::octet_string(signature),
  });
  if (timestamper) {
    if (std::optional<Buffer> token = timestamper(signature)) {
      Buffer unsigned_attrs = der::set_of(
          {der::sequence({der::oid(der::oids::kSignatureTimeStampToken), der::set_of({*token})})});
      unsigned_attrs[0] = 0xA1;
      signer_info_content.insert(signer_info_content.end(), unsigned_attrs.begin(),
                                 unsigned_attrs.end());
    }
  }
  Buffer signer_info = der::tlv(0x30, signer_info_content);

  std::vector<Buffer> certificates{signer.der};
  for (const auto& cert : key.chain_der()) {
    if (cert != signer.der) certificates.push_back(cert);
  }
  Buffer certificate_set = der::set_of(certificates);
  certificate_set[0] = 0xA0;

  Buffer signed_data = der::sequence({
      der::small_integer(1),
      der::set_of({digest_algorithm}),
      der::sequence({der::oid(der::oids::kData)}),
      certificate_set,
      der::set_of({signer_info}),
  });
  return der::sequence({der::oid(der::oids::kSignedData), der::context(0, signed_data)});
}

}  // namespace sohoa::signing
