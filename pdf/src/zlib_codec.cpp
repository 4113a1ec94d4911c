#include "zlib_codec.hpp"

#include <zlib.h>

#include <algorithm>
#include <limits>

#include "sohoa/core/error.hpp"

namespace sohoa::pdf::detail {

std::vector<std::uint8_t> deflate_bytes(std::span<const std::uint8_t> input, DeflateFor content) {
  z_stream stream{};
  const int strategy = content == DeflateFor::ScannedImage ? Z_RLE : Z_DEFAULT_STRATEGY;
  if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, MAX_WBITS, 8, strategy) != Z_OK) {
    throw Error(ErrorCode::Internal, "zlib deflateInit failed");
  }
  std::vector<std::uint8_t> output(deflateBound(&stream, static_cast<uLong>(input.size())) + 16);
  // zlib counts in uInt: feed very large inputs in slices.
  constexpr std::size_t kSlice = std::numeric_limits<uInt>::max() / 2;
  std::size_t consumed = 0;
  int status = Z_OK;
  stream.next_out = output.data();
  do {
    const std::size_t slice = std::min(kSlice, input.size() - consumed);
    stream.next_in = const_cast<Bytef*>(input.data() + consumed);
    stream.avail_in = static_cast<uInt>(slice);
    consumed += slice;
    const bool last = consumed == input.size();
    do {
      if (stream.total_out + 4096 > output.size()) output.resize(output.size() * 2);
      stream.next_out = output.data() + stream.total_out;
      stream.avail_out =
          static_cast<uInt>(std::min<std::size_t>(output.size() - stream.total_out, kSlice));
      status = deflate(&stream, last ? Z_FINISH : Z_NO_FLUSH);
    } while (stream.avail_out == 0 || (last && status == Z_OK));
  } while (consumed < input.size());
  const std::size_t produced = stream.total_out;
  deflateEnd(&stream);
  if (status != Z_STREAM_END) throw Error(ErrorCode::Internal, "zlib deflate did not finish");
  output.resize(produced);
  return output;
}

std::vector<std::uint8_t> inflate_bytes(std::span<const std::uint8_t> input,
                                        std::size_t max_output) {
  z_stream stream{};
  if (inflateInit(&stream) != Z_OK) throw Error(ErrorCode::Internal, "zlib inflateInit failed");
  std::vector<std::uint8_t> output;
  output.resize(std::min<std::size_t>(max_output, std::max<std::size_t>(input.size() * 4, 4096)));
  stream.next_in = const_cast<Bytef*>(input.data());
  stream.avail_in = static_cast<uInt>(std::min<std::size_t>(input.size(), 0x7fffffff));
  int status = Z_OK;
  std::size_t produced = 0;
  while (produced < max_output) {
    if (produced == output.size()) {
      output.resize(std::min<std::size_t>(max_output, output.size() * 2));
    }
    stream.next_out = output.data() + produced;
    stream.avail_out =
        static_cast<uInt>(std::min<std::size_t>(output.size() - produced, 0x7fffffff));
    status = inflate(&stream, Z_NO_FLUSH);
    produced = stream.total_out;
    if (status == Z_STREAM_END || status == Z_BUF_ERROR) break;  // done, or input ran out
    if (status != Z_OK) break;
  }
  inflateEnd(&stream);
  if (status != Z_OK && status != Z_STREAM_END && status != Z_BUF_ERROR && produced == 0) {
    throw Error(ErrorCode::CorruptInput, "Flate stream is not valid zlib data");
  }
  output.resize(produced);
  return output;
}

}  // namespace sohoa::pdf::detail
