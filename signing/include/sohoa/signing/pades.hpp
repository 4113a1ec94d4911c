#pragma once
// PAdES baseline signing (ETSI EN 319 142-1) by incremental update: the input
// bytes are kept as they are and a new revision is appended, so earlier
// signatures and PDF/A conformance stay intact.

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "sohoa/signing/signer.hpp"

namespace sohoa::signing {

enum class PadesLevel : std::uint8_t { BB, BT, BLT, BLTA };

std::string to_string(PadesLevel level);  // "B-B", "B-T", ...
// Parses "B-B", "B-T", "B-LT", "B-LTA"; throws InvalidArgument.
PadesLevel parse_pades_level(const std::string& text);

enum class AppearanceKind : std::uint8_t {
  Invisible,          // a widget with an empty rectangle
  Signature,          // NĐ 30/2020: name, title, agency, time; optional signature and seal images
  DigitisationStamp,  // TT 05/2025: top right of page 1, agency name and time, Times 10 pt
};

struct Appearance {
  AppearanceKind kind = AppearanceKind::Invisible;
  std::string signer_name;                // empty: the signing certificate's CN
  std::string title;                      // chức vụ, optional
  std::string agency;                     // empty: the signing certificate's O
  std::filesystem::path signature_image;  // optional (PNG/JPEG), blue handwriting
  std::filesystem::path seal_image;       // optional (red); covers the left third of the signature
  // Signature only: 1-based page and the box (x, y, width, height in points from
  // the lower-left corner of the page's visible box); no box: bottom right.
  // The digitisation stamp's place is fixed by TT 05/2025 (top right of page 1).
  int page = 1;
  std::optional<std::array<double, 4>> box;
  // TrueType font embedded (subset) for the text; empty: Liberation Serif, the
  // Times New Roman metric-compatible font of Debian's fonts-liberation2.
  std::filesystem::path font_file;
};

struct SignOptions {
  PadesLevel level = PadesLevel::BB;
  // RFC 3161 time-stamping authority (http://host:port/path), needed from B-T on.
  std::string tsa_url;
  std::string reason;      // /Reason, optional
  std::string location;    // /Location, optional
  std::string field_name;  // empty: "Signature<n>" not yet used in the file
  Appearance appearance;
  // The signing time written to /M and shown on a visible appearance; empty: now.
  std::optional<std::chrono::system_clock::time_point> signing_time;
  // Time zone of /M and of the appearance's ISO 8601 time: Vietnam (UTC+07:00, no DST).
  int utc_offset_minutes = 7 * 60;
  // Bytes reserved for the CMS (hex doubles it in the file). 0: chosen by level.
  std::size_t reserved_signature_bytes = 0;
  // Trust anchors used to fetch revocation data for B-LT/B-LTA (the chain of
  // the signer is completed from them).
  std::vector<Buffer> extra_certificates;
};

struct SignResult {
  std::vector<std::uint8_t> pdf;  // the whole signed file
  std::size_t signature_revision_end = 0;
};

// Signs `input` (a complete PDF). Throws sohoa::Error.
SignResult sign_pdf(ByteView input, KeySource& key, const SignOptions& options);

// Reads `input`, signs, writes `output` (never the same path half-written).
void sign_file(const std::filesystem::path& input, const std::filesystem::path& output,
               KeySource& key, const SignOptions& options);

}  // namespace sohoa::signing
