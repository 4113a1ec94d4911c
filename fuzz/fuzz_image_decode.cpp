// Fuzzes the raster decoders from memory: sniffing, page counting and decoding
// every page under a small pixel limit. Only sohoa::Error may come out.
#include <cstddef>
#include <cstdint>
#include <span>

#include "sohoa/core/error.hpp"
#include "sohoa/imaging/decode.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> bytes(data, size);
  sohoa::imaging::DecodeLimits limits;
  limits.max_pixels = 4'000'000;
  limits.max_frames = 64;
  try {
    const int pages = sohoa::imaging::count_pages(bytes, "fuzz", limits);
    for (int index = 0; index < pages; ++index) {
      try {
        sohoa::imaging::DecodedPage page =
            sohoa::imaging::decode_page(bytes, index, "fuzz", limits);
        if (page.original.encoding != sohoa::Encoding::None) {
          (void)sohoa::imaging::decode_encoded(page.original, limits);
        }
      } catch (const sohoa::Error&) {
        // A bad page does not stop the others.
      }
    }
  } catch (const sohoa::Error&) {
  }
  return 0;
}
