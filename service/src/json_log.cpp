#include "sohoa/service/json_log.hpp"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace sohoa::service {

LogValue::LogValue(double number) {
  if (!std::isfinite(number)) {
    json = "null";
    return;
  }
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.6g", number);
  json = buffer;
}

std::string LogValue::quote(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
          out += escaped;
        } else {
          out += c;  // UTF-8 passes through: Vietnamese messages stay readable
        }
    }
  }
  out += '"';
  return out;
}

namespace {

std::string timestamp() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(millis));
  return buffer;
}

std::string_view level_name(LogLevel level) {
  switch (level) {
    case LogLevel::Info:
      return "info";
    case LogLevel::Warning:
      return "warning";
    case LogLevel::Error:
      return "error";
  }
  return "info";
}

}  // namespace

void log_event(LogLevel level, std::string_view event, std::initializer_list<LogField> fields) {
  std::string line = "{\"ts\":\"" + timestamp() + "\",\"level\":\"" +
                     std::string(level_name(level)) + "\",\"event\":" + LogValue::quote(event);
  for (const auto& [key, value] : fields) {
    line += ',';
    line += LogValue::quote(key);
    line += ':';
    line += value.json;
  }
  line += "}\n";
  // One write(2) per line: atomic for a pipe up to PIPE_BUF, and never mixed
  // with another thread's line by stdio buffering.
  const char* data = line.data();
  std::size_t left = line.size();
  while (left > 0) {
    const ssize_t written = ::write(STDERR_FILENO, data, left);
    if (written <= 0) break;
    data += written;
    left -= static_cast<std::size_t>(written);
  }
}

}  // namespace sohoa::service
