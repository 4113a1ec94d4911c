#pragma once
// Plain HTTP for TSA, OCSP and CRL requests (these protocols are signed
// end-to-end, so TLS is not needed for their integrity).

#include <string>

#include "sohoa/signing/signer.hpp"

namespace sohoa::signing {

// Throws sohoa::Error(OutputFailed... InvalidArgument for a bad URL) on failure.
Buffer http_post(const std::string& url, const std::string& content_type, ByteView body);
Buffer http_get(const std::string& url);

}  // namespace sohoa::signing
