// `sohoa export`: a package of a filed dossier through the command line, and the
// exit codes for bad arguments, unknown or invisible dossiers, a data folder
// without a registry and an output that exists.
#include <gtest/gtest.h>

#include "exchange_test_support.hpp"
#include "sohoa/exchange/sip_export.hpp"
#include "test_support.hpp"

namespace sohoa::exchange::test {
namespace {

namespace fs = std::filesystem;
using sohoa::test::shell_quote;

class ExportCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto registry = open_registry_in(data_dir());
    code_ = file_sample_dossier(*registry).code;
  }

  [[nodiscard]] fs::path data_dir() const { return dir_ / "data"; }

  sohoa::test::CommandResult sohoa_export(const std::string& arguments) const {
    return sohoa::test::run_command(shell_quote(sohoa::test::sohoa_exe().string()) + " export " +
                                    arguments + " 2>&1");
  }

  [[nodiscard]] std::string as(const std::string& agency, const std::string& login) const {
    return " --data-dir " + shell_quote(data_dir().string()) + " --agency " + agency + " --login " +
           login;
  }

  sohoa::test::ScratchDir dir_;
  std::string code_;
};

TEST_F(ExportCliTest, WritesAZipThatExtractsToAValidPackage) {
  const fs::path archive = dir_ / "out" / "package.zip";
  const auto result =
      sohoa_export(code_ + as(kAgencyA, "records-a") + " -o " + shell_quote(archive.string()));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("2 documents, 3 files"), std::string::npos) << result.output;
  extract_archive(archive, dir_ / "extracted");
  const fs::path root = dir_ / "extracted" / package_file_name(code_);
  EXPECT_NO_THROW(validate_package(root, sohoa::test::source_dir() / "config" / "exchange"));
  EXPECT_EQ(xpath_values(root / "METS.xml", "/mets:mets/@OBJID"), std::vector<std::string>{code_});
}

TEST_F(ExportCliTest, WritesAFolder) {
  const fs::path folder = dir_ / "package";
  const auto result =
      sohoa_export(code_ + as(kAgencyA, "records-a") + " -q -o " + shell_quote(folder.string()));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_TRUE(result.output.empty()) << result.output;
  EXPECT_NO_THROW(validate_package(folder, sohoa::test::source_dir() / "config" / "exchange"));

  // The same folder again: refused (5), the package left as it was.
  const auto again =
      sohoa_export(code_ + as(kAgencyA, "records-a") + " -o " + shell_quote(folder.string()));
  EXPECT_EQ(again.exit_code, 5) << again.output;
  EXPECT_NE(again.output.find("already exists"), std::string::npos) << again.output;
  EXPECT_NO_THROW(validate_package(folder, sohoa::test::source_dir() / "config" / "exchange"));
}

TEST_F(ExportCliTest, ExitCodesNameTheProblem) {
  const std::string out = " -o " + shell_quote((dir_ / "x.zip").string());
  // Bad arguments (1): no agency, no output, not a dossier code.
  EXPECT_EQ(
      sohoa_export(code_ + " --data-dir " + shell_quote(data_dir().string()) + " --login l" + out)
          .exit_code,
      1);
  EXPECT_EQ(sohoa_export(code_ + as(kAgencyA, "records-a")).exit_code, 1);
  const auto not_a_code = sohoa_export("../../etc/passwd" + as(kAgencyA, "records-a") + out);
  EXPECT_EQ(not_a_code.exit_code, 1) << not_a_code.output;
  // Not visible to agency B, or not there at all (2): one message for both.
  const auto other_agency = sohoa_export(code_ + as(kAgencyB, "records-b") + out);
  EXPECT_EQ(other_agency.exit_code, 2) << other_agency.output;
  EXPECT_NE(other_agency.output.find("no dossier"), std::string::npos) << other_agency.output;
  EXPECT_EQ(sohoa_export(kAgencyA + "-250303-0999" + as(kAgencyA, "records-a") + out).exit_code, 2);
  // A data folder without a registry (2), and none is created there.
  const auto empty = dir_ / "empty";
  fs::create_directories(empty);
  EXPECT_EQ(sohoa_export(code_ + " --data-dir " + shell_quote(empty.string()) + " --agency " +
                         kAgencyA + " --login a" + out)
                .exit_code,
            2);
  EXPECT_TRUE(fs::is_empty(empty));
  EXPECT_FALSE(fs::exists(dir_ / "x.zip"));
}

}  // namespace
}  // namespace sohoa::exchange::test
