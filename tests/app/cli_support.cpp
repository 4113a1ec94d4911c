#include "cli_support.hpp"

#include <sstream>

namespace sohoa::test {

CommandResult run_sohoa(const std::vector<std::string>& args, const std::filesystem::path& cwd) {
  std::string command;
  if (!cwd.empty()) command = "cd " + shell_quote(cwd.string()) + " && ";
  command += shell_quote(sohoa_exe().string());
  for (const auto& arg : args) command += " " + shell_quote(arg);
  return run_command(command);
}

std::string check_pdfa(const std::filesystem::path& pdf, const std::string& level) {
  auto result = run_command("bash " + shell_quote((shared_dir() / "check/check_pdfa.sh").string()) +
                            " " + shell_quote(pdf.string()) + " --level " + level);
  std::istringstream lines(result.output);
  std::string line;
  std::string last;
  while (std::getline(lines, line)) {
    if (!line.empty()) last = line;
  }
  if (result.exit_code != 0) return last + "\n" + result.output;
  return last;
}

std::string pdf_text(const std::filesystem::path& pdf) {
  return run_command("pdftotext -enc UTF-8 " + shell_quote(pdf.string()) + " -").output;
}

int pdf_page_count(const std::filesystem::path& pdf) {
  auto result = run_command("qpdf --show-npages " + shell_quote(pdf.string()));
  return result.exit_code == 0 ? std::stoi(result.output) : -1;
}

std::string fold_spaces(const std::string& text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f') {
      space = !out.empty();
    } else {
      if (space) out += ' ';
      out += c;
      space = false;
    }
  }
  return out;
}

}  // namespace sohoa::test
