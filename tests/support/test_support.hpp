#pragma once
// Helpers shared by the test suites: where things are, scratch folders, running
// external commands (the independent checkers) and reading files.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace sohoa::test {

// ../shared (from SOHOA_SHARED_DIR); the tests skip when it is absent.
std::filesystem::path shared_dir();
std::filesystem::path corpus_dir();  // shared/corpus/public
std::filesystem::path source_dir();  // the repository root
std::filesystem::path sohoa_exe();   // the built `sohoa` executable

// A fresh empty folder under the system temp dir, removed by the destructor.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] std::filesystem::path operator/(const std::string& name) const {
    return path_ / name;
  }

 private:
  std::filesystem::path path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs `command` through /bin/sh and captures its output.
CommandResult run_command(const std::string& command);

// Single-quotes a string for /bin/sh.
std::string shell_quote(const std::string& text);

// A PDF written as text from its objects (object i+1 is objects[i]; object 1 is the
// catalog), with a correct classic xref table: hand-made inputs for readers.
std::string pdf_from_objects(const std::vector<std::string>& objects);

std::vector<std::uint8_t> read_bytes(const std::filesystem::path& path);
std::string read_text(const std::filesystem::path& path);
void write_bytes(const std::filesystem::path& path, const std::vector<std::uint8_t>& bytes);
void write_text(const std::filesystem::path& path, const std::string& text);

// True when `program` is found on PATH.
bool have_program(const std::string& program);

}  // namespace sohoa::test
