// `sohoa scan`: list scanners, or scan a feeder stack into a folder page by page
// as the scanner delivers it (each file appears whole: temp, fsync, rename).
// Scanner faults print what to do in Vietnamese and English; on a terminal the
// user can clear the fault and resume, otherwise the pages so far are kept and
// the command stops.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "sohoa/core/durable_file.hpp"
#include "sohoa/imaging/encode.hpp"
#include "sohoa/scanners/scanner.hpp"

namespace sohoa::app {

namespace {

struct ScanCommandOptions {
  bool list = false;
  std::string device;
  std::string source = "adf";
  int resolution = 300;
  std::string mode = "gray";
  std::string page_size;
  std::vector<std::string> device_options;
  std::string output_dir;
  int jpeg_quality = 90;
  bool quiet = false;
};

void put16(std::vector<std::uint8_t>& out, std::uint16_t value) {
  out.push_back(static_cast<std::uint8_t>(value & 0xff));
  out.push_back(static_cast<std::uint8_t>(value >> 8));
}
void put32(std::vector<std::uint8_t>& out, std::uint32_t value) {
  for (int shift = 0; shift < 32; shift += 8)
    out.push_back(static_cast<std::uint8_t>(value >> shift));
}

// A one-strip little-endian TIFF around a CCITT G4 stream: what scanners and
// our own decoder know best for bilevel pages (lossless, ~20x smaller than raw).
std::vector<std::uint8_t> tiff_g4(const EncodedImage& g4, double dpi) {
  struct Entry {
    std::uint16_t tag;
    std::uint16_t type;  // 3 SHORT, 4 LONG, 5 RATIONAL
    std::uint32_t value;
  };
  const std::uint16_t entry_count = 12;
  const std::uint32_t ifd_size = 2 + entry_count * 12 + 4;
  const std::uint32_t rational_offset = 8 + ifd_size;
  const std::uint32_t data_offset = rational_offset + 8;
  const auto resolution = static_cast<std::uint32_t>(dpi > 0 ? dpi : 300);
  const Entry entries[entry_count] = {
      {256, 4, static_cast<std::uint32_t>(g4.width)},
      {257, 4, static_cast<std::uint32_t>(g4.height)},
      {258, 3, 1},
      {259, 3, 4},                        // CCITT Group 4
      {262, 3, g4.black_is_1 ? 1u : 0u},  // WhiteIsZero for fax coding
      {273, 4, data_offset},              // the strip
      {277, 3, 1},
      {278, 4, static_cast<std::uint32_t>(g4.height)},  // one strip
      {279, 4, static_cast<std::uint32_t>(g4.bytes.size())},
      {282, 5, rational_offset},
      {283, 5, rational_offset},
      {296, 3, 2},  // inches
  };
  std::vector<std::uint8_t> out = {'I', 'I', 42, 0};
  put32(out, 8);
  put16(out, entry_count);
  for (const auto& entry : entries) {
    put16(out, entry.tag);
    put16(out, entry.type);
    put32(out, 1);
    if (entry.type == 3) {
      put16(out, static_cast<std::uint16_t>(entry.value));
      put16(out, 0);
    } else {
      put32(out, entry.value);
    }
  }
  put32(out, 0);  // no next IFD
  put32(out, resolution);
  put32(out, 1);
  out.insert(out.end(), g4.bytes.begin(), g4.bytes.end());
  return out;
}

void write_page(const ScanCommandOptions& options, const scanners::ScannedPage& page) {
  char name[32];
  const bool bilevel = page.image.mode == ColorMode::Bilevel;
  std::snprintf(name, sizeof name, "page-%04d.%s", page.number + 1, bilevel ? "tif" : "jpg");
  const auto path = std::filesystem::path(options.output_dir) / name;
  if (bilevel) {
    write_file_durably(path, tiff_g4(imaging::encode_g4(page.image), page.image.dpi_x));
  } else {
    write_file_durably(path, imaging::encode_jpeg(page.image, options.jpeg_quality).bytes);
  }
  if (!options.quiet) {
    std::cerr << "sohoa: page " << page.number + 1 << (page.back_side ? " (back)" : "") << " -> "
              << path.string() << '\n';
  }
}

bool ask_to_resume() {
  if (isatty(STDIN_FILENO) == 0) return false;
  std::cerr << "Tiếp tục / Resume? [Y/n] " << std::flush;
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  return answer.empty() || answer[0] == 'y' || answer[0] == 'Y' || answer[0] == 'c' ||
         answer[0] == 'C';
}

int list() {
  const auto devices = scanners::list_devices();
  if (devices.empty()) {
    std::cerr << "sohoa: no scanner found (USB: is it on and permitted? network: is "
                 "sane-airscan installed? see docs/scanners.md)\n";
    return kExitOk;
  }
  for (const auto& device : devices) {
    std::cout << device.name << "\t" << device.vendor << " " << device.model << " (" << device.type
              << ")\n";
  }
  return kExitOk;
}

int scan(const ScanCommandOptions& options) {
  scanners::ScanSettings settings;
  settings.source = *scanners::source_from_string(options.source);
  settings.mode = *scanners::mode_from_string(options.mode);
  settings.resolution_dpi = options.resolution;
  if (!options.page_size.empty())
    settings.page_size = scanners::page_size_from_string(options.page_size);
  for (const auto& option : options.device_options) {
    const auto equals = option.find('=');
    settings.device_options.emplace_back(
        option.substr(0, equals), equals == std::string::npos ? "" : option.substr(equals + 1));
  }
  std::filesystem::create_directories(options.output_dir);

  std::optional<scanners::ScanSession> opened;
  try {
    opened.emplace(options.device, settings);
  } catch (const scanners::ScannerError& error) {
    // Cannot open (gone, busy, no permission): the same two-language advice.
    const auto& fault = error.fault();
    std::cerr << "sohoa: " << fault.device << ": " << fault.message_vi << "\n       "
              << fault.message_en << " [" << to_string(fault.kind) << ": " << fault.detail << "]\n";
    return kExitScannerFault;
  }
  auto& session = *opened;
  for (;;) {
    const auto result =
        session.scan_stack([&](scanners::ScannedPage page) { write_page(options, page); });
    if (!result.fault) break;
    const auto& fault = *result.fault;
    std::cerr << "sohoa: " << fault.device << ": " << fault.message_vi << "\n       "
              << fault.message_en << " [" << to_string(fault.kind) << ": " << fault.detail << "]\n";
    if (!ask_to_resume()) {
      session.close();
      if (!options.quiet) {
        std::cerr << "sohoa: " << session.pages_delivered() << " pages kept in "
                  << options.output_dir << '\n';
      }
      return kExitScannerFault;
    }
  }
  session.close();
  if (!options.quiet) {
    std::cerr << "sohoa: " << session.pages_delivered() << " pages scanned into "
              << options.output_dir << '\n';
  }
  return kExitOk;
}

}  // namespace

void add_scan_command(CLI::App& root, RunAction& run_action) {
  auto options = std::make_shared<ScanCommandOptions>();
  auto* command = root.add_subcommand("scan", "List scanners or scan a feeder stack into a folder");
  command->add_flag("--list", options->list, "List the scanners SANE finds (USB and network)");
  command->add_option("-d,--device", options->device, "SANE device name (from --list)");
  command->add_option("--source", options->source, "flatbed, adf or adf-duplex")
      ->check(CLI::IsMember({"flatbed", "adf", "adf-duplex"}))
      ->capture_default_str();
  command
      ->add_option("-r,--resolution", options->resolution,
                   "Dots per inch (200 minimum for "
                   "documents, 300 for drawings)")
      ->check(CLI::Range(50, 1200))
      ->capture_default_str();
  command->add_option("--mode", options->mode, "color, gray or lineart (bilevel, TIFF G4)")
      ->check(CLI::IsMember({"color", "gray", "lineart"}))
      ->capture_default_str();
  command->add_option("--page-size", options->page_size, "a4, a5, legal or WxH in mm");
  command->add_option("--option", options->device_options,
                      "A backend option NAME=VALUE (see scanimage -d DEVICE -A); repeatable");
  command->add_option("-o,--output", options->output_dir, "Folder for the pages");
  command->add_option("--jpeg-quality", options->jpeg_quality, "JPEG quality of gray/colour pages")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  command->add_flag("-q,--quiet", options->quiet, "Only problems on stderr");
  command->callback([options, &run_action] {
    if (options->list) {
      run_action = [] { return list(); };
      return;
    }
    if (options->device.empty() || options->output_dir.empty()) {
      throw CLI::ValidationError("scan", "give --list, or -d DEVICE and -o DIR");
    }
    if (!options->page_size.empty() && !scanners::page_size_from_string(options->page_size)) {
      throw CLI::ValidationError("--page-size", "use a4, a5, legal or WxH in millimetres");
    }
    run_action = [options] { return scan(*options); };
  });
}

}  // namespace sohoa::app
