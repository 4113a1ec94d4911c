#pragma once
// Accounts of the web page and API, for the command line (`sohoa account add`):
// the first admin of an agency is created here; admins add the others over the API.

#include <filesystem>
#include <string>

namespace sohoa::service {

struct NewAccount {
  std::string login;
  std::string agency;
  std::string role;  // counter | official | records | admin
  std::string display_name;
  std::string password;  // at least 10 characters
};

// Adds the account to `<data_dir>/accounts.sqlite` with an Argon2id hash of the
// password. Error(InvalidArgument) naming what is wrong (taken login, bad role...).
void add_account(const std::filesystem::path& data_dir, const NewAccount& account);

}  // namespace sohoa::service
