#include "signing_fixtures.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <regex>

namespace sohoa::test {

namespace {
int free_loopback_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

std::string pki_script() {
  return (shared_dir() / "check" / "test_pki.sh").string();
}

class PkiEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {}
  void TearDown() override {
    if (started_) {
      run_command("bash " + shell_quote(pki_script()) + " " + shell_quote(pki_.dir.string()) +
                  " ocsp-stop");
      run_command("bash " + shell_quote(pki_script()) + " " + shell_quote(pki_.dir.string()) +
                  " tsa-stop");
    }
    scratch_.reset();
  }

  const TestPki& get() {
    if (initialised_) return pki_;
    initialised_ = true;
    if (!std::filesystem::exists(pki_script())) {
      pki_.why_not = "no test_pki.sh under " + shared_dir().string();
      return pki_;
    }
    scratch_ = std::make_unique<ScratchDir>();
    pki_.dir = scratch_->path() / "pki";
    pki_.ocsp_port = free_loopback_port();
    pki_.tsa_port = free_loopback_port();
    std::string base = "bash " + shell_quote(pki_script()) + " " + shell_quote(pki_.dir.string());
    CommandResult init =
        run_command("PKI_OCSP_PORT=" + std::to_string(pki_.ocsp_port) + " " + base + " init");
    if (init.exit_code != 0) {
      pki_.why_not = "test_pki.sh init failed: " + init.output;
      return pki_;
    }
    CommandResult ocsp = run_command(base + " ocsp-start " + std::to_string(pki_.ocsp_port));
    CommandResult tsa = run_command(base + " tsa-start " + std::to_string(pki_.tsa_port));
    started_ = true;
    if (ocsp.exit_code != 0 || tsa.exit_code != 0) {
      pki_.why_not = "OCSP/TSA start failed: " + ocsp.output + tsa.output;
      return pki_;
    }
    setenv("SOFTHSM2_CONF", pki_.softhsm_conf().c_str(), 1);
    pki_.ready = true;
    return pki_;
  }

 private:
  TestPki pki_;
  std::unique_ptr<ScratchDir> scratch_;
  bool initialised_ = false;
  bool started_ = false;
};

PkiEnvironment* environment() {
  static PkiEnvironment* env = [] {
    auto* e = new PkiEnvironment;
    ::testing::AddGlobalTestEnvironment(e);  // gtest owns it and calls TearDown at exit
    return e;
  }();
  return env;
}
// Registered before main() runs the tests so TearDown stops the servers.
[[maybe_unused]] PkiEnvironment* const kRegistered = environment();

std::string assemble(const std::string& header, const std::vector<std::string>& bodies,
                     const std::string& trailer_extra) {
  std::string pdf = header;
  std::vector<std::size_t> offsets;
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    offsets.push_back(pdf.size());
    pdf += std::to_string(i + 1) + " 0 obj\n" + bodies[i] + "\nendobj\n";
  }
  std::size_t xref = pdf.size();
  pdf += "xref\n0 " + std::to_string(bodies.size() + 1) + "\n0000000000 65535 f\r\n";
  char line[32];
  for (std::size_t off : offsets) {
    std::snprintf(line, sizeof line, "%010zu 00000 n\r\n", off);
    pdf += line;
  }
  pdf += "trailer\n<</Size " + std::to_string(bodies.size() + 1) +
         "/Root 1 0 R/ID[<0123456789ABCDEF0123456789ABCDEF><0123456789ABCDEF0123456789ABCDEF>]" +
         trailer_extra + ">>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
  return pdf;
}

std::string stream(const std::string& dict_inner, const std::string& data) {
  return "<<" + dict_inner + "/Length " + std::to_string(data.size()) + ">>\nstream\n" + data +
         "\nendstream";
}
}  // namespace

const TestPki& test_pki() {
  return environment()->get();
}

std::string minimal_pdf(const std::string& text) {
  std::string content = "BT /F1 18 Tf 72 720 Td (" + text + ") Tj ET";
  return assemble("%PDF-1.7\n%\xE2\xE3\xCF\xD3\n",
                  {"<</Type/Catalog/Pages 2 0 R>>", "<</Type/Pages/Kids[3 0 R]/Count 1>>",
                   "<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R"
                   "/Resources<</Font<</F1 5 0 R>>>>>>",
                   stream("", content), "<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>"},
                  "");
}

