#pragma once
// Running the `sohoa` executable and the independent checkers from tests.

#include <filesystem>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace sohoa::test {

// Runs `sohoa ARGS...` in `cwd` (empty: current folder); output captured.
CommandResult run_sohoa(const std::vector<std::string>& args,
                        const std::filesystem::path& cwd = {});

// shared/check/check_pdfa.sh on a file; returns its last line ("PDFA 1b OK" ...).
std::string check_pdfa(const std::filesystem::path& pdf, const std::string& level);

// Text of a PDF through poppler's pdftotext (UTF-8).
std::string pdf_text(const std::filesystem::path& pdf);

// Number of pages according to qpdf.
int pdf_page_count(const std::filesystem::path& pdf);

// Lowercase-free whitespace folding: runs of spaces/newlines become one space.
std::string fold_spaces(const std::string& text);

}  // namespace sohoa::test
