// Runs the signature verifier (PDF xref/object parsing, CMS, byte ranges,
// modification analysis) over arbitrary bytes: it must report, never crash.
#include <cstddef>
#include <cstdint>

#include "sohoa/signing/verify.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const sohoa::signing::VerifyOptions options;  // offline, no anchors
  sohoa::signing::VerificationReport report =
      sohoa::signing::verify_pdf(sohoa::signing::ByteView(data, size), options);
  (void)sohoa::signing::format_json(report);
  return 0;
}
