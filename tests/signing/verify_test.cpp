// Verification verdicts, including files crafted here to attack a signature:
// tampering, truncation, incremental saving, shadow attacks, signature wrapping
// and universal signature forgery.
#include "sohoa/signing/verify.hpp"

#include <gtest/gtest.h>

#include <regex>

#include "signing_fixtures.hpp"
#include "sohoa/core/error.hpp"
#include "sohoa/signing/pades.hpp"

namespace sohoa::test {
namespace {

using signing::SignatureVerdict;

class Verify : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!test_pki().ready) GTEST_SKIP() << test_pki().why_not;
  }

  static std::string sign(const std::string& pdf, const std::string& who = "person") {
    signing::P12KeySource key(test_pki().p12(who), signing::Secret("1234"));
    auto result = signing::sign_pdf(bytes_of(pdf), key, {});
    return {result.pdf.begin(), result.pdf.end()};
  }

  static signing::VerificationReport verify(const std::string& pdf, bool online = false) {
    signing::VerifyOptions options;
    options.trust_anchors = signing::load_pem_certificates(test_pki().ca_bundle());
    options.online_revocation = online;
    return signing::verify_pdf(bytes_of(pdf), options);
  }

  static bool has_code(const signing::SignatureReport& sig, const std::string& code) {
    for (const auto& f : sig.findings) {
      if (f.code == code && f.status == signing::CheckStatus::Failed) return true;
    }
    for (const auto& m : sig.modifications) {
      if (m.code == code) return true;
    }
    return false;
  }

  // Expects exactly one signature judged invalid with `code` among its reasons.
  static void expect_invalid(const std::string& pdf, const std::string& code) {
    auto report = verify(pdf);
    ASSERT_TRUE(report.readable) << report.error;
    ASSERT_EQ(report.signatures.size(), 1u) << signing::format_text(report);
    EXPECT_EQ(report.signatures[0].verdict, SignatureVerdict::Invalid)
        << signing::format_text(report);
    EXPECT_TRUE(has_code(report.signatures[0], code)) << "expected " << code << "\n"
                                                      << signing::format_text(report);
    EXPECT_FALSE(report.all_valid());
  }

  // The signature dictionary's object number in a file signed once by us.
  static int signature_object(const std::string& pdf) {
    std::smatch m;
    std::regex re(R"(/V (\d+) 0 R)");
    EXPECT_TRUE(std::regex_search(pdf, m, re));
    return std::stoi(m[1]);
  }
};

TEST_F(Verify, UnsignedFileHasNoSignatures) {
  auto report = verify(minimal_pdf());
  EXPECT_TRUE(report.readable);
  EXPECT_TRUE(report.signatures.empty());
  EXPECT_FALSE(report.all_valid());
}

TEST_F(Verify, OneFlippedByteBreaksIntegrity) {
  std::string pdf = sign(minimal_pdf("Ho so so hoa"));
  std::size_t at = pdf.find("Ho so so hoa");
  ASSERT_NE(at, std::string::npos);
  pdf[at] = 'X';
  expect_invalid(pdf, "digest-mismatch");
}

TEST_F(Verify, TruncatedFilesNeverCrashAndAreNotValid) {
  std::string pdf = sign(minimal_pdf());
  for (std::size_t cut : {pdf.size() - 1, pdf.size() - 10, pdf.size() - 300, pdf.size() / 2,
                          std::size_t{20}, std::size_t{0}}) {
    auto report = verify(pdf.substr(0, cut));
    EXPECT_FALSE(report.all_valid()) << "cut at " << cut;
    EXPECT_TRUE(!report.readable || report.signatures.empty() ||
                report.signatures[0].verdict == SignatureVerdict::Invalid)
        << signing::format_text(report);
  }
}