std::string minimal_pdfa1b() {
  std::string icc = read_text("/usr/share/color/icc/sRGB.icc");
  std::string xmp =
      "<?xpacket begin=\"\xEF\xBB\xBF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
      "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n"
      "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n"
      "<rdf:Description rdf:about=\"\" xmlns:pdfaid=\"http://www.aiim.org/pdfa/ns/id/\">\n"
      "<pdfaid:part>1</pdfaid:part>\n<pdfaid:conformance>B</pdfaid:conformance>\n"
      "</rdf:Description>\n</rdf:RDF>\n</x:xmpmeta>\n<?xpacket end=\"w\"?>";
  std::string content = "0.1 0.2 0.7 rg 72 600 300 120 re f 0 0 0 RG 2 w 72 560 m 520 560 l S";
  return assemble(
      "%PDF-1.4\n%\xE2\xE3\xCF\xD3\n",
      {"<</Type/Catalog/Pages 2 0 R/Metadata 5 0 R/OutputIntents[<</Type/OutputIntent"
       "/S/GTS_PDFA1/OutputConditionIdentifier(sRGB IEC61966-2.1)/DestOutputProfile 6 0 R>>]>>",
       "<</Type/Pages/Kids[3 0 R]/Count 1>>",
       "<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R/Resources<<>>>>",
       stream("", content), stream("/Type/Metadata/Subtype/XML", xmp), stream("/N 3", icc)},
      "");
}

std::string append_update(const std::string& pdf, const std::map<int, std::string>& objects,
                          const std::string& extra_trailer) {
  std::size_t at = pdf.rfind("startxref");
  std::size_t prev = std::stoul(pdf.substr(at + 9));
  std::string out = pdf;
  if (out.back() != '\n') out += '\n';
  std::map<int, std::size_t> offsets;
  for (const auto& [num, body] : objects) {
    offsets[num] = out.size();
    out += std::to_string(num) + " 0 obj\n" + body + "\nendobj\n";
  }
  std::size_t xref = out.size();
  out += "xref\n";
  char line[32];
  for (const auto& [num, off] : offsets) {
    out += std::to_string(num) + " 1\n";
    std::snprintf(line, sizeof line, "%010zu 00000 n\r\n", off);
    out += line;
  }
  int size = trailer_size(pdf);
  for (const auto& [num, off] : offsets) size = std::max(size, num + 1);
  std::smatch root;
  std::regex root_re(R"(/Root (\d+) 0 R)");
  std::string root_text = "1";
  for (auto it = std::sregex_iterator(pdf.begin(), pdf.end(), root_re);
       it != std::sregex_iterator(); ++it) {
    root_text = (*it)[1];
  }
  out += "trailer\n<</Size " + std::to_string(size) + "/Root " + root_text + " 0 R/Prev " +
         std::to_string(prev) +
         "/ID[<0123456789ABCDEF0123456789ABCDEF><0123456789ABCDEF0123456789ABCDEF>]" +
         extra_trailer + ">>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
  return out;
}

std::string object_body(const std::string& pdf, int num) {
  std::string header = "\n" + std::to_string(num) + " 0 obj\n";
  std::size_t at = pdf.rfind(header);
  if (at == std::string::npos) return {};
  at += header.size();
  std::size_t end = pdf.find("\nendobj", at);
  return pdf.substr(at, end - at);
}

int trailer_size(const std::string& pdf) {
  std::regex size_re(R"(/Size (\d+))");
  int size = 0;
  for (auto it = std::sregex_iterator(pdf.begin(), pdf.end(), size_re);
       it != std::sregex_iterator(); ++it) {
    size = std::max(size, std::stoi((*it)[1]));
  }
  return size;
}

CommandResult check_pades(const std::filesystem::path& pdf, const std::string& level) {
  return run_command("bash " + shell_quote((shared_dir() / "check" / "check_pades.sh").string()) +
                     " " + shell_quote(pdf.string()) + " " +
                     shell_quote(test_pki().ca_bundle().string()) + " --level " + level);
}

CommandResult openssl_cms_verify(const std::filesystem::path& pdf, int index,
                                 const std::filesystem::path& ca_bundle) {
  std::string text = read_text(pdf);
  std::regex range_re(R"(/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\])");
  auto it = std::sregex_iterator(text.begin(), text.end(), range_re);
  for (int i = 0; i < index && it != std::sregex_iterator(); ++i) ++it;
  if (it == std::sregex_iterator()) return {1, "no /ByteRange"};
  std::size_t a = std::stoul((*it)[2]);
  std::size_t b = std::stoul((*it)[3]);
  std::size_t c = std::stoul((*it)[4]);
  std::string signed_bytes = text.substr(0, a) + text.substr(b, c);
  std::string hex = text.substr(a + 1, b - a - 2);
  std::string der;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    der += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  }
  auto dir = pdf.parent_path();
  write_text(dir / "signed.bin", signed_bytes);
  write_text(dir / "sig.der", der);
  return run_command("openssl cms -verify -binary -inform DER -in " +
                     shell_quote((dir / "sig.der").string()) + " -content " +
                     shell_quote((dir / "signed.bin").string()) + " -CAfile " +
                     shell_quote(ca_bundle.string()) + " -purpose any -out /dev/null");
}

}  // namespace sohoa::test
