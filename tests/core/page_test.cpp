#include "sohoa/core/page.hpp"

#include <gtest/gtest.h>

namespace sohoa {
namespace {

TEST(OcrText, PlainTextJoinsWordsAndLines) {
  OcrText text;
  text.lines.push_back({{}, {{"CỘNG", {}, 90}, {"HÒA", {}, 91}}});
  text.lines.push_back({});  // a line without words leaves no empty line behind
  text.lines.push_back({{}, {{"Độc", {}, 80}, {"lập", {}, 85}}});
  EXPECT_EQ(text.plain_text(), "CỘNG HÒA\nĐộc lập");
  EXPECT_EQ(text.word_count(), 4u);
}

}  // namespace
}  // namespace sohoa
