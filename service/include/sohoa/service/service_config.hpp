#pragma once
// The configuration of `sohoa serve`, read from a JSON file (config/sohoa.example.json
// documents every key; config/embedded-default.json is what the quick start runs).

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace sohoa::service {

// A counter scanner the service can drive (POST /api/scanners/<name>/scan).
struct ScannerProfile {
  std::string name;            // used in the API and as the batch label, e.g. "quay-1"
  std::string device;          // SANE device name, e.g. "fujitsu:fi-7160:1234" or "test:0"
  std::string source = "adf";  // flatbed | adf | adf-duplex
  int resolution_dpi = 300;
  std::string mode = "gray";  // color | gray | lineart
  int jpeg_quality = 90;
  // Backend options by SANE name, applied after the settings above.
  std::vector<std::pair<std::string, std::string>> device_options;
};

struct HotFolderConfig {
  std::filesystem::path path;  // must be on the data directory's file system
  int settle_ms = 3000;
  int folder_quiet_ms = 10000;
  bool use_inotify = true;
};

// A signing key for the web page's batch signing (POST /api/sign), chosen by the
// official's login, else by the agency code. In production a server-side HSM or
// a CA's remote-signing service stands behind the PKCS#11 module.
struct SignerConfig {
  std::filesystem::path p12;            // a PKCS#12 file, or
  std::filesystem::path pkcs11_module;  // a PKCS#11 module with the key's CKA_ID in hex
  std::string key_id;
  std::filesystem::path chain;     // PEM issuer certificates to embed (PKCS#11), optional
  std::filesystem::path pin_file;  // the PIN or .p12 password, read once
  std::string tsa_url;             // needed from B-T on
  std::string level = "B-B";       // B-B, B-T, B-LT, B-LTA
  std::filesystem::path trust;     // PEM anchors for B-LT/B-LTA revocation data, optional
};

struct ServiceConfig {
  std::filesystem::path data_dir = "data";  // queue.sqlite, spool/, work/, filed/
  // Several nodes: a postgresql:// URL holding the job queue and the registry
  // (docs/storage.md). Empty: SQLite files in data_dir.
  std::string database;
  std::filesystem::path blobs_dir;           // the registry's files; empty: <data_dir>/blobs
  std::vector<HotFolderConfig> hot_folders;  // empty: <data_dir>/inbox
  // The node's receiving agency (unit code, e.g. "000.00.00.H49"). Set: every
  // dossier a batch yields is filed into the registry (documents, their PDF/A and
  // page texts). A receipt's pre-printed code keeps the unit it names; `unit_code`
  // (default: `agency`) numbers dossiers that arrive without one. Empty: the
  // service only writes DATA/filed/.
  std::string agency;
  std::string unit_code;
  std::vector<ScannerProfile> scanners;
  std::string languages = "vie";
  std::string pdfa_level = "2b";
  std::string classes_path;  // empty: the page-class folder `sohoa batch` finds
  std::string tessdata_dir;
  std::string listen_host = "127.0.0.1";
  int listen_port = 8470;  // 0: any free port (tests)
  bool http = true;
  int jobs = 0;            // worker threads of the page pipeline; 0: all cores
  bool processing = true;  // false: an intake-only node (accepts, does not process)
  // Back-pressure: the doors stop accepting while this many pages wait.
  int max_pending_pages = 400;
  std::int64_t max_upload_bytes = 512LL * 1024 * 1024;
  int max_attempts = 5;  // per job, then the dead-letter list
  int retry_first_delay_ms = 2000;
  // The web page and its API (docs/web.md).
  std::string web_dir;       // empty: found (SOHOA_WEB_DIR, beside the executable, the source tree)
  std::string holidays_dir;  // empty: found like the page classes (config/holidays)
  // Both set: the HTTP API speaks HTTPS only and session cookies are marked Secure.
  std::string tls_certificate;
  std::string tls_private_key;
  int session_idle_minutes = 480;  // a session ends after this long without a request
  // Signing keys by official login or agency code (empty: the page cannot sign).
  std::map<std::string, SignerConfig> signers;
};

// Throws Error(InputNotFound) when the file is missing, Error(InvalidArgument)
// naming the key for a bad value. Relative paths are relative to the file's folder.
ServiceConfig load_service_config(const std::filesystem::path& file);
ServiceConfig parse_service_config(const std::string& json_text,
                                   const std::filesystem::path& base_dir);

// Where the queue and the registry live (`database`, else the SQLite files), as
// URLs for storage::open_job_queue / open_registry; and the blob folder.
std::string queue_url(const ServiceConfig& config);
std::string registry_url(const ServiceConfig& config);
std::filesystem::path blob_store_dir(const ServiceConfig& config);

}  // namespace sohoa::service
