// Accounts in their own SQLite file (accounts.sqlite), apart from the registry so
// that resetting a password never touches the audited registry.
#include <mutex>

#include "sohoa/core/error.hpp"
#include "sohoa/storage/account_store.hpp"
#include "sqlite_connection.hpp"

namespace sohoa::storage {

namespace {

using detail::SqliteConnection;
using detail::SqliteTransaction;

constexpr const char* kAccountSchema = R"sql(
CREATE TABLE IF NOT EXISTS accounts(
  login TEXT PRIMARY KEY,
  agency TEXT NOT NULL,
  role TEXT NOT NULL,
  display_name TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
)sql";

class SqliteAccountStore final : public AccountStore {
 public:
  explicit SqliteAccountStore(const std::filesystem::path& database) : db_(database, 10000) {
    db_.execute(kAccountSchema);
  }

  void add(const Account& account) override {
    if (!is_valid_login(account.login)) {
      throw Error(ErrorCode::InvalidArgument,
                  "a login is 3 to 64 of a-z, 0-9, '.', '_' and '-': '" + account.login + "'");
    }
    if (account.agency.empty() || account.agency.size() > 64) {
      throw Error(ErrorCode::InvalidArgument, "an account needs an agency (up to 64 characters)");
    }
    if (account.password_hash.empty()) {
      throw Error(ErrorCode::InvalidArgument, "an account needs a password");
    }
    std::lock_guard lock(mutex_);
    SqliteTransaction transaction(db_);
    auto existing = db_.query("SELECT 1 FROM accounts WHERE login = ?");
    existing.bind(1, account.login);
    if (existing.step()) {
      throw Error(ErrorCode::InvalidArgument, "the login '" + account.login + "' is taken");
    }
    db_.query(
           "INSERT INTO accounts(login, agency, role, display_name, password_hash, disabled) "
           "VALUES (?, ?, ?, ?, ?, ?)")
        .bind(1, account.login)
        .bind(2, account.agency)
        .bind(3, to_string(account.role))
        .bind(4, account.display_name)
        .bind(5, account.password_hash)
        .bind(6, account.disabled ? 1 : 0)
        .run();
    transaction.commit();
  }

  std::optional<Account> find(std::string_view login) override {
    std::lock_guard lock(mutex_);
    auto row = db_.query(
        "SELECT login, agency, role, display_name, password_hash, disabled FROM accounts "
        "WHERE login = ?");
    row.bind(1, login);
    if (!row.step()) return std::nullopt;
    return read(row);
  }

  std::vector<Account> list(std::string_view agency) override {
    std::lock_guard lock(mutex_);
    auto rows = db_.query(
        "SELECT login, agency, role, display_name, password_hash, disabled FROM accounts "
        "WHERE agency = ? ORDER BY login");
    rows.bind(1, agency);
    std::vector<Account> accounts;
    while (rows.step()) accounts.push_back(read(rows));
    return accounts;
  }

 private:
  static Account read(const detail::SqliteQuery& row) {
    Account account;
    account.login = row.text(0);
    account.agency = row.text(1);
    const auto role = account_role_from_string(row.text(2));
    if (!role) throw Error(ErrorCode::CorruptInput, "account with an unknown role: " + row.text(2));
    account.role = *role;
    account.display_name = row.text(3);
    account.password_hash = row.text(4);
    account.disabled = row.integer(5) != 0;
    return account;
  }

  std::mutex mutex_;
  SqliteConnection db_;
};

}  // namespace

std::string_view to_string(AccountRole role) {
  switch (role) {
    case AccountRole::Counter:
      return "counter";
    case AccountRole::Official:
      return "official";
    case AccountRole::Records:
      return "records";
    case AccountRole::Admin:
      return "admin";
  }
  return "counter";
}

std::optional<AccountRole> account_role_from_string(std::string_view name) {
  for (const auto role :
       {AccountRole::Counter, AccountRole::Official, AccountRole::Records, AccountRole::Admin}) {
    if (to_string(role) == name) return role;
  }
  return std::nullopt;
}

bool is_valid_login(std::string_view login) {
  if (login.size() < 3 || login.size() > 64) return false;
  for (const char c : login) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::unique_ptr<AccountStore> open_sqlite_account_store(const std::filesystem::path& database) {
  return std::make_unique<SqliteAccountStore>(database);
}

}  // namespace sohoa::storage
