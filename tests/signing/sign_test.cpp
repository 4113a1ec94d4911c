// Signing: every produced file is judged by the independent checkers
// (check_pades.sh, openssl cms -verify over the byte range, pdfsig) and by our
// own verifier.
#include <gtest/gtest.h>

#include <algorithm>

#include "signing_fixtures.hpp"
#include "sohoa/core/error.hpp"
#include "sohoa/signing/pades.hpp"
#include "sohoa/signing/verify.hpp"

namespace sohoa::test {
namespace {

using signing::P12KeySource;
using signing::PadesLevel;
using signing::Secret;
using signing::SignOptions;

std::string sign_text(const std::string& pdf, const std::filesystem::path& p12,
                      const SignOptions& options = {}) {
  P12KeySource key(p12, Secret("1234"));
  auto result = signing::sign_pdf(bytes_of(pdf), key, options);
  return {result.pdf.begin(), result.pdf.end()};
}

signing::VerificationReport verify_text(const std::string& pdf, const TestPki& pki) {
  signing::VerifyOptions options;
  options.trust_anchors = signing::load_pem_certificates(pki.ca_bundle());
  return signing::verify_pdf(bytes_of(pdf), options);
}

void expect_pdfsig_valid(const std::filesystem::path& file) {
  if (!have_program("pdfsig")) return;
  CommandResult r = run_command("pdfsig " + shell_quote(file.string()));
  EXPECT_NE(r.output.find("Signature is Valid"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("Digest Mismatch"), std::string::npos) << r.output;
}

TEST(Sign, BBaselineWithSoftKeyPassesAllOracles) {
  REQUIRE_PKI();
  ScratchDir dir;
  std::string input = minimal_pdf();
  std::string signed_pdf = sign_text(input, pki.p12("person"));
  // Incremental: the original bytes are untouched.
  ASSERT_EQ(signed_pdf.compare(0, input.size(), input), 0);
  EXPECT_EQ(signed_pdf.find("signingTime"), std::string::npos);
  write_text(dir / "signed.pdf", signed_pdf);

  CommandResult pades = check_pades(dir / "signed.pdf", "B-B");
  EXPECT_NE(pades.output.find("PADES B-B OK"), std::string::npos) << pades.output;
  CommandResult cms = openssl_cms_verify(dir / "signed.pdf", 0, pki.ca_bundle());
  EXPECT_EQ(cms.exit_code, 0) << cms.output;
  EXPECT_NE(cms.output.find("Verification successful"), std::string::npos) << cms.output;
  expect_pdfsig_valid(dir / "signed.pdf");

  auto report = verify_text(signed_pdf, pki);
  ASSERT_EQ(report.signatures.size(), 1u);
  EXPECT_EQ(report.signatures[0].verdict, signing::SignatureVerdict::Valid)
      << signing::format_text(report);
  EXPECT_EQ(report.signatures[0].level, "B-B");
  EXPECT_TRUE(report.signatures[0].covers_whole_file);
  EXPECT_NE(report.signatures[0].signer.find("Nguyễn Văn An"), std::string::npos);
}

TEST(Sign, InputWithXrefStreamGetsXrefStreamUpdate) {
  REQUIRE_PKI();
  if (!have_program("qpdf")) GTEST_SKIP() << "qpdf missing";
  ScratchDir dir;
  write_text(dir / "plain.pdf", minimal_pdf());
  CommandResult q =
      run_command("qpdf --object-streams=generate " + shell_quote((dir / "plain.pdf").string()) +
                  " " + shell_quote((dir / "objstm.pdf").string()));
  ASSERT_EQ(q.exit_code, 0) << q.output;
  std::string input = read_text(dir / "objstm.pdf");
  ASSERT_NE(input.find("/XRef"), std::string::npos);
  std::string signed_pdf = sign_text(input, pki.p12("org"));
  write_text(dir / "signed.pdf", signed_pdf);
  CommandResult check = run_command("qpdf --check " + shell_quote((dir / "signed.pdf").string()));
  EXPECT_EQ(check.exit_code, 0) << check.output;
  CommandResult pades = check_pades(dir / "signed.pdf", "B-B");
  EXPECT_NE(pades.output.find("PADES B-B OK"), std::string::npos) << pades.output;
  expect_pdfsig_valid(dir / "signed.pdf");
  auto report = verify_text(signed_pdf, pki);
  ASSERT_EQ(report.signatures.size(), 1u);
  EXPECT_EQ(report.signatures[0].verdict, signing::SignatureVerdict::Valid)
      << signing::format_text(report);
}

TEST(Sign, TwoSignaturesInSequenceKeepTheFirstValid) {
  REQUIRE_PKI();
  ScratchDir dir;
  SignOptions stamp;
  stamp.reason = "Số hoá theo TT 05/2025";
  std::string once = sign_text(minimal_pdf(), pki.p12("org"), stamp);
  std::string twice = sign_text(once, pki.p12("person"));
  write_text(dir / "twice.pdf", twice);
  CommandResult pades = check_pades(dir / "twice.pdf", "B-B");
  EXPECT_NE(pades.output.find("PADES B-B OK sigs=2"), std::string::npos) << pades.output;
  EXPECT_EQ(openssl_cms_verify(dir / "twice.pdf", 0, pki.ca_bundle()).exit_code, 0);
  EXPECT_EQ(openssl_cms_verify(dir / "twice.pdf", 1, pki.ca_bundle()).exit_code, 0);
  auto report = verify_text(twice, pki);
  ASSERT_EQ(report.signatures.size(), 2u);
  EXPECT_TRUE(report.all_valid()) << signing::format_text(report);
  EXPECT_FALSE(report.signatures[0].covers_whole_file);
  EXPECT_TRUE(report.signatures[1].covers_whole_file);
}

TEST(Sign, SignedPdfA1bStaysPdfA) {
  REQUIRE_PKI();
  ScratchDir dir;
  write_text(dir / "in.pdf", minimal_pdfa1b());
  std::string checker = "bash " + shell_quote((shared_dir() / "check" / "check_pdfa.sh").string());
  CommandResult before = run_command(checker + " " + shell_quote((dir / "in.pdf").string()));
  ASSERT_NE(before.output.find("PDFA 1b OK"), std::string::npos)
      << "the hand-made input is not PDF/A-1b:\n"
      << before.output;
  write_text(dir / "signed.pdf", sign_text(minimal_pdfa1b(), pki.p12("org")));
  CommandResult after = run_command(checker + " " + shell_quote((dir / "signed.pdf").string()));
  EXPECT_NE(after.output.find("PDFA 1b OK"), std::string::npos) << after.output;
  CommandResult pades = check_pades(dir / "signed.pdf", "B-B");
  EXPECT_NE(pades.output.find("PADES B-B OK"), std::string::npos) << pades.output;
}

TEST(Sign, WrongPasswordIsAClearErrorWithoutThePassword) {
  REQUIRE_PKI();
  try {
    P12KeySource key(pki.p12("person"), Secret("wrong-secret-9876"));
    FAIL() << "a wrong password must not open the key";
  } catch (const Error& error) {
    EXPECT_EQ(std::string(error.what()).find("wrong-secret-9876"), std::string::npos);
  }
}

TEST(Sign, BTimestampedPassesExternalCheck) {
  REQUIRE_PKI();
  ScratchDir dir;
  SignOptions options;
  options.level = PadesLevel::BT;
  options.tsa_url = pki.tsa_url();
  write_text(dir / "bt.pdf", sign_text(minimal_pdf(), pki.p12("person"), options));
  CommandResult pades = check_pades(dir / "bt.pdf", "B-T");
  EXPECT_NE(pades.output.find("PADES B-T OK"), std::string::npos) << pades.output;
  auto report = verify_text(read_text(dir / "bt.pdf"), pki);
  ASSERT_EQ(report.signatures.size(), 1u);
  EXPECT_EQ(report.signatures[0].level, "B-T") << signing::format_text(report);
  EXPECT_TRUE(report.all_valid()) << signing::format_text(report);
}

TEST(Sign, LongTermLevelsPassExternalCheck) {
  REQUIRE_PKI();
  ScratchDir dir;
  for (PadesLevel level : {PadesLevel::BLT, PadesLevel::BLTA}) {
    SignOptions options;
    options.level = level;
    options.tsa_url = pki.tsa_url();
    options.extra_certificates = signing::load_pem_certificates(pki.ca_bundle());
    std::string name = signing::to_string(level);
    auto file = dir / (name + ".pdf");
    write_text(file, sign_text(minimal_pdf(), pki.p12("person"), options));
    CommandResult pades = check_pades(file, name);
    EXPECT_NE(pades.output.find("PADES " + name + " OK"), std::string::npos) << pades.output;
    auto report = verify_text(read_text(file), pki);
    ASSERT_FALSE(report.signatures.empty());
    EXPECT_EQ(report.signatures[0].level, name) << signing::format_text(report);
    EXPECT_TRUE(report.all_valid()) << signing::format_text(report);
  }
}

TEST(Sign, RevokedSignerCannotReachLongTermLevel) {
  REQUIRE_PKI();
  SignOptions options;
  options.level = PadesLevel::BLT;
  options.tsa_url = pki.tsa_url();
  options.extra_certificates = signing::load_pem_certificates(pki.ca_bundle());
  EXPECT_THROW(sign_text(minimal_pdf(), pki.p12("revoked"), options), Error);
}

// The file-to-file path (`sohoa sign IN -o OUT`): the output is the input
// followed by a valid signature revision, and bad input or an unwritable
// output gives a coded error with nothing left behind.
TEST(SignFile, WritesTheInputThenAValidSignatureRevision) {
  REQUIRE_PKI();
  ScratchDir dir;
  const std::string input = minimal_pdf();
  write_text(dir / "in.pdf", input);
  P12KeySource key(pki.p12("person"), Secret("1234"));
  signing::sign_file(dir / "in.pdf", dir / "out.pdf", key, {});
  const std::string output = read_text(dir / "out.pdf");
  ASSERT_GT(output.size(), input.size());
  EXPECT_EQ(output.compare(0, input.size(), input), 0);
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"in.pdf", "out.pdf"})) << "no temporary file left";
  auto report = verify_text(output, pki);
  ASSERT_EQ(report.signatures.size(), 1u);
  EXPECT_TRUE(report.all_valid()) << signing::format_text(report);
  EXPECT_TRUE(report.signatures[0].covers_whole_file);
  CommandResult cms = openssl_cms_verify(dir / "out.pdf", 0, pki.ca_bundle());
  EXPECT_NE(cms.output.find("Verification successful"), std::string::npos) << cms.output;

