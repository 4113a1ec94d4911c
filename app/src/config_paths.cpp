#include "config_paths.hpp"

#include <cstdlib>
#include <filesystem>
#include <vector>

namespace sohoa::app {

namespace fs = std::filesystem;

std::string find_config_dir(const std::string& name) {
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("SOHOA_CONFIG_DIR"); env != nullptr && *env != '\0') {
    candidates.push_back(fs::path(env) / name);
  }
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    candidates.push_back(exe.parent_path().parent_path() / "share/sohoa/config" / name);
    candidates.push_back(exe.parent_path().parent_path() / "config" / name);
  }
  candidates.push_back(fs::path(SOHOA_SOURCE_CONFIG_DIR) / name);
  for (const auto& candidate : candidates) {
    if (fs::is_directory(candidate, ec)) return candidate.string();
  }
  return {};
}

}  // namespace sohoa::app
