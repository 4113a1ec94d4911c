// Identifiers of one-stop work: dossier codes, procedure codes, personal IDs, dates.
#include "sohoa/core/identifiers.hpp"

#include <gtest/gtest.h>

#include "sohoa/understanding/id_card.hpp"

namespace sohoa {
namespace {

TEST(DossierCode, ParsesTheRegulationsLayout) {
  auto code = parse_dossier_code("000.00.00.H49-250115-0001");
  ASSERT_TRUE(code);
  EXPECT_EQ(code->agency, "000.00.00.H49");
  EXPECT_EQ(code->year, 2025);
  EXPECT_EQ(code->month, 1);
  EXPECT_EQ(code->day, 15);
  EXPECT_EQ(code->sequence, 1);
  EXPECT_EQ(code->text(), "000.00.00.H49-250115-0001");
}

TEST(DossierCode, AcceptsResultSuffix) {
  auto code = parse_dossier_code(" 000.11.58.H01-251104-0010-KQ2 ");
  ASSERT_TRUE(code);
  EXPECT_EQ(code->result_number, 2);
  EXPECT_EQ(code->text(), "000.11.58.H01-251104-0010-KQ2");
}

TEST(DossierCode, RejectsWhatIsNotOne) {
  for (const char* bad :
       {"", "000.00.00.H49-250230-0001",  // 30 February
        "000.00.00.H49-251301-0001", "000.00.00-250115-0001", "000.00.00.149-250115-0001",
        "000.00.00.H49-250115-01", "000.00.00.H49-250115-0001-KQ", "000.00.00.H49-250115-0001-KQ0",
        "https://example.org/?q=1", "000.00.00.H49--0001"}) {
    EXPECT_FALSE(parse_dossier_code(bad)) << bad;
  }
}

TEST(ProcedureCode, IsDigitDotSixDigits) {
  EXPECT_TRUE(is_procedure_code("1.001193"));
  EXPECT_TRUE(is_procedure_code("2.000815"));
  EXPECT_FALSE(is_procedure_code("1.00119"));
  EXPECT_FALSE(is_procedure_code("11.001193"));
  EXPECT_FALSE(is_procedure_code("1,001193"));
}

TEST(PersonalId, ReadsProvinceCenturySexAndYear) {
  auto man = parse_personal_id("001074579715");
  ASSERT_TRUE(man);
  EXPECT_EQ(man->province_code, "001");
  EXPECT_EQ(man->century_sex_digit, 0);
  EXPECT_FALSE(man->female);
  EXPECT_EQ(man->birth_year, 1974);
  auto woman = parse_personal_id("001303204133");
  ASSERT_TRUE(woman);
  EXPECT_TRUE(woman->female);
  EXPECT_EQ(woman->birth_year, 2003);
  EXPECT_FALSE(parse_personal_id("00107457971"));
  EXPECT_FALSE(parse_personal_id("0010745797150"));
  EXPECT_FALSE(parse_personal_id("00107457971O"));
}

TEST(CivilDate, ParsesPrintedAndQrForms) {
  EXPECT_EQ(parse_civil_date("16/08/1974")->dd_mm_yyyy(), "16/08/1974");
  EXPECT_EQ(parse_civil_date("16081974")->dd_mm_yyyy(), "16/08/1974");
  EXPECT_FALSE(parse_civil_date("29/02/2023"));
  EXPECT_TRUE(parse_civil_date("29/02/2024"));
  EXPECT_FALSE(parse_civil_date("16/08-1974"));
}

TEST(IdCardQr, ParsesTheCardsPayload) {
  auto card = understanding::parse_id_card_qr(
      "001074579715|250272526|Ngô Văn Trung|16081974|Nam|Số 89 phố Trần Hưng Đạo, Phường Hoàn "
      "Kiếm, Thành phố Hà Nội|23122023");
  ASSERT_TRUE(card);
  EXPECT_EQ(card->personal_id, "001074579715");
  EXPECT_EQ(card->name, "Ngô Văn Trung");
  EXPECT_EQ(card->birth.dd_mm_yyyy(), "16/08/1974");
  EXPECT_EQ(card->sex, "Nam");
  ASSERT_TRUE(card->issued);
  EXPECT_EQ(card->issued->year, 2023);
}

TEST(IdCardQr, RejectsOtherPayloads) {
  for (const char* bad : {"", "000.11.58.H01-251104-0010", "001074579715|x|Name|16081974|Nam|A|B|C",
                          "00107457971|250272526|Ngô|16081974|Nam|A|23122023",
                          "001074579715|250272526||16081974|Nam|A|23122023",
                          "001074579715|250272526|Ngô|31021974|Nam|A|23122023", "||||||"}) {
    EXPECT_FALSE(understanding::parse_id_card_qr(bad)) << bad;
  }
}

}  // namespace
}  // namespace sohoa
