#include "pdf_object.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "sohoa/core/error.hpp"

namespace sohoa::signing::pdf {

namespace {
constexpr int kMaxDepth = 64;
constexpr std::size_t kMaxTokenLength = 1 << 20;

int hex_value(std::uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_regular(std::uint8_t c) {
  return !is_pdf_whitespace(c) && !is_pdf_delimiter(c);
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}
}  // namespace

bool is_pdf_whitespace(std::uint8_t c) {
  return c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' ';
}

bool is_pdf_delimiter(std::uint8_t c) {
  return c == '(' || c == ')' || c == '<' || c == '>' || c == '[' || c == ']' || c == '{' ||
         c == '}' || c == '/' || c == '%';
}

// ----------------------------------------------------------------------------- objects

const Object* Dict::find(std::string_view key) const {
  for (const auto& entry : entries_) {
    if (entry.key == key) return &entry.value;
  }
  return nullptr;
}

Object* Dict::find(std::string_view key) {
  for (auto& entry : entries_) {
    if (entry.key == key) return &entry.value;
  }
  return nullptr;
}

void Dict::set(std::string key, Object value) {
  if (Object* existing = find(key)) {
    *existing = std::move(value);
  } else {
    entries_.push_back(DictEntry{std::move(key), std::move(value)});
  }
}

bool Dict::erase(std::string_view key) {
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->key == key) {
      entries_.erase(it);
      return true;
    }
  }
  return false;
}

// Key order does not matter in PDF dictionaries.
bool Dict::operator==(const Dict& other) const {
  if (entries_.size() != other.entries_.size()) return false;
  for (const auto& entry : entries_) {
    const Object* theirs = other.find(entry.key);
    if (theirs == nullptr || !(*theirs == entry.value)) return false;
  }
  return true;
}

bool Stream::operator==(const Stream& other) const {
  return dict == other.dict && data_offset == other.data_offset && data_length == other.data_length;
}

const Dict* Object::dict() const {
  if (const auto* d = std::get_if<Dict>(&value)) return d;
  if (const auto* s = std::get_if<Stream>(&value)) return &s->dict;
  return nullptr;
}

Dict* Object::dict() {
  if (auto* d = std::get_if<Dict>(&value)) return d;
  if (auto* s = std::get_if<Stream>(&value)) return &s->dict;
  return nullptr;
}

std::optional<std::int64_t> Object::integer() const {
  if (const auto* i = std::get_if<std::int64_t>(&value)) return *i;
  return std::nullopt;
}

std::optional<double> Object::number() const {
  if (const auto* i = std::get_if<std::int64_t>(&value)) return static_cast<double>(*i);
  if (const auto* d = std::get_if<double>(&value)) return *d;
  return std::nullopt;
}

std::string_view Object::name() const {
  if (const auto* n = std::get_if<Name>(&value)) return n->value;
  return {};
}

// ----------------------------------------------------------------------------- parser

void Parser::fail(const std::string& what) const {
  throw Error(ErrorCode::CorruptInput,
              "PDF syntax: " + what + " at offset " + std::to_string(pos_));
}

void Parser::skip_whitespace() {
  while (pos_ < data_.size()) {
    std::uint8_t c = data_[pos_];
    if (is_pdf_whitespace(c)) {
      ++pos_;
    } else if (c == '%') {
      while (pos_ < data_.size() && data_[pos_] != '\n' && data_[pos_] != '\r') ++pos_;
    } else {
      break;
    }
  }
}

std::optional<std::uint64_t> Parser::read_unsigned() {
  skip_whitespace();
  std::size_t start = pos_;
  std::uint64_t value = 0;
  std::size_t digits = 0;
  while (pos_ < data_.size() && data_[pos_] >= '0' && data_[pos_] <= '9') {
    if (digits >= 18) fail("integer too long");
    value = value * 10 + (data_[pos_] - '0');
    ++pos_;
    ++digits;
  }
  if (digits == 0 || (pos_ < data_.size() && is_regular(data_[pos_]))) {
    pos_ = start;
    return std::nullopt;
  }
  return value;
}

