// `sohoa verify FILE [--trust CA.pem] [--json] [--offline]`: one report per
// signature, Vietnamese and English. Exit codes: docs/cli.md.
#include <CLI/CLI.hpp>
#include <iostream>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "sohoa/core/error.hpp"
#include "sohoa/signing/verify.hpp"

namespace sohoa::app {

namespace {
struct VerifyArgs {
  std::string file;
  std::vector<std::string> trust;
  bool json = false;
  bool offline = false;
};
}  // namespace

void add_verify_command(CLI::App& root, RunAction& run) {
  auto args = std::make_shared<VerifyArgs>();
  CLI::App* cmd = root.add_subcommand("verify", "Verify the PDF signatures of a file");
  cmd->add_option("file", args->file, "Signed PDF")->required();
  cmd->add_option("--trust", args->trust, "Trust anchors (PEM, may repeat)");
  cmd->add_flag("--json", args->json, "Print the report as JSON");
  cmd->add_flag("--offline", args->offline,
                "Use only revocation data in the file (/DSS); do not ask OCSP/CRL servers");
  cmd->callback([args, &run] {
    run = [args] {
      signing::VerifyOptions options;
      options.online_revocation = !args->offline;
      try {
        for (const auto& file : args->trust) {
          auto certs = signing::load_pem_certificates(file);
          options.trust_anchors.insert(options.trust_anchors.end(), certs.begin(), certs.end());
        }
      } catch (const Error& error) {
        std::cerr << "sohoa verify: " << error.what() << '\n';
        return kExitInputFile;
      }
      signing::VerificationReport report = signing::verify_file(args->file, options);
      std::cout << (args->json ? signing::format_json(report) : signing::format_text(report));
      if (!report.readable) return kExitInputFile;
      return report.all_valid() ? kExitOk : kExitSignatureInvalid;
    };
  });
}

}  // namespace sohoa::app
