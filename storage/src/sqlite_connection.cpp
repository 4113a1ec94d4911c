// The SQLite adapter of the registry (the job queue keeps its own in
// sqlite_job_queue.cpp): the only registry file that sees sqlite3.h.
#include "sqlite_connection.hpp"

#include <sqlite3.h>

#include <map>

#include "sohoa/core/error.hpp"

namespace sohoa::storage::detail {

namespace {
sqlite3_stmt* raw(void* statement) {
  return static_cast<sqlite3_stmt*>(statement);
}
}  // namespace

struct SqliteConnection::Impl {
  sqlite3* db = nullptr;
  std::map<std::string, sqlite3_stmt*, std::less<>> statements;
};

SqliteQuery::SqliteQuery(void* statement, SqliteConnection& connection)
    : statement_(statement), connection_(connection) {}

SqliteQuery::~SqliteQuery() {
  sqlite3_reset(raw(statement_));
  sqlite3_clear_bindings(raw(statement_));
}

SqliteQuery& SqliteQuery::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(raw(statement_), index, value);
  return *this;
}

SqliteQuery& SqliteQuery::bind(int index, std::string_view value) {
  sqlite3_bind_text(raw(statement_), index, value.data(), static_cast<int>(value.size()),
                    SQLITE_TRANSIENT);
  return *this;
}

SqliteQuery& SqliteQuery::bind_null(int index) {
  sqlite3_bind_null(raw(statement_), index);
  return *this;
}

bool SqliteQuery::step() {
  const int code = sqlite3_step(raw(statement_));
  if (code == SQLITE_ROW) return true;
  if (code == SQLITE_DONE) return false;
  connection_.fail(code, sqlite3_sql(raw(statement_)));
}

void SqliteQuery::run() {
  while (step()) {
  }
}

std::int64_t SqliteQuery::integer(int column) const {
  return sqlite3_column_int64(raw(statement_), column);
}

std::string SqliteQuery::text(int column) const {
  const auto* bytes = sqlite3_column_text(raw(statement_), column);
  if (bytes == nullptr) return {};
  return {reinterpret_cast<const char*>(bytes),
          static_cast<std::size_t>(sqlite3_column_bytes(raw(statement_), column))};
}

std::optional<std::string> SqliteQuery::optional_text(int column) const {
  if (is_null(column)) return std::nullopt;
  return text(column);
}

double SqliteQuery::real(int column) const {
  return sqlite3_column_double(raw(statement_), column);
}

bool SqliteQuery::is_null(int column) const {
  return sqlite3_column_type(raw(statement_), column) == SQLITE_NULL;
}

SqliteConnection::SqliteConnection(const std::filesystem::path& database, int busy_timeout_ms)
    : impl_(std::make_unique<Impl>()), path_(database) {
  const int code =
      sqlite3_open_v2(database.c_str(), &impl_->db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (code != SQLITE_OK) {
    const std::string message = impl_->db ? sqlite3_errmsg(impl_->db) : sqlite3_errstr(code);
    sqlite3_close(impl_->db);
    impl_->db = nullptr;
    throw Error(ErrorCode::OutputFailed, "cannot open the registry database: " + message,
                {database.string()});
  }
  sqlite3_extended_result_codes(impl_->db, 1);
  sqlite3_busy_timeout(impl_->db, busy_timeout_ms);
  // Durable commits as in the job queue (docs/storage.md): a filed dossier is a promise.
  execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
}

SqliteConnection::~SqliteConnection() {
  for (auto& [sql, statement] : impl_->statements) sqlite3_finalize(statement);
  sqlite3_close(impl_->db);
}

void SqliteConnection::execute(std::string_view sql) {
  char* message = nullptr;
  const std::string text(sql);
  const int code = sqlite3_exec(impl_->db, text.c_str(), nullptr, nullptr, &message);
  if (message != nullptr) sqlite3_free(message);
  if (code != SQLITE_OK) fail(code, text);
}

SqliteQuery SqliteConnection::query(const std::string& sql) {
  auto found = impl_->statements.find(sql);
  if (found == impl_->statements.end()) {
    sqlite3_stmt* statement = nullptr;
    const int code = sqlite3_prepare_v3(impl_->db, sql.c_str(), static_cast<int>(sql.size()),
                                        SQLITE_PREPARE_PERSISTENT, &statement, nullptr);
    if (code != SQLITE_OK) fail(code, sql);
    found = impl_->statements.emplace(sql, statement).first;
  }
  return {found->second, *this};
}

std::int64_t SqliteConnection::last_insert_id() const {
  return sqlite3_last_insert_rowid(impl_->db);
}

void SqliteConnection::fail(int code, std::string_view what) const {
  const std::string message =
      std::string(sqlite3_errmsg(impl_->db)) + " (in: " + std::string(what.substr(0, 120)) + ")";
  const int primary = code & 0xFF;
  if (primary == SQLITE_FULL) throw Error(ErrorCode::StorageFull, message, {path_.string()});
  if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) {
    throw Error(ErrorCode::CorruptInput, message, {path_.string()});
  }
  if (primary == SQLITE_CONSTRAINT) throw Error(ErrorCode::InvalidArgument, message);
  throw Error(ErrorCode::OutputFailed, message, {path_.string()});
}

SqliteTransaction::SqliteTransaction(SqliteConnection& connection) : connection_(connection) {
  connection_.execute("BEGIN IMMEDIATE");
}

SqliteTransaction::~SqliteTransaction() {
  if (!open_) return;
  try {
    connection_.execute("ROLLBACK");
  } catch (...) {
    // The transaction is gone either way; the first error is what the caller sees.
  }
}

void SqliteTransaction::commit() {
  connection_.execute("COMMIT");
  open_ = false;
}

}  // namespace sohoa::storage::detail
