// Our Vietnamese folding: every vowel with every tone, upper and lower case,
// precomposed and decomposed, and đ/Đ.
#include "sohoa/storage/text_folding.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sohoa::storage {
namespace {

struct VowelRow {
  const char* base;
  std::vector<const char*> lower;  // no tone, huyền, sắc, hỏi, ngã, nặng
  std::vector<const char*> upper;
};

const std::vector<VowelRow> kVowels = {
    {"a", {"a", "à", "á", "ả", "ã", "ạ"}, {"A", "À", "Á", "Ả", "Ã", "Ạ"}},
    {"a", {"ă", "ằ", "ắ", "ẳ", "ẵ", "ặ"}, {"Ă", "Ằ", "Ắ", "Ẳ", "Ẵ", "Ặ"}},
    {"a", {"â", "ầ", "ấ", "ẩ", "ẫ", "ậ"}, {"Â", "Ầ", "Ấ", "Ẩ", "Ẫ", "Ậ"}},
    {"e", {"e", "è", "é", "ẻ", "ẽ", "ẹ"}, {"E", "È", "É", "Ẻ", "Ẽ", "Ẹ"}},
    {"e", {"ê", "ề", "ế", "ể", "ễ", "ệ"}, {"Ê", "Ề", "Ế", "Ể", "Ễ", "Ệ"}},
    {"i", {"i", "ì", "í", "ỉ", "ĩ", "ị"}, {"I", "Ì", "Í", "Ỉ", "Ĩ", "Ị"}},
    {"o", {"o", "ò", "ó", "ỏ", "õ", "ọ"}, {"O", "Ò", "Ó", "Ỏ", "Õ", "Ọ"}},
    {"o", {"ô", "ồ", "ố", "ổ", "ỗ", "ộ"}, {"Ô", "Ồ", "Ố", "Ổ", "Ỗ", "Ộ"}},
    {"o", {"ơ", "ờ", "ớ", "ở", "ỡ", "ợ"}, {"Ơ", "Ờ", "Ớ", "Ở", "Ỡ", "Ợ"}},
    {"u", {"u", "ù", "ú", "ủ", "ũ", "ụ"}, {"U", "Ù", "Ú", "Ủ", "Ũ", "Ụ"}},
    {"u", {"ư", "ừ", "ứ", "ử", "ữ", "ự"}, {"Ư", "Ừ", "Ứ", "Ử", "Ữ", "Ự"}},
    {"y", {"y", "ỳ", "ý", "ỷ", "ỹ", "ỵ"}, {"Y", "Ỳ", "Ý", "Ỷ", "Ỹ", "Ỵ"}},
};

TEST(TextFolding, EveryVowelWithEveryToneFoldsToItsBase) {
  int letters = 0;
  for (const auto& row : kVowels) {
    ASSERT_EQ(row.lower.size(), 6u);
    for (std::size_t tone = 0; tone < 6; ++tone) {
      EXPECT_EQ(fold_for_search(row.lower[tone]), row.base) << row.lower[tone];
      EXPECT_EQ(fold_for_search(row.upper[tone]), row.base) << row.upper[tone];
      letters += 2;
    }
  }
  EXPECT_EQ(letters, 144);
}

TEST(TextFolding, DecomposedInputFoldsLikePrecomposed) {
  // "Nguyễn" as n g u y e + U+0302 (circumflex) + U+0303 (tilde); "Đức" with đ precomposed.
  EXPECT_EQ(fold_for_search("Nguye\xCC\x82\xCC\x83n"), "nguyen");
  EXPECT_EQ(fold_for_search("Ho\xCC\x80 Chi\xCC\x81 Minh"), "ho chi minh");
}

TEST(TextFolding, DStrokeFoldsToD) {
  EXPECT_EQ(fold_for_search("đ"), "d");
  EXPECT_EQ(fold_for_search("Đ"), "d");
  EXPECT_EQ(fold_for_search("ĐĂNG KÝ KHAI SINH"), "dang ky khai sinh");
  EXPECT_EQ(fold_for_search("Đỗ Thị Ngọc Điệp"), "do thi ngoc diep");
}

TEST(TextFolding, OtherTextPassesThroughAndWordsSplit) {
  EXPECT_EQ(fold_for_search("000.00.00.H49-250115-0001"), "000.00.00.h49-250115-0001");
  EXPECT_EQ(fold_for_search("Số: 12/QĐ-UBND"), "so: 12/qd-ubnd");
  EXPECT_EQ(fold_for_search("\xFF"
                            "a"),
            " a");  // invalid byte
  const auto words = search_words(fold_for_search("Giấy khai sinh, số 12/2025."));
  EXPECT_EQ(words, (std::vector<std::string>{"giay", "khai", "sinh", "so", "12", "2025"}));
}

}  // namespace
}  // namespace sohoa::storage
