#pragma once
// A minimal DER writer for the CMS/RFC 3161 structures we build ourselves, so the
// exact signed-attribute bytes are under our control (no signingTime sneaking in).

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string_view>
#include <vector>

namespace sohoa::signing::der {

using Buffer = std::vector<std::uint8_t>;
using View = std::span<const std::uint8_t>;

inline Buffer tlv(std::uint8_t tag, View content) {
  Buffer out{tag};
  std::size_t length = content.size();
  if (length < 0x80) {
    out.push_back(static_cast<std::uint8_t>(length));
  } else {
    std::uint8_t octets[8];
    int count = 0;
    for (std::size_t l = length; l > 0; l >>= 8) octets[count++] = static_cast<std::uint8_t>(l);
    out.push_back(static_cast<std::uint8_t>(0x80 | count));
    while (count > 0) out.push_back(octets[--count]);
  }
  out.insert(out.end(), content.begin(), content.end());
  return out;
}

inline Buffer concat(std::initializer_list<View> parts) {
  Buffer out;
  for (View part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

inline Buffer sequence(std::initializer_list<View> parts) {
  return tlv(0x30, concat(parts));
}

// DER SET OF: elements sorted by their encodings (X.690 11.6).
inline Buffer set_of(std::vector<Buffer> elements) {
  std::sort(elements.begin(), elements.end());
  Buffer content;
  for (const auto& e : elements) content.insert(content.end(), e.begin(), e.end());
  return tlv(0x31, content);
}

inline Buffer oid(std::string_view dotted) {
  std::vector<std::uint64_t> arcs;
  std::uint64_t value = 0;
  for (char c : dotted) {
    if (c == '.') {
      arcs.push_back(value);
      value = 0;
    } else {
      value = value * 10 + static_cast<std::uint64_t>(c - '0');
    }
  }
  arcs.push_back(value);
  Buffer content;
  auto put = [&content](std::uint64_t arc) {
    std::uint8_t groups[10];
    int count = 0;
    do {
      groups[count++] = static_cast<std::uint8_t>(arc & 0x7F);
      arc >>= 7;
    } while (arc > 0);
    while (count > 1) content.push_back(static_cast<std::uint8_t>(groups[--count] | 0x80));
    content.push_back(groups[0]);
  };
  put(arcs[0] * 40 + (arcs.size() > 1 ? arcs[1] : 0));
  for (std::size_t i = 2; i < arcs.size(); ++i) put(arcs[i]);
  return tlv(0x06, content);
}

inline Buffer small_integer(std::uint32_t value) {
  Buffer content;
  do {
    content.insert(content.begin(), static_cast<std::uint8_t>(value & 0xFF));
    value >>= 8;
  } while (value > 0);
  if (content.front() & 0x80) content.insert(content.begin(), 0);
  return tlv(0x02, content);
}

// A positive integer from big-endian magnitude bytes.
inline Buffer unsigned_integer(View magnitude) {
  Buffer content(magnitude.begin(), magnitude.end());
  while (content.size() > 1 && content.front() == 0 && !(content[1] & 0x80)) {
    content.erase(content.begin());
  }
  if (content.empty() || (content.front() & 0x80)) content.insert(content.begin(), 0);
  return tlv(0x02, content);
}

inline Buffer octet_string(View bytes) {
  return tlv(0x04, bytes);
}
inline Buffer null() {
  return Buffer{0x05, 0x00};
}
inline Buffer boolean(bool value) {
  return Buffer{0x01, 0x01, static_cast<std::uint8_t>(value ? 0xFF : 0)};
}
// [n] EXPLICIT, or [n] IMPLICIT for a constructed type: both are tag A0+n over the content.
inline Buffer context(std::uint8_t n, View content) {
  return tlv(static_cast<std::uint8_t>(0xA0 | n), content);
}

namespace oids {
inline constexpr std::string_view kData = "1.2.840.113549.1.7.1";
inline constexpr std::string_view kSignedData = "1.2.840.113549.1.7.2";
inline constexpr std::string_view kSha256 = "2.16.840.1.101.3.4.2.1";
inline constexpr std::string_view kRsaEncryption = "1.2.840.113549.1.1.1";
inline constexpr std::string_view kEcdsaWithSha256 = "1.2.840.10045.4.3.2";
inline constexpr std::string_view kContentType = "1.2.840.113549.1.9.3";
inline constexpr std::string_view kMessageDigest = "1.2.840.113549.1.9.4";
inline constexpr std::string_view kSigningCertificateV2 = "1.2.840.113549.1.9.16.2.47";
inline constexpr std::string_view kSignatureTimeStampToken = "1.2.840.113549.1.9.16.2.14";
}  // namespace oids

}  // namespace sohoa::signing::der
