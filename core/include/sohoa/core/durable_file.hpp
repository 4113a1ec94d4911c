#pragma once
// Files that survive a crash or power cut whole or not at all: write a temp file
// beside the target, fsync it, rename it over the target, fsync the folder. A
// reader (or a restarted service) never sees a half-written output.
//
// Temp files are hidden and carry the writer's pid (".NAME.sohoa-tmp.PID.N"), so
// a restarted process can sweep the leftovers of a crashed one without touching
// the temp files of a live writer.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>

namespace sohoa {

// Throws Error(StorageFull) when the disk or a file-size limit is full (ENOSPC,
// EDQUOT, EFBIG) and Error(OutputFailed) for other failures; the target is then
// untouched and the temp file removed.
void write_file_durably(const std::filesystem::path& path, std::span<const std::uint8_t> bytes);
void write_file_durably(const std::filesystem::path& path, std::string_view text);

// Makes a completed rename/create/unlink inside `folder` durable.
void fsync_directory(const std::filesystem::path& folder);

// rename(2) then fsync of both parent folders: after it returns the move
// survives a power cut. Both paths must be on one file system (atomic rename).
void rename_durably(const std::filesystem::path& from, const std::filesystem::path& to);

// True for names write_file_durably uses for its temp files.
bool is_durable_temp_name(std::string_view file_name);

// Removes, in `folder` (not recursively), temp files whose writing process is
// gone; returns how many were removed. Call on start-up after a crash.
std::size_t remove_stale_temp_files(const std::filesystem::path& folder);

// The ErrorCode for a failed write's errno: StorageFull for ENOSPC/EDQUOT/EFBIG.
[[nodiscard]] bool is_storage_full_errno(int error_number);

}  // namespace sohoa
