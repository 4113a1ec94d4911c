#include "sohoa/core/error.hpp"

#include <gtest/gtest.h>

namespace sohoa {
namespace {

TEST(Error, MessageNamesFilePageAndCode) {
  Error error(ErrorCode::CorruptInput, "JPEG data ends early", {"scans/a.jpg", 2});
  EXPECT_EQ(error.code(), ErrorCode::CorruptInput);
  EXPECT_STREQ(error.what(), "scans/a.jpg page 3: JPEG data ends early [corrupt-input]");
  EXPECT_EQ(error.message(), "JPEG data ends early");
}

TEST(Error, WithinFillsOnlyMissingContext) {
  Error inner(ErrorCode::ImageTooLarge, "too big", {"", 4});
  Error placed = inner.within({"batch/x.tif", 0});
  EXPECT_EQ(placed.context().file, "batch/x.tif");
  EXPECT_EQ(placed.context().page, 4);
  EXPECT_EQ(placed.code(), ErrorCode::ImageTooLarge);
}

TEST(Error, EveryCodeHasAName) {
  for (int i = 0; i <= static_cast<int>(ErrorCode::Internal); ++i) {
    EXPECT_NE(to_string(static_cast<ErrorCode>(i)), "unknown") << i;
  }
}

}  // namespace
}  // namespace sohoa
