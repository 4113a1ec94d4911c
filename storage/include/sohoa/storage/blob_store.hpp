#pragma once
// Content-addressed storage for every file the registry holds (scans, PDF/A,
// signed versions): a file's address is the SHA-256 of its bytes, so storing the
// same file twice keeps one copy, and a read checks that the bytes still match
// their address. Nothing is ever overwritten: a changed file is a new blob.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace sohoa::storage {

struct BlobRef {
  std::string sha256;  // lowercase hex, the blob's address
  std::uint64_t size = 0;
  friend bool operator==(const BlobRef&, const BlobRef&) = default;
};

class BlobStore {
 public:
  virtual ~BlobStore() = default;
  // Stores `bytes` durably (idempotent: a known blob is not written again).
  virtual BlobRef put(std::span<const std::uint8_t> bytes) = 0;
  // The blob's bytes; Error(InputNotFound) when absent, Error(CorruptInput) when
  // the stored bytes no longer hash to `sha256`.
  virtual std::vector<std::uint8_t> get(const std::string& sha256) = 0;
  virtual bool contains(const std::string& sha256) = 0;
  // Re-hashes the stored blob: false when missing or damaged.
  virtual bool verify(const std::string& sha256) = 0;
};

// A folder shared by every node: `<root>/sha256/ab/cdef…` (the first two hex
// digits fan out the files), each written with write_file_durably.
std::unique_ptr<BlobStore> open_local_blob_store(const std::filesystem::path& root);

// The path of a blob in a local store (for operators and tests).
std::filesystem::path local_blob_path(const std::filesystem::path& root, const std::string& sha256);

}  // namespace sohoa::storage
