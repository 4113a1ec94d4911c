#include "exchange_test_support.hpp"

#include <gtest/gtest.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <openssl/evp.h>

#include <array>

#include "sohoa/core/error.hpp"
#include "sohoa/storage/holiday_calendar.hpp"
#include "sohoa/storage/sqlite_registry.hpp"
#include "test_support.hpp"

namespace sohoa::exchange::test {

namespace fs = std::filesystem;

storage::Viewer records_of(const std::string& agency, const std::string& account) {
  return {agency, storage::Role::RecordsOfficer, account};
}

std::unique_ptr<storage::Registry> open_registry_in(const fs::path& data_dir) {
  fs::create_directories(data_dir);
  storage::SqliteRegistryOptions options;
  options.database = data_dir / "registry.sqlite";
  options.blobs = storage::open_local_blob_store(data_dir / "blobs");
  options.holidays =
      storage::HolidayCalendar::load(sohoa::test::source_dir() / "config" / "holidays");
  return storage::open_sqlite_registry(std::move(options));
}

namespace {

std::vector<std::uint8_t> bytes_of(const std::string& text) {
  return {text.begin(), text.end()};
}

}  // namespace

SampleDossier file_sample_dossier(storage::Registry& registry, const std::string& second_class,
                                  const std::string& second_summary) {
  const auto counter = storage::Viewer{kAgencyA, storage::Role::CounterStaff, "counter-a"};
  storage::DossierIntake intake{kAgencyA,
                                storage::parse_iso_date("2025-03-03"),
                                "1.001193",
                                "Đăng ký khai sinh",
                                "Nguyễn Văn Đức",
                                "001085012345",
                                5,
                                ""};
  SampleDossier sample;
  sample.code = registry.receive_dossier(intake, counter).dossier.code;

  storage::NewDocument birth;
  birth.metadata.document_class = "giay_khai_sinh";
  birth.metadata.document_type = "Giấy khai sinh";
  birth.metadata.summary = "Giấy khai sinh của Nguyễn Văn Đức";
  birth.metadata.number_symbol = "123/2025";
  birth.metadata.issuing_agency = "UBND phường Bến Nghé";
  birth.metadata.issued_on = "2025-02-20";
  birth.file = bytes_of("%PDF-1.7\n% birth certificate as digitised\n%%EOF\n");
  birth.page_texts = {"GIẤY KHAI SINH Nguyễn Văn Đức"};
  sample.birth_certificate = registry.add_document(sample.code, birth, counter);
  // A signed version: an incremental update with one signature dictionary.
  sample.signed_bytes = bytes_of(
      "%PDF-1.7\n% birth certificate as digitised\n%%EOF\n"
      "9 0 obj <</Type /Sig /ByteRange [0 10 20 30] /Contents <00>>> endobj\n%%EOF\n");
  registry.add_version(sample.birth_certificate.id, sample.signed_bytes, "signed",
                       {kAgencyA, storage::Role::Official, "official-a"});

  storage::NewDocument card;
  card.metadata.document_class = second_class;
  card.metadata.summary = second_summary;
  card.metadata.confidence_level = "03";
  card.file = bytes_of("%PDF-1.7\n% id card, both sides\n%%EOF\n");
  card.page_texts = {"CĂN CƯỚC", "mặt sau"};
  sample.id_card = registry.add_document(sample.code, card, counter);
  return sample;
}

std::vector<std::string> xpath_values(const fs::path& xml_file, const std::string& expression) {
  std::vector<std::string> values;
  xmlDoc* doc = xmlReadFile(xml_file.c_str(), nullptr, XML_PARSE_NONET);
  if (doc == nullptr) {
    ADD_FAILURE() << "cannot parse " << xml_file;
    return values;
  }
  xmlXPathContext* context = xmlXPathNewContext(doc);
  const auto bind = [&](const char* prefix, const char* uri) {
    xmlXPathRegisterNs(context, reinterpret_cast<const xmlChar*>(prefix),
                       reinterpret_cast<const xmlChar*>(uri));
  };
  bind("mets", "http://www.loc.gov/METS/");
  bind("xlink", "http://www.w3.org/1999/xlink");
  bind("hs", "https://ns.sohoa.vn/exchange/1.0");
  xmlXPathObject* result =
      xmlXPathEvalExpression(reinterpret_cast<const xmlChar*>(expression.c_str()), context);
  if (result != nullptr && result->nodesetval != nullptr) {
    for (int i = 0; i < result->nodesetval->nodeNr; ++i) {
      xmlChar* text = xmlNodeGetContent(result->nodesetval->nodeTab[i]);
      values.emplace_back(text != nullptr ? reinterpret_cast<const char*>(text) : "");
      xmlFree(text);
    }
  } else {
    ADD_FAILURE() << "XPath failed: " << expression;
  }
  xmlXPathFreeObject(result);
  xmlXPathFreeContext(context);
  xmlFreeDoc(doc);
  return values;
}

void extract_archive(const fs::path& archive, const fs::path& into) {
  fs::create_directories(into);
  const std::string command = archive.extension() == ".zip"
                                  ? "python3 -m zipfile -e " +
                                        sohoa::test::shell_quote(archive.string()) + " " +
                                        sohoa::test::shell_quote(into.string())
                                  : "tar -xf " + sohoa::test::shell_quote(archive.string()) +
                                        " -C " + sohoa::test::shell_quote(into.string());
  const auto result = sohoa::test::run_command(command + " 2>&1");
  ASSERT_EQ(result.exit_code, 0) << command << ": " << result.output;
}

std::string sha256_of(const fs::path& file) {
  const auto bytes = sohoa::test::read_bytes(file);
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest.data(), &length, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  return hex;
}

}  // namespace sohoa::exchange::test
