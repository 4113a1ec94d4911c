#pragma once
// The intake spool: where every door (scanner, hot folder, HTTP upload) leaves a
// complete batch for the pipeline. A batch appears in `ready/` in one atomic
// rename, whole or not at all, so after a crash there is never half a batch to
// process and never a page accepted twice.
//
//   <root>/incoming/<id>/        an upload or scan being written (swept on start-up)
//   <root>/incoming/<id>.claim/  a hot-folder file mid-claim (finished on start-up)
//   <root>/open/<id>/            a scanner batch paused by a fault or awaiting more
//                                stacks: kept across restarts until resumed or closed
//   <root>/ready/<id>/           complete batches, until the pipeline releases them
//
// The root must be on the same file system as any hot folder feeding it
// (claiming is rename(2)); the constructor of HotFolder checks.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sohoa/core/error.hpp"

namespace sohoa::scanners {

// What a file looks like from its first bytes; full decoding is the pipeline's job.
enum class IntakeFileKind : std::uint8_t { Jpeg, Png, Tiff, Pdf, Pnm, Unknown };
std::string_view to_string(IntakeFileKind kind);

struct SniffResult {
  IntakeFileKind kind = IntakeFileKind::Unknown;
  std::optional<Error> problem;  // EmptyInput, UnsupportedFormat or InputNotFound
};
SniffResult sniff_intake_file(const std::filesystem::path& file);

struct IntakeFile {
  std::filesystem::path path;  // inside the spool
  std::string name;            // as it arrived, relative to the batch (page order)
  std::uintmax_t size = 0;
  IntakeFileKind kind = IntakeFileKind::Unknown;
  std::optional<Error> problem;  // a bad file: reported, the rest of the batch goes on
};

struct IntakeBatch {
  std::string id;      // unique and stable: the job queue's idempotency key
  std::string origin;  // "folder:<inbox>", "upload", "scanner:<device>"
  std::filesystem::path folder;
  std::vector<IntakeFile> files;  // in page order (natural order of names)
  [[nodiscard]] std::size_t good_files() const;
};

// "scan2" < "scan10": digits compare by value, the way people number pages.
bool natural_less(std::string_view a, std::string_view b);

class IntakeSpool {
 public:
  // Creates the folders and recovers from a crash: finishes interrupted claims
  // and removes interrupted uploads.
  explicit IntakeSpool(std::filesystem::path root);

  [[nodiscard]] const std::filesystem::path& root() const { return root_; }

  // Writes a batch file by file (uploads, scanner sessions); nothing is visible
  // in ready/ before commit(). Destroying an uncommitted writer discards it.
  class BatchWriter {
   public:
    BatchWriter(BatchWriter&& other) noexcept;
    BatchWriter& operator=(BatchWriter&&) = delete;
    BatchWriter(const BatchWriter&) = delete;
    BatchWriter& operator=(const BatchWriter&) = delete;
    ~BatchWriter();
    // Throws Error(StorageFull/OutputFailed); InvalidArgument for a name with
    // a folder part or a hidden name.
    void add_file(std::string_view name, std::span<const std::uint8_t> bytes);
    IntakeBatch commit();
    void abort();
    [[nodiscard]] const std::string& id() const { return id_; }
    [[nodiscard]] int files_written() const;  // files in the batch so far (resumed ones too)

   private:
    friend class IntakeSpool;
    BatchWriter(IntakeSpool& spool, std::string id, std::string origin, bool resumable);
    IntakeSpool* spool_;
    std::string id_;
    std::string origin_;
    std::filesystem::path folder_;
    bool open_ = true;
    bool resumable_ = false;  // an open/ batch: kept, not discarded, when the writer goes
  };

  BatchWriter begin_batch(std::string_view origin, std::string_view label);

  // A scanner batch that survives faults and restarts: every page written is
  // durable at once; destroying the writer keeps the batch in open/ until
  // resume_open_batch() continues it or commit()/abort() ends it.
  BatchWriter begin_open_batch(std::string_view origin, std::string_view label);
  // Continues an open batch; throws Error(InputNotFound) when there is none by that id.
  BatchWriter resume_open_batch(const std::string& id);
  // Open batches, oldest first (files as in ready batches, folder in open/).
  [[nodiscard]] std::vector<IntakeBatch> open_batches() const;

  // Claims a complete file or folder (on the same file system) in one rename.
  // Returns nothing when it is gone already (another claimer was first).
  std::optional<IntakeBatch> adopt(const std::filesystem::path& source, std::string_view origin);

  // Complete batches not yet released, oldest first (after a restart: what was
  // accepted before the crash).
  [[nodiscard]] std::vector<IntakeBatch> ready_batches() const;
  [[nodiscard]] std::optional<IntakeBatch> ready_batch(const std::string& id) const;

  // The pipeline has filed the batch: its files leave the spool.
  void release(const std::string& id);

 private:
  std::string new_id(std::string_view label) const;
  IntakeBatch describe(const std::string& id, const std::string& origin) const;
  IntakeBatch describe_in(const std::filesystem::path& folder, const std::string& id,
                          const std::string& origin) const;

  std::filesystem::path root_;
};

}  // namespace sohoa::scanners