  // Signing the signed file again, in place: two valid signatures.
  signing::sign_file(dir / "out.pdf", dir / "out.pdf", key, {});
  auto twice = verify_text(read_text(dir / "out.pdf"), pki);
  EXPECT_EQ(twice.signatures.size(), 2u) << signing::format_text(twice);
  EXPECT_TRUE(twice.all_valid()) << signing::format_text(twice);
}

ErrorCode sign_file_error(const std::filesystem::path& input, const std::filesystem::path& output) {
  P12KeySource key(test_pki().p12("person"), Secret("1234"));
  try {
    signing::sign_file(input, output, key, {});
  } catch (const Error& error) {
    return error.code();
  }
  return ErrorCode::Internal;  // no error: the caller's expectation fails
}

TEST(SignFile, BadInputOrOutputIsACodedErrorAndLeavesNothing) {
  REQUIRE_PKI();
  ScratchDir dir;
  write_text(dir / "empty.pdf", "");
  write_text(dir / "not-a-pdf.pdf", "this is a letter, not a PDF\n");
  const std::string pdf = minimal_pdf();
  write_text(dir / "truncated.pdf", pdf.substr(0, pdf.size() / 2));
  write_text(dir / "good.pdf", pdf);
  EXPECT_EQ(sign_file_error(dir / "missing.pdf", dir / "a.pdf"), ErrorCode::InputNotFound);
  EXPECT_EQ(sign_file_error(dir / "empty.pdf", dir / "b.pdf"), ErrorCode::EmptyInput);
  EXPECT_EQ(sign_file_error(dir.path(), dir / "c.pdf"), ErrorCode::InvalidArgument);
  EXPECT_EQ(sign_file_error(dir / "not-a-pdf.pdf", dir / "d.pdf"), ErrorCode::CorruptInput);
  EXPECT_EQ(sign_file_error(dir / "truncated.pdf", dir / "e.pdf"), ErrorCode::CorruptInput);
  EXPECT_EQ(sign_file_error(dir / "good.pdf", dir / "no-such-folder" / "f.pdf"),
            ErrorCode::OutputFailed);
  // Nothing was written: the folder holds only the inputs.
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names,
            (std::vector<std::string>{"empty.pdf", "good.pdf", "not-a-pdf.pdf", "truncated.pdf"}));
  // An existing output is left as it was when signing fails.
  write_text(dir / "kept.pdf", "previous output");
  EXPECT_EQ(sign_file_error(dir / "not-a-pdf.pdf", dir / "kept.pdf"), ErrorCode::CorruptInput);
  EXPECT_EQ(read_text(dir / "kept.pdf"), "previous output");
  EXPECT_EQ(read_text(dir / "good.pdf"), pdf);
}

}  // namespace
}  // namespace sohoa::test
