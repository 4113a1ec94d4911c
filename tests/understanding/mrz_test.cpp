// The ID card's TD1 machine-readable zone: check digits, and what OCR does to it.
#include "sohoa/understanding/mrz.hpp"

#include <gtest/gtest.h>

namespace sohoa::understanding {
namespace {

const std::vector<std::string> kGood = {"IDVNM0745797157001074579715<<<",
                                        "7408166M1408164VNM<<<<<<<<<<<6",
                                        "NGO<<VAN<TRUNG<<<<<<<<<<<<<<<<"};

TEST(Mrz, CheckDigitFollowsIcao) {
  EXPECT_EQ(mrz_check_digit("074579715"), 7);
  EXPECT_EQ(mrz_check_digit("740816"), 6);
  EXPECT_EQ(mrz_check_digit("L898902C<"), 3);  // ICAO 9303's specimen
  EXPECT_EQ(mrz_check_digit("ab"), -1);
}

TEST(Mrz, ParsesAVietnameseCard) {
  auto mrz = parse_mrz(kGood);
  ASSERT_TRUE(mrz);
  EXPECT_TRUE(mrz->checks_ok());
  EXPECT_TRUE(mrz->unreadable_checks.empty());
  EXPECT_EQ(mrz->document_number, "074579715");
  EXPECT_EQ(mrz->personal_id, "001074579715");
  ASSERT_TRUE(mrz->birth);
  EXPECT_EQ(mrz->birth->dd_mm_yyyy(), "16/08/1974");
  EXPECT_EQ(mrz->sex, 'M');
  EXPECT_EQ(mrz->nationality, "VNM");
  EXPECT_EQ(mrz->name, "NGO VAN TRUNG");
}

TEST(Mrz, WrongCheckDigitIsReported) {
  auto lines = kGood;
  lines[1][6] = '7';  // birth check digit: 6 is right
  auto mrz = parse_mrz(lines);
  ASSERT_TRUE(mrz);
  EXPECT_FALSE(mrz->checks_ok());
  ASSERT_FALSE(mrz->failed_checks.empty());
  EXPECT_EQ(mrz->failed_checks.front(), "birth");
}

TEST(Mrz, WrongDocumentNumberDigitIsReported) {
  auto lines = kGood;
  lines[0][14] = '8';
  auto mrz = parse_mrz(lines);
  ASSERT_TRUE(mrz);
  EXPECT_NE(std::find(mrz->failed_checks.begin(), mrz->failed_checks.end(), "document_number"),
            mrz->failed_checks.end());
}

TEST(Mrz, ToleratesWhatOcrDoes) {
  // Fillers miscounted and read as lower-case letters, O for 0, T for I, spaces.
  auto mrz = parse_mrz({"TDVNMO745797157001074579715<<<", "7408166M 1408164VNM<<<<<ececc<6",
                        "NGO<<VAN<TRUNG<<<<ccddddccdddcd"});
  ASSERT_TRUE(mrz);
  EXPECT_TRUE(mrz->checks_ok());
  EXPECT_EQ(mrz->personal_id, "001074579715");
  EXPECT_EQ(mrz->name, "NGO VAN TRUNG");
}

TEST(Mrz, ExtraCharacterIsResolvedByTheCheckDigits) {
  auto mrz = parse_mrz({"IDVNMO0959644810079095964481<<<", "9510098M3510096VNM<<<<<<<<<<<2",
                        "TRAN<<CONG<CUONG<<<<<<<<<<<<<<"});
  ASSERT_TRUE(mrz);
  EXPECT_TRUE(mrz->checks_ok()) << mrz->lines[0];
  EXPECT_EQ(mrz->personal_id, "079095964481");
}

TEST(Mrz, LetterInACheckDigitPlaceIsUnreadableNotWrong) {
  auto lines = kGood;
  lines[1][29] = 'X';
  auto mrz = parse_mrz(lines);
  ASSERT_TRUE(mrz);
  EXPECT_TRUE(mrz->checks_ok());
  EXPECT_EQ(mrz->unreadable_checks, std::vector<std::string>{"composite"});
}

TEST(Mrz, FindsTheZoneAmongAPagesLines) {
  std::vector<std::string> page = {
      "CĂN CƯỚC CÔNG DÂN", "Số / No.: 001074579715", kGood[0], kGood[1], kGood[2], "` -Z"};
  auto mrz = find_mrz(page);
  ASSERT_TRUE(mrz);
  EXPECT_EQ(mrz->personal_id, "001074579715");
  EXPECT_FALSE(find_mrz({"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"}));
}

TEST(Mrz, RejectsNonsense) {
  EXPECT_FALSE(parse_mrz({}));
  EXPECT_FALSE(parse_mrz({"", "", ""}));
  EXPECT_FALSE(parse_mrz({"PXVNM<<<<<<<<<<<<<<<<<<<<<<<<", kGood[1], kGood[2]}));
}

}  // namespace
}  // namespace sohoa::understanding
