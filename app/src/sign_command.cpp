// `sohoa sign IN.pdf -o OUT.pdf` and `sohoa sign --batch DIR -o OUTDIR`: PAdES
// signatures with a PKCS#12 file or a PKCS#11 token. The PIN comes from
// SOHOA_PIN, --pin-file or a prompt, never from the command line, and is never printed.
#include <termios.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <chrono>
#include <fstream>
#include <iostream>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "sohoa/core/error.hpp"
#include "sohoa/signing/pades.hpp"

namespace sohoa::app {

namespace {
struct SignArgs {
  std::string input;
  std::string batch_dir;
  std::string output;
  std::string p12;
  std::string pkcs11_module;
  std::string key_id;
  std::string pin_file;
  std::string chain;
  std::string level = "B-B";
  std::string tsa;
  std::vector<std::string> trust;
  std::string reason;
  std::string location;
  // Visible appearances.
  bool visible = false;
  bool digitisation_stamp = false;
  std::string signer_name;
  std::string signer_title;
  std::string agency;
  std::string signature_image;
  std::string seal_image;
  int page = 1;
  std::string rect;
  std::string font;
};

// "x,y,w,h" in points.
std::array<double, 4> parse_rect(const std::string& text) {
  std::array<double, 4> box{};
  std::size_t pos = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    std::size_t end = text.find(',', pos);
    if ((end == std::string::npos) != (i == 3)) {
      throw Error(ErrorCode::InvalidArgument, "--rect wants x,y,w,h in points: " + text);
    }
    std::string part = text.substr(pos, end == std::string::npos ? end : end - pos);
    try {
      std::size_t used = 0;
      box[i] = std::stod(part, &used);
      if (used != part.size()) throw std::invalid_argument(part);
    } catch (const std::exception&) {
      throw Error(ErrorCode::InvalidArgument, "--rect wants x,y,w,h in points: " + text);
    }
    pos = end + 1;
  }
  return box;
}

signing::Appearance appearance_from(const SignArgs& args) {
  signing::Appearance look;
  if (args.visible && args.digitisation_stamp) {
    throw Error(ErrorCode::InvalidArgument, "give --visible or --digitisation-stamp, not both");
  }
  const bool has_signature_options = !args.signature_image.empty() || !args.seal_image.empty() ||
                                     !args.rect.empty() || args.page != 1 ||
                                     !args.signer_title.empty();
  if (args.digitisation_stamp) {
    // TT 05/2025 fixes the stamp: no images, no choice of place.
    if (has_signature_options) {
      throw Error(ErrorCode::InvalidArgument,
                  "--digitisation-stamp takes only --agency (its place and look are fixed)");
    }
    look.kind = signing::AppearanceKind::DigitisationStamp;
  } else if (args.visible) {
    look.kind = signing::AppearanceKind::Signature;
  } else if (has_signature_options || !args.signer_name.empty() || !args.agency.empty()) {
    throw Error(ErrorCode::InvalidArgument,
                "appearance options need --visible (or --digitisation-stamp)");
  }
  look.signer_name = args.signer_name;
  look.title = args.signer_title;
  look.agency = args.agency;
  look.signature_image = args.signature_image;
  look.seal_image = args.seal_image;
  look.page = args.page;
  if (!args.rect.empty()) look.box = parse_rect(args.rect);
  look.font_file = args.font;
  return look;
}

signing::Secret read_pin(const SignArgs& args) {
  if (!args.pin_file.empty()) {
    std::ifstream in(args.pin_file);
    std::string pin;
    if (!in || !std::getline(in, pin)) {
      throw Error(ErrorCode::InputNotFound, "cannot read the PIN file " + args.pin_file);
    }
    return signing::Secret(std::move(pin));
  }
  if (const char* env = std::getenv("SOHOA_PIN"); env != nullptr && *env != '\0') {
    return signing::Secret(env);
  }
  // Prompt on the terminal without echo.
  std::cerr << "PIN / mật khẩu: " << std::flush;
  termios old_mode{};
  bool tty = isatty(STDIN_FILENO) != 0 && tcgetattr(STDIN_FILENO, &old_mode) == 0;
  if (tty) {
    termios quiet = old_mode;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string pin;
  std::getline(std::cin, pin);
  if (tty) tcsetattr(STDIN_FILENO, TCSANOW, &old_mode);
  std::cerr << '\n';
  return signing::Secret(std::move(pin));
}

std::unique_ptr<signing::KeySource> open_key(const SignArgs& args) {
  if (args.p12.empty() == args.pkcs11_module.empty()) {
    throw Error(ErrorCode::InvalidArgument, "give exactly one of --p12 or --pkcs11");
  }
  signing::Secret pin = read_pin(args);
  if (!args.p12.empty()) return std::make_unique<signing::P12KeySource>(args.p12, pin);
  if (args.key_id.empty()) throw Error(ErrorCode::InvalidArgument, "--pkcs11 needs --key-id HEX");
  std::vector<signing::Buffer> chain;
  if (!args.chain.empty()) chain = signing::load_pem_certificates(args.chain);
  return std::make_unique<signing::Pkcs11KeySource>(
      args.pkcs11_module, signing::parse_hex_id(args.key_id), pin, std::move(chain));
}
}  // namespace

void add_sign_command(CLI::App& root, RunAction& run) {
  auto args = std::make_shared<SignArgs>();
  CLI::App* cmd =
      root.add_subcommand("sign", "Sign PDF files (PAdES baseline, incremental update)");
  cmd->add_option("input", args->input, "PDF to sign");
  cmd->add_option("--batch", args->batch_dir, "Sign every *.pdf in this folder (one PIN entry)");
  cmd->add_option("-o,--output", args->output, "Signed PDF (or output folder with --batch)")
      ->required();
  cmd->add_option("--p12", args->p12, "PKCS#12 file with the key and certificate");
  cmd->add_option("--pkcs11", args->pkcs11_module, "PKCS#11 module of the USB token");
  cmd->add_option("--key-id", args->key_id, "CKA_ID of the key on the token (hex)");
  cmd->add_option("--pin-file", args->pin_file, "File whose first line is the PIN");
  cmd->add_option("--chain", args->chain, "Issuer certificates to embed (PEM), for tokens");
  cmd->add_option("--level", args->level, "B-B, B-T, B-LT or B-LTA")
      ->check(CLI::IsMember({"B-B", "B-T", "B-LT", "B-LTA"}));
  cmd->add_option("--tsa", args->tsa, "RFC 3161 time-stamping authority URL (B-T and up)");
  cmd->add_option("--trust", args->trust, "CA certificates (PEM) to complete the chain for B-LT");
  cmd->add_option("--reason", args->reason, "Reason for signing");
  cmd->add_option("--location", args->location, "Place of signing");
  cmd->add_flag("--visible", args->visible,
                "Visible signature (NĐ 30/2020): name, title, agency, time, optional images");
  cmd->add_flag("--digitisation-stamp", args->digitisation_stamp,
                "Digitisation stamp (TT 05/2025): agency and time, top right of page 1");
  cmd->add_option("--signer-name", args->signer_name, "Name shown (default: certificate CN)");
  cmd->add_option("--signer-title", args->signer_title, "Title (chức vụ) shown");
  cmd->add_option("--agency", args->agency, "Agency shown (default: certificate O)");
  cmd->add_option("--signature-image", args->signature_image,
                  "Handwritten signature image (PNG/JPEG; white or transparent background)");
  cmd->add_option("--seal-image", args->seal_image,
                  "Seal image (PNG/JPEG), drawn over the left third of the signature image");
  cmd->add_option("--page", args->page, "Page of the visible signature (1-based)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--rect", args->rect,
                  "Box of the visible signature: x,y,w,h in points from the lower-left corner");
  cmd->add_option("--font", args->font, "TrueType font for the text (default: Liberation Serif)");
  cmd->callback([args, &run] {
    run = [args] {
      if (args->input.empty() == args->batch_dir.empty()) {
        std::cerr << "sohoa sign: give an input PDF or --batch DIR\n";
        return kExitBadArgs;
      }
      signing::SignOptions options;
      options.level = signing::parse_pades_level(args->level);
      options.tsa_url = args->tsa;
      options.reason = args->reason;
      options.location = args->location;
      options.appearance = appearance_from(*args);
      for (const auto& file : args->trust) {
        auto certs = signing::load_pem_certificates(file);
        options.extra_certificates.insert(options.extra_certificates.end(), certs.begin(),
                                          certs.end());
      }
      std::unique_ptr<signing::KeySource> key = open_key(*args);
      if (args->input.empty()) {
        std::filesystem::create_directories(args->output);
        std::vector<std::filesystem::path> files;
        for (const auto& entry : std::filesystem::directory_iterator(args->batch_dir)) {
          if (entry.is_regular_file() && entry.path().extension() == ".pdf") {
            files.push_back(entry.path());
          }
        }
        std::sort(files.begin(), files.end());
        auto start = std::chrono::steady_clock::now();
        int failures = 0;
        for (const auto& file : files) {
          try {
            signing::sign_file(file, std::filesystem::path(args->output) / file.filename(), *key,
                               options);
          } catch (const Error& error) {
            ++failures;
            std::cerr << "sohoa sign: " << file.string() << ": " << error.message() << '\n';
          }
        }
        double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::cerr << "signed " << files.size() - static_cast<std::size_t>(failures) << "/"
                  << files.size() << " files in " << seconds << " s\n";
        return failures == 0 ? kExitOk : kExitInputFile;
      }
      signing::sign_file(args->input, args->output, *key, options);
      return kExitOk;
    };
  });
}

}  // namespace sohoa::app
