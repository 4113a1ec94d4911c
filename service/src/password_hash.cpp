// The libsodium adapter. Argon2id at libsodium's "interactive" cost (64 MiB, 2
// passes): a login takes a tenth of a second on a counter PC's server, and a
// stolen accounts file costs an attacker the same per guess.
#include "password_hash.hpp"

#include <sodium.h>

#include <algorithm>
#include <semaphore>
#include <thread>
#include <vector>

#include "sohoa/core/error.hpp"

namespace sohoa::service {

namespace {

// Argon2 takes 64 MiB and a core for a tenth of a second: at most one per core
// at a time, so a burst of logins queues here instead of taking every core and
// gigabytes of memory from the other requests.
class GatePass {
 public:
  GatePass() { slots().acquire(); }
  ~GatePass() { slots().release(); }
  GatePass(const GatePass&) = delete;
  GatePass& operator=(const GatePass&) = delete;

 private:
  static std::counting_semaphore<256>& slots() {
    static std::counting_semaphore<256> instance(
        static_cast<std::ptrdiff_t>(std::clamp(std::thread::hardware_concurrency(), 1U, 256U)));
    return instance;
  }
};

void ensure_sodium() {
  // Thread-safe and idempotent; it only fails when no entropy source exists.
  static const int ready = sodium_init();
  if (ready < 0) throw Error(ErrorCode::Internal, "libsodium could not be initialised");
}

}  // namespace

std::string hash_password(std::string_view password) {
  ensure_sodium();
  std::vector<char> encoded(crypto_pwhash_STRBYTES);
  const GatePass pass;
  if (crypto_pwhash_str_alg(encoded.data(), password.data(), password.size(),
                            crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    throw Error(ErrorCode::Internal, "not enough memory to hash a password");
  }
  return {encoded.data()};
}

bool verify_password(std::string_view password, const std::string& encoded_hash) {
  ensure_sodium();
  if (encoded_hash.empty() || encoded_hash.size() >= crypto_pwhash_STRBYTES) return false;
  const GatePass pass;
  return crypto_pwhash_str_verify(encoded_hash.c_str(), password.data(), password.size()) == 0;
}

std::string random_token_hex(std::size_t bytes) {
  ensure_sodium();
  std::vector<unsigned char> raw(bytes);
  randombytes_buf(raw.data(), raw.size());
  std::vector<char> hex(bytes * 2 + 1);
  sodium_bin2hex(hex.data(), hex.size(), raw.data(), raw.size());
  return {hex.data()};
}

bool equal_in_constant_time(std::string_view a, std::string_view b) {
  ensure_sodium();
  if (a.size() != b.size() || a.empty()) return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace sohoa::service

namespace sohoa::service {

std::optional<std::string> decode_base64(std::string_view text) {
  ensure_sodium();
  std::string bytes(text.size() / 4 * 3 + 3, '\0');
  std::size_t length = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(bytes.data()), bytes.size(), text.data(),
                        text.size(), nullptr, &length, nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0) {
    return std::nullopt;
  }
  bytes.resize(length);
  return bytes;
}

}  // namespace sohoa::service
