// Feeds arbitrary bytes to ScanPdf: open, then read every page. Only sohoa::Error
// may come out; anything else (a PoDoFo exception, a crash) is a finding.
#include <cstddef>
#include <cstdint>
#include <span>

#include "sohoa/core/error.hpp"
#include "sohoa/pdf/scan_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    // A modest pixel limit keeps the fuzzer from spending its time on huge allocations.
    const auto scan = sohoa::pdf::ScanPdf::open(std::span<const std::uint8_t>(data, size),
                                                "fuzz-input", 16'000'000);
    for (int i = 0; i < scan.page_count(); ++i) {
      try {
        (void)scan.page(i);
      } catch (const sohoa::Error&) {
        // a bad page is an expected outcome
      }
    }
  } catch (const sohoa::Error&) {
    // refusing the input is an expected outcome
  }
  return 0;
}
