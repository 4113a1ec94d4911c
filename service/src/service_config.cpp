// Reads the service configuration (JSON). Every key is optional; an unknown key
// is an error, so a misspelt setting is not silently ignored.
#include "sohoa/service/service_config.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "sohoa/core/error.hpp"

namespace sohoa::service {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

[[noreturn]] void bad_value(const std::string& key, const std::string& why) {
  throw Error(ErrorCode::InvalidArgument, "configuration key '" + key + "': " + why);
}

void check_keys(const json& object, const std::string& where, const std::set<std::string>& known) {
  if (!object.is_object()) bad_value(where, "must be an object");
  for (const auto& item : object.items()) {
    if (item.key().rfind("_comment", 0) == 0) continue;  // documentation inside the file
    if (known.count(item.key()) == 0) bad_value(where + item.key(), "unknown key");
  }
}

template <typename T>
void read(const json& object, const std::string& key, const std::string& where, T& target) {
  const auto found = object.find(key);
  if (found == object.end()) return;
  try {
    target = found->template get<T>();
  } catch (const json::exception&) {
    bad_value(where + key, "has the wrong type");
  }
}

fs::path resolve(const fs::path& base, const std::string& path) {
  if (path.empty()) return {};
  const fs::path candidate(path);
  return candidate.is_absolute() ? candidate : (base / candidate).lexically_normal();
}

SignerConfig parse_signer(const json& item, const std::string& where, const fs::path& base_dir) {
  check_keys(item, where,
             {"p12", "pkcs11_module", "key_id", "chain", "pin_file", "tsa", "level", "trust"});
  SignerConfig signer;
  std::string p12, module, chain, pin_file, trust;
  read(item, "p12", where, p12);
  read(item, "pkcs11_module", where, module);
  read(item, "key_id", where, signer.key_id);
  read(item, "chain", where, chain);
  read(item, "pin_file", where, pin_file);
  read(item, "tsa", where, signer.tsa_url);
  read(item, "level", where, signer.level);
  read(item, "trust", where, trust);
  signer.p12 = resolve(base_dir, p12);
  signer.pkcs11_module = resolve(base_dir, module);
  signer.chain = resolve(base_dir, chain);
  signer.pin_file = resolve(base_dir, pin_file);
  signer.trust = resolve(base_dir, trust);
  if (p12.empty() == module.empty()) bad_value(where + "p12", "give either p12 or pkcs11_module");
  if (!module.empty() && signer.key_id.empty()) bad_value(where + "key_id", "is required");
  if (pin_file.empty()) bad_value(where + "pin_file", "is required (the PIN is never inline)");
  static const std::set<std::string> kLevels = {"B-B", "B-T", "B-LT", "B-LTA"};
  if (!kLevels.contains(signer.level))
    bad_value(where + "level", "must be B-B, B-T, B-LT or B-LTA");
  if (signer.level != "B-B" && signer.tsa_url.empty()) {
    bad_value(where + "tsa", "is required for level " + signer.level);
  }
  return signer;
}

}  // namespace

