#pragma once
// Working days for due dates (ngày hẹn trả): weekends and public holidays are not
// counted, make-up Saturdays (ngày làm bù) are. Holidays change every year by
// government decision, so they are dated configuration: one file per year in
// config/holidays/<year>.json.

#include <chrono>
#include <filesystem>
#include <set>
#include <string>

namespace sohoa::storage {

using Date = std::chrono::year_month_day;

class HolidayCalendar {
 public:
  // Reads every `<year>.json` in `folder`:
  //   {"year": 2025, "notes": "...", "holidays": [{"date": "2025-01-01", "name": "..."}],
  //    "working_days": [{"date": "2025-02-08", "name": "làm bù"}]}
  // Throws Error(CorruptInput) naming the file for malformed content.
  static HolidayCalendar load(const std::filesystem::path& folder);

  // Marks `year` as known (a year without a file cannot give due dates).
  void cover_year(int year);
  void add_holiday(Date date);
  void add_working_day(Date date);  // a Saturday or Sunday worked to make up a bridge day

  [[nodiscard]] bool is_working_day(Date date) const;
  [[nodiscard]] bool covers(int year) const { return years_.contains(year); }
  // The `working_days`-th working day after `received` (the day of receipt does not
  // count): the due date of a procedure that takes that many working days.
  // Error(InvalidArgument) when the result lies in a year the calendar has no file for.
  [[nodiscard]] Date due_date(Date received, int working_days) const;

 private:
  std::set<std::chrono::sys_days> holidays_;
  std::set<std::chrono::sys_days> working_weekend_days_;
  std::set<int> years_;
};

// "2025-01-15" -> Date; Error(InvalidArgument) otherwise.
Date parse_iso_date(const std::string& text);
std::string iso_date(Date date);

}  // namespace sohoa::storage
