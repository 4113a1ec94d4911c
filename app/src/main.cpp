// The `sohoa` executable: parses the command line and hands over to one command.
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "omp_guard.hpp"
#include "sohoa/core/error.hpp"

int main(int argc, char** argv) {
  sohoa::app::ensure_single_threaded_openmp(argc, argv);

  CLI::App root{"sohoa: digitise one-stop-desk dossiers into signed, searchable PDF/A"};
  root.require_subcommand(1);
  root.set_version_flag("--version", "sohoa 0.1.0");
  sohoa::app::RunAction run;
  sohoa::app::add_ocr_command(root, run);
#ifdef SOHOA_HAVE_BATCH
  sohoa::app::add_batch_command(root, run);
#endif
#ifdef SOHOA_HAVE_SIGNING
  sohoa::app::add_sign_command(root, run);
  sohoa::app::add_verify_command(root, run);
#endif
#ifdef SOHOA_HAVE_SCANNERS
  sohoa::app::add_scan_command(root, run);
#endif
#ifdef SOHOA_HAVE_SERVE
  sohoa::app::add_serve_command(root, run);
#endif
#ifdef SOHOA_HAVE_AUDIT
  sohoa::app::add_audit_command(root, run);
#endif
#ifdef SOHOA_HAVE_ACCOUNTS
  sohoa::app::add_account_command(root, run);
#endif
#ifdef SOHOA_HAVE_EXPORT
  sohoa::app::add_export_command(root, run);
#endif
  try {
    root.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return root.exit(error) == 0 ? sohoa::app::kExitOk : sohoa::app::kExitBadArgs;
  }
  try {
    return run ? run() : sohoa::app::kExitBadArgs;
  } catch (const sohoa::Error& error) {
    std::cerr << "sohoa: " << error.what() << '\n';
    switch (error.code()) {
      case sohoa::ErrorCode::OcrFailed:
        return sohoa::app::kExitMissingDependency;
      case sohoa::ErrorCode::OutputFailed:
      case sohoa::ErrorCode::StorageFull:
        return sohoa::app::kExitFileAccess;
      case sohoa::ErrorCode::ScannerFault:
        return sohoa::app::kExitScannerFault;
      case sohoa::ErrorCode::InvalidArgument:
        return sohoa::app::kExitBadArgs;
      default:
        return sohoa::app::kExitOther;
    }
  } catch (const std::exception& error) {
    std::cerr << "sohoa: internal error: " << error.what() << '\n';
    return sohoa::app::kExitOther;
  }
}
