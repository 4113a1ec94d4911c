#pragma once
// SHA-256 for the blob store's addresses and the audit chain (OpenSSL adapter).
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace sohoa::storage::detail {

// Lowercase hex digest.
std::string sha256_hex(std::span<const std::uint8_t> bytes);
std::string sha256_hex(std::string_view text);

}  // namespace sohoa::storage::detail
