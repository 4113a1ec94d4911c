// PKCS#11: the key stays on a SoftHSM2 token (built by test_pki.sh), found by CKA_ID.
#include <gtest/gtest.h>

#include "signing_fixtures.hpp"
#include "sohoa/core/error.hpp"
#include "sohoa/signing/pades.hpp"
#include "sohoa/signing/verify.hpp"

namespace sohoa::test {
namespace {

const char* kModule = "/usr/lib/softhsm/libsofthsm2.so";

TEST(Pkcs11, SignsWithTokenKeyFoundById) {
  const TestPki& pki = test_pki();
  if (!pki.ready) GTEST_SKIP() << pki.why_not;
  if (!std::filesystem::exists(kModule)) GTEST_SKIP() << "SoftHSM2 missing";
  ScratchDir dir;
  signing::Pkcs11KeySource key(kModule, signing::parse_hex_id("01"), signing::Secret("1234"),
                               signing::load_pem_certificates(pki.dir / "chain.pem"));
  std::string input = minimal_pdf();
  auto result = signing::sign_pdf(std::vector<std::uint8_t>(input.begin(), input.end()), key, {});
  write_bytes(dir / "token.pdf", result.pdf);
  CommandResult pades = check_pades(dir / "token.pdf", "B-B");
  EXPECT_NE(pades.output.find("PADES B-B OK"), std::string::npos) << pades.output;
  EXPECT_EQ(openssl_cms_verify(dir / "token.pdf", 0, pki.ca_bundle()).exit_code, 0);
}

TEST(Pkcs11, WrongPinAndUnknownIdAreClearErrors) {
  const TestPki& pki = test_pki();
  if (!pki.ready) GTEST_SKIP() << pki.why_not;
  if (!std::filesystem::exists(kModule)) GTEST_SKIP() << "SoftHSM2 missing";
  EXPECT_THROW(signing::Pkcs11KeySource(kModule, {0x01}, signing::Secret("0000")), Error);
  EXPECT_THROW(signing::Pkcs11KeySource(kModule, {0x7f}, signing::Secret("1234")), Error);
}

}  // namespace
}  // namespace sohoa::test
