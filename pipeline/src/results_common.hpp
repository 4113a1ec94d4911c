#pragma once
// Pieces of the results files shared by `sohoa ocr` and `sohoa batch`.

#include <nlohmann/json.hpp>
#include <string>

#include "sohoa/pipeline/ocr_job.hpp"

namespace sohoa::pipeline {

std::string display_source(const std::string& path, const std::string& root);
nlohmann::json warnings_json(const Warnings& warnings);
nlohmann::json error_json(const Error& error);
// One page's entry as `--results` of `sohoa ocr` writes it.
nlohmann::json page_json(const PageReport& page, const std::string& source_root);

}  // namespace sohoa::pipeline