TEST_F(Verify, UntrustedExpiredAndRevokedSigners) {
  std::string person = sign(minimal_pdf());
  signing::VerifyOptions other_anchor;
  other_anchor.trust_anchors = signing::load_pem_certificates(test_pki().dir / "certs" / "tsa.crt");
  auto untrusted = signing::verify_pdf(bytes_of(person), other_anchor);
  ASSERT_EQ(untrusted.signatures.size(), 1u);
  EXPECT_EQ(untrusted.signatures[0].verdict, SignatureVerdict::Invalid);
  EXPECT_TRUE(has_code(untrusted.signatures[0], "untrusted")) << signing::format_text(untrusted);

  expect_invalid(sign(minimal_pdf(), "expired"), "cert-expired");

  auto revoked = verify(sign(minimal_pdf(), "revoked"), /*online=*/true);
  ASSERT_EQ(revoked.signatures.size(), 1u);
  EXPECT_EQ(revoked.signatures[0].verdict, SignatureVerdict::Invalid);
  EXPECT_TRUE(has_code(revoked.signatures[0], "cert-revoked")) << signing::format_text(revoked);

  auto good_online = verify(person, /*online=*/true);
  EXPECT_TRUE(good_online.all_valid()) << signing::format_text(good_online);
}

TEST_F(Verify, IncrementalSavingAttackReplacingContentIsAModification) {
  std::string pdf = sign(minimal_pdf("Đồng ý"));
  std::string forged = "BT /F1 18 Tf 72 720 Td (Khong dong y) Tj ET";
  std::string attacked = append_update(pdf, {{4, "<</Length " + std::to_string(forged.size()) +
                                                     ">>\nstream\n" + forged + "\nendstream"}});
  expect_invalid(attacked, "object-replaced");
  // pdfsig is known to accept this (TRAPS.md); ours must not.
}

TEST_F(Verify, AddedContentStreamOnThePageIsAModification) {
  std::string pdf = sign(minimal_pdf());
  int next = trailer_size(pdf);
  std::string overlay = "1 1 1 rg 0 0 595 842 re f";
  std::string page = object_body(pdf, 3);
  page = std::regex_replace(page, std::regex(R"(/Contents 4 0 R)"),
                            "/Contents [4 0 R " + std::to_string(next) + " 0 R]");
  std::string attacked = append_update(pdf, {{3, page},
                                             {next, "<</Length " + std::to_string(overlay.size()) +
                                                        ">>\nstream\n" + overlay + "\nendstream"}});
  expect_invalid(attacked, "page-changed");
}

TEST_F(Verify, AddedAnnotationIsAModification) {
  std::string pdf = sign(minimal_pdf());
  int next = trailer_size(pdf);
  std::string page = object_body(pdf, 3);
  page = std::regex_replace(page, std::regex(R"(/Annots\s*\[)"),
                            "/Annots[" + std::to_string(next) + " 0 R ");
  std::string attacked = append_update(
      pdf,
      {{3, page},
       {next,
        "<</Type/Annot/Subtype/FreeText/Rect[72 700 400 740]/Contents(HUY)/DA(/Helv 12 Tf)>>"}});
  expect_invalid(attacked, "added-annotation");
}

TEST_F(Verify, ShadowHideAndReplaceOfThePageTreeIsAModification) {
  std::string pdf = sign(minimal_pdf());
  int n = trailer_size(pdf);
  std::string content = "BT /F1 18 Tf 72 720 Td (Trang gia mao) Tj ET";
  std::string catalog = object_body(pdf, 1);
  catalog = std::regex_replace(catalog, std::regex(R"(/Pages 2 0 R)"),
                               "/Pages " + std::to_string(n) + " 0 R");
  std::string attacked = append_update(
      pdf,
      {{1, catalog},
       {n, "<</Type/Pages/Kids[" + std::to_string(n + 1) + " 0 R]/Count 1>>"},
       {n + 1, "<</Type/Page/Parent " + std::to_string(n) + " 0 R/MediaBox[0 0 595 842]/Contents " +
                   std::to_string(n + 2) + " 0 R/Resources<</Font<</F1 5 0 R>>>>>>"},
       {n + 2,
        "<</Length " + std::to_string(content.size()) + ">>\nstream\n" + content + "\nendstream"}});
  expect_invalid(attacked, "catalog-changed");
}