bool Parser::consume_keyword(std::string_view keyword) {
  skip_whitespace();
  if (data_.size() - pos_ < keyword.size() || pos_ > data_.size()) return false;
  for (std::size_t i = 0; i < keyword.size(); ++i) {
    if (data_[pos_ + i] != static_cast<std::uint8_t>(keyword[i])) return false;
  }
  std::size_t after = pos_ + keyword.size();
  if (after < data_.size() && is_regular(data_[after])) return false;
  pos_ = after;
  return true;
}

Object Parser::parse_object() {
  return parse(0);
}

Object Parser::parse(int depth) {
  if (depth > kMaxDepth) fail("objects nested too deeply");
  skip_whitespace();
  if (pos_ >= data_.size()) fail("unexpected end of data");
  std::uint8_t c = data_[pos_];
  if (c == '/') return parse_name();
  if (c == '(') return parse_literal_string();
  if (c == '<') {
    if (pos_ + 1 < data_.size() && data_[pos_ + 1] == '<') {
      pos_ += 2;
      Dict dict;
      for (;;) {
        skip_whitespace();
        if (pos_ + 1 < data_.size() && data_[pos_] == '>' && data_[pos_ + 1] == '>') {
          pos_ += 2;
          return dict;
        }
        if (pos_ >= data_.size() || data_[pos_] != '/') fail("dictionary key expected");
        Name key = parse_name();
        Object value = parse(depth + 1);
        // A null value is the same as an absent key (ISO 32000-1, 7.3.7).
        if (!value.is_null()) dict.set(std::move(key.value), std::move(value));
      }
    }
    return parse_hex_string();
  }
  if (c == '[') {
    ++pos_;
    Array array;
    for (;;) {
      skip_whitespace();
      if (pos_ < data_.size() && data_[pos_] == ']') {
        ++pos_;
        return array;
      }
      array.push_back(parse(depth + 1));
    }
  }
  if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.') return parse_number_or_ref();
  if (consume_keyword("true")) return true;
  if (consume_keyword("false")) return false;
  if (consume_keyword("null")) return Null{};
  fail("unexpected token");
}

Object Parser::parse_number_or_ref() {
  std::size_t start = pos_;
  // "N G R" is a reference; look ahead without committing.
  if (auto num = read_unsigned()) {
    std::size_t after_num = pos_;
    if (auto gen = read_unsigned()) {
      if (consume_keyword("R")) {
        if (*num > 0xFFFFFFFFu || *gen > 0xFFFF) fail("reference out of range");
        return Ref{static_cast<std::uint32_t>(*num), static_cast<std::uint16_t>(*gen)};
      }
    }
    pos_ = after_num;
    return static_cast<std::int64_t>(*num);
  }
  pos_ = start;
  std::size_t end = pos_;
  while (end < data_.size() && end - pos_ < 64 &&
         (data_[end] == '+' || data_[end] == '-' || data_[end] == '.' ||
          (data_[end] >= '0' && data_[end] <= '9'))) {
    ++end;
  }
  std::string text(reinterpret_cast<const char*>(data_.data() + pos_), end - pos_);
  pos_ = end;
  if (text.empty()) fail("number expected");
  bool negative = text[0] == '-';
  if (text[0] == '+' || text[0] == '-') text.erase(0, 1);
  if (text.find_first_of("+-") != std::string::npos) fail("malformed number");
  if (text.find('.') == std::string::npos) {
    std::int64_t value = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || p != text.data() + text.size()) fail("malformed integer");
    return negative ? -value : value;
  }
  if (text == ".") return 0.0;
  char* parse_end = nullptr;
  double value = std::strtod(text.c_str(), &parse_end);
  if (!std::isfinite(value)) fail("malformed real");
  return negative ? -value : value;
}

