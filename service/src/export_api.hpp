#pragma once
// GET /api/dossiers/{code}/export[?format=zip|tar]: the dossier as an exchange
// package (docs/exchange.md), for the route table in web_api.cpp.

#include <filesystem>
#include <string>

#include "sohoa/storage/registry.hpp"
#include "web_api.hpp"

namespace sohoa::service {

// The package archive as an attachment; 404 when the dossier is absent or not
// visible to `viewer` (the registry decides, as for every dossier read), 400 for
// an unknown format. `work_dir` is where the package is assembled before archiving.
WebReply export_dossier_reply(storage::Registry& registry, const std::string& dossier_code,
                              const WebRequest& request, const storage::Viewer& viewer,
                              const std::filesystem::path& work_dir);

}  // namespace sohoa::service
