#pragma once
// A small private face of libpq for the PostgreSQL job queue: one connection,
// statements prepared once and cached by their SQL text, parameters and results
// as text, transactions that are retried when PostgreSQL breaks a deadlock.
// Only pg_connection.cpp sees libpq-fe.h.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sohoa::storage::detail {

// One query parameter, sent as text (NULL when empty).
class PgParam {
 public:
  PgParam(std::int64_t value) : text_(std::to_string(value)) {}   // NOLINT: implicit on purpose
  PgParam(int value) : text_(std::to_string(value)) {}            // NOLINT
  PgParam(std::string_view value) : text_(std::string(value)) {}  // NOLINT
  PgParam(const std::string& value) : text_(value) {}             // NOLINT
  PgParam(const char* value) : text_(std::string(value)) {}       // NOLINT
  PgParam(std::nullopt_t) {}                                      // NOLINT
  [[nodiscard]] const std::optional<std::string>& text() const { return text_; }

 private:
  std::optional<std::string> text_;
};

class PgResult {
 public:
  explicit PgResult(void* result);
  ~PgResult();
  PgResult(PgResult&& other) noexcept;
  PgResult& operator=(PgResult&&) = delete;
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;

  [[nodiscard]] int rows() const;
  [[nodiscard]] bool empty() const { return rows() == 0; }
  // Rows changed by an INSERT/UPDATE/DELETE.
  [[nodiscard]] int affected() const;
  [[nodiscard]] bool is_null(int row, int column) const;
  [[nodiscard]] std::string text(int row, int column) const;
  [[nodiscard]] std::int64_t int64(int row, int column) const;
  [[nodiscard]] int integer(int row, int column) const {
    return static_cast<int>(int64(row, column));
  }

 private:
  void* result_;
};

class PgConnection {
 public:
  // `conninfo`: a libpq connection string or postgresql:// URI. `what` names the
  // database in error messages (never the password).
  PgConnection(const std::string& conninfo, std::string what);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs one or more statements without parameters.
  void execute(std::string_view sql);
  // Runs a statement prepared once per connection (the SQL text is the key).
  PgResult query(const std::string& sql, const std::vector<PgParam>& params = {});

  // Runs `body` in one transaction (BEGIN … COMMIT), again from the start when
  // PostgreSQL aborted it to break a deadlock or a serialisation conflict.
  void transaction(const std::function<void()>& body);

  [[nodiscard]] const std::string& what() const { return what_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string what_;
};

}  // namespace sohoa::storage::detail