Name Parser::parse_name() {
  ++pos_;  // '/'
  Name name;
  while (pos_ < data_.size() && is_regular(data_[pos_])) {
    std::uint8_t c = data_[pos_];
    if (c == '#' && pos_ + 2 < data_.size() && hex_value(data_[pos_ + 1]) >= 0 &&
        hex_value(data_[pos_ + 2]) >= 0) {
      name.value += static_cast<char>(hex_value(data_[pos_ + 1]) * 16 + hex_value(data_[pos_ + 2]));
      pos_ += 3;
    } else {
      name.value += static_cast<char>(c);
      ++pos_;
    }
    if (name.value.size() > kMaxTokenLength) fail("name too long");
  }
  return name;
}

String Parser::parse_literal_string() {
  String out;
  out.begin = pos_;
  ++pos_;
  int nesting = 1;
  while (pos_ < data_.size()) {
    std::uint8_t c = data_[pos_++];
    if (c == '\\') {
      if (pos_ >= data_.size()) break;
      std::uint8_t e = data_[pos_++];
      switch (e) {
        case 'n':
          out.bytes += '\n';
          break;
        case 'r':
          out.bytes += '\r';
          break;
        case 't':
          out.bytes += '\t';
          break;
        case 'b':
          out.bytes += '\b';
          break;
        case 'f':
          out.bytes += '\f';
          break;
        case '\r':
          if (pos_ < data_.size() && data_[pos_] == '\n') ++pos_;
          break;
        case '\n':
          break;
        default:
          if (e >= '0' && e <= '7') {
            int value = e - '0';
            for (int i = 0;
                 i < 2 && pos_ < data_.size() && data_[pos_] >= '0' && data_[pos_] <= '7'; ++i) {
              value = value * 8 + (data_[pos_++] - '0');
            }
            out.bytes += static_cast<char>(value & 0xFF);
          } else {
            out.bytes += static_cast<char>(e);
          }
      }
    } else if (c == '(') {
      ++nesting;
      out.bytes += '(';
    } else if (c == ')') {
      if (--nesting == 0) {
        out.end = pos_;
        return out;
      }
      out.bytes += ')';
    } else {
      out.bytes += static_cast<char>(c);
    }
  }
  fail("unterminated string");
}

String Parser::parse_hex_string() {
  String out;
  out.hex = true;
  out.begin = pos_;
  ++pos_;
  int pending = -1;
  while (pos_ < data_.size()) {
    std::uint8_t c = data_[pos_++];
    if (c == '>') {
      if (pending >= 0) out.bytes += static_cast<char>(pending * 16);
      out.end = pos_;
      return out;
    }
    if (is_pdf_whitespace(c)) continue;
    int v = hex_value(c);
    if (v < 0) fail("bad hex string");
    if (pending < 0) {
      pending = v;
    } else {
      out.bytes += static_cast<char>(pending * 16 + v);
      pending = -1;
    }
  }
  fail("unterminated hex string");
}

// ----------------------------------------------------------------------------- writer

