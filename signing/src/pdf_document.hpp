#pragma once
// One revision of a PDF file, read lazily: the cross-reference chain (classic
// tables, xref streams and hybrid files) is loaded up front, objects are parsed
// on first use. Only what is asked for is parsed, so signing a large file costs
// a few objects, not the whole file.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>
#include <vector>

#include "pdf_object.hpp"

namespace sohoa::signing::pdf {

struct XrefEntry {
  enum class Kind : std::uint8_t { Free, InUse, Compressed };
  Kind kind = Kind::Free;
  std::uint64_t offset = 0;  // InUse: byte offset; Compressed: object stream number
  std::uint32_t index = 0;   // Compressed: index within the object stream
  std::uint16_t gen = 0;
  bool operator==(const XrefEntry&) const = default;
};

class Document {
 public:
  // Reads the revision that ends with the last `startxref` in `bytes`; `bytes`
  // may be a prefix of a file (an earlier revision). Throws CorruptInput.
  explicit Document(Bytes bytes);

  [[nodiscard]] Bytes bytes() const { return bytes_; }
  [[nodiscard]] const Dict& trailer() const { return trailer_; }
  [[nodiscard]] const std::map<std::uint32_t, XrefEntry>& xref() const { return xref_; }
  [[nodiscard]] bool uses_xref_stream() const { return last_section_is_stream_; }
  [[nodiscard]] std::size_t startxref() const { return startxref_; }
  [[nodiscard]] std::uint32_t size() const { return size_; }

  // The object numbered `num` (Null when free or missing). Cached.
  const Object& object(std::uint32_t num);
  // Follows a reference (one level); other objects are returned as they are.
  const Object& resolve(const Object& object);
  // A dictionary behind `object` (direct or referenced), or nullptr.
  const Dict* resolve_dict(const Object& object);

  // The stream's data with /FlateDecode undone (other filters: raw data).
  std::vector<std::uint8_t> decoded_data(const Stream& stream);
  [[nodiscard]] Bytes raw_data(const Stream& stream) const;

  [[nodiscard]] std::optional<Ref> root_ref() const;
  const Dict* catalog();
  // Page objects in document order (bounded, cycle-safe).
  std::vector<Ref> pages();

 private:
  void load_xref_chain(std::size_t offset);
  std::size_t read_classic_section(std::size_t offset, Dict& section_trailer);
  void read_xref_stream(const Stream& stream);
  Object parse_indirect_at(std::size_t offset, std::uint32_t expected_num);
  Object parse_compressed(std::uint32_t stream_num, std::uint32_t index, std::uint32_t num);
  std::size_t stream_length(const Dict& dict, std::size_t data_offset);

  Bytes bytes_;
  Dict trailer_;
  std::map<std::uint32_t, XrefEntry> xref_;
  std::unordered_map<std::uint32_t, Object> cache_;
  std::set<std::uint32_t> resolving_;
  std::size_t startxref_ = 0;
  std::uint32_t size_ = 0;
  bool last_section_is_stream_ = false;
  int lookups_ = 0;
};

// The byte offset just past each "%%EOF" marker (and its end-of-line) in `bytes`,
// i.e. where each revision ends.
std::vector<std::size_t> revision_ends(Bytes bytes);

// zlib adapter: inflates `data`; throws CorruptInput beyond `limit` bytes of output.
std::vector<std::uint8_t> inflate_data(Bytes data, std::size_t limit);
// zlib adapter: compresses `data` for a /FlateDecode stream.
std::vector<std::uint8_t> deflate_data(Bytes data);

}  // namespace sohoa::signing::pdf
