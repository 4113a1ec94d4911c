// `sohoa account add`: creates an account of the web page and API (the first
// admin of an agency; admins add the others on the page). The password comes
// from $SOHOA_ACCOUNT_PASSWORD or --password-file, never from the command line.
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "sohoa/core/error.hpp"
#include "sohoa/service/accounts.hpp"

namespace sohoa::app {

void add_account_command(CLI::App& root, RunAction& run) {
  struct Args {
    std::string data_dir = "data";
    std::string password_file;
    service::NewAccount account;
  };
  auto args = std::make_shared<Args>();
  CLI::App* account = root.add_subcommand("account", "Accounts of the web page and API");
  account->require_subcommand(1);
  CLI::App* add = account->add_subcommand("add",
                                          "Add an account (password from "
                                          "$SOHOA_ACCOUNT_PASSWORD or --password-file)");
  add->add_option("--data-dir", args->data_dir, "The service's data directory")
      ->capture_default_str();
  add->add_option("--login", args->account.login, "Login (a-z, 0-9, . _ -)")->required();
  add->add_option("--agency", args->account.agency, "Agency (unit) code, e.g. 000.00.00.H49")
      ->required();
  add->add_option("--role", args->account.role, "counter | official | records | admin")->required();
  add->add_option("--name", args->account.display_name, "The person's name");
  add->add_option("--password-file", args->password_file, "A file holding the password");
  add->callback([&run, args] {
    run = [args] {
      if (!args->password_file.empty()) {
        std::ifstream in(args->password_file);
        if (!in) throw Error(ErrorCode::InputNotFound, "cannot read", {args->password_file});
        std::getline(in, args->account.password);
      } else if (const char* env = std::getenv("SOHOA_ACCOUNT_PASSWORD"); env != nullptr) {
        args->account.password = env;
      } else {
        throw Error(ErrorCode::InvalidArgument,
                    "give the password in $SOHOA_ACCOUNT_PASSWORD or --password-file");
      }
      service::add_account(args->data_dir, args->account);
      std::cout << "account " << args->account.login << " (" << args->account.role << ", "
                << args->account.agency << ") added\n";
      return kExitOk;
    };
  });
}

}  // namespace sohoa::app