namespace {
void write_name(std::string_view name, std::string& out) {
  out += '/';
  for (unsigned char c : name) {
    if (c < 0x21 || c > 0x7E || c == '#' || is_pdf_delimiter(c)) {
      char buf[4];
      std::snprintf(buf, sizeof buf, "#%02X", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
}

void write_hex(std::string_view bytes, std::string& out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out += '<';
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  out += '>';
}

void write_real(double value, std::string& out) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6f", value);
  std::string text(buf);
  while (!text.empty() && text.back() == '0') text.pop_back();
  if (!text.empty() && text.back() == '.') text.pop_back();
  if (text.empty() || text == "-0") text = "0";
  out += text;
}
}  // namespace

void serialize_to(const Object& object, std::string& out) {
  std::visit(
      [&out](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, Null>) {
          out += "null";
        } else if constexpr (std::is_same_v<T, bool>) {
          out += v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          out += std::to_string(v);
        } else if constexpr (std::is_same_v<T, double>) {
          write_real(v, out);
        } else if constexpr (std::is_same_v<T, String>) {
          write_hex(v.bytes, out);
        } else if constexpr (std::is_same_v<T, Name>) {
          write_name(v.value, out);
        } else if constexpr (std::is_same_v<T, Array>) {
          out += '[';
          bool first = true;
          for (const auto& item : v) {
            if (!first) out += ' ';
            first = false;
            serialize_to(item, out);
          }
          out += ']';
        } else if constexpr (std::is_same_v<T, Dict>) {
          out += "<<";
          for (const auto& entry : v.entries()) {
            write_name(entry.key, out);
            out += ' ';
            serialize_to(entry.value, out);
          }
          out += ">>";
        } else if constexpr (std::is_same_v<T, Ref>) {
          out += std::to_string(v.num) + ' ' + std::to_string(v.gen) + " R";
        } else if constexpr (std::is_same_v<T, Stream>) {
          // Streams are copied by reference, never re-serialised inline.
          throw Error(ErrorCode::Internal, "a stream cannot be serialised as a direct object");
        }
      },
      object.value);
}

std::string serialize(const Object& object) {
  std::string out;
  serialize_to(object, out);
  return out;
}

std::u32string code_points(std::string_view utf8) {
  std::u32string out;
  std::size_t i = 0;
  while (i < utf8.size()) {
    auto c = static_cast<unsigned char>(utf8[i]);
    std::uint32_t cp = 0xFFFD;
    std::size_t len = 1;
    if (c < 0x80) {
      cp = c;
    } else if ((c >> 5) == 6 && i + 1 < utf8.size()) {
      cp = ((c & 0x1Fu) << 6) | (static_cast<unsigned char>(utf8[i + 1]) & 0x3Fu);
      len = 2;
    } else if ((c >> 4) == 14 && i + 2 < utf8.size()) {
      cp = ((c & 0x0Fu) << 12) | ((static_cast<unsigned char>(utf8[i + 1]) & 0x3Fu) << 6) |
           (static_cast<unsigned char>(utf8[i + 2]) & 0x3Fu);
      len = 3;
    } else if ((c >> 3) == 30 && i + 3 < utf8.size()) {
      cp = ((c & 0x07u) << 18) | ((static_cast<unsigned char>(utf8[i + 1]) & 0x3Fu) << 12) |
           ((static_cast<unsigned char>(utf8[i + 2]) & 0x3Fu) << 6) |
           (static_cast<unsigned char>(utf8[i + 3]) & 0x3Fu);
      len = 4;
    }
    i += len;
    out += static_cast<char32_t>(cp);
  }
  return out;
}

void append_utf16be(std::string& out, char32_t code_point) {
  auto put16 = [&out](std::uint32_t unit) {
    out += static_cast<char>((unit >> 8) & 0xFF);
    out += static_cast<char>(unit & 0xFF);
  };
  std::uint32_t cp = code_point;
  if (cp >= 0x10000) {
    cp -= 0x10000;
    put16(0xD800 + (cp >> 10));
    put16(0xDC00 + (cp & 0x3FF));
  } else {
    put16(cp);
  }
}

String text_string(std::string_view utf8) {
  String out;
  out.bytes = "\xFE\xFF";
  for (char32_t cp : code_points(utf8)) append_utf16be(out.bytes, cp);
  return out;
}

std::string text_to_utf8(const std::string& pdf_text) {
  std::string out;
  if (pdf_text.size() >= 2 && static_cast<unsigned char>(pdf_text[0]) == 0xFE &&
      static_cast<unsigned char>(pdf_text[1]) == 0xFF) {
    for (std::size_t i = 2; i + 1 < pdf_text.size(); i += 2) {
      std::uint32_t unit = (static_cast<unsigned char>(pdf_text[i]) << 8) |
                           static_cast<unsigned char>(pdf_text[i + 1]);
      if (unit >= 0xD800 && unit < 0xDC00 && i + 3 < pdf_text.size()) {
        std::uint32_t low = (static_cast<unsigned char>(pdf_text[i + 2]) << 8) |
                            static_cast<unsigned char>(pdf_text[i + 3]);
        unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
        i += 2;
      }
      append_utf8(out, unit);
    }
    return out;
  }
  for (unsigned char c : pdf_text) append_utf8(out, c);
  return out;
}

}  // namespace sohoa::signing::pdf
