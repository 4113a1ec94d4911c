#pragma once
// Logs as JSON lines on stderr ({"ts":..., "level":..., "event":..., ...}), one
// line per event, written whole so lines of several threads never interleave.

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace sohoa::service {

enum class LogLevel : std::uint8_t { Info, Warning, Error };

// A field value rendered as JSON: strings are quoted, numbers are not.
struct LogValue {
  LogValue(std::string_view text) : json(quote(text)) {}    // NOLINT(google-explicit-constructor)
  LogValue(const std::string& text) : json(quote(text)) {}  // NOLINT(google-explicit-constructor)
  LogValue(const char* text) : json(quote(text)) {}         // NOLINT(google-explicit-constructor)
  LogValue(long long number) : json(std::to_string(number)) {}  // NOLINT
  LogValue(int number) : json(std::to_string(number)) {}        // NOLINT
  LogValue(double number);  // NOLINT(google-explicit-constructor)
  static std::string quote(std::string_view text);
  std::string json;
};

using LogField = std::pair<std::string_view, LogValue>;

void log_event(LogLevel level, std::string_view event, std::initializer_list<LogField> fields = {});

}  // namespace sohoa::service
