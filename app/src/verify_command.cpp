// `sohoa verify FILE [--trust CA.pem] [--json] [--offline] [--revocation-grace HOURS]`: one report
// per signature, Vietnamese and English. Exit codes: docs/cli.md.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
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
  double revocation_grace_hours = 24;
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
  cmd->add_option("--revocation-grace", args->revocation_grace_hours,
                  "Hours before the signing time an OCSP response or CRL may date from (24)")
      ->check(CLI::NonNegativeNumber);
  cmd->callback([args, &run] {
    run = [args] {
      signing::VerifyOptions options;
      options.online_revocation = !args->offline;
      options.revocation_grace =
          std::chrono::seconds(static_cast<std::int64_t>(args->revocation_grace_hours * 3600));
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
