// Long-term validation: what B-LT/B-LTA files carry in their /DSS (a /VRI entry
// per signature, the time-stamping authority's validation data), the
// verifier's revocation freshness rules, and signing through a remote
// signing service that holds the key elsewhere and sees only digests.
#include <gtest/gtest.h>

#include <chrono>
#include <regex>

#include "signing_fixtures.hpp"
#include "sohoa/core/error.hpp"
#include "sohoa/signing/pades.hpp"
#include "sohoa/signing/verify.hpp"

namespace sohoa::test {
namespace {

using signing::PadesLevel;
using signing::SignOptions;

std::string sign_text(const std::string& pdf, signing::KeySource& key, const SignOptions& options) {
  auto result = signing::sign_pdf(bytes_of(pdf), key, options);
  return {result.pdf.begin(), result.pdf.end()};
}

std::string sign_text(const std::string& pdf, const TestPki& pki, PadesLevel level) {
  signing::P12KeySource key(pki.p12("person"), signing::Secret("1234"));
  SignOptions options;
  options.level = level;
  options.tsa_url = pki.tsa_url();
  options.extra_certificates = signing::load_pem_certificates(pki.ca_bundle());
  return sign_text(pdf, key, options);
}

signing::VerificationReport verify_text(const std::string& pdf, const TestPki& pki,
                                        signing::VerifyOptions options = {}) {
  options.trust_anchors = signing::load_pem_certificates(pki.ca_bundle());
  return signing::verify_pdf(bytes_of(pdf), options);
}

const signing::Finding* finding(const signing::SignatureReport& sig, const std::string& code) {
  for (const auto& f : sig.findings) {
    if (f.code == code) return &f;
  }
  return nullptr;
}

std::string hex_decode(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  }
  return out;
}

// The bytes of /Contents of the first signature dictionary (hex-decoded,
// padding included). Plain searches: std::regex recurses per character and
// would overflow the stack on a 16 KB hex string.
std::string first_contents_value(const std::string& pdf) {
  std::size_t at = pdf.find("/Contents<");  // a page's /Contents is a reference
  if (at == std::string::npos) return {};
  std::size_t open = pdf.find('<', at);
  std::size_t close = pdf.find('>', open);
  if (open == std::string::npos || close == std::string::npos) return {};
  return hex_decode(pdf.substr(open + 1, close - open - 1));
}

// The text of the /VRI entry `key` ("<</Cert[...]/OCSP[...]/CRL[...]>>" without
// the brackets), or empty.
std::string vri_entry(const std::string& pdf, const std::string& key) {
  std::size_t vri = pdf.rfind("/VRI");
  if (vri == std::string::npos) return {};
  std::size_t at = pdf.find("/" + key, vri);
  if (at == std::string::npos) return {};
  std::size_t open = pdf.find("<<", at);
  std::size_t close = pdf.find(">>", open);
  if (open == std::string::npos || close == std::string::npos) return {};
  return pdf.substr(open + 2, close - open - 2);
}

// Upper-case hex SHA-1 of a file, computed by the openssl tool (independent of us).
std::string openssl_sha1_upper(const std::filesystem::path& file) {
  CommandResult r = run_command("openssl dgst -sha1 -r " + shell_quote(file.string()));
  std::string hex = r.output.substr(0, 40);
  for (char& c : hex) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return hex;
}

// The object numbers in "[12 0 R 13 0 R]".
std::vector<int> refs_in(const std::string& array_text) {
  std::vector<int> nums;
  std::regex ref_re(R"((\d+)\s+\d+\s+R)");
  for (auto it = std::sregex_iterator(array_text.begin(), array_text.end(), ref_re);
       it != std::sregex_iterator(); ++it) {
    nums.push_back(std::stoi((*it)[1]));
  }
  return nums;
}

// The data of a stream object written without filter by the signer.
std::string stream_data(const std::string& pdf, int num) {
  std::string body = object_body(pdf, num);
  std::size_t start = body.find("stream\n");
  std::size_t end = body.rfind("\nendstream");
  if (start == std::string::npos || end == std::string::npos) return {};
  start += 7;
  return body.substr(start, end - start);
}

// `openssl ocsp` reading a stored response about `cert` (issued by the test
// PKI's issuing CA): returns its output ("...: good" when it is about it).
CommandResult openssl_ocsp_status(const TestPki& pki, const std::filesystem::path& response,
                                  const std::string& cert) {
  return run_command("openssl ocsp -respin " + shell_quote(response.string()) + " -issuer " +
                     shell_quote((pki.dir / "certs" / "inter.crt").string()) + " -cert " +
                     shell_quote((pki.dir / "certs" / (cert + ".crt")).string()) + " -CAfile " +
                     shell_quote(pki.ca_bundle().string()) + " -no_nonce 2>&1");
}

TEST(LongTerm, DssHasVriEntryWithSignerAndTimestampAuthorityData) {
  REQUIRE_PKI();
  ScratchDir dir;
  for (PadesLevel level : {PadesLevel::BLT, PadesLevel::BLTA}) {
    const std::string name = signing::to_string(level);
    const std::string pdf = sign_text(minimal_pdf(), pki, level);
    write_text(dir / (name + ".pdf"), pdf);

    // The /VRI key is the SHA-1 of this signature's /Contents value.
    write_text(dir / "contents.bin", first_contents_value(pdf));
    const std::string key = openssl_sha1_upper(dir / "contents.bin");
    const std::string vri = vri_entry(pdf, key);
    ASSERT_FALSE(vri.empty()) << name << ": no /VRI entry " << key;
    std::smatch list;
    ASSERT_TRUE(std::regex_search(vri, list, std::regex(R"(/Cert\s*\[([^\]]*)\])"))) << vri;
    EXPECT_GE(refs_in(list[1]).size(), 4u) << "person, TSA, issuing CA, root: " << vri;
    ASSERT_TRUE(std::regex_search(vri, list, std::regex(R"(/OCSP\s*\[([^\]]*)\])"))) << vri;
    const std::vector<int> ocsps = refs_in(list[1]);
    ASSERT_EQ(ocsps.size(), 2u) << "the signer's and the TSA's OCSP responses: " << vri;
    EXPECT_TRUE(std::regex_search(vri, std::regex(R"(/CRL\s*\[\s*\d+\s+\d+\s+R\s*\])")))
        << "the issuing CA's CRL (from the root), once: " << vri;

    // One OCSP response is about the signer, the other about the TSA: the
    // openssl tool, not our code, says which.
    bool signer_good = false;
    bool tsa_good = false;
    for (int num : ocsps) {
      write_text(dir / "ocsp.der", stream_data(pdf, num));
      signer_good |= openssl_ocsp_status(pki, dir / "ocsp.der", "person").output.find(": good") !=
                     std::string::npos;
      tsa_good |= openssl_ocsp_status(pki, dir / "ocsp.der", "tsa").output.find(": good") !=
                  std::string::npos;
    }
    EXPECT_TRUE(signer_good) << name;
    EXPECT_TRUE(tsa_good) << name;

    // Offline, everything the verifier needs is in the file.
    auto report = verify_text(pdf, pki);
    ASSERT_FALSE(report.signatures.empty());
    EXPECT_TRUE(report.all_valid()) << signing::format_text(report);
    EXPECT_EQ(report.signatures[0].level, name) << signing::format_text(report);
    const signing::Finding* tsa = finding(report.signatures[0], "tsa-not-revoked");
    ASSERT_NE(tsa, nullptr) << signing::format_text(report);
    EXPECT_EQ(tsa->status, signing::CheckStatus::Passed);
    EXPECT_NE(tsa->en.find("DSS"), std::string::npos) << tsa->en;
    if (level == PadesLevel::BLTA) {
      // The document time-stamp's authority is validated from the same /DSS.
      ASSERT_EQ(report.signatures.size(), 2u) << signing::format_text(report);
      EXPECT_TRUE(report.signatures[1].document_timestamp);
      const signing::Finding* doc_tsa = finding(report.signatures[1], "tsa-not-revoked");
      ASSERT_NE(doc_tsa, nullptr) << signing::format_text(report);
      EXPECT_EQ(doc_tsa->status, signing::CheckStatus::Passed);
      EXPECT_NE(doc_tsa->en.find("DSS"), std::string::npos) << doc_tsa->en;
    }
    CommandResult pades = check_pades(dir / (name + ".pdf"), name);
    EXPECT_NE(pades.output.find("PADES " + name + " OK"), std::string::npos) << pades.output;
  }
}

TEST(LongTerm, TimestampedSignatureWithoutTsaDataIsNotLongTerm) {
  REQUIRE_PKI();
  // B-T carries no validation data: offline, the TSA's status is unknown, which
  // is reported and keeps the level at B-T.
  auto report = verify_text(sign_text(minimal_pdf(), pki, PadesLevel::BT), pki);
  ASSERT_EQ(report.signatures.size(), 1u);
  EXPECT_EQ(report.signatures[0].level, "B-T");
  const signing::Finding* tsa = finding(report.signatures[0], "tsa-revocation-unknown");
  ASSERT_NE(tsa, nullptr) << signing::format_text(report);
  EXPECT_EQ(tsa->status, signing::CheckStatus::NotChecked);
}

// Appends a /DSS revision (certificates and CRLs given as DER) the way another
// tool would, with a classic xref section.
std::string append_dss(const std::string& pdf, const std::vector<std::string>& certificates,
                       const std::vector<std::string>& crls) {
  int next = trailer_size(pdf);
  std::map<int, std::string> objects;
  auto add_streams = [&](const std::vector<std::string>& items) {
    std::string array = "[";
    for (const std::string& item : items) {
      objects[next] =
          "<</Length " + std::to_string(item.size()) + ">>\nstream\n" + item + "\nendstream";
      array += std::to_string(next++) + " 0 R ";
    }
    return array + "]";
  };
  const std::string certs = add_streams(certificates);
  const std::string crl_refs = add_streams(crls);
  const int dss = next++;
  objects[dss] = "<</Certs" + certs + "/CRLs" + crl_refs + ">>";
  std::string catalog = object_body(pdf, 1);
  catalog.insert(catalog.rfind(">>"), "/DSS " + std::to_string(dss) + " 0 R");
  objects[1] = catalog;
  return append_update(pdf, objects);
}

TEST(LongTerm, CrlIssuedBeforeTheSigningTimeIsReportedStale) {
  REQUIRE_PKI();
  ScratchDir dir;
  const std::string bt = sign_text(minimal_pdf(), pki, PadesLevel::BT);
  // An issuing-CA CRL from January 2025 (signed by the CA's key, so genuine),
  // long before the signature's time-stamp.
  CommandResult crl = run_command(
      "openssl ca -batch -config " + shell_quote((pki.dir / "inter" / "ca.cnf").string()) +
      " -gencrl -crl_lastupdate 20250101000000Z -crl_nextupdate 20250201000000Z -out " +
      shell_quote((dir / "old.crl.pem").string()) + " 2>&1 && openssl crl -in " +
      shell_quote((dir / "old.crl.pem").string()) + " -outform DER -out " +
      shell_quote((dir / "old.crl.der").string()));
  ASSERT_EQ(crl.exit_code, 0) << crl.output;
  const std::string pdf = append_dss(
      bt, {read_text(pki.dir / "certs" / "inter.der"), read_text(pki.dir / "certs" / "root.der")},
      {read_text(dir / "old.crl.der"), read_text(pki.dir / "crl" / "root.crl.der")});

  auto report = verify_text(pdf, pki);  // offline
  ASSERT_EQ(report.signatures.size(), 1u) << signing::format_text(report);
  const signing::Finding* stale = finding(report.signatures[0], "revocation-stale");
  ASSERT_NE(stale, nullptr) << signing::format_text(report);
  EXPECT_EQ(stale->check, "revocation");
  EXPECT_EQ(stale->status, signing::CheckStatus::NotChecked);
  EXPECT_NE(stale->en.find("2025-01-01T00:00:00Z"), std::string::npos) << stale->en;
  EXPECT_NE(stale->en.find("before the signing time"), std::string::npos) << stale->en;
  EXPECT_EQ(report.signatures[0].level, "B-T") << signing::format_text(report);

  // The same CRL within a grace that reaches back to it is accepted: the rule,
  // not the CRL, made the difference.
  signing::VerifyOptions lenient;
  lenient.revocation_grace = std::chrono::hours(24 * 365 * 3);
  auto accepted = verify_text(pdf, pki, lenient);
  ASSERT_EQ(accepted.signatures.size(), 1u);
  const signing::Finding* good = finding(accepted.signatures[0], "not-revoked");
  ASSERT_NE(good, nullptr) << signing::format_text(accepted);
  EXPECT_NE(good->en.find("CRL"), std::string::npos) << good->en;

  // Online checks allowed: the stale CRL is passed over for a fresh answer.
  signing::VerifyOptions online;
  online.online_revocation = true;
  auto fetched = verify_text(pdf, pki, online);
  ASSERT_EQ(fetched.signatures.size(), 1u);
  const signing::Finding* fresh = finding(fetched.signatures[0], "not-revoked");
  ASSERT_NE(fresh, nullptr) << signing::format_text(fetched);
  EXPECT_NE(fresh->en.find("online"), std::string::npos) << fresh->en;

  // The command line: the stale data is reported, and --revocation-grace widens the rule.
  if (!std::filesystem::exists(sohoa_exe())) return;
  write_text(dir / "stale.pdf", pdf);
  const std::string verify = shell_quote(sohoa_exe().string()) + " verify " +
                             shell_quote((dir / "stale.pdf").string()) +
                             " --offline --json --trust " + shell_quote(pki.ca_bundle().string());
  CommandResult strict = run_command(verify);
  EXPECT_NE(strict.output.find("revocation-stale"), std::string::npos) << strict.output;
  CommandResult wide = run_command(verify + " --revocation-grace 30000");
  EXPECT_EQ(wide.output.find("revocation-stale"), std::string::npos) << wide.output;
  EXPECT_NE(wide.output.find("not-revoked"), std::string::npos) << wide.output;
}

TEST(LongTerm, OnlineAnswerPastItsNextUpdateIsReportedStale) {
  REQUIRE_PKI();
  const std::string bt = sign_text(minimal_pdf(), pki, PadesLevel::BT);
  signing::VerifyOptions online;
  online.online_revocation = true;
  auto now = verify_text(bt, pki, online);
  ASSERT_EQ(now.signatures.size(), 1u);
  ASSERT_NE(finding(now.signatures[0], "not-revoked"), nullptr) << signing::format_text(now);

  // The test responder's answers are good for an hour: judged two hours from
  // now, a fresh answer is already past its nextUpdate.
  online.validation_time = std::chrono::system_clock::now() + std::chrono::hours(2);
  auto later = verify_text(bt, pki, online);
  ASSERT_EQ(later.signatures.size(), 1u);
  const signing::Finding* stale = finding(later.signatures[0], "revocation-stale");
  ASSERT_NE(stale, nullptr) << signing::format_text(later);
  EXPECT_NE(stale->en.find("nextUpdate"), std::string::npos) << stale->en;
  EXPECT_NE(stale->en.find("Nguyễn Văn An"), std::string::npos) << stale->en;
}

// A CA's cloud signing service stand-in: the private key lives in another
// process (the openssl tool), which receives one SHA-256 digest per request
// and returns a PKCS#1 v1.5 signature. It never sees the document.
class ChildProcessSigningService final : public signing::RemoteSigningService {
 public:
  ChildProcessSigningService(const TestPki& pki, std::filesystem::path scratch,
                             std::vector<std::size_t>& requests)
      : pki_(pki), scratch_(std::move(scratch)), requests_(requests) {}
  signing::Buffer certificate_der() override {
    std::string der = read_text(pki_.dir / "certs" / "person.der");
    return {der.begin(), der.end()};
  }
  std::vector<signing::Buffer> chain_der() override {
    return signing::load_pem_certificates(pki_.dir / "chain.pem");
  }
  signing::KeyAlgorithm algorithm() override { return signing::KeyAlgorithm::Rsa; }
  signing::Buffer sign_digest(std::span<const std::uint8_t, 32> sha256_digest) override {
    requests_.push_back(sha256_digest.size());
    write_text(scratch_ / "digest.bin", std::string(sha256_digest.begin(), sha256_digest.end()));
    CommandResult r = run_command(
        "openssl pkeyutl -sign -inkey " + shell_quote((pki_.dir / "keys" / "person.key").string()) +
        " -pkeyopt digest:sha256 -in " + shell_quote((scratch_ / "digest.bin").string()) +
        " -out " + shell_quote((scratch_ / "signature.bin").string()));
    if (r.exit_code != 0) throw Error(ErrorCode::Internal, "remote signer: " + r.output);
    std::string signature = read_text(scratch_ / "signature.bin");
    return {signature.begin(), signature.end()};
  }

