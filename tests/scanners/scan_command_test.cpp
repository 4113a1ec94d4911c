// `sohoa scan` end to end against SANE's test backend.
#include <gtest/gtest.h>

#include "sane_config.hpp"
#include "sohoa/imaging/decode.hpp"
#include "test_support.hpp"

namespace sohoa {
namespace {

class ScanCommand : public ::testing::Test {
 protected:
  test::CommandResult sohoa(const std::string& arguments) {
    return test::run_command(test::shell_quote(test::sohoa_exe().string()) + " " + arguments +
                             " </dev/null");
  }
  test::SaneTestConfig sane_;
  test::ScratchDir scratch_;
};

TEST_F(ScanCommand, ListsDevices) {
  const auto result = sohoa("scan --list");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("test:0"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("pnm:0"), std::string::npos);
}

TEST_F(ScanCommand, LineartStackBecomesG4TiffsAndGrayBecomesJpeg) {
  const auto out = scratch_ / "lineart";
  auto result = sohoa(
      "scan -d test:0 --source adf -r 100 --mode lineart --page-size 80x100 "
      "--option test-picture=Grid -q -o " +
      test::shell_quote(out.string()));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  int pages = 0;
  for (const auto& entry : std::filesystem::directory_iterator(out)) {
    ++pages;
    EXPECT_EQ(entry.path().extension(), ".tif");
    const auto page = imaging::decode_page(entry.path().string(), 0);
    EXPECT_EQ(page.image.mode, ColorMode::Bilevel) << entry.path();
    EXPECT_EQ(page.original.encoding, Encoding::CcittG4) << "passes through to the PDF";
    EXPECT_NEAR(page.image.width, 80 * 100 / 25.4, 2);
    EXPECT_DOUBLE_EQ(page.image.dpi_x, 100);
  }
  EXPECT_EQ(pages, 10);

  const auto gray = scratch_ / "gray";
  result = sohoa("scan -d test:1 --source flatbed -r 75 --mode gray --page-size a5 -q -o " +
                 test::shell_quote(gray.string()));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const auto page = imaging::decode_page((gray / "page-0001.jpg").string(), 0);
  EXPECT_EQ(page.image.channels, 1);
  EXPECT_FALSE(std::filesystem::exists(gray / "page-0002.jpg")) << "a flatbed holds one page";
}

TEST_F(ScanCommand, FaultPrintsWhatToDoAndExits4) {
  const auto result = sohoa(
      "scan -d test:0 -r 75 --option read-return-value=SANE_STATUS_COVER_OPEN "
      "-o " +
      test::shell_quote((scratch_ / "x").string()));
  EXPECT_EQ(result.exit_code, 4) << result.output;
  EXPECT_NE(result.output.find("Nắp máy quét đang mở"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("cover is open"), std::string::npos);
}

TEST_F(ScanCommand, MissingDeviceSaysSoAndExits4) {
  const auto result = sohoa("scan -d test:7 -o " + test::shell_quote((scratch_ / "z").string()));
  EXPECT_EQ(result.exit_code, 4) << result.output;
  EXPECT_NE(result.output.find("Không tìm thấy máy quét"), std::string::npos) << result.output;
}

TEST_F(ScanCommand, BadArguments) {
  EXPECT_EQ(sohoa("scan -d test:0").exit_code, 1);
  EXPECT_EQ(sohoa("scan -d test:0 -o x --source tray").exit_code, 1);
  EXPECT_EQ(sohoa("scan -d test:0 -o x --page-size huge").exit_code, 1);
  const auto result =
      sohoa("scan -d pnm:0 --source adf -o " + test::shell_quote((scratch_ / "y").string()));
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("no document feeder"), std::string::npos) << result.output;
}

}  // namespace
}  // namespace sohoa