ServiceConfig parse_service_config(const std::string& json_text, const fs::path& base_dir) {
  json root;
  try {
    root = json::parse(json_text);
  } catch (const json::parse_error& error) {
    throw Error(ErrorCode::InvalidArgument,
                std::string("configuration is not valid JSON: ") + error.what());
  }
  check_keys(root, "",
             {"data_dir",
              "hot_folders",
              "scanners",
              "language",
              "pdfa",
              "classes",
              "tessdata",
              "listen",
              "http",
              "jobs",
              "processing",
              "max_pending_pages",
              "max_upload_mb",
              "max_attempts",
              "retry_first_delay_ms",
              "web",
              "holidays",
              "tls_certificate",
              "tls_private_key",
              "session_idle_minutes",
              "signers",
              "database",
              "blobs_dir",
              "agency",
              "unit_code"});
  ServiceConfig config;
  std::string data_dir = "data";
  read(root, "data_dir", "", data_dir);
  config.data_dir = resolve(base_dir, data_dir);
  read(root, "database", "", config.database);
  if (!config.database.empty() && !config.database.starts_with("postgresql://") &&
      !config.database.starts_with("postgres://")) {
    bad_value("database", "must be a postgresql:// URL (leave it out for SQLite in data_dir)");
  }
  std::string blobs_dir;
  read(root, "blobs_dir", "", blobs_dir);
  if (!blobs_dir.empty()) config.blobs_dir = resolve(base_dir, blobs_dir);
  read(root, "agency", "", config.agency);
  read(root, "unit_code", "", config.unit_code);
  auto is_unit_code = [](const std::string& code) {
    return !code.empty() && code.size() <= 40 &&
           code.find_first_not_of(
               "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.") ==
               std::string::npos;
  };
  if (!config.agency.empty() && !is_unit_code(config.agency)) {
    bad_value("agency", "must be a unit code such as 000.00.00.H49");
  }
  if (!config.unit_code.empty() && !is_unit_code(config.unit_code)) {
    bad_value("unit_code", "must be a unit code such as 000.00.00.H49");
  }
  if (!config.unit_code.empty() && config.agency.empty()) {
    bad_value("unit_code", "needs agency as well");
  }
  if (config.unit_code.empty()) config.unit_code = config.agency;
  read(root, "language", "", config.languages);
  read(root, "pdfa", "", config.pdfa_level);
  if (config.pdfa_level != "1b" && config.pdfa_level != "2b" && config.pdfa_level != "2u") {
    bad_value("pdfa", "must be 1b, 2b or 2u");
  }
  std::string classes;
  read(root, "classes", "", classes);
  config.classes_path = resolve(base_dir, classes).string();
  std::string tessdata;
  read(root, "tessdata", "", tessdata);
  config.tessdata_dir = resolve(base_dir, tessdata).string();
  std::string listen;
  read(root, "listen", "", listen);
  if (!listen.empty()) {
    const auto colon = listen.rfind(':');
    if (colon == std::string::npos) bad_value("listen", "must be HOST:PORT");
    config.listen_host = listen.substr(0, colon);
    try {
      config.listen_port = std::stoi(listen.substr(colon + 1));
    } catch (const std::exception&) {
      bad_value("listen", "must be HOST:PORT");
    }
    if (config.listen_port < 0 || config.listen_port > 65535) bad_value("listen", "bad port");
  }
  read(root, "http", "", config.http);
  read(root, "jobs", "", config.jobs);
  if (config.jobs < 0 || config.jobs > 64) bad_value("jobs", "must be 0..64");
  read(root, "processing", "", config.processing);
  read(root, "max_pending_pages", "", config.max_pending_pages);
  if (config.max_pending_pages < 1) bad_value("max_pending_pages", "must be at least 1");
  double max_upload_mb = static_cast<double>(config.max_upload_bytes) / (1024.0 * 1024.0);
  read(root, "max_upload_mb", "", max_upload_mb);
  if (max_upload_mb <= 0) bad_value("max_upload_mb", "must be positive");
  config.max_upload_bytes = static_cast<std::int64_t>(max_upload_mb * 1024 * 1024);
  read(root, "max_attempts", "", config.max_attempts);
  if (config.max_attempts < 1) bad_value("max_attempts", "must be at least 1");
  read(root, "retry_first_delay_ms", "", config.retry_first_delay_ms);
  std::string web;
  read(root, "web", "", web);
  config.web_dir = resolve(base_dir, web).string();
  std::string holidays;
  read(root, "holidays", "", holidays);
  config.holidays_dir = resolve(base_dir, holidays).string();
  std::string certificate;
  read(root, "tls_certificate", "", certificate);
  config.tls_certificate = resolve(base_dir, certificate).string();
  std::string private_key;
  read(root, "tls_private_key", "", private_key);
  config.tls_private_key = resolve(base_dir, private_key).string();
  if (config.tls_certificate.empty() != config.tls_private_key.empty()) {
    bad_value("tls_certificate", "needs tls_private_key as well (and the other way round)");
  }
  read(root, "session_idle_minutes", "", config.session_idle_minutes);
  if (config.session_idle_minutes < 1) bad_value("session_idle_minutes", "must be at least 1");

  if (const auto folders = root.find("hot_folders"); folders != root.end()) {
    if (!folders->is_array()) bad_value("hot_folders", "must be a list");
    for (std::size_t i = 0; i < folders->size(); ++i) {
      const auto& item = (*folders)[i];
      const std::string where = "hot_folders[" + std::to_string(i) + "].";
      HotFolderConfig folder;
      std::string path;
      if (item.is_string()) {
        path = item.get<std::string>();
      } else {
        check_keys(item, where, {"path", "settle_ms", "folder_quiet_ms", "inotify"});
        read(item, "path", where, path);
        read(item, "settle_ms", where, folder.settle_ms);
        read(item, "folder_quiet_ms", where, folder.folder_quiet_ms);
        read(item, "inotify", where, folder.use_inotify);
      }
      if (path.empty()) bad_value(where + "path", "is required");
      folder.path = resolve(base_dir, path);
      config.hot_folders.push_back(folder);
    }
  }
  if (const auto scanners = root.find("scanners"); scanners != root.end()) {
    if (!scanners->is_array()) bad_value("scanners", "must be a list");
    for (std::size_t i = 0; i < scanners->size(); ++i) {
      const auto& item = (*scanners)[i];
      const std::string where = "scanners[" + std::to_string(i) + "].";
      check_keys(item, where,
                 {"name", "device", "source", "resolution", "mode", "jpeg_quality", "options"});
      ScannerProfile profile;
      read(item, "name", where, profile.name);
      read(item, "device", where, profile.device);
      read(item, "source", where, profile.source);
      read(item, "resolution", where, profile.resolution_dpi);
      read(item, "mode", where, profile.mode);
      read(item, "jpeg_quality", where, profile.jpeg_quality);
      if (profile.name.empty()) bad_value(where + "name", "is required");
      if (profile.name.find_first_of("/ ") != std::string::npos) {
        bad_value(where + "name", "must not contain '/' or spaces");
      }
      if (profile.device.empty()) bad_value(where + "device", "is required");
      if (const auto options = item.find("options"); options != item.end()) {
        if (!options->is_object()) bad_value(where + "options", "must be an object");
        for (const auto& option : options->items()) {
          if (!option.value().is_string()) bad_value(where + "options", "values must be strings");
          profile.device_options.emplace_back(option.key(), option.value().get<std::string>());
        }
      }
      config.scanners.push_back(profile);
    }
  }
  if (const auto signers = root.find("signers"); signers != root.end()) {
    // Keys are official logins or agency codes.
    if (!signers->is_object()) bad_value("signers", "must be an object");
    for (const auto& item : signers->items()) {
      if (item.key().rfind("_comment", 0) == 0) continue;
      config.signers[item.key()] =
          parse_signer(item.value(), "signers." + item.key() + ".", base_dir);
    }
  }
  return config;
}

ServiceConfig load_service_config(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(ErrorCode::InputNotFound, "cannot open the configuration", {file.string()});
  std::ostringstream text;
  text << in.rdbuf();
  try {
    return parse_service_config(text.str(), fs::absolute(file).parent_path());
  } catch (const Error& error) {
    throw error.within({file.string()});
  }
}

std::string queue_url(const ServiceConfig& config) {
  return config.database.empty() ? "sqlite:" + (config.data_dir / "queue.sqlite").string()
                                 : config.database;
}

std::string registry_url(const ServiceConfig& config) {
  return config.database.empty() ? "sqlite:" + (config.data_dir / "registry.sqlite").string()
                                 : config.database;
}

std::filesystem::path blob_store_dir(const ServiceConfig& config) {
  return config.blobs_dir.empty() ? config.data_dir / "blobs" : config.blobs_dir;
}

}  // namespace sohoa::service
