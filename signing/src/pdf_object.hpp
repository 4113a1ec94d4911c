#pragma once
// The small part of PDF syntax that signing and verification need: objects, a
// parser over the file's bytes that remembers where strings were, and a writer.
// Not a general PDF library: enough to read trailers, xref sections, catalogs,
// pages, form fields and signature dictionaries.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace sohoa::signing::pdf {

using Bytes = std::span<const std::uint8_t>;

struct Null {
  bool operator==(const Null&) const = default;
};

struct Ref {
  std::uint32_t num = 0;
  std::uint16_t gen = 0;
  bool operator==(const Ref&) const = default;
};

struct Name {
  std::string value;
  bool operator==(const Name&) const = default;
};

struct String {
  std::string bytes;
  // Where the string's token (with its delimiters) lies in the parsed file;
  // both 0 for strings we built ourselves.
  std::size_t begin = 0;
  std::size_t end = 0;
  bool hex = false;
  bool operator==(const String& other) const { return bytes == other.bytes; }
};

struct Object;
struct DictEntry;
using Array = std::vector<Object>;

class Dict {
 public:
  [[nodiscard]] const Object* find(std::string_view key) const;
  [[nodiscard]] Object* find(std::string_view key);
  void set(std::string key, Object value);
  bool erase(std::string_view key);
  [[nodiscard]] const std::vector<DictEntry>& entries() const { return entries_; }
  std::vector<DictEntry>& entries() { return entries_; }
  bool operator==(const Dict& other) const;

 private:
  std::vector<DictEntry> entries_;
};

// A stream's dictionary and where its (still encoded) data lies in the file.
struct Stream {
  Dict dict;
  std::size_t data_offset = 0;
  std::size_t data_length = 0;
  bool operator==(const Stream& other) const;
};

struct Object {
  std::variant<Null, bool, std::int64_t, double, String, Name, Array, Dict, Ref, Stream> value;

  Object() = default;
  template <typename T>
  Object(T v) : value(std::move(v)) {}  // NOLINT(google-explicit-constructor)

  [[nodiscard]] bool is_null() const { return std::holds_alternative<Null>(value); }
  [[nodiscard]] const Dict* dict() const;  // also a stream's dictionary
  [[nodiscard]] Dict* dict();
  [[nodiscard]] const Array* array() const { return std::get_if<Array>(&value); }
  [[nodiscard]] Array* array() { return std::get_if<Array>(&value); }
  [[nodiscard]] const Ref* ref() const { return std::get_if<Ref>(&value); }
  [[nodiscard]] const Stream* stream() const { return std::get_if<Stream>(&value); }
  [[nodiscard]] const String* string() const { return std::get_if<String>(&value); }
  [[nodiscard]] std::optional<std::int64_t> integer() const;
  [[nodiscard]] std::optional<double> number() const;
  // The name's text, or empty when this is not a name.
  [[nodiscard]] std::string_view name() const;
  bool operator==(const Object& other) const { return value == other.value; }
};

struct DictEntry {
  std::string key;
  Object value;
  bool operator==(const DictEntry&) const = default;
};

// Reads PDF tokens and objects from `data` starting at a position. Malformed
// input raises sohoa::Error(CorruptInput); nesting is bounded.
class Parser {
 public:
  Parser(Bytes data, std::size_t pos) : data_(data), pos_(pos) {}

  Object parse_object();
  void skip_whitespace();
  // Reads an unsigned integer token if one is next (position unchanged otherwise).
  std::optional<std::uint64_t> read_unsigned();
  // Consumes `keyword` if it is next and ends at a delimiter.
  bool consume_keyword(std::string_view keyword);
  [[nodiscard]] std::size_t pos() const { return pos_; }
  void seek(std::size_t pos) { pos_ = pos; }
  [[nodiscard]] bool at_end() const { return pos_ >= data_.size(); }

 private:
  Object parse(int depth);
  Object parse_number_or_ref();
  String parse_literal_string();
  String parse_hex_string();
  Name parse_name();
  [[noreturn]] void fail(const std::string& what) const;

  Bytes data_;
  std::size_t pos_;
};

bool is_pdf_whitespace(std::uint8_t c);
bool is_pdf_delimiter(std::uint8_t c);

// PDF syntax for a direct object; strings are written as hex strings (lossless).
std::string serialize(const Object& object);
void serialize_to(const Object& object, std::string& out);

// UTF-8 to code points (malformed sequences become U+FFFD).
std::u32string code_points(std::string_view utf8);
// Appends a code point as UTF-16BE (surrogate pairs above U+FFFF).
void append_utf16be(std::string& out, char32_t code_point);
// A text string as UTF-16BE with BOM, as PDF text strings carrying Vietnamese need.
String text_string(std::string_view utf8);
// Decodes a PDF text string (UTF-16BE with BOM or PDFDocEncoding≈Latin-1) to UTF-8.
std::string text_to_utf8(const std::string& pdf_text);

}  // namespace sohoa::signing::pdf
