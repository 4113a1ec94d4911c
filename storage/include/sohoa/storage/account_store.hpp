#pragma once
// The accounts of the web page and API (tài khoản): who may log in, for which
// agency and in which role. Passwords arrive here already hashed (the service
// hashes them with Argon2id); this store never sees a password.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sohoa::storage {

// What a person does at the desk; each maps onto a registry Role for reads.
enum class AccountRole : std::uint8_t {
  Counter,   // cán bộ một cửa
  Official,  // lãnh đạo / chuyên viên: signs
  Records,   // văn thư, lưu trữ: searches, shares, reads the audit trail
  Admin,     // quản trị: accounts, the agency's audit trail
};
std::string_view to_string(AccountRole role);
std::optional<AccountRole> account_role_from_string(std::string_view name);

struct Account {
  std::string login;  // [a-z0-9._-], 3..64 characters
  std::string agency;
  AccountRole role = AccountRole::Counter;
  std::string display_name;
  std::string password_hash;  // an encoded Argon2id string
  bool disabled = false;
};

class AccountStore {
 public:
  virtual ~AccountStore() = default;
  // Error(InvalidArgument) when the login is taken or malformed.
  virtual void add(const Account& account) = 0;
  virtual std::optional<Account> find(std::string_view login) = 0;
  virtual std::vector<Account> list(std::string_view agency) = 0;
};

// One SQLite file (created when absent).
std::unique_ptr<AccountStore> open_sqlite_account_store(const std::filesystem::path& database);

// True for a login we accept (so it is safe in logs and the audit trail).
bool is_valid_login(std::string_view login);

}  // namespace sohoa::storage
