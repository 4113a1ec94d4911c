// Reads the dated holiday files (nlohmann-json adapter of storage/).
#include "sohoa/storage/holiday_calendar.hpp"

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "sohoa/core/error.hpp"

namespace sohoa::storage {

namespace {
std::chrono::sys_days days(Date date) {
  return std::chrono::sys_days(date);
}
}  // namespace

Date parse_iso_date(const std::string& text) {
  int year = 0;
  unsigned month = 0;
  unsigned day = 0;
  char tail = 0;
  if (text.size() != 10 ||
      std::sscanf(text.c_str(), "%4d-%2u-%2u%c", &year, &month, &day, &tail) != 3) {
    throw Error(ErrorCode::InvalidArgument, "not an ISO date (YYYY-MM-DD): " + text);
  }
  const Date date{std::chrono::year(year), std::chrono::month(month), std::chrono::day(day)};
  if (!date.ok()) throw Error(ErrorCode::InvalidArgument, "no such date: " + text);
  return date;
}

std::string iso_date(Date date) {
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return text;
}

HolidayCalendar HolidayCalendar::load(const std::filesystem::path& folder) {
  HolidayCalendar calendar;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(folder, error)) {
    if (entry.path().extension() != ".json") continue;
    const auto file = entry.path().string();
    try {
      std::ifstream in(entry.path());
      const auto json = nlohmann::json::parse(in);
      calendar.cover_year(json.at("year").get<int>());
      for (const auto& holiday : json.at("holidays")) {
        calendar.add_holiday(parse_iso_date(holiday.at("date").get<std::string>()));
      }
      for (const auto& day : json.value("working_days", nlohmann::json::array())) {
        calendar.add_working_day(parse_iso_date(day.at("date").get<std::string>()));
      }
    } catch (const nlohmann::json::exception& failure) {
      throw Error(ErrorCode::CorruptInput, std::string("bad holiday file: ") + failure.what(),
                  {file});
    } catch (const Error& failure) {
      throw failure.within({file});
    }
  }
  if (error || calendar.years_.empty()) {
    throw Error(ErrorCode::InputNotFound, "no holiday calendar (<year>.json) found",
                {folder.string()});
  }
  return calendar;
}

void HolidayCalendar::add_holiday(Date date) {
  holidays_.insert(days(date));
}

void HolidayCalendar::cover_year(int year) {
  years_.insert(year);
}

void HolidayCalendar::add_working_day(Date date) {
  working_weekend_days_.insert(days(date));
}

bool HolidayCalendar::is_working_day(Date date) const {
  const auto day = days(date);
  if (working_weekend_days_.contains(day)) return true;
  if (holidays_.contains(day)) return false;
  const std::chrono::weekday weekday(day);
  return weekday != std::chrono::Saturday && weekday != std::chrono::Sunday;
}

Date HolidayCalendar::due_date(Date received, int working_days) const {
  if (working_days < 0) throw Error(ErrorCode::InvalidArgument, "negative processing time");
  auto day = days(received);
  for (int counted = 0; counted < working_days;) {
    day += std::chrono::days(1);
    const Date date(day);
    if (!covers(static_cast<int>(date.year()))) {
      throw Error(ErrorCode::InvalidArgument, "the holiday calendar has no file for " +
                                                  std::to_string(static_cast<int>(date.year())) +
                                                  " (config/holidays/<year>.json)");
    }
    if (is_working_day(date)) ++counted;
  }
  return Date(day);
}

}  // namespace sohoa::storage
