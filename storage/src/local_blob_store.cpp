#include <fstream>
#include <iterator>

#include "sha256.hpp"
#include "sohoa/core/durable_file.hpp"
#include "sohoa/core/error.hpp"
#include "sohoa/storage/blob_store.hpp"

namespace sohoa::storage {

namespace {

bool is_sha256_hex(const std::string& text) {
  if (text.size() != 64) return false;
  for (const char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

class LocalBlobStore final : public BlobStore {
 public:
  explicit LocalBlobStore(std::filesystem::path root) : root_(std::move(root)) {
    std::error_code error;
    std::filesystem::create_directories(root_ / "sha256", error);
    if (error) {
      throw Error(ErrorCode::OutputFailed, "cannot create the blob store: " + error.message(),
                  {root_.string()});
    }
  }

  BlobRef put(std::span<const std::uint8_t> bytes) override {
    BlobRef blob{detail::sha256_hex(bytes), bytes.size()};
    const auto path = local_blob_path(root_, blob.sha256);
    // A present blob whose bytes still verify is the same content: keep it. A
    // damaged one is repaired by writing the good bytes again.
    if (std::filesystem::exists(path) && verify(blob.sha256)) return blob;
    std::filesystem::create_directories(path.parent_path());
    write_file_durably(path, bytes);
    return blob;
  }

  std::vector<std::uint8_t> get(const std::string& sha256) override {
    auto bytes = read(sha256);
    if (detail::sha256_hex(bytes) != sha256) {
      throw Error(ErrorCode::CorruptInput,
                  "blob " + sha256 + " is damaged: its bytes no longer match their SHA-256",
                  {local_blob_path(root_, sha256).string()});
    }
    return bytes;
  }

  bool contains(const std::string& sha256) override {
    return is_sha256_hex(sha256) && std::filesystem::exists(local_blob_path(root_, sha256));
  }

  bool verify(const std::string& sha256) override {
    if (!contains(sha256)) return false;
    return detail::sha256_hex(read(sha256)) == sha256;
  }

 private:
  std::vector<std::uint8_t> read(const std::string& sha256) {
    if (!is_sha256_hex(sha256)) {
      throw Error(ErrorCode::InvalidArgument, "not a SHA-256 blob address: " + sha256);
    }
    const auto path = local_blob_path(root_, sha256);
    std::ifstream in(path, std::ios::binary);
    if (!in)
      throw Error(ErrorCode::InputNotFound, "blob " + sha256 + " is missing", {path.string()});
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

  std::filesystem::path root_;
};

}  // namespace

std::filesystem::path local_blob_path(const std::filesystem::path& root,
                                      const std::string& sha256) {
  return root / "sha256" / sha256.substr(0, 2) / sha256.substr(2);
}

std::unique_ptr<BlobStore> open_local_blob_store(const std::filesystem::path& root) {
  return std::make_unique<LocalBlobStore>(root);
}

}  // namespace sohoa::storage
