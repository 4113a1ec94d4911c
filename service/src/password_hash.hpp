#pragma once
// Passwords and secrets (libsodium lives in password_hash.cpp only): Argon2id
// hashes in libsodium's encoded form, random tokens, constant-time comparison.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace sohoa::service {

// An encoded Argon2id hash (salt and parameters included) of `password`.
std::string hash_password(std::string_view password);
// True when `password` matches `encoded_hash`; false for any malformed hash.
bool verify_password(std::string_view password, const std::string& encoded_hash);
// `bytes` random bytes from the system's CSPRNG, as lowercase hex.
std::string random_token_hex(std::size_t bytes);
// Compares without leaking where the first difference is.
bool equal_in_constant_time(std::string_view a, std::string_view b);

}  // namespace sohoa::service

namespace sohoa::service {
// Standard base64 (with padding) to bytes; nullopt when `text` is not base64.
std::optional<std::string> decode_base64(std::string_view text);
}  // namespace sohoa::service
