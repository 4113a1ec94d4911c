// `sohoa audit verify REGISTRY.sqlite|postgresql://… [--expect-head HASH]`: walks
// the registry's hash-chained audit log (either backend); exit 0 when intact, 6 when it was
// tampered with (as `sohoa verify` for a broken signature), 2 when the file cannot be read.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <string>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "sohoa/core/error.hpp"
#include "sohoa/storage/open_registry.hpp"
#include "sohoa/storage/sqlite_registry.hpp"

namespace sohoa::app {

void add_audit_command(CLI::App& root, RunAction& run) {
  struct Args {
    std::string database;
    std::string expected_head;
  };
  auto args = std::make_shared<Args>();
  CLI::App* audit = root.add_subcommand("audit", "Check the registry's audit log");
  audit->require_subcommand(1);
  CLI::App* verify = audit->add_subcommand("verify", "Verify the hash chain of the audit log");
  verify
      ->add_option("registry", args->database,
                   "The registry: its file (registry.sqlite) or a postgresql:// URL")
      ->required();
  verify->add_option("--expect-head", args->expected_head,
                     "The head hash published earlier: also catches a truncated tail");
  verify->callback([&run, args] {
    run = [args] {
      try {
        const std::string& where = args->database;
        const bool url = where.starts_with("postgresql://") || where.starts_with("postgres://") ||
                         where.starts_with("sqlite:");
        const auto verdict = url ? storage::verify_registry_audit_chain(where)
                                 : storage::verify_sqlite_audit_chain(where);
        if (!verdict.intact) {
          std::fprintf(stderr, "audit log BROKEN at record %lld: %s\n",
                       static_cast<long long>(verdict.first_bad_sequence), verdict.problem.c_str());
          return kExitSignatureInvalid;
        }
        if (!args->expected_head.empty() && args->expected_head != verdict.head_hash) {
          std::fprintf(stderr,
                       "audit log chain is consistent but does not end at the expected head "
                       "(records removed from the end, or another log)\n");
          return kExitSignatureInvalid;
        }
        std::printf("audit log intact: %lld records, head %s\n",
                    static_cast<long long>(verdict.records), verdict.head_hash.c_str());
        return kExitOk;
      } catch (const Error& error) {
        std::fprintf(stderr, "%s\n", error.what());
        return kExitInputFile;
      }
    };
  });
}

}  // namespace sohoa::app
