#include "omp_guard.hpp"

#include <unistd.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <iostream>

namespace sohoa::app {

void ensure_single_threaded_openmp(int /*argc*/, char** argv) {
  const char* limit = std::getenv("OMP_THREAD_LIMIT");
  if ((limit != nullptr && std::strcmp(limit, "1") == 0) || std::getenv("SOHOA_ALLOW_OPENMP")) {
    return;
  }
  if (setenv("OMP_THREAD_LIMIT", "1", 1) != 0) return;
  // /proc/self/exe names this very binary even when argv[0] is a bare name;
  // exec its target path so the process keeps its own name.
  std::array<char, 4096> self{};
  const ssize_t length = readlink("/proc/self/exe", self.data(), self.size() - 1);
  execv(length > 0 ? self.data() : "/proc/self/exe", argv);
  // Could not re-execute (no /proc): carry on; the thread test will show it.
  std::cerr << "sohoa: warning: could not restart with OMP_THREAD_LIMIT=1: " << std::strerror(errno)
            << '\n';
}

}  // namespace sohoa::app
