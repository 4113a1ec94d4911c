// Exchange packages: what a package of a two-document dossier (one document in
// two versions) holds and says in METS.xml, that it passes our schemas, that
// tampering is caught, hostile names stay inside the package, isolation comes from
// the registry, and a failed export leaves nothing behind.
#include "sohoa/exchange/sip_export.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "exchange_test_support.hpp"
#include "sohoa/core/error.hpp"
#include "test_support.hpp"

namespace sohoa::exchange::test {
namespace {

namespace fs = std::filesystem;

class SipExportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    registry_ = open_registry_in(dir_ / "data");
    options_.schema_dir = sohoa::test::source_dir() / "config" / "exchange";
  }

  PackageSummary export_folder(const fs::path& output, const std::string& code,
                               const storage::Viewer& viewer) {
    return export_dossier(*registry_, code, viewer, output, PackageFormat::Folder, options_);
  }

  // The files below `folder`, relative, sorted.
  static std::vector<std::string> files_in(const fs::path& folder) {
    std::vector<std::string> names;
    for (const auto& entry : fs::recursive_directory_iterator(folder)) {
      if (!entry.is_directory()) names.push_back(fs::relative(entry.path(), folder).string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  // Expects validate_package to refuse `folder` with CorruptInput naming `expected`.
  void expect_rejected(const fs::path& folder, const std::string& expected) {
    try {
      validate_package(folder, options_.schema_dir);
      ADD_FAILURE() << "accepted a package that should fail with: " << expected;
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), ErrorCode::CorruptInput) << error.what();
      EXPECT_NE(std::string(error.what()).find(expected), std::string::npos) << error.what();
    }
  }

  static void edit_mets(const fs::path& folder, const std::string& from, const std::string& to) {
    const fs::path mets = folder / "METS.xml";
    std::string text = sohoa::test::read_text(mets);
    const auto at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
    sohoa::test::write_text(mets, text);
  }

  sohoa::test::ScratchDir dir_;
  std::unique_ptr<storage::Registry> registry_;
  ExportOptions options_;
  const storage::Viewer records_a_ = records_of(kAgencyA, "records-a");
};

TEST_F(SipExportTest, PackageHoldsEveryVersionWithChecksumsAndPassesTheSchema) {
  const auto sample = file_sample_dossier(*registry_);
  const fs::path out = dir_ / "out" / "package";
  const auto summary = export_folder(out, sample.code, records_a_);
  EXPECT_EQ(summary.documents, 2);
  EXPECT_EQ(summary.files, 3);
  EXPECT_EQ(summary.dossier_code, sample.code);
  EXPECT_NO_THROW(validate_package(out, options_.schema_dir));

  const fs::path mets = out / "METS.xml";
  EXPECT_EQ(xpath_values(mets, "/mets:mets/@OBJID"), std::vector<std::string>{sample.code});
  const auto agents = xpath_values(mets, "//mets:metsHdr/mets:agent/mets:name");
  EXPECT_NE(std::find(agents.begin(), agents.end(), kAgencyA), agents.end());
  EXPECT_NE(std::find(agents.begin(), agents.end(), "records-a"), agents.end());

  // fileSec: three versions; every checksum is the registry's and the file's.
  const auto hrefs = xpath_values(
      mets, "//mets:fileGrp[@USE='Representations/rep1/Data']/mets:file/mets:FLocat/@xlink:href");
  ASSERT_EQ(hrefs.size(), 3U);
  for (const auto& href : hrefs) {
    EXPECT_EQ(href.rfind("representations/rep1/data/", 0), 0U) << href;
    const auto checksum =
        xpath_values(mets, "//mets:file[mets:FLocat/@xlink:href='" + href + "']/@CHECKSUM");
    ASSERT_EQ(checksum.size(), 1U);
    EXPECT_EQ(checksum[0], sha256_of(out / href));
    const auto size =
        xpath_values(mets, "//mets:file[mets:FLocat/@xlink:href='" + href + "']/@SIZE");
    EXPECT_EQ(size, std::vector<std::string>{std::to_string(fs::file_size(out / href))});
  }
  const auto versions = registry_->versions(sample.birth_certificate.id, records_a_);
  ASSERT_EQ(versions.size(), 2U);
  for (const auto& version : versions) {
    EXPECT_EQ(xpath_values(mets, "//mets:file[@CHECKSUM='" + version.blob_sha256 + "']").size(),
              1U);
  }
  // The signed version's bytes are in the package as filed.
  const auto signed_href = xpath_values(
      mets, "//mets:file[@CHECKSUM='" + versions[1].blob_sha256 + "']/mets:FLocat/@xlink:href");
  ASSERT_EQ(signed_href.size(), 1U);
  EXPECT_EQ(sohoa::test::read_bytes(out / signed_href[0]), sample.signed_bytes);

  // structMap: one div per document, the versions as pointers, in order.
  const auto documents = xpath_values(mets, "//mets:div[@TYPE='document']/@LABEL");
  ASSERT_EQ(documents.size(), 2U);
  EXPECT_EQ(documents[0].rfind(sample.birth_certificate.code, 0), 0U);
  EXPECT_EQ(xpath_values(mets, "//mets:div[@TYPE='document'][1]/mets:fptr").size(), 2U);
  EXPECT_EQ(xpath_values(mets, "//mets:div[@TYPE='document'][2]/mets:fptr").size(), 1U);

  // Provenance: who digitised and who signed, signatures present in the signed file.
  EXPECT_EQ(xpath_values(mets, "//hs:NguonGoc[hs:PhienBan='2']/hs:LyDo"),
            std::vector<std::string>{"signed"});
  const auto signer = xpath_values(mets, "//hs:NguonGoc[hs:PhienBan='2']/hs:NguoiThucHien");
  ASSERT_EQ(signer.size(), 1U);
  EXPECT_TRUE(signer[0].ends_with("official-a")) << signer[0];
  EXPECT_EQ(xpath_values(mets, "//hs:NguonGoc[hs:PhienBan='2']/hs:SoChuKySo"),
            std::vector<std::string>{"1"});
  EXPECT_EQ(xpath_values(mets, "//hs:NguonGoc[hs:PhienBan='1' and hs:MaTaiLieu='" +
                                   sample.birth_certificate.code + "']/hs:SoChuKySo"),
            std::vector<std::string>{"0"});

  // Descriptive records: the dossier and each document, TT 05/2025 fields.
  const auto records = xpath_values(mets, "//mets:dmdSec/mets:mdRef/@xlink:href");
  ASSERT_EQ(records.size(), 3U);
  const fs::path dossier = out / "metadata" / "descriptive" / "dossier.xml";
  EXPECT_EQ(xpath_values(dossier, "/hs:HoSo/hs:MaHoSo"), std::vector<std::string>{sample.code});
  EXPECT_EQ(xpath_values(dossier, "/hs:HoSo/hs:SoLuongTaiLieu"), std::vector<std::string>{"2"});
  EXPECT_EQ(xpath_values(dossier, "/hs:HoSo/hs:NguoiNop/hs:HoTen"),
            std::vector<std::string>{"Nguyễn Văn Đức"});
  const auto card_record = std::find_if(records.begin(), records.end(), [&](const auto& href) {
    return href.find(sample.id_card.code) != std::string::npos;
  });
  ASSERT_NE(card_record, records.end());
  EXPECT_EQ(xpath_values(out / *card_record, "/hs:TaiLieu/hs:MucDoTinCay"),
            std::vector<std::string>{"03"});
  EXPECT_EQ(xpath_values(out / *card_record, "/hs:TaiLieu/hs:SoTrang"),
            std::vector<std::string>{"2"});
  // The schemas travel with the package.
  EXPECT_TRUE(fs::is_regular_file(out / "schemas" / kMetsProfileSchema));
}

TEST_F(SipExportTest, ZipAndTarCarryTheSamePackage) {
  const auto sample = file_sample_dossier(*registry_);
  for (const std::string name : {"package.zip", "package.tar"}) {
    SCOPED_TRACE(name);
    const fs::path archive = dir_ / "out" / name;
    export_dossier(*registry_, sample.code, records_a_, archive, package_format_for(archive),
                   options_);
    const fs::path extracted = dir_ / ("extracted-" + name);
    extract_archive(archive, extracted);
    const fs::path root = extracted / package_file_name(sample.code);
    ASSERT_TRUE(fs::is_regular_file(root / "METS.xml"));
    EXPECT_NO_THROW(validate_package(root, options_.schema_dir));
    EXPECT_EQ(xpath_values(root / "METS.xml", "//mets:file/mets:FLocat").size(),
              6U);  // 3 + schemas
  }
  // In memory, for the API: the same package.
  PackageSummary summary;
  const auto bytes = export_dossier_archive(*registry_, sample.code, records_a_, PackageFormat::Zip,
                                            options_, &summary);
  EXPECT_EQ(summary.files, 3);
  sohoa::test::write_bytes(dir_ / "memory.zip", bytes);
  extract_archive(dir_ / "memory.zip", dir_ / "memory");
  EXPECT_NO_THROW(validate_package(dir_ / "memory" / summary.package_name, options_.schema_dir));
}

TEST_F(SipExportTest, TamperedPackagesAreRejectedWithTheReason) {
  const auto sample = file_sample_dossier(*registry_);
  const fs::path original = dir_ / "original";
  export_folder(original, sample.code, records_a_);
  const auto data_files = files_in(original / "representations" / "rep1" / "data");
  ASSERT_EQ(data_files.size(), 3U);
  int copies = 0;
  const auto copy = [&] {
    const fs::path target = dir_ / ("copy-" + std::to_string(++copies));
    fs::copy(original, target, fs::copy_options::recursive);
    return target;
  };

  {  // a data file changed after packaging
    const auto folder = copy();
    const auto file = folder / "representations" / "rep1" / "data" / data_files[0];
    auto bytes = sohoa::test::read_bytes(file);
    bytes[3] ^= 0x01;
    sohoa::test::write_bytes(file, bytes);
    expect_rejected(folder, "SHA-256 is");
  }
  {  // METS.xml claims another (well-formed) checksum
    const auto folder = copy();
    const auto checksum = xpath_values(folder / "METS.xml", "//mets:file/@CHECKSUM")[0];
    edit_mets(folder, "CHECKSUM=\"" + checksum + "\"", "CHECKSUM=\"" + std::string(64, 'a') + "\"");
    expect_rejected(folder, "METS.xml says " + std::string(64, 'a'));
  }
  {  // a checksum that is not SHA-256 hex: the schema refuses it
    const auto folder = copy();
    const auto checksum = xpath_values(folder / "METS.xml", "//mets:file/@CHECKSUM")[0];
    edit_mets(folder, "CHECKSUM=\"" + checksum + "\"", "CHECKSUM=\"not-a-digest\"");
    expect_rejected(folder, "does not follow sohoa-sip-mets-1.0.xsd");
  }
  {  // a required element missing: the header with the agents
    const auto folder = copy();
    std::string text = sohoa::test::read_text(folder / "METS.xml");
    const auto begin = text.find("<mets:metsHdr");
    const auto end = text.find("</mets:metsHdr>");
    ASSERT_NE(begin, std::string::npos);
    text.erase(begin, end + std::string("</mets:metsHdr>").size() - begin);
    sohoa::test::write_text(folder / "METS.xml", text);
    expect_rejected(folder, "metsHdr");
  }
  {  // a size that does not match
    const auto folder = copy();
    const auto size = xpath_values(folder / "METS.xml", "//mets:file/@SIZE")[0];
    edit_mets(folder, "SIZE=\"" + size + "\"", "SIZE=\"" + size + "0\"");
    expect_rejected(folder, "METS.xml says " + size + "0");
  }
  {  // a reference out of the package
    const auto folder = copy();
    edit_mets(folder, "xlink:href=\"representations/rep1/data/" + data_files[0] + "\"",
              "xlink:href=\"../../../etc/passwd\"");
    expect_rejected(folder, "does not follow");
  }
  {  // a file the package does not list
    const auto folder = copy();
    sohoa::test::write_text(folder / "representations" / "rep1" / "data" / "extra.pdf", "%PDF");
    expect_rejected(folder, "not listed in METS.xml");
  }
  {  // a listed file removed
    const auto folder = copy();
    fs::remove(folder / "representations" / "rep1" / "data" / data_files[1]);
    expect_rejected(folder, "missing");
  }
  {  // a descriptive record that no longer follows its schema (checksums updated to match)
    const auto folder = copy();
    const fs::path record = folder / "metadata" / "descriptive" / "dossier.xml";
    const auto old_sum = sha256_of(record);
    const auto old_size = fs::file_size(record);
    std::string text = sohoa::test::read_text(record);
    const auto at = text.find("<hs:TrangThai>");
    ASSERT_NE(at, std::string::npos);
    text.insert(at + std::string("<hs:TrangThai>").size(), "x");
    sohoa::test::write_text(record, text);
    edit_mets(folder, "SIZE=\"" + std::to_string(old_size) + "\" CREATED",
              "SIZE=\"" + std::to_string(fs::file_size(record)) + "\" CREATED");
    edit_mets(folder, old_sum, sha256_of(record));
    expect_rejected(folder, "does not follow sohoa-exchange-metadata-1.0.xsd");
  }
  {  // a folder replaced by a link to the same files outside the package
    const auto folder = copy();
    const fs::path data = folder / "representations" / "rep1" / "data";
    fs::rename(data, dir_ / "outside");
    fs::create_directory_symlink(dir_ / "outside", data);
    expect_rejected(folder, "leads outside the package");
  }
  {  // not XML at all
    const auto folder = copy();
    sohoa::test::write_text(folder / "METS.xml", "<mets:mets");
    expect_rejected(folder, "not well-formed XML");
  }
  // The untouched original still passes.
  EXPECT_NO_THROW(validate_package(original, options_.schema_dir));
}

TEST_F(SipExportTest, HostileNamesStayInsideThePackage) {
  EXPECT_EQ(package_file_name(".."), "_.");
  EXPECT_EQ(package_file_name("../../etc/passwd"), "_._.._etc_passwd");
  EXPECT_EQ(package_file_name("/abs"), "_abs");
  EXPECT_EQ(package_file_name("a\\b"), "a_b");
  EXPECT_EQ(package_file_name(""), "_");
  EXPECT_EQ(package_file_name(".hidden"), "_hidden");
  EXPECT_EQ(package_file_name("ảnh.pdf").find_first_not_of(
                "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-"),
            std::string::npos);
  EXPECT_LE(package_file_name(std::string(500, 'x')).size(), 120U);

  const auto sample = file_sample_dossier(*registry_, "../../../../escaped/evil\\x",
                                          "<b>trích yếu</b>\x01 & \"nháy\"");
  const fs::path out = dir_ / "out" / "package";
  export_folder(out, sample.code, records_a_);
  EXPECT_NO_THROW(validate_package(out, options_.schema_dir));
  EXPECT_FALSE(fs::exists(dir_ / "escaped"));
  EXPECT_FALSE(fs::exists(dir_ / "out" / "escaped"));
  EXPECT_EQ(files_in(dir_ / "out").size(), files_in(out).size());  // nothing beside it
  for (const auto& name : files_in(out / "representations" / "rep1" / "data")) {
    EXPECT_EQ(name.find('/'), std::string::npos) << name;
    EXPECT_NE(name.front(), '.') << name;
  }
  // The hostile text itself is kept, escaped, in the record.
  const auto card_href = xpath_values(out / "METS.xml", "//mets:mdRef[contains(@xlink:href, '" +
                                                            package_file_name(sample.id_card.code) +
                                                            "')]/@xlink:href");
  ASSERT_EQ(card_href.size(), 1U);
  const auto summary = xpath_values(out / card_href[0], "/hs:TaiLieu/hs:TrichYeu");
  ASSERT_EQ(summary.size(), 1U);
  EXPECT_EQ(summary[0].rfind("<b>trích yếu</b>", 0), 0U);
  EXPECT_EQ(xpath_values(out / card_href[0], "/hs:TaiLieu/hs:LoaiTaiLieu"),
            std::vector<std::string>{"../../../../escaped/evil\\x"});
}

TEST_F(SipExportTest, IsolationIsTheRegistrysAndEveryReadIsAudited) {
  const auto sample = file_sample_dossier(*registry_);
  const auto records_b = records_of(kAgencyB, "records-b");
  try {
    export_folder(dir_ / "b-package", sample.code, records_b);
    ADD_FAILURE() << "agency B exported A's dossier without a grant";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::InputNotFound) << error.what();
  }
  EXPECT_FALSE(fs::exists(dir_ / "b-package"));

