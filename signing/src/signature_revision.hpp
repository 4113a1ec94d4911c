#pragma once
// The revisions a PAdES signer appends: a signature (or document time-stamp)
// field with a byte-range placeholder filled in after hashing, and a /DSS.

#include <functional>
#include <string>

#include "crypto.hpp"
#include "sohoa/signing/pades.hpp"

namespace sohoa::signing {

struct SignatureFieldSpec {
  std::string dictionary_type;  // "Sig" or "DocTimeStamp"
  std::string sub_filter;       // "ETSI.CAdES.detached" or "ETSI.RFC3161"
  std::string signing_time;     // PDF date for /M; empty: none
  std::string display_time;     // the same time in ISO 8601, shown on a visible appearance
  std::string reason;
  std::string location;
  std::string field_name;
  Appearance appearance;  // names resolved (no defaults left to fill)
};

// Produces the /Contents bytes (CMS or time-stamp token) for the digest of the byte ranges.
using ContentsMaker = std::function<Buffer(const crypto::Digest& byte_range_digest)>;

// Returns the bytes to append to `input`. `reserve` is the /Contents capacity
// in bytes; when the contents turn out larger, the revision is rebuilt once with
// enough room. `contents_value`, when given, receives the /Contents string as
// written (the contents padded with zeros to the reserved size).
std::string append_signature_revision(ByteView input, const SignatureFieldSpec& spec,
                                      std::size_t reserve, const ContentsMaker& make_contents,
                                      Buffer* contents_value = nullptr);

// What a /DSS revision adds (all DER) and, per signature, which of it
// validates that signature and its time-stamp (/VRI).
struct DssContent {
  std::vector<Buffer> certificates;
  std::vector<Buffer> ocsp_responses;
  std::vector<Buffer> crls;
  struct SignatureEntry {
    std::string key;  // upper-case hex SHA-1 of the signature's /Contents value
    std::vector<std::size_t> certificates;  // indices into the lists above
    std::vector<std::size_t> ocsp_responses;
    std::vector<std::size_t> crls;
  };
  std::vector<SignatureEntry> signatures;
};

// Returns the bytes to append to `input` for a revision that adds (or extends)
// the catalog's /DSS, with a /VRI entry per signature of `content`.
std::string append_dss_revision(ByteView input, const DssContent& content);

}  // namespace sohoa::signing
