#pragma once
// Where signing keys come from. A key source knows its certificate (and the
// issuing chain to embed) and produces a raw signature over data with SHA-256;
// the private key never leaves it (a USB token signs on the token).

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace sohoa::signing {

using Buffer = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

enum class KeyAlgorithm : std::uint8_t { Rsa, Ecdsa };

class KeySource {
 public:
  virtual ~KeySource() = default;
  [[nodiscard]] virtual const Buffer& certificate_der() const = 0;
  // Issuer certificates to embed (intermediate first), DER; may be empty.
  [[nodiscard]] virtual const std::vector<Buffer>& chain_der() const = 0;
  [[nodiscard]] virtual KeyAlgorithm algorithm() const = 0;
  // RSA PKCS#1 v1.5 or ECDSA (DER) signature over SHA-256(data).
  virtual Buffer sign_sha256(ByteView data) = 0;
};

// A PIN or password held only as long as needed and wiped on destruction.
// It is never logged or printed.
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;
  Secret(Secret&& other) noexcept;
  Secret& operator=(Secret&& other) noexcept;
  ~Secret();
  [[nodiscard]] const std::string& reveal() const { return value_; }
  [[nodiscard]] bool empty() const { return value_.empty(); }

 private:
  void wipe();
  std::string value_;
};

// A software key from a PKCS#12 (.p12/.pfx) file.
class P12KeySource final : public KeySource {
 public:
  P12KeySource(const std::filesystem::path& file, const Secret& password);
  ~P12KeySource() override;
  P12KeySource(const P12KeySource&) = delete;
  P12KeySource& operator=(const P12KeySource&) = delete;
  [[nodiscard]] const Buffer& certificate_der() const override;
  [[nodiscard]] const std::vector<Buffer>& chain_der() const override;
  [[nodiscard]] KeyAlgorithm algorithm() const override;
  Buffer sign_sha256(ByteView data) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A key on a PKCS#11 token (USB token, HSM, SoftHSM2), found by its CKA_ID in
// any slot whose token holds it. The module is loaded with dlopen.
class Pkcs11KeySource final : public KeySource {
 public:
  // `key_id` is the raw CKA_ID (e.g. {0x01}); `chain` optional issuer
  // certificates to embed when the token holds only the signer's certificate.
  Pkcs11KeySource(const std::filesystem::path& module, const Buffer& key_id, const Secret& pin,
                  std::vector<Buffer> chain = {});
  ~Pkcs11KeySource() override;
  Pkcs11KeySource(const Pkcs11KeySource&) = delete;
  Pkcs11KeySource& operator=(const Pkcs11KeySource&) = delete;
  [[nodiscard]] const Buffer& certificate_der() const override;
  [[nodiscard]] const std::vector<Buffer>& chain_der() const override;
  [[nodiscard]] KeyAlgorithm algorithm() const override;
  Buffer sign_sha256(ByteView data) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A CA's cloud (remote) signing service: it receives only a SHA-256 digest and
// returns the signature; the user authorises it on their side (app, OTP).
class RemoteSigningService {
 public:
  virtual ~RemoteSigningService() = default;
  [[nodiscard]] virtual Buffer certificate_der() = 0;
  [[nodiscard]] virtual std::vector<Buffer> chain_der() = 0;
  [[nodiscard]] virtual KeyAlgorithm algorithm() = 0;
  virtual Buffer sign_digest(std::span<const std::uint8_t, 32> sha256_digest) = 0;
};

// Adapts a remote service to a key source (hashes locally, signs remotely).
class RemoteKeySource final : public KeySource {
 public:
  explicit RemoteKeySource(std::unique_ptr<RemoteSigningService> service);
  [[nodiscard]] const Buffer& certificate_der() const override { return certificate_; }
  [[nodiscard]] const std::vector<Buffer>& chain_der() const override { return chain_; }
  [[nodiscard]] KeyAlgorithm algorithm() const override { return algorithm_; }
  Buffer sign_sha256(ByteView data) override;

 private:
  std::unique_ptr<RemoteSigningService> service_;
  Buffer certificate_;
  std::vector<Buffer> chain_;
  KeyAlgorithm algorithm_;
};

// Reads certificates from a PEM file (one or many), DER-encoded.
std::vector<Buffer> load_pem_certificates(const std::filesystem::path& file);

// Parses "01", "0a1b" or "01:0A" into bytes; throws InvalidArgument.
Buffer parse_hex_id(const std::string& hex);

}  // namespace sohoa::signing