  storage::Grant grant;
  grant.grantor_agency = kAgencyA;
  grant.grantee_agency = kAgencyB;
  grant.scope = storage::GrantScope::Dossier;
  grant.scope_value = sample.code;
  grant.expires_at = std::chrono::system_clock::now() + std::chrono::days(7);
  registry_->grant(grant, records_a_);
  const auto summary = export_folder(dir_ / "b-package", sample.code, records_b);
  EXPECT_EQ(summary.files, 3);
  EXPECT_NO_THROW(validate_package(dir_ / "b-package", options_.schema_dir));
  // The exporting person is named in the package and B's file reads are in the audit log.
  const auto agents = xpath_values(dir_ / "b-package" / "METS.xml", "//mets:agent/mets:name");
  EXPECT_NE(std::find(agents.begin(), agents.end(), "records-b"), agents.end());
  int reads_by_b = 0;
  for (const auto& record : registry_->audit_log({kAgencyA, storage::Role::Auditor, "auditor-a"})) {
    if (record.account == "records-b" && record.action == "read-file") ++reads_by_b;
  }
  EXPECT_EQ(reads_by_b, 3);
}

TEST_F(SipExportTest, AFailedExportLeavesNothingBehind) {
  const auto sample = file_sample_dossier(*registry_);
  const fs::path out_dir = dir_ / "out";
  fs::create_directories(out_dir);
  const auto expect_failure = [&](const fs::path& output, ErrorCode code) {
    try {
      export_dossier(*registry_, sample.code, records_a_, output, package_format_for(output),
                     options_);
      ADD_FAILURE() << "export to " << output << " succeeded";
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), code) << error.what();
    }
  };

  // An unknown dossier.
  try {
    export_folder(out_dir / "unknown", "000.00.21.H49-250303-9999", records_a_);
    ADD_FAILURE() << "exported a dossier that does not exist";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::InputNotFound);
  }
  // An existing folder is never overwritten or merged into.
  fs::create_directories(out_dir / "existing");
  sohoa::test::write_text(out_dir / "existing" / "keep.txt", "mine");
  expect_failure(out_dir / "existing", ErrorCode::OutputFailed);
  EXPECT_EQ(sohoa::test::read_text(out_dir / "existing" / "keep.txt"), "mine");
  EXPECT_EQ(files_in(out_dir / "existing").size(), 1U);

  // A blob damaged in the store: the registry refuses it; no package appears.
  const auto version = registry_->versions(sample.id_card.id, records_a_).at(0);
  const fs::path blob = storage::local_blob_path(dir_ / "data" / "blobs", version.blob_sha256);
  fs::permissions(blob, fs::perms::owner_write, fs::perm_options::add);
  sohoa::test::write_text(blob, "%PDF-1.7 damaged");
  expect_failure(out_dir / "damaged.zip", ErrorCode::CorruptInput);
  expect_failure(out_dir / "damaged", ErrorCode::CorruptInput);

  // Schemas missing: nothing is written without the profile to check against.
  options_.schema_dir = dir_ / "no-schemas";
  expect_failure(out_dir / "no-schemas.zip", ErrorCode::InputNotFound);

  // Nothing but the folder made by the test: no package, no temp folder.
  std::vector<std::string> left;
  for (const auto& entry : fs::directory_iterator(out_dir)) {
    left.push_back(entry.path().filename().string());
  }
  EXPECT_EQ(left, std::vector<std::string>{"existing"});
}

}  // namespace
}  // namespace sohoa::exchange::test
