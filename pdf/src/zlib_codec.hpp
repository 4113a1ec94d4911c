#pragma once
// zlib compression for the writer and a bounded inflate for the reader (a small
// stream must not be able to claim gigabytes of memory).

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace sohoa::pdf::detail {

std::vector<std::uint8_t> deflate_bytes(std::span<const std::uint8_t> input);

// Inflates a zlib stream. Returns at most `max_output` bytes (stops there); throws
// Error(CorruptInput) when the data is not a zlib stream. A truncated stream gives
// what could be decoded, as readers of PDFs customarily accept.
std::vector<std::uint8_t> inflate_bytes(std::span<const std::uint8_t> input,
                                        std::size_t max_output);

}  // namespace sohoa::pdf::detail
