// Signing benchmark, one run, one process (bench/sign_bench.sh builds it in
// Release and makes the test keys):
//   1. B-B signing of a 10 MB PDF against its floor, SHA-256 of the same bytes
//      plus one RSA-2048 signature, measured here       -> ratio   (goal <= 1.5),
//      in memory (sign_pdf) and file to file (sign_file, as `sohoa sign`)
//   2. a batch of 100 x 1 MB PDFs with a soft key       -> docs/s  (goal >= 50)
//   3. verification of those signed files (offline)     -> sigs/s  (goal >= 200)
// The inputs are written by the bench itself: one-page PDFs whose page draws an
// uncompressed image of random (incompressible) bytes, so size is what costs.
//
// Usage: sign_bench --p12 FILE --trust CA.pem [--work DIR] [--docs N]
//        (the .p12 password from SOHOA_PIN)
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "sohoa/core/error.hpp"
#include "sohoa/signing/pades.hpp"
#include "sohoa/signing/verify.hpp"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using sohoa::signing::Buffer;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// A valid one-page PDF of about `bytes` bytes (classic xref, computed offsets).
std::string make_pdf(std::size_t bytes, std::uint32_t seed) {
  const int side = static_cast<int>(std::sqrt(static_cast<double>(bytes)));
  std::string pixels(static_cast<std::size_t>(side) * side, '\0');
  std::mt19937_64 random(seed);
  for (std::size_t i = 0; i + 8 <= pixels.size(); i += 8) {
    const std::uint64_t word = random();
    std::memcpy(pixels.data() + i, &word, 8);
  }
  std::vector<std::string> objects{
      "<</Type/Catalog/Pages 2 0 R>>",
      "<</Type/Pages/Kids[3 0 R]/Count 1>>",
      "<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Resources<</XObject<</Im1 5 0 R>>>>"
      "/Contents 4 0 R>>",
  };
  const std::string content = "q 595 0 0 842 0 0 cm /Im1 Do Q";
  objects.push_back("<</Length " + std::to_string(content.size()) + ">>\nstream\n" + content +
                    "\nendstream");
  objects.push_back("<</Type/XObject/Subtype/Image/Width " + std::to_string(side) + "/Height " +
                    std::to_string(side) + "/ColorSpace/DeviceGray/BitsPerComponent 8/Length " +
                    std::to_string(pixels.size()) + ">>\nstream\n" + pixels + "\nendstream");
  std::string pdf = "%PDF-1.7\n%\xE2\xE3\xCF\xD3\n";
  std::vector<std::size_t> offsets;
  for (std::size_t i = 0; i < objects.size(); ++i) {
    offsets.push_back(pdf.size());
    pdf += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
  }
  const std::size_t xref = pdf.size();
  pdf += "xref\n0 " + std::to_string(objects.size() + 1) + "\n0000000000 65535 f\r\n";
  char line[32];
  for (std::size_t offset : offsets) {
    std::snprintf(line, sizeof line, "%010zu 00000 n\r\n", offset);
    pdf += line;
  }
  pdf += "trailer\n<</Size " + std::to_string(objects.size() + 1) + "/Root 1 0 R>>\nstartxref\n" +
         std::to_string(xref) + "\n%%EOF\n";
  return pdf;
}

void write_file(const fs::path& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

// A measured step: `setup` runs before it, outside the clock.
struct Step {
  std::function<void()> setup;
  std::function<void()> work;
};

// The median time of each step over `rounds` rounds (after one warm-up round).
// The steps take turns within a round, so a peer and what is compared with it
// see the same machine load even on a shared machine.
// Also the processor time (all threads, user + system), which a loaded
// machine disturbs less than the elapsed time.
struct Timing {
  double elapsed = 0;
  double processor = 0;
};

double processor_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

std::vector<Timing> interleaved_medians(int rounds, const std::vector<Step>& steps) {
  std::vector<std::vector<double>> elapsed(steps.size());
  std::vector<std::vector<double>> processor(steps.size());
  for (int round = -1; round < rounds; ++round) {
    for (std::size_t i = 0; i < steps.size(); ++i) {
      steps[i].setup();
      const double processor_start = processor_seconds();
      auto start = Clock::now();
      steps[i].work();
      if (round >= 0) {
        elapsed[i].push_back(seconds_since(start));
        processor[i].push_back(processor_seconds() - processor_start);
      }
    }
  }
  auto median = [](std::vector<double>& list) {
    std::sort(list.begin(), list.end());
    return list[list.size() / 2];
  };
  std::vector<Timing> medians;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    medians.push_back({median(elapsed[i]), median(processor[i])});
  }
  return medians;
}

