// Accent-insensitive, typo-tolerant matching of Vietnamese OCR text.
#include "sohoa/understanding/text_match.hpp"

#include <gtest/gtest.h>

namespace sohoa::understanding {
namespace {

TEST(Fold, DropsMarksAndCase) {
  EXPECT_EQ(fold("Số định danh cá nhân"), "so dinh danh ca nhan");
  EXPECT_EQ(fold("ĐẶNG NGỌC NGA"), "dang ngoc nga");
  EXPECT_EQ(fold("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"),
            "giay tiep nhan ho so va hen tra ket qua");
  EXPECT_EQ(fold("Ư ư Ơ ơ Ă ă Â ê ô Ỹ ỵ"), "u u o o a a a e o y y");
  // NFD input (base letter + combining marks) folds the same as NFC.
  EXPECT_EQ(fold("Vie\xCC\xA3\xCC\x82t"), "viet");
  EXPECT_EQ(fold("  a \t b\n"), "a b");
}

TEST(Fold, SurvivesBrokenUtf8) {
  EXPECT_EQ(fold("ab\xC3"), "ab");
  EXPECT_EQ(fold("\xFF\xFE x"), "x");
}

TEST(FuzzyFind, FindsTitlesDespiteOcrTypos) {
  const std::string title = fold("TỜ KHAI ĐĂNG KÝ KẾT HÔN");
  auto hit = fuzzy_find(fold("TỜ KHAI ĐĂNG KÝ KẾT HỘN"), title, tolerated_edits(title.size()));
  EXPECT_TRUE(hit.found());
  EXPECT_EQ(hit.distance, 0U);  // the accent error vanishes in the folding
  hit = fuzzy_find(fold("TỜ làn ĐĂNG KÝ KẾT HÔN"), title, tolerated_edits(title.size()));
  EXPECT_TRUE(hit.found());
  EXPECT_LE(hit.distance, 3U);
  hit = fuzzy_find(fold("HỢP ĐỒNG CHO THUÊ NHÀ Ở"), title, tolerated_edits(title.size()));
  EXPECT_FALSE(hit.found());
}

TEST(FuzzyFind, ReportsWhereTheMatchIs) {
  const std::string text = "4. so dinh danh ca nhan: 001074579715";
  auto hit = fuzzy_find(text, "so dinh danh ca nhan", 2);
  ASSERT_TRUE(hit.found());
  EXPECT_EQ(text.substr(hit.begin, hit.end - hit.begin), "so dinh danh ca nhan");
}

TEST(EditDistance, Basics) {
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3U);
  EXPECT_EQ(edit_distance("", "abc"), 3U);
  EXPECT_DOUBLE_EQ(similarity("abc", "abc"), 1.0);
}

}  // namespace
}  // namespace sohoa::understanding