TEST_F(Verify, ShadowHideWithAnObjectDefinedAfterSigningIsAModification) {
  // The signed page already draws /X1, which points to an object that does not
  // exist yet (so nothing shows); the attacker defines it after signing.
  std::string content = "BT /F1 18 Tf 72 720 Td (Ho so) Tj ET q /X1 Do Q";
  std::string base = minimal_pdf();
  base = std::regex_replace(base, std::regex(R"(/Font<</F1 5 0 R>>)"),
                            "/Font<</F1 5 0 R>>/XObject<</X1 40 0 R>>");
  // Rebuild offsets: a plain text edit shifts them, so let append_update fix the page.
  std::string pdf =
      sign(append_update(minimal_pdf(), {{3, object_body(base, 3)},
                                         {4, "<</Length " + std::to_string(content.size()) +
                                                 ">>\nstream\n" + content + "\nendstream"}}));
  std::string form = "BT /F1 30 Tf 72 400 Td (Noi dung an) Tj ET";
  std::string attacked = append_update(
      pdf, {{40,
             "<</Type/XObject/Subtype/Form/BBox[0 0 595 842]/Resources<</Font<</F1 5 0 R>>>>"
             "/Length " +
                 std::to_string(form.size()) + ">>\nstream\n" + form + "\nendstream"}});
  expect_invalid(attacked, "object-resurrected");
}

TEST_F(Verify, LaterSignatureIsAnAllowedChange) {
  std::string twice = sign(sign(minimal_pdf(), "org"));
  auto report = verify(twice);
  ASSERT_EQ(report.signatures.size(), 2u);
  EXPECT_TRUE(report.all_valid()) << signing::format_text(report);
  EXPECT_TRUE(report.signatures[0].modifications.empty());
}

TEST_F(Verify, SignatureWrappingIsCaught) {
  std::string pdf = sign(minimal_pdf());
  int sig = signature_object(pdf);
  std::string body = object_body(pdf, sig);
  // Same /ByteRange and /Contents text, but the dictionary now lives elsewhere:
  // the unsigned gap is no longer this dictionary's /Contents.
  std::string attacked = append_update(pdf, {{sig, body}});
  expect_invalid(attacked, "gap-not-contents");
}

TEST_F(Verify, ShiftedByteRangeIsCaught) {
  std::string pdf = sign(minimal_pdf());
  std::smatch m;
  ASSERT_TRUE(std::regex_search(pdf, m, std::regex(R"(/ByteRange\[0 (\d+) (\d+) (\d+) *\])")));
  std::string original = m[0];
  long a = std::stol(m[1]);
  std::string shifted =
      "/ByteRange[0 " + std::to_string(a - 1) + " " + m[2].str() + " " + m[3].str();
  shifted.append(original.size() - 1 - shifted.size(), ' ');
  shifted += ']';
  std::string attacked = pdf;
  attacked.replace(static_cast<std::size_t>(m.position(0)), original.size(), shifted);
  expect_invalid(attacked, "gap-not-contents");
}

TEST_F(Verify, UniversalSignatureForgeryVariantsAreInvalid) {
  std::string pdf = sign(minimal_pdf());
  int sig = signature_object(pdf);
  const std::vector<std::pair<std::string, std::string>> variants = {
      {"<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/ETSI.CAdES.detached/Contents<00>>>",
       "no-byte-range"},
      {"<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/ETSI.CAdES.detached/ByteRange null"
       "/Contents<00>>>",
       "no-byte-range"},
      {"<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/ETSI.CAdES.detached/ByteRange[0 0 0 0]>>",
       "no-contents"},
      {"<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/ETSI.CAdES.detached/ByteRange[0 10 20 30]"
       "/Contents<>>>",
       "no-contents"},
      {"<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/ETSI.CAdES.detached/ByteRange[0 -1 2 3]"
       "/Contents<3000>>>",
       "bad-byte-range"},
  };
  for (const auto& [body, code] : variants) {
    SCOPED_TRACE(body);
    expect_invalid(append_update(pdf, {{sig, body}}), code);
  }
}

TEST_F(Verify, GarbageAfterTheLastEofIsNotValid) {
  std::string pdf = sign(minimal_pdf()) + "junk after the end\n";
  auto report = verify(pdf);
  EXPECT_FALSE(report.all_valid()) << signing::format_text(report);
}

TEST_F(Verify, ReportsAreBilingualAndJsonIsWellFormed) {
  auto report = verify(sign(minimal_pdf()));
  report.file = "ho-so.pdf";
  std::string text = signing::format_text(report);
  EXPECT_NE(text.find("HỢP LỆ / VALID"), std::string::npos) << text;
  EXPECT_NE(text.find("Toàn vẹn"), std::string::npos);
  std::string json = signing::format_json(report);
  EXPECT_NE(json.find("\"verdict\": \"valid\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"level\": \"B-B\""), std::string::npos) << json;
}

}  // namespace
}  // namespace sohoa::test