// A file's bytes mapped read-only, the cheapest way to hash a file.
class MappedFile {
 public:
  explicit MappedFile(const fs::path& path) : fd_(::open(path.c_str(), O_RDONLY)) {
    struct stat info {};
    if (fd_ < 0 || ::fstat(fd_, &info) != 0)
      throw std::runtime_error("cannot open " + path.string());
    size_ = static_cast<std::size_t>(info.st_size);
    void* at = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd_, 0);
    if (at == MAP_FAILED) throw std::runtime_error("cannot map " + path.string());
    data_ = static_cast<const std::uint8_t*>(at);
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile() {
    ::munmap(const_cast<std::uint8_t*>(data_), size_);
    ::close(fd_);
  }
  [[nodiscard]] sohoa::signing::ByteView bytes() const { return {data_, size_}; }

 private:
  int fd_;
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

const char* verdict(bool met) {
  return met ? "MET" : "NOT MET";
}

int run(int argc, char** argv) {
  fs::path p12;
  fs::path trust;
  fs::path work = fs::temp_directory_path() / "sohoa-sign-bench";
  int docs = 100;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string arg = argv[i];
    if (arg == "--p12") {
      p12 = argv[i + 1];
    } else if (arg == "--trust") {
      trust = argv[i + 1];
    } else if (arg == "--work") {
      work = argv[i + 1];
    } else if (arg == "--docs") {
      docs = std::atoi(argv[i + 1]);
    }
  }
  if (p12.empty() || trust.empty()) {
    std::fprintf(stderr, "usage: sign_bench --p12 FILE --trust CA.pem [--work DIR] [--docs N]\n");
    return 1;
  }
  constexpr int kRounds = 15;
  const char* pin = std::getenv("SOHOA_PIN");
  sohoa::signing::P12KeySource key(p12, sohoa::signing::Secret(pin != nullptr ? pin : ""));
  fs::create_directories(work / "in");
  fs::create_directories(work / "out");

