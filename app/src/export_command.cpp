// `sohoa export DOSSIER_CODE --data-dir DIR -o OUT --agency A --login L`: a dossier
// of the registry as an exchange package (docs/exchange.md). OUT ending in .zip or
// .tar is one archive file, anything else a folder. The registry answers only what
// the viewer's agency may read (own dossiers, active grants) and audits every read.
// Exit codes: 0 written · 1 bad arguments · 2 no such dossier visible to the agency,
// or no registry in DIR · 5 the output could not be written (or exists) · 15 other.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "sohoa/core/error.hpp"
#include "sohoa/core/identifiers.hpp"
#include "sohoa/exchange/sip_export.hpp"
#include "sohoa/storage/blob_store.hpp"
#include "sohoa/storage/sqlite_registry.hpp"

namespace sohoa::app {

namespace {

namespace fs = std::filesystem;

int exit_code_for(const Error& error) {
  switch (error.code()) {
    case ErrorCode::InvalidArgument:
      return kExitBadArgs;
    case ErrorCode::InputNotFound:
    case ErrorCode::CorruptInput:
      return kExitInputFile;
    case ErrorCode::OutputFailed:
    case ErrorCode::StorageFull:
      return kExitFileAccess;
    default:
      return kExitOther;
  }
}

}  // namespace

void add_export_command(CLI::App& root, RunAction& run) {
  struct Args {
    std::string dossier_code;
    std::string data_dir = "data";
    std::string output;
    std::string agency;
    std::string login;
    std::string schema_dir;
    bool quiet = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* command = root.add_subcommand(
      "export", "Export a dossier as an exchange package (E-ARK-style SIP with METS)");
  command
      ->add_option("dossier", args->dossier_code,
                   "The dossier code, e.g. "
                   "000.00.00.H49-250115-0001")
      ->required();
  command->add_option("--data-dir", args->data_dir, "The service's data directory (registry)")
      ->capture_default_str();
  command->add_option("-o,--output", args->output, "OUT.zip, OUT.tar or a new folder")->required();
  command->add_option("--agency", args->agency, "The reading agency's unit code")->required();
  command->add_option("--login", args->login, "Who exports (recorded in the audit log)")
      ->required();
  command->add_option("--schemas", args->schema_dir,
                      "The profile's schema folder (default: config/exchange)");
  command->add_flag("-q,--quiet", args->quiet, "Print nothing on success");
  command->callback([&run, args] {
    run = [args] {
      try {
        if (!parse_dossier_code(args->dossier_code)) {
          throw Error(ErrorCode::InvalidArgument,
                      "not a dossier code (<unit>-<YYMMDD>-<NNNN>): '" + args->dossier_code + "'");
        }
        const fs::path data_dir = args->data_dir;
        // Never create an empty registry where the operator mistyped the folder.
        if (!fs::is_regular_file(data_dir / "registry.sqlite")) {
          throw Error(ErrorCode::InputNotFound, "no registry here (registry.sqlite missing)",
                      {data_dir.string()});
        }
        storage::SqliteRegistryOptions options;
        options.database = data_dir / "registry.sqlite";
        options.blobs = storage::open_local_blob_store(data_dir / "blobs");
        const auto registry = storage::open_sqlite_registry(std::move(options));

        exchange::ExportOptions export_options;
        export_options.schema_dir = args->schema_dir;
        const storage::Viewer viewer{args->agency, storage::Role::RecordsOfficer, args->login};
        const fs::path output = args->output;
        const auto summary =
            exchange::export_dossier(*registry, args->dossier_code, viewer, output,
                                     exchange::package_format_for(output), export_options);
        if (!args->quiet) {
          std::cout << "exported " << summary.dossier_code << ": " << summary.documents
                    << " documents, " << summary.files << " files, " << summary.data_bytes
                    << " bytes -> " << output.string() << '\n';
        }
        return kExitOk;
      } catch (const Error& error) {
        std::cerr << "sohoa export: " << error.what() << '\n';
        return exit_code_for(error);
      }
    };
  });
}

}  // namespace sohoa::app
