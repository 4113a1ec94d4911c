#pragma once
// A small private face of SQLite for the registry and the search bench: one
// connection, prepared statements cached by their SQL text, transactions. Only
// sqlite_connection.cpp sees sqlite3.h.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sohoa::storage::detail {

class SqliteConnection;

// A prepared statement in use: bind, step, read columns; reset when destroyed.
class SqliteQuery {
 public:
  SqliteQuery(void* statement, SqliteConnection& connection);
  ~SqliteQuery();
  SqliteQuery(const SqliteQuery&) = delete;
  SqliteQuery& operator=(const SqliteQuery&) = delete;

  SqliteQuery& bind(int index, std::int64_t value);
  SqliteQuery& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
  SqliteQuery& bind(int index, std::string_view value);
  SqliteQuery& bind_null(int index);

  // True while a row is available.
  bool step();
  // Runs to completion (statements without rows).
  void run();

  [[nodiscard]] std::int64_t integer(int column) const;
  [[nodiscard]] std::string text(int column) const;
  [[nodiscard]] std::optional<std::string> optional_text(int column) const;
  [[nodiscard]] double real(int column) const;
  [[nodiscard]] bool is_null(int column) const;

 private:
  void* statement_;
  SqliteConnection& connection_;
};

class SqliteConnection {
 public:
  // Opens (creating) `database` in WAL mode with synchronous=FULL and foreign keys.
  SqliteConnection(const std::filesystem::path& database, int busy_timeout_ms);
  ~SqliteConnection();
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  void execute(std::string_view sql);
  // A cached prepared statement (the SQL text is the key).
  SqliteQuery query(const std::string& sql);
  [[nodiscard]] std::int64_t last_insert_id() const;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

  // Throws the sohoa::Error for SQLite result `code` (StorageFull for a full disk).
  [[noreturn]] void fail(int code, std::string_view what) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::filesystem::path path_;
};

// BEGIN IMMEDIATE ... COMMIT, rolled back when destroyed uncommitted.
class SqliteTransaction {
 public:
  explicit SqliteTransaction(SqliteConnection& connection);
  ~SqliteTransaction();
  SqliteTransaction(const SqliteTransaction&) = delete;
  SqliteTransaction& operator=(const SqliteTransaction&) = delete;
  void commit();

 private:
  SqliteConnection& connection_;
  bool open_ = true;
};

}  // namespace sohoa::storage::detail
