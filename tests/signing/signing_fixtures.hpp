#pragma once
// Shared material for the signing tests: the test PKI (built once per test
// binary with the independent /work/shared/check/test_pki.sh, OCSP and TSA on
// loopback), small PDFs written by hand, and a helper to append crafted
// incremental updates (for attack files).

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace sohoa::test {

struct TestPki {
  std::filesystem::path dir;
  int ocsp_port = 0;
  int tsa_port = 0;
  bool ready = false;
  std::string why_not;  // when not ready

  [[nodiscard]] std::filesystem::path p12(const std::string& who) const {
    return dir / "p12" / (who + ".p12");
  }
  [[nodiscard]] std::filesystem::path ca_bundle() const { return dir / "ca-bundle.pem"; }
  [[nodiscard]] std::string tsa_url() const {
    return "http://127.0.0.1:" + std::to_string(tsa_port) + "/";
  }
  [[nodiscard]] std::string softhsm_conf() const {
    return (dir / "softhsm" / "softhsm2.conf").string();
  }
};

// The process-wide PKI; skips the calling test when it could not be built.
const TestPki& test_pki();

// Binds `pki` to the test PKI, or skips the calling test with the reason it is missing.
#define REQUIRE_PKI()              \
  const TestPki& pki = test_pki(); \
  if (!pki.ready) GTEST_SKIP() << pki.why_not

inline std::vector<std::uint8_t> bytes_of(const std::string& text) {
  return {text.begin(), text.end()};
}

// A one-page PDF with a text line, classic xref table, computed offsets.
std::string minimal_pdf(const std::string& text = "Ho so so hoa");
// A one-page PDF/A-1b (XMP pdfaid, sRGB OutputIntent, no fonts: vector drawing only).
std::string minimal_pdfa1b();

// Appends an incremental update (objects by number -> body text) with a classic
// xref section chained by /Prev to the file's last startxref.
std::string append_update(const std::string& pdf, const std::map<int, std::string>& objects,
                          const std::string& extra_trailer = "");

// The body of object `num` in its latest definition found by a plain text
// search (test helper only: files written by our tests).
std::string object_body(const std::string& pdf, int num);
int trailer_size(const std::string& pdf);

// Runs the external PAdES checker; returns its full output.
CommandResult check_pades(const std::filesystem::path& pdf, const std::string& level);
// Extracts the signed bytes and CMS of signature `index` (0-based) and runs
// `openssl cms -verify` on them.
CommandResult openssl_cms_verify(const std::filesystem::path& pdf, int index,
                                 const std::filesystem::path& ca_bundle);

}  // namespace sohoa::test
