// The libpq adapter: the only file that sees libpq-fe.h.
#include "pg_connection.hpp"

#include <libpq-fe.h>

#include <charconv>
#include <map>
#include <utility>

#include "sohoa/core/error.hpp"

namespace sohoa::storage::detail {

namespace {

// PostgreSQL aborted the transaction to resolve a conflict with another one
// (deadlock_detected 40P01, serialization_failure 40001): running it again is safe.
class TransientConflict : public Error {
 public:
  using Error::Error;
};

bool is_transient(std::string_view sqlstate) {
  return sqlstate == "40P01" || sqlstate == "40001";
}

// SQLSTATE class 53 is "insufficient resources": 53100 disk_full, 53200
// out_of_memory, 53300 too_many_connections. Only a full disk means that
// nothing more can be accepted until an operator frees space.
ErrorCode code_for(std::string_view sqlstate) {
  if (sqlstate == "53100") return ErrorCode::StorageFull;
  if (sqlstate.substr(0, 2) == "23" || sqlstate.substr(0, 2) == "42") return ErrorCode::Internal;
  return ErrorCode::OutputFailed;
}

PGresult* as_result(void* result) {
  return static_cast<PGresult*>(result);
}

}  // namespace

PgResult::PgResult(void* result) : result_(result) {}
PgResult::~PgResult() {
  PQclear(as_result(result_));
}
PgResult::PgResult(PgResult&& other) noexcept : result_(std::exchange(other.result_, nullptr)) {}

int PgResult::rows() const {
  return PQntuples(as_result(result_));
}

int PgResult::affected() const {
  const char* count = PQcmdTuples(as_result(result_));
  int value = 0;
  std::from_chars(count, count + std::char_traits<char>::length(count), value);
  return value;
}

bool PgResult::is_null(int row, int column) const {
  return PQgetisnull(as_result(result_), row, column) != 0;
}

std::string PgResult::text(int row, int column) const {
  return {PQgetvalue(as_result(result_), row, column),
          static_cast<std::size_t>(PQgetlength(as_result(result_), row, column))};
}

std::int64_t PgResult::int64(int row, int column) const {
  const char* value = PQgetvalue(as_result(result_), row, column);
  const auto length = static_cast<std::size_t>(PQgetlength(as_result(result_), row, column));
  std::int64_t number = 0;
  // NULL and non-numbers read as 0, as sqlite3_column_int64 does.
  std::from_chars(value, value + length, number);
  return number;
}

struct PgConnection::Impl {
  PGconn* connection = nullptr;
  std::map<std::string, std::string> prepared;  // SQL text -> statement name
  bool in_transaction = false;
};

PgConnection::PgConnection(const std::string& conninfo, std::string what)
    : impl_(std::make_unique<Impl>()), what_(std::move(what)) {
  impl_->connection = PQconnectdb(conninfo.c_str());
  if (PQstatus(impl_->connection) != CONNECTION_OK) {
    std::string message = "cannot connect to PostgreSQL: ";
    message += PQerrorMessage(impl_->connection);
    while (!message.empty() && message.back() == '\n') message.pop_back();
    PQfinish(impl_->connection);
    impl_->connection = nullptr;
    throw Error(ErrorCode::OutputFailed, message, {what_});
  }
  // Our own notices (e.g. "relation already exists, skipping") are not news.
  PQsetNoticeProcessor(
      impl_->connection, [](void*, const char*) {}, nullptr);
}

PgConnection::~PgConnection() {
  if (impl_->connection != nullptr) PQfinish(impl_->connection);
}

namespace {

// Throws the sohoa::Error for a failed result (and frees it).
[[noreturn]] void raise(PGresult* result, PGconn* connection, std::string_view sql,
                        const std::string& what) {
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const std::string sqlstate = state != nullptr ? state : "";
  std::string message(sql.substr(0, 60));
  message += ": ";
  message += result != nullptr ? PQresultErrorMessage(result) : PQerrorMessage(connection);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
    message.pop_back();
  }
  PQclear(result);
  if (is_transient(sqlstate)) throw TransientConflict(ErrorCode::OutputFailed, message, {what});
  const ErrorCode code = code_for(sqlstate);
  if (code == ErrorCode::StorageFull) {
    message = "the job database cannot grow: PostgreSQL's disk is full (" + message +
              "); free space, then intake resumes";
  }
  throw Error(code, message, {what});
}

}  // namespace

void PgConnection::execute(std::string_view sql) {
  const std::string text(sql);
  PGresult* result = PQexec(impl_->connection, text.c_str());
  const auto status = PQresultStatus(result);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    raise(result, impl_->connection, sql, what_);
  }
  PQclear(result);
}

PgResult PgConnection::query(const std::string& sql, const std::vector<PgParam>& params) {
  auto found = impl_->prepared.find(sql);
  if (found == impl_->prepared.end()) {
    const std::string name = "s" + std::to_string(impl_->prepared.size());
    PGresult* prepared = PQprepare(impl_->connection, name.c_str(), sql.c_str(), 0, nullptr);
    if (PQresultStatus(prepared) != PGRES_COMMAND_OK) {
      raise(prepared, impl_->connection, sql, what_);
    }
    PQclear(prepared);
    found = impl_->prepared.emplace(sql, name).first;
  }
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& param : params) {
    values.push_back(param.text() ? param.text()->c_str() : nullptr);
  }
  PGresult* result =
      PQexecPrepared(impl_->connection, found->second.c_str(), static_cast<int>(values.size()),
                     values.data(), nullptr, nullptr, 0);
  const auto status = PQresultStatus(result);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    raise(result, impl_->connection, sql, what_);
  }
  return PgResult(result);
}

void PgConnection::transaction(const std::function<void()>& body) {
  constexpr int kAttempts = 10;
  for (int attempt = 1;; ++attempt) {
    execute("BEGIN");
    try {
      body();
      execute("COMMIT");
      return;
    } catch (const TransientConflict&) {
      PQclear(PQexec(impl_->connection, "ROLLBACK"));
      if (attempt == kAttempts) throw;
    } catch (...) {
      PQclear(PQexec(impl_->connection, "ROLLBACK"));
      throw;
    }
  }
}

}  // namespace sohoa::storage::detail
