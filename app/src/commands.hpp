#pragma once
// Each `sohoa` subcommand lives in its own file and registers itself on the root
// CLI11 app; when parsing selects it, `run` is set to the action to execute.

#include <functional>

namespace CLI {
class App;
}

namespace sohoa::app {

// Returns the process exit code (see docs/cli.md for the table).
using RunAction = std::function<int()>;

void add_ocr_command(CLI::App& root, RunAction& run);
void add_sign_command(CLI::App& root, RunAction& run);    // SOHOA_HAVE_SIGNING
void add_verify_command(CLI::App& root, RunAction& run);  // SOHOA_HAVE_SIGNING
void add_batch_command(CLI::App& root, RunAction& run);   // SOHOA_HAVE_BATCH
void add_scan_command(CLI::App& root, RunAction& run);    // SOHOA_HAVE_SCANNERS
void add_serve_command(CLI::App& root, RunAction& run);   // SOHOA_HAVE_SERVE
void add_audit_command(CLI::App& root, RunAction& run);   // SOHOA_HAVE_AUDIT
void add_account_command(CLI::App& root, RunAction& run);  // SOHOA_HAVE_ACCOUNTS
void add_export_command(CLI::App& root, RunAction& run);   // SOHOA_HAVE_EXPORT

}  // namespace sohoa::app
