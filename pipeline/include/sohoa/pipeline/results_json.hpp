#pragma once
// The results file of `--results`: the format read by shared/corpus/score.py
// ({"pages": [{"source", "text", "rotation", "blank", ...}]}) plus per-page
// details (confidence, deskew, encoding, warnings, error).

#include <string>

#include "sohoa/pipeline/ocr_job.hpp"

namespace sohoa::pipeline {

// `source_root`: when not empty, sources are written relative to it.
std::string results_to_json(const JobReport& report, const std::string& source_root = {});

// Writes atomically (temp file + rename). Throws Error(OutputFailed).
void write_text_file_atomically(const std::string& path, const std::string& content);

// The plain text of every page, pages separated by form feeds (like OCRmyPDF's sidecar).
std::string sidecar_text(const JobReport& report);

}  // namespace sohoa::pipeline
