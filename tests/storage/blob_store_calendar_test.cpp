// The content-addressed blob store and the working-day calendar.
#include <gtest/gtest.h>

#include <fstream>

#include "sohoa/core/error.hpp"
#include "sohoa/storage/blob_store.hpp"
#include "sohoa/storage/holiday_calendar.hpp"
#include "test_support.hpp"

namespace sohoa::storage {
namespace {

using namespace std::chrono;

std::vector<std::uint8_t> bytes_of(const std::string& text) {
  return {text.begin(), text.end()};
}

TEST(LocalBlobStore, AddressIsSha256AndDuplicatesAreStoredOnce) {
  test::ScratchDir dir;
  auto store = open_local_blob_store(dir.path());
  const auto first = store->put(bytes_of("abc"));
  EXPECT_EQ(first.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(first.size, 3u);
  EXPECT_TRUE(
      std::filesystem::exists(dir.path() / "sha256" / "ba" /
                              "7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
  const auto again = store->put(bytes_of("abc"));
  EXPECT_EQ(again, first);
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir.path())) {
    files += entry.is_regular_file() ? 1 : 0;
  }
  EXPECT_EQ(files, 1u);
  EXPECT_EQ(store->get(first.sha256), bytes_of("abc"));
}

TEST(LocalBlobStore, DamagedBlobIsDetectedOnReadAndRepairedByPut) {
  test::ScratchDir dir;
  auto store = open_local_blob_store(dir.path());
  const auto blob = store->put(bytes_of("scanned page"));
  {
    std::ofstream out(local_blob_path(dir.path(), blob.sha256), std::ios::binary | std::ios::trunc);
    out << "scanned pagE";
  }
  EXPECT_FALSE(store->verify(blob.sha256));
  try {
    store->get(blob.sha256);
    FAIL() << "a damaged blob was returned";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::CorruptInput);
  }
  store->put(bytes_of("scanned page"));
  EXPECT_TRUE(store->verify(blob.sha256));
}

TEST(LocalBlobStore, MissingAndMalformedAddresses) {
  test::ScratchDir dir;
  auto store = open_local_blob_store(dir.path());
  const std::string absent(64, 'a');
  EXPECT_FALSE(store->contains(absent));
  EXPECT_FALSE(store->verify(absent));
  EXPECT_THROW(store->get(absent), Error);
  EXPECT_THROW(store->get("../../etc/passwd"), Error);
}

HolidayCalendar shipped_calendar() {
  return HolidayCalendar::load(test::source_dir() / "config" / "holidays");
}

TEST(HolidayCalendar, ShippedFilesCover2025And2026) {
  const auto calendar = shipped_calendar();
  EXPECT_TRUE(calendar.covers(2025));
  EXPECT_TRUE(calendar.covers(2026));
  EXPECT_FALSE(calendar.is_working_day(2025y / January / 29));  // mùng 1 Tết Ất Tỵ
  EXPECT_FALSE(calendar.is_working_day(2025y / September / 2));
  EXPECT_FALSE(calendar.is_working_day(2025y / April / 7));      // Giỗ Tổ
  EXPECT_TRUE(calendar.is_working_day(2025y / February / 8));    // make-up Saturday
  EXPECT_FALSE(calendar.is_working_day(2025y / February / 15));  // an ordinary Saturday
  EXPECT_FALSE(calendar.is_working_day(2026y / February / 17));  // mùng 1 Tết Bính Ngọ
}

TEST(HolidayCalendar, DueDateSkipsTetAndWeekends) {
  const auto calendar = shipped_calendar();
  // Received Friday 24/01/2025: 25/01–02/02 is Tết (and weekends); day 1 is Mon 03/02.
  EXPECT_EQ(calendar.due_date(2025y / January / 24, 1), 2025y / February / 3);
  EXPECT_EQ(calendar.due_date(2025y / January / 24, 3), 2025y / February / 5);
  // Five working days from Tue 04/02: 05, 06, 07, Sat 08 (make-up), Mon 10.
  EXPECT_EQ(calendar.due_date(2025y / February / 4, 5), 2025y / February / 10);
  // 30/4 and 1/5 plus the swapped Friday: received Tue 29/04, 1 day -> Mon 05/05.
  EXPECT_EQ(calendar.due_date(2025y / April / 29, 1), 2025y / May / 5);
  EXPECT_EQ(calendar.due_date(2025y / January / 15, 0), 2025y / January / 15);
}

TEST(HolidayCalendar, RefusesYearsWithoutAFile) {
  const auto calendar = shipped_calendar();
  EXPECT_THROW((void)calendar.due_date(2026y / December / 30, 10), Error);
}

TEST(HolidayCalendar, MalformedFileIsNamed) {
  test::ScratchDir dir;
  test::write_text(dir.path() / "2030.json",
                   R"({"year": 2030, "holidays": [{"date": "30/04/2030"}]})");
  try {
    (void)HolidayCalendar::load(dir.path());
    FAIL();
  } catch (const Error& error) {
    EXPECT_NE(error.context().file.find("2030.json"), std::string::npos);
  }
}

}  // namespace
}  // namespace sohoa::storage