 private:
  const TestPki& pki_;
  std::filesystem::path scratch_;
  std::vector<std::size_t>& requests_;
};

TEST(RemoteSigning, KeyHeldElsewhereSignsFromDigestsOnly) {
  REQUIRE_PKI();
  ScratchDir dir;
  std::vector<std::size_t> requests;
  signing::RemoteKeySource key(
      std::make_unique<ChildProcessSigningService>(pki, dir.path(), requests));
  SignOptions options;
  options.level = PadesLevel::BT;
  options.tsa_url = pki.tsa_url();
  const std::string pdf = sign_text(minimal_pdf(), key, options);
  EXPECT_EQ(requests, std::vector<std::size_t>{32}) << "one request, a SHA-256 digest";
  write_text(dir / "remote.pdf", pdf);

  CommandResult cms = openssl_cms_verify(dir / "remote.pdf", 0, pki.ca_bundle());
  EXPECT_NE(cms.output.find("Verification successful"), std::string::npos) << cms.output;
  CommandResult pades = check_pades(dir / "remote.pdf", "B-T");
  EXPECT_NE(pades.output.find("PADES B-T OK"), std::string::npos) << pades.output;
  auto report = verify_text(pdf, pki);
  ASSERT_EQ(report.signatures.size(), 1u);
  EXPECT_TRUE(report.all_valid()) << signing::format_text(report);
  EXPECT_NE(report.signatures[0].signer.find("Nguyễn Văn An"), std::string::npos);
}

}  // namespace
}  // namespace sohoa::test
