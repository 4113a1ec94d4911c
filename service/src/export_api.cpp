// The exchange-package download of the web API: exchange/ builds and checks the
// package through the registry with the caller's Viewer, so agency isolation and
// the audit of every read are the registry's, as for the other dossier routes.
#include "export_api.hpp"

#include <nlohmann/json.hpp>

#include "sohoa/core/error.hpp"
#include "sohoa/exchange/sip_export.hpp"

namespace sohoa::service {

WebReply export_dossier_reply(storage::Registry& registry, const std::string& dossier_code,
                              const WebRequest& request, const storage::Viewer& viewer,
                              const std::filesystem::path& work_dir) {
  const auto format_param = request.query.find("format");
  const std::string format = format_param == request.query.end() ? "zip" : format_param->second;
  if (format != "zip" && format != "tar") {
    return {400,
            nlohmann::json{{"error", "parameter 'format' must be zip or tar"}}.dump(),
            "application/json",
            {}};
  }
  exchange::ExportOptions options;
  options.work_dir = work_dir;
  exchange::PackageSummary summary;
  std::vector<std::uint8_t> archive;
  try {
    archive = exchange::export_dossier_archive(
        registry, dossier_code, viewer,
        format == "zip" ? exchange::PackageFormat::Zip : exchange::PackageFormat::Tar, options,
        &summary);
  } catch (const Error& error) {
    // Absent and not visible look the same, as for GET /api/dossiers/{code}.
    if (error.code() != ErrorCode::InputNotFound || error.context().file.size() > 0) throw;
    return {404, nlohmann::json{{"error", "not found"}}.dump(), "application/json", {}};
  }
  WebReply reply{200,
                 std::string(archive.begin(), archive.end()),
                 format == "zip" ? "application/zip" : "application/x-tar",
                 {}};
  reply.headers.emplace_back("Content-Disposition", "attachment; filename=\"" +
                                                        summary.package_name + "." + format + "\"");
  return reply;
}

}  // namespace sohoa::service
