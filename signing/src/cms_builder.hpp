#pragma once
// Builds the CMS SignedData of a PAdES baseline signature (ETSI EN 319 142-1,
// CAdES detached): signed attributes content-type, message-digest and
// signing-certificate-v2, and deliberately no signingTime.

#include <functional>
#include <optional>

#include "crypto.hpp"
#include "sohoa/signing/signer.hpp"

namespace sohoa::signing {

// Given the signature value, returns an RFC 3161 token over it (B-T), or nothing.
using SignatureTimestamper = std::function<std::optional<Buffer>(ByteView signature_value)>;

Buffer build_pades_cms(const crypto::Digest& document_digest, KeySource& key,
                       const SignatureTimestamper& timestamper);

}  // namespace sohoa::signing