  // 1. 10 MB: B-B signing vs SHA-256 + one RSA signature of the same bytes.
  const std::string big_text = make_pdf(std::size_t{10} * 1000 * 1000, 1);
  const Buffer big(big_text.begin(), big_text.end());
  const fs::path big_file = work / "big.pdf";
  const fs::path big_signed = work / "big.signed.pdf";
  write_file(big_file, big_text);
  sohoa::signing::SignOptions options;  // B-B, invisible
  auto nothing = [] {};
  const std::vector<Timing> medians = interleaved_medians(
      kRounds,
      {
          // In memory: SHA-256 + RSA of the bytes, and sign_pdf.
          {nothing, [&] { (void)key.sign_sha256(big); }},
          {nothing, [&] { (void)sohoa::signing::sign_pdf(big, key, options); }},
          // The file floor: SHA-256 of the file where it lies (mapped, no
          // copy) + one RSA signature; sign_file must also write 10 MB.
          {nothing,
           [&] {
             const MappedFile mapped(big_file);
             (void)key.sign_sha256(mapped.bytes());
           }},
          // `sohoa sign IN.pdf -o OUT.pdf` into a new file, as a desk signs a
          // new dossier (the previous output is removed before the clock starts).
          {[&] { fs::remove(big_signed); },
           [&] { sohoa::signing::sign_file(big_file, big_signed, key, options); }},
          // Replacing an existing output also pays the file system's price for
          // a rename over a file (ext4 starts writing the new file back at once).
          {nothing, [&] { sohoa::signing::sign_file(big_file, big_signed, key, options); }},
      });
  const double floor_s = medians[0].elapsed;
  const double sign_s = medians[1].elapsed;
  const double file_floor_s = medians[2].elapsed;
  const double file_s = medians[3].elapsed;
  const double replace_s = medians[4].elapsed;
  const double ratio = sign_s / floor_s;
  const double file_ratio = file_s / file_floor_s;
  std::printf(
      "10 MB PDF (%zu bytes), medians of %d interleaved rounds:       elapsed   processor\n",
      big.size(), kRounds);
  const char* labels[] = {"sha256 + RSA-2048 signature (in memory)", "sign_pdf B-B (in memory)",
                          "sha256 of the file + RSA-2048 signature",
                          "sign_file B-B, IN.pdf -> new OUT.pdf",
                          "sign_file B-B, replacing OUT.pdf"};
  for (std::size_t i = 0; i < medians.size(); ++i) {
    std::printf("  %-58s %8.2f ms %8.2f ms\n", labels[i], medians[i].elapsed * 1000,
                medians[i].processor * 1000);
  }
  std::printf("  ratio sign_pdf / in-memory floor          %8.2f   goal <= 1.5  %s\n", ratio,
              verdict(ratio <= 1.5));
  std::printf("  ratio sign_file / file floor              %8.2f   goal <= 1.5  %s\n", file_ratio,
              verdict(file_ratio <= 1.5));
  std::printf("  ratio sign_file replacing / file floor    %8.2f   (information)\n",
              replace_s / file_floor_s);
  std::printf(
      "  processor time sign_file / file floor     %8.2f   (information: the copy to\n"
      "                                                     OUT.pdf runs beside the hashing)\n",
      medians[3].processor / medians[2].processor);

  // 2. Batch of N x 1 MB files with one soft key, files on disk as a desk has them.
  std::vector<fs::path> inputs;
  for (int i = 0; i < docs; ++i) {
    inputs.push_back(work / "in" / ("doc" + std::to_string(i) + ".pdf"));
    write_file(inputs.back(),
               make_pdf(std::size_t{1000} * 1000, 100 + static_cast<std::uint32_t>(i)));
  }
  auto start = Clock::now();
  for (const auto& input : inputs) {
    sohoa::signing::sign_file(input, work / "out" / input.filename(), key, options);
  }
  const double batch_s = seconds_since(start);
  const double docs_per_s = docs / batch_s;
  std::printf(
      "batch: %d x 1 MB PDFs signed B-B (soft key) in %.3f s = %.1f docs/s   goal >= 50  %s\n",
      docs, batch_s, docs_per_s, verdict(docs_per_s >= 50));

  // 3. Verification of the signed files (offline: revocation data only from the file).
  sohoa::signing::VerifyOptions verify;
  verify.trust_anchors = sohoa::signing::load_pem_certificates(trust);
  int valid = 0;
  start = Clock::now();
  for (const auto& input : inputs) {
    auto report = sohoa::signing::verify_file(work / "out" / input.filename(), verify);
    valid += report.all_valid() && report.signatures.size() == 1 ? 1 : 0;
  }
  const double verify_s = seconds_since(start);
  const double sigs_per_s = docs / verify_s;
  std::printf("verify: %d signed 1 MB PDFs (%d valid) in %.3f s = %.1f sigs/s   goal >= 200  %s\n",
              docs, valid, verify_s, sigs_per_s, verdict(sigs_per_s >= 200 && valid == docs));
  fs::remove_all(work);
  return ratio <= 1.5 && file_ratio <= 1.5 && docs_per_s >= 50 && sigs_per_s >= 200 && valid == docs
             ? 0
             : 2;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "sign_bench: %s\n", error.what());
    return 1;
  }
}
