#pragma once

namespace sohoa::app {

// Tesseract's OpenMP threads thrash on small machines, and libgomp reads
// OMP_THREAD_LIMIT only when it is loaded, before main(). When the variable is
// not set, the process re-executes itself with OMP_THREAD_LIMIT=1 so the limit
// is really in force; parallelism comes from our own page workers instead.
// SOHOA_ALLOW_OPENMP=1 opts out (for experiments).
void ensure_single_threaded_openmp(int argc, char** argv);

}  // namespace sohoa::app
