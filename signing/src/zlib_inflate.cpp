// zlib adapter: the only file that includes zlib.
#include <zlib.h>

#include "pdf_document.hpp"
#include "sohoa/core/error.hpp"

namespace sohoa::signing::pdf {

std::vector<std::uint8_t> inflate_data(Bytes data, std::size_t limit) {
  z_stream zs{};
  if (inflateInit(&zs) != Z_OK) throw Error(ErrorCode::Internal, "zlib init failed");
  std::vector<std::uint8_t> out;
  std::uint8_t buffer[16384];
  zs.next_in = const_cast<Bytef*>(data.data());
  zs.avail_in = static_cast<uInt>(data.size());
  int status = Z_OK;
  while (status != Z_STREAM_END) {
    zs.next_out = buffer;
    zs.avail_out = sizeof buffer;
    status = inflate(&zs, Z_NO_FLUSH);
    if (status != Z_OK && status != Z_STREAM_END) {
      // Truncated or damaged data: keep what was decoded, as viewers do.
      break;
    }
    out.insert(out.end(), buffer, buffer + (sizeof buffer - zs.avail_out));
    if (out.size() > limit) {
      inflateEnd(&zs);
      throw Error(ErrorCode::CorruptInput, "a compressed stream inflates beyond the limit");
    }
    if (status == Z_OK && zs.avail_in == 0 && zs.avail_out != 0) break;
  }
  inflateEnd(&zs);
  return out;
}

}  // namespace sohoa::signing::pdf

namespace sohoa::signing::pdf {

std::vector<std::uint8_t> deflate_data(Bytes data) {
  uLongf size = compressBound(static_cast<uLong>(data.size()));
  std::vector<std::uint8_t> out(size);
  if (compress2(out.data(), &size, data.data(), static_cast<uLong>(data.size()),
                Z_BEST_COMPRESSION) != Z_OK) {
    throw Error(ErrorCode::Internal, "zlib compression failed");
  }
  out.resize(size);
  return out;
}

}  // namespace sohoa::signing::pdf
