// The web page's API: sessions, the one middleware (session → role → CSRF →
// body), and the handlers over the registry and the accounts store.
#include "web_api.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

#include "export_api.hpp"
#include "password_hash.hpp"
#include "sohoa/core/error.hpp"
#include "sohoa/imaging/cleanup.hpp"
#include "sohoa/imaging/decode.hpp"
#include "sohoa/imaging/encode.hpp"
#include "sohoa/pdf/scan_reader.hpp"
#include "sohoa/service/accounts.hpp"
#include "sohoa/service/json_log.hpp"
#include "sohoa/signing/pades.hpp"
#include "sohoa/signing/signer.hpp"
#include "sohoa/storage/account_store.hpp"
#include "sohoa/storage/blob_store.hpp"
#include "sohoa/storage/open_registry.hpp"
#include "sohoa/storage/registry_figures.hpp"
#include "sohoa/storage/sqlite_registry.hpp"

#ifndef SOHOA_SOURCE_DIR
#define SOHOA_SOURCE_DIR ""
#endif

namespace sohoa::service {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using storage::AccountRole;
using Clock = std::chrono::steady_clock;

constexpr std::int64_t kMaxJsonBytes = 64 * 1024;
constexpr std::int64_t kMaxDocumentBytes = 48LL * 1024 * 1024;  // base64 of a 36 MB PDF
constexpr const char* kSessionCookie = "sohoa_session";
constexpr std::size_t kMaxSessions = 10000;
constexpr int kMaxLoginFailures = 5;
constexpr auto kLoginLockout = std::chrono::minutes(5);
constexpr std::size_t kMaxDossiersPerSigning = 50;
constexpr int kThumbnailWidth = 240;

// A refusal a person can act on: the HTTP status and the message of the JSON error.
struct ApiError {
  int status;
  std::string message;
};

WebReply json_reply(int status, const json& body) {
  return {status, body.dump(), "application/json", {}};
}

WebReply error_reply(int status, const std::string& message) {
  return json_reply(status, json{{"error", message}});
}

// The first of: the configured folder, $SOHOA_<env>, <exe>/../share/sohoa/<share>,
// <exe>/../<tree>, the source tree's <tree> (as `sohoa batch` finds the page classes)
// that holds `marker` (a build folder may have a same-named folder without the files).
fs::path find_folder(const std::string& configured, const char* env_name, const fs::path& share,
                     const fs::path& tree, const fs::path& marker) {
  if (!configured.empty()) return configured;
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv(env_name); env != nullptr && *env != '\0') {
    candidates.emplace_back(env);
  }
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    candidates.push_back(exe.parent_path().parent_path() / "share/sohoa" / share);
    candidates.push_back(exe.parent_path().parent_path() / tree);
  }
  if (std::string(SOHOA_SOURCE_DIR).size() > 0)
    candidates.push_back(fs::path(SOHOA_SOURCE_DIR) / tree);
  for (const auto& candidate : candidates) {
    if (fs::is_directory(candidate, ec) && fs::exists(candidate / marker, ec)) return candidate;
  }
  return {};
}

storage::Role registry_role(AccountRole role) {
  switch (role) {
    case AccountRole::Counter:
      return storage::Role::CounterStaff;
    case AccountRole::Official:
      return storage::Role::Official;
    case AccountRole::Records:
      return storage::Role::RecordsOfficer;
    case AccountRole::Admin:
      return storage::Role::Auditor;
  }
  return storage::Role::CounterStaff;
}

// Today's date in Vietnam (UTC+7, no daylight saving).
storage::Date vietnam_today() {
  const auto now = std::chrono::system_clock::now() + std::chrono::hours(7);
  return storage::Date{std::chrono::floor<std::chrono::days>(now)};
}

// ---- input checks: each names the field and what is wrong -------------------------

const std::regex kDossierCode(R"(^[A-Za-z0-9.]{1,40}-[0-9]{6}-[0-9]{4}$)");
const std::regex kAgencyCode(R"(^[A-Za-z0-9.]{1,40}$)");
const std::regex kSlug(R"(^[a-z0-9_]{1,40}$)");
const std::regex kDigits(R"(^[0-9]{1,18}$)");

std::string checked_dossier_code(const std::string& code) {
  if (!std::regex_match(code, kDossierCode)) {
    throw ApiError{400,
                   "not a dossier code (<unit>-<YYMMDD>-<NNNN>): '" + code.substr(0, 80) + "'"};
  }
  return code;
}

void only_fields(const json& body, const std::set<std::string>& known) {
  for (const auto& item : body.items()) {
    if (!known.contains(item.key())) {
      throw ApiError{400, "unknown field '" + item.key().substr(0, 64) + "'"};
    }
  }
}

std::string string_field(const json& body, const std::string& name, std::size_t max_size,
                         bool required = true) {
  const auto found = body.find(name);
  if (found == body.end() || found->is_null()) {
    if (required) throw ApiError{400, "field '" + name + "' is required"};
    return {};
  }
  if (!found->is_string()) throw ApiError{400, "field '" + name + "' must be a string"};
  auto value = found->get<std::string>();
  if (required && value.empty()) throw ApiError{400, "field '" + name + "' must not be empty"};
  if (value.size() > max_size) {
    throw ApiError{400,
                   "field '" + name + "' is longer than " + std::to_string(max_size) + " bytes"};
  }
  return value;
}

int int_field(const json& body, const std::string& name, int min, int max,
              std::optional<int> fallback = std::nullopt) {
  const auto found = body.find(name);
  if (found == body.end() || found->is_null()) {
    if (fallback) return *fallback;
    throw ApiError{400, "field '" + name + "' is required"};
  }
  if (!found->is_number_integer()) throw ApiError{400, "field '" + name + "' must be an integer"};
  const auto value = found->get<std::int64_t>();
  if (value < min || value > max) {
    throw ApiError{400, "field '" + name + "' must be between " + std::to_string(min) + " and " +
                            std::to_string(max)};
  }
  return static_cast<int>(value);
}

std::optional<std::string> query_param(const WebRequest& request, const std::string& name,
                                       std::size_t max_size = 200) {
  const auto found = request.query.find(name);
  if (found == request.query.end() || found->second.empty()) return std::nullopt;
  if (found->second.size() > max_size) {
    throw ApiError{400, "parameter '" + name + "' is too long"};
  }
  return found->second;
}

int int_param(const WebRequest& request, const std::string& name, int min, int max, int fallback) {
  const auto text = query_param(request, name, 18);
  if (!text) return fallback;
  if (!std::regex_match(*text, kDigits)) {
    throw ApiError{400, "parameter '" + name + "' must be a whole number"};
  }
  const auto value = std::stoll(*text);
  if (value < min || value > max) {
    throw ApiError{400, "parameter '" + name + "' must be between " + std::to_string(min) +
                            " and " + std::to_string(max)};
  }
  return static_cast<int>(value);
}

storage::Date date_value(const std::string& name, const std::string& text) {
  try {
    return storage::parse_iso_date(text);
  } catch (const Error&) {
    throw ApiError{400, "'" + name + "' must be a date YYYY-MM-DD"};
  }
}

// ---- JSON views ---------------------------------------------------------------------

json dossier_json(const storage::Dossier& dossier) {
  return {{"code", dossier.code},
          {"unit_code", dossier.unit_code},
          {"agency", dossier.agency},
          {"received_on", storage::iso_date(dossier.received_on)},
          {"due_on", storage::iso_date(dossier.due_on)},
          {"procedure_code", dossier.procedure_code},
          {"title", dossier.title},
          {"applicant_name", dossier.applicant_name},
          {"personal_id", dossier.personal_id},
          {"status", storage::to_string(dossier.status)}};
}

// The correctable metadata by name ("class" and the TT 05/2025 fields).
json metadata_json(const storage::DocumentMetadata& metadata) {
  return {{"class", metadata.document_class},
          {"number_symbol", metadata.number_symbol},
          {"issued_on", metadata.issued_on},
          {"document_type", metadata.document_type},
          {"issuing_agency", metadata.issuing_agency},
          {"summary", metadata.summary},
          {"signer", metadata.signer},
          {"notes", metadata.notes}};
}

json document_json(const storage::Document& document) {
  json corrections = json::array();
  for (const auto& correction : document.corrections) {
    corrections.push_back(
        {{"field", correction.field == "document_class" ? "class" : correction.field},
         {"old_value", correction.old_value},
         {"new_value", correction.new_value},
         {"reason", correction.reason},
         {"corrected_by", correction.corrected_by},
         {"at_ms", correction.at_ms}});
  }
  return {{"id", document.id},
          {"code", document.code},
          {"class", document.metadata.document_class},
          {"document_type", document.metadata.document_type},
          {"summary", document.metadata.summary},
          {"page_count", document.page_count},
          {"version", document.latest.version},
          {"version_reason", document.latest.reason},
          {"size", document.latest.size},
          {"sha256", document.latest.blob_sha256},
          {"metadata", metadata_json(document.metadata)},
          {"machine_metadata", metadata_json(document.machine_metadata)},
          {"corrections", corrections}};
}

std::string grant_scope_name(storage::GrantScope scope) {
  switch (scope) {
    case storage::GrantScope::All:
      return "all";
    case storage::GrantScope::DocumentClass:
      return "class";
    case storage::GrantScope::Dossier:
      return "dossier";
  }
  return "all";
}

json grant_json(const storage::Grant& grant) {
  const auto expires =
      std::chrono::duration_cast<std::chrono::milliseconds>(grant.expires_at.time_since_epoch())
          .count();
  return {{"id", grant.id},
          {"grantor_agency", grant.grantor_agency},
          {"grantee_agency", grant.grantee_agency},
          {"scope", grant_scope_name(grant.scope)},
          {"value", grant.scope_value},
          {"expires_at_ms", expires},
          {"revoked", grant.revoked}};
}

// A configured signing key, opened once, and how it signs.
struct LoadedSigner {
  std::unique_ptr<signing::KeySource> key;
  signing::SignOptions options;
  std::mutex mutex;  // one signature at a time per key (a token has one session)
};

// A box-averaged copy at most `width` pixels wide (bilevel pages come out gray).
Image shrunk(const Image& image, int width) {
  const int factor = std::max(1, (image.width + width - 1) / width);
  Image out;
  out.width = std::max(1, image.width / factor);
  out.height = std::max(1, image.height / factor);
  out.channels = image.channels;
  out.mode = image.mode == ColorMode::Bilevel ? ColorMode::Gray : image.mode;
  out.pixels.resize(out.stride() * out.height);
  for (int y = 0; y < out.height; ++y) {
    for (int x = 0; x < out.width; ++x) {
      for (int c = 0; c < image.channels; ++c) {
        int sum = 0;
        for (int dy = 0; dy < factor; ++dy) {
          const std::uint8_t* row = image.row(std::min(image.height - 1, y * factor + dy));
          for (int dx = 0; dx < factor; ++dx) {
            sum += row[(std::min(image.width - 1, x * factor + dx)) * image.channels + c];
          }
        }
        out.row(y)[x * out.channels + c] = static_cast<std::uint8_t>(sum / (factor * factor));
      }
    }
  }
  return out;
}

struct Session {
  std::string login;
  std::string agency;
  AccountRole role = AccountRole::Counter;
  std::string display_name;
  std::string csrf_token;
  Clock::time_point last_seen;
};

json me_json(const Session& session) {
  return {{"login", session.login},
          {"agency", session.agency},
          {"role", storage::to_string(session.role)},
          {"display_name", session.display_name},
          {"csrf_token", session.csrf_token}};
}

std::string session_id_from(const std::string& cookie_header) {
  std::istringstream cookies(cookie_header);
  std::string item;
  while (std::getline(cookies, item, ';')) {
    const auto start = item.find_first_not_of(' ');
    if (start == std::string::npos) continue;
    item = item.substr(start);
    const std::string prefix = std::string(kSessionCookie) + "=";
    if (item.rfind(prefix, 0) == 0) return item.substr(prefix.size());
  }
  return {};
}

}  // namespace

class WebApi::Impl {
 public:
  explicit Impl(const ServiceConfig& config) : config_(config) {
    web_dir_ = find_folder(config.web_dir, "SOHOA_WEB_DIR", "web", "web", "index.html");
    holidays_dir_ = find_folder(config.holidays_dir, "SOHOA_HOLIDAYS_DIR", "config/holidays",
                                "config/holidays", ".");
  }

  WebReply handle(const WebRequest& request) {
    try {
      return dispatch(request);
    } catch (const ApiError& error) {
      return error_reply(error.status, error.message);
    } catch (const Error& error) {
      // The registry's refusals: "access denied" hides whether the thing exists.
      if (error.code() == ErrorCode::InvalidArgument) {
        if (error.message().rfind("access denied", 0) == 0) {
          return request.method == "GET" ? error_reply(404, "not found")
                                         : error_reply(403, error.message());
        }
        return error_reply(400, error.message());
      }
      log_event(LogLevel::Error, "api request failed",
                {{"path", request.path}, {"error", error.what()}});
      if (error.code() == ErrorCode::StorageFull) return error_reply(507, "the data disk is full");
      return error_reply(500, "internal error (see the service log)");
    }
  }

  WebReply static_file(const std::string& path) const {
    static const std::regex kFileName(R"(^[a-z0-9][a-z0-9_-]{0,60}\.(html|css|js|svg|png|ico)$)");
    const std::string name = path == "/" ? "index.html" : path.substr(1);
    if (!std::regex_match(name, kFileName) || web_dir_.empty()) {
      return error_reply(404, "no such file");
    }
    std::ifstream in(web_dir_ / name, std::ios::binary);
    if (!in) return error_reply(404, "no such file");
    std::ostringstream bytes;
    bytes << in.rdbuf();
    const std::string extension = name.substr(name.rfind('.') + 1);
    static const std::map<std::string, std::string> kTypes = {
        {"html", "text/html; charset=utf-8"},
        {"css", "text/css; charset=utf-8"},
        {"js", "text/javascript; charset=utf-8"},
        {"svg", "image/svg+xml"},
        {"png", "image/png"},
        {"ico", "image/x-icon"}};
    return {200, bytes.str(), kTypes.at(extension), {{"Cache-Control", "no-cache"}}};
  }

 private:
  // What a handler gets: the request, the path's parameters, the parsed body and,
  // for routes behind a login, the session and the Viewer built from it.
  struct Call {
    const WebRequest& request;
    std::vector<std::string> params;
    json body;
    const Session* session = nullptr;
    storage::Viewer viewer;
  };
  using Handler = WebReply (Impl::*)(Call&);
  struct Route {
    std::string method;
    std::string pattern;          // segments; "*" matches one segment
    std::set<AccountRole> roles;  // empty: no login needed
    Handler handler;
  };

  static const std::vector<Route>& routes() {
    using enum AccountRole;
    static const std::vector<Route> table = {
        {"POST", "/api/login", {}, &Impl::login},
        {"GET", "/api/public/status", {}, &Impl::public_status},
        {"POST", "/api/logout", {Counter, Official, Records, Admin}, &Impl::logout},
        {"GET", "/api/me", {Counter, Official, Records, Admin}, &Impl::me},
        {"GET", "/api/search", {Official, Records}, &Impl::search},
        {"POST", "/api/dossiers", {Counter}, &Impl::receive_dossier},
        {"GET", "/api/dossiers/*", {Counter, Official, Records}, &Impl::dossier},
        {"POST", "/api/dossiers/*/documents", {Counter}, &Impl::add_document},
        {"POST", "/api/dossiers/*/status", {Counter, Official}, &Impl::advance_status},
        {"POST", "/api/dossiers/*/documents/*/correction", {Counter, Records}, &Impl::correct},
        {"GET", "/api/dossiers/*/documents/*/pdf", {Counter, Official, Records}, &Impl::pdf},
        {"GET", "/api/dossiers/*/export", {Records}, &Impl::export_package},
        {"GET",
         "/api/dossiers/*/documents/*/pages/*/thumbnail",
         {Counter, Official, Records},
         &Impl::thumbnail},
        {"GET", "/api/sign", {Official}, &Impl::signing_key},
        {"GET", "/api/scanner-profiles", {Counter}, &Impl::scanner_profiles},
        {"POST", "/api/sign", {Official}, &Impl::sign},
        {"GET", "/api/grants", {Records, Admin}, &Impl::list_grants},
        {"POST", "/api/grants", {Records, Admin}, &Impl::grant},
        {"GET", "/api/audit", {Records, Admin}, &Impl::audit},
        {"GET", "/api/audit/verify", {Records, Admin}, &Impl::verify_audit},
        {"GET", "/api/dashboard", {Counter, Official, Records, Admin}, &Impl::dashboard},
        {"GET", "/api/accounts", {Admin}, &Impl::list_accounts},
        {"POST", "/api/accounts", {Admin}, &Impl::add_account_route},
    };
    return table;
  }

  static std::vector<std::string> split_path(const std::string& path) {
    std::vector<std::string> segments;
    std::size_t start = 1;
    while (start <= path.size()) {
      const auto end = path.find('/', start);
      segments.push_back(path.substr(start, end == std::string::npos ? end : end - start));
      if (end == std::string::npos) break;
      start = end + 1;
    }
    return segments;
  }

  // The one middleware: route → session → role → CSRF → body.
  WebReply dispatch(const WebRequest& request) {
    const auto segments = split_path(request.path);
    for (const auto& segment : segments) {
      if (segment.empty() || segment == "." || segment == ".." ||
          segment.find_first_of("\\\0", 0, 2) != std::string::npos) {
        throw ApiError{400, "malformed path"};
      }
    }
    const Route* match = nullptr;
    bool path_known = false;
    std::vector<std::string> params;
    for (const auto& route : routes()) {
      const auto pattern = split_path(route.pattern);
      if (pattern.size() != segments.size()) continue;
      std::vector<std::string> found;
      bool same = true;
      for (std::size_t i = 0; i < pattern.size() && same; ++i) {
        if (pattern[i] == "*") {
          found.push_back(segments[i]);
        } else {
          same = pattern[i] == segments[i];
        }
      }
      if (!same) continue;
      path_known = true;
      if (route.method == request.method) {
        match = &route;
        params = std::move(found);
        break;
      }
    }
    if (match == nullptr) {
      throw ApiError{path_known ? 405 : 404,
                     path_known ? "method not allowed here" : "no such API route"};
    }
    Call call{request, std::move(params), json::object(), nullptr, {}};
    std::optional<Session> session;
    if (!match->roles.empty()) {
      session = current_session(request);
      if (!session) throw ApiError{401, "log in first"};
      if (!match->roles.contains(session->role)) {
        throw ApiError{403, "the role '" + std::string(storage::to_string(session->role)) +
                                "' may not do this"};
      }
      if (request.method != "GET" &&
          !equal_in_constant_time(request.csrf_header, session->csrf_token)) {
        throw ApiError{403, "missing or wrong X-CSRF-Token header"};
      }
      call.session = &*session;
      call.viewer = {session->agency, registry_role(session->role), session->login};
    }
    if (request.method == "POST") call.body = parse_body(request);
    return (this->*(match->handler))(call);
  }

  static json parse_body(const WebRequest& request) {
    if (static_cast<std::int64_t>(request.body.size()) > max_body_bytes(request.path)) {
      throw ApiError{413, "the body is larger than " +
                              std::to_string(max_body_bytes(request.path)) + " bytes"};
    }
    if (request.body.empty()) return json::object();
    if (request.content_type != "application/json") {
      throw ApiError{415, "send the body as application/json"};
    }
    json body;
    try {
      body = json::parse(request.body);
    } catch (const json::parse_error&) {
      throw ApiError{400, "the body is not valid JSON"};
    }
    if (!body.is_object()) throw ApiError{400, "the body must be a JSON object"};
    return body;
  }

 public:
  static std::int64_t max_body_bytes(const std::string& path) {
    return path.ends_with("/documents") ? kMaxDocumentBytes : kMaxJsonBytes;
  }

 private:
  std::optional<Session> current_session(const WebRequest& request) {
    const std::string id = session_id_from(request.cookie_header);
    if (id.size() != 64) return std::nullopt;
    std::lock_guard lock(sessions_mutex_);
    const auto found = sessions_.find(id);
    if (found == sessions_.end()) return std::nullopt;
    const auto now = Clock::now();
    if (now - found->second.last_seen > std::chrono::minutes(config_.session_idle_minutes)) {
      sessions_.erase(found);
      return std::nullopt;
    }
    found->second.last_seen = now;
    return found->second;
  }

  std::string cookie(const std::string& value, bool secure, bool expire) const {
    std::string text =
        std::string(kSessionCookie) + "=" + value + "; Path=/; HttpOnly; SameSite=Strict";
    if (secure) text += "; Secure";
    if (expire) text += "; Max-Age=0";
    return text;
  }

  // Opened on the first API call, so a service that never serves the page
  // never creates these files.
  storage::Registry& registry() {
    std::lock_guard lock(open_mutex_);
    if (!registry_) {
      storage::RegistryOptions options;
      options.blobs = storage::open_local_blob_store(blob_store_dir(config_));
      if (!holidays_dir_.empty()) options.holidays = storage::HolidayCalendar::load(holidays_dir_);
      registry_ = storage::open_registry(registry_url(config_), std::move(options));
    }
    return *registry_;
  }

  storage::AccountStore& accounts() {
    std::lock_guard lock(open_mutex_);
    if (!accounts_)
      accounts_ = storage::open_sqlite_account_store(config_.data_dir / "accounts.sqlite");
    return *accounts_;
  }

  // ---- handlers -----------------------------------------------------------------

  WebReply login(Call& call) {
    only_fields(call.body, {"login", "password"});
    const auto login = string_field(call.body, "login", 64);
    const auto password = string_field(call.body, "password", 1024);
    {
      std::lock_guard lock(sessions_mutex_);
      auto& failures = login_failures_[login];
      if (failures.first >= kMaxLoginFailures && Clock::now() - failures.second < kLoginLockout) {
        throw ApiError{429, "too many failed logins; wait five minutes"};
      }
    }
    const auto account = accounts().find(login);
    // Hash even for an unknown login, so timing does not tell which logins exist.
    const bool valid = account ? verify_password(password, account->password_hash)
                               : (verify_password(password, dummy_hash()), false);
    if (!valid || account->disabled) {
      std::lock_guard lock(sessions_mutex_);
      auto& failures = login_failures_[login];
      if (Clock::now() - failures.second >= kLoginLockout) failures = {0, Clock::now()};
      ++failures.first;
      log_event(LogLevel::Warning, "login refused", {{"login", login}});
      throw ApiError{401, "wrong login or password"};
    }
    Session session{account->login,        account->agency,      account->role,
                    account->display_name, random_token_hex(32), Clock::now()};
    const std::string id = random_token_hex(32);  // 256 bits
    {
      std::lock_guard lock(sessions_mutex_);
      login_failures_.erase(login);
      if (sessions_.size() >= kMaxSessions) drop_idle_sessions();
      sessions_[id] = session;
    }
    log_event(LogLevel::Info, "login", {{"login", login}, {"agency", account->agency}});
    auto reply = json_reply(200, me_json(session));
    reply.headers.emplace_back("Set-Cookie", cookie(id, call.request.over_https, false));
    return reply;
  }

  void drop_idle_sessions() {
    const auto limit = std::chrono::minutes(config_.session_idle_minutes);
    std::erase_if(sessions_,
                  [&](const auto& item) { return Clock::now() - item.second.last_seen > limit; });
    if (sessions_.size() >= kMaxSessions) sessions_.erase(sessions_.begin());
  }

  const std::string& dummy_hash() {
    std::call_once(dummy_once_, [this] { dummy_hash_ = hash_password(random_token_hex(16)); });
    return dummy_hash_;
  }

  WebReply logout(Call& call) {
    {
      std::lock_guard lock(sessions_mutex_);
      sessions_.erase(session_id_from(call.request.cookie_header));
    }
    auto reply = json_reply(200, json{{"logged_out", true}});
    reply.headers.emplace_back("Set-Cookie", cookie("", call.request.over_https, true));
    return reply;
  }

  WebReply me(Call& call) { return json_reply(200, me_json(*call.session)); }

  WebReply search(Call& call) {
    const auto& request = call.request;
    storage::SearchQuery query;
    query.text = query_param(request, "q").value_or("");
    if (auto code = query_param(request, "dossier"))
      query.dossier_code = checked_dossier_code(*code);
    query.personal_id = query_param(request, "personal_id", 12);
    query.procedure_code = query_param(request, "procedure", 40);
    query.document_class = query_param(request, "class", 40);
    if (auto status = query_param(request, "status", 20)) {
      query.status = storage::dossier_status_from_string(*status);
      if (!query.status) throw ApiError{400, "unknown status '" + *status + "'"};
    }
    if (auto from = query_param(request, "from", 10))
      query.received_from = date_value("from", *from);
    if (auto to = query_param(request, "to", 10)) query.received_to = date_value("to", *to);
    query.limit = int_param(request, "limit", 1, 200, 50);
    json hits = json::array();
    for (const auto& hit : registry().search(query, call.viewer)) {
      hits.push_back({{"dossier_code", hit.dossier_code},
                      {"document_id", hit.document_id},
                      {"document_code", hit.document_code},
                      {"class", hit.document_class},
                      {"page", hit.page_number},
                      {"agency", hit.agency},
                      {"snippet", hit.snippet}});
    }
    return json_reply(200, json{{"hits", hits}});
  }

  WebReply receive_dossier(Call& call) {
    const auto& body = call.body;
    only_fields(body, {"procedure_code", "title", "applicant_name", "personal_id",
                       "processing_working_days", "received_on", "preprinted_code"});
    storage::DossierIntake intake;
    intake.unit_code = call.viewer.agency;
    intake.procedure_code = string_field(body, "procedure_code", 40);
    intake.title = string_field(body, "title", 500);
    intake.applicant_name = string_field(body, "applicant_name", 200);
    intake.personal_id = string_field(body, "personal_id", 12);
    intake.processing_working_days = int_field(body, "processing_working_days", 0, 365);
    const auto received = string_field(body, "received_on", 10, false);
    intake.received_on = received.empty() ? vietnam_today() : date_value("received_on", received);
    const auto preprinted = string_field(body, "preprinted_code", 64, false);
    if (!preprinted.empty()) intake.preprinted_code = checked_dossier_code(preprinted);
    const auto receipt = registry().receive_dossier(intake, call.viewer);
    return json_reply(
        201, json{{"dossier", dossier_json(receipt.dossier)}, {"qr_payload", receipt.qr_payload}});
  }

  WebReply dossier(Call& call) {
    const auto code = checked_dossier_code(call.params.at(0));
    const auto found = registry().dossier(code, call.viewer);
    if (!found) throw ApiError{404, "not found"};
    json documents = json::array();
    for (const auto& document : registry().documents(code, call.viewer)) {
      documents.push_back(document_json(document));
    }
    return json_reply(200, json{{"dossier", dossier_json(*found)}, {"documents", documents}});
  }

  WebReply add_document(Call& call) {
    const auto code = checked_dossier_code(call.params.at(0));
    const auto& body = call.body;
    only_fields(body, {"class", "document_type", "summary", "number_symbol", "issued_on",
                       "issuing_agency", "signer", "page_texts", "pdf_base64"});
    storage::NewDocument document;
    document.metadata.document_class = string_field(body, "class", 40);
    if (!std::regex_match(document.metadata.document_class, kSlug)) {
      throw ApiError{400, "field 'class' must be a-z, 0-9 and '_'"};
    }
    document.metadata.document_type = string_field(body, "document_type", 200, false);
    document.metadata.summary = string_field(body, "summary", 2000, false);
    document.metadata.number_symbol = string_field(body, "number_symbol", 100, false);
    document.metadata.issuing_agency = string_field(body, "issuing_agency", 200, false);
    document.metadata.signer = string_field(body, "signer", 200, false);
    const auto issued = string_field(body, "issued_on", 10, false);
    if (!issued.empty())
      document.metadata.issued_on = storage::iso_date(date_value("issued_on", issued));
    const auto pages = body.find("page_texts");
    if (pages == body.end() || !pages->is_array() || pages->empty() || pages->size() > 2000) {
      throw ApiError{400, "field 'page_texts' must be a list of 1 to 2000 strings"};
    }
    for (const auto& page : *pages) {
      if (!page.is_string()) throw ApiError{400, "field 'page_texts' must hold strings only"};
      document.page_texts.push_back(page.get<std::string>());
    }
    const auto pdf = decode_base64(string_field(body, "pdf_base64", kMaxDocumentBytes));
    if (!pdf) throw ApiError{400, "field 'pdf_base64' is not base64"};
    if (pdf->rfind("%PDF-", 0) != 0) throw ApiError{400, "field 'pdf_base64' is not a PDF"};
    document.file.assign(pdf->begin(), pdf->end());
    const auto filed = registry().add_document(code, document, call.viewer);
    return json_reply(201, document_json(filed));
  }

  // A person's correction of a document's class and metadata; the machine's values
  // stay (the registry keeps every corrected field with its old value).
  WebReply correct(Call& call) {
    const auto code = checked_dossier_code(call.params.at(0));
    const auto& id_text = call.params.at(1);
    if (!std::regex_match(id_text, kDigits) || id_text.size() > 18) {
      throw ApiError{400, "a document id is a number"};
    }
    const auto& body = call.body;
    only_fields(body, {"class", "fields", "reason"});
    storage::DocumentCorrection correction;
    const auto document_class = string_field(body, "class", 40, false);
    if (!document_class.empty()) {
      if (!std::regex_match(document_class, kSlug)) {
        throw ApiError{400, "field 'class' must be a-z, 0-9 and '_'"};
      }
      correction.document_class = document_class;
    }
    if (const auto fields = body.find("fields"); fields != body.end() && !fields->is_null()) {
      if (!fields->is_object()) throw ApiError{400, "field 'fields' must be an object"};
      for (const auto& item : fields->items()) {
        if (!item.value().is_string() || item.value().get_ref<const std::string&>().size() > 2000) {
          throw ApiError{400, "field 'fields' holds strings of at most 2000 bytes"};
        }
        correction.fields[item.key()] = item.value().get<std::string>();
      }
    }
    correction.reason = string_field(body, "reason", 500);
    const auto id = std::stoll(id_text);
    // The id must be a document of this dossier that the viewer sees.
    const auto documents = registry().documents(code, call.viewer);
    if (std::none_of(documents.begin(), documents.end(),
                     [&](const auto& document) { return document.id == id; })) {
      throw ApiError{404, "not found"};
    }
    try {
      return json_reply(200,
                        document_json(registry().correct_document(id, correction, call.viewer)));
    } catch (const Error& error) {
      if (error.code() == ErrorCode::InputNotFound) throw ApiError{404, "not found"};
      throw;
    }
  }

  WebReply advance_status(Call& call) {
    const auto code = checked_dossier_code(call.params.at(0));
    only_fields(call.body, {"status"});
    const auto name = string_field(call.body, "status", 20);
    const auto status = storage::dossier_status_from_string(name);
    if (!status) throw ApiError{400, "unknown status '" + name + "'"};
    return json_reply(200, dossier_json(registry().advance_status(code, *status, call.viewer)));
  }

  WebReply export_package(Call& call) {  // export_api.cpp
    return export_dossier_reply(registry(), checked_dossier_code(call.params.at(0)), call.request,
                                call.viewer, config_.data_dir / "work");
  }

  WebReply pdf(Call& call) {
    const auto code = checked_dossier_code(call.params.at(0));
    const auto& id_text = call.params.at(1);
    if (!std::regex_match(id_text, kDigits)) throw ApiError{400, "a document id is a number"};
    const auto id = std::stoll(id_text);
    // Listing the dossier's documents first: the id must belong to this dossier.
    const auto documents = registry().documents(code, call.viewer);
    const auto found = std::find_if(documents.begin(), documents.end(),
                                    [&](const auto& document) { return document.id == id; });
    if (found == documents.end()) throw ApiError{404, "not found"};
    const auto bytes = registry().read_file(id, 0, call.viewer);
    WebReply reply{200, std::string(bytes.begin(), bytes.end()), found->latest.media_type, {}};
    if (query_param(call.request, "inline")) {
      // The preview frame of the page (same origin only); http_api.cpp keeps these
      // headers instead of its deny-all framing defaults.
      reply.headers.emplace_back("Content-Disposition",
                                 "inline; filename=\"" + found->code + ".pdf\"");
      reply.headers.emplace_back("Content-Security-Policy", "frame-ancestors 'self'");
      reply.headers.emplace_back("X-Frame-Options", "SAMEORIGIN");
    } else {
      reply.headers.emplace_back("Content-Disposition",
                                 "attachment; filename=\"" + found->code + ".pdf\"");
    }
    return reply;
  }

  // A small JPEG of one page of a document's latest version, for the page's review
  // strip. The read goes through the registry (isolation, audit) like the PDF.
  WebReply thumbnail(Call& call) {
    const auto code = checked_dossier_code(call.params.at(0));
    const auto& id_text = call.params.at(1);
    const auto& page_text = call.params.at(2);
    if (!std::regex_match(id_text, kDigits)) throw ApiError{400, "a document id is a number"};
    if (!std::regex_match(page_text, kDigits) || page_text.size() > 6) {
      throw ApiError{400, "a page number is a number from 1"};
    }
    const auto id = std::stoll(id_text);
    const int page = std::stoi(page_text);
    const auto documents = registry().documents(code, call.viewer);
    const auto found = std::find_if(documents.begin(), documents.end(),
                                    [&](const auto& document) { return document.id == id; });
    if (found == documents.end()) throw ApiError{404, "not found"};
    const auto bytes = registry().read_file(id, 0, call.viewer);
    try {
      const auto scan = pdf::ScanPdf::open(bytes, found->code);
      if (page < 1 || page > scan.page_count()) {
        throw ApiError{404, "document " + found->code + " has no page " + page_text};
      }
      const auto scanned = scan.page(page - 1);
      Image image = scanned.encoded.encoding == Encoding::None
                        ? scanned.pixels
                        : imaging::decode_encoded(scanned.encoded).image;
      image = shrunk(image, kThumbnailWidth);
      if (scanned.rotation != 0) image = imaging::rotate_clockwise(image, scanned.rotation);
      const auto jpeg = imaging::encode_jpeg(image, 80);
      return {200, std::string(jpeg.bytes.begin(), jpeg.bytes.end()), "image/jpeg", {}};
    } catch (const Error& error) {
      if (error.code() == ErrorCode::StorageFull) throw;
      throw ApiError{422, "page " + page_text + " of " + found->code +
                              " has no scanned image to show: " + error.message()};
    }
  }

  WebReply list_grants(Call& call) {
    json grants = json::array();
    for (const auto& grant : registry().grants(call.viewer)) grants.push_back(grant_json(grant));
    return json_reply(200, json{{"grants", grants}});
  }

  WebReply grant(Call& call) {
    const auto& body = call.body;
    only_fields(body, {"grantee_agency", "scope", "value", "days"});
    storage::Grant grant;
    grant.grantor_agency = call.viewer.agency;
    grant.grantee_agency = string_field(body, "grantee_agency", 40);
    if (!std::regex_match(grant.grantee_agency, kAgencyCode)) {
      throw ApiError{400, "field 'grantee_agency' is not an agency code"};
    }
    if (grant.grantee_agency == grant.grantor_agency) {
      throw ApiError{400, "an agency does not share with itself"};
    }
    const auto scope = string_field(body, "scope", 10);
    if (scope == "all") {
      grant.scope = storage::GrantScope::All;
    } else if (scope == "class") {
      grant.scope = storage::GrantScope::DocumentClass;
      grant.scope_value = string_field(body, "value", 40);
      if (!std::regex_match(grant.scope_value, kSlug)) throw ApiError{400, "bad document class"};
    } else if (scope == "dossier") {
      grant.scope = storage::GrantScope::Dossier;
      grant.scope_value = checked_dossier_code(string_field(body, "value", 64));
    } else {
      throw ApiError{400, "field 'scope' must be all, class or dossier"};
    }
    const int days = int_field(body, "days", 1, 3650, 30);
    grant.expires_at = std::chrono::system_clock::now() + std::chrono::days(days);
    return json_reply(201, grant_json(registry().grant(grant, call.viewer)));
  }

  // The agency's part of the audit trail. The registry keeps one chain for all
  // agencies; only the caller's agency's records are shown.
  WebReply audit(Call& call) {
    const int after = int_param(call.request, "after", 0, 2000000000, 0);
    const int limit = int_param(call.request, "limit", 1, 1000, 200);
    storage::Viewer auditor = call.viewer;
    auditor.role = storage::Role::Auditor;
    json records = json::array();
    for (const auto& record : registry().audit_log(auditor, after, 100000)) {
      if (record.agency != call.viewer.agency) continue;
      records.push_back({{"sequence", record.sequence},
                         {"at_ms", record.at_ms},
                         {"account", record.account},
                         {"role", record.role},
                         {"action", record.action},
                         {"subject", record.subject},
                         {"outcome", record.outcome}});
      if (static_cast<int>(records.size()) >= limit) break;
    }
    return json_reply(200, json{{"records", records}});
  }

  WebReply verify_audit(Call&) {
    const auto verdict = registry().verify_audit_chain();
    return json_reply(200, json{{"intact", verdict.intact},
                                {"records", verdict.records},
                                {"first_bad_sequence", verdict.first_bad_sequence},
                                {"problem", verdict.problem},
                                {"head_hash", verdict.head_hash}});
  }

  WebReply public_status(Call& call) {
    std::string code;
    if (auto qr = query_param(call.request, "qr", 600)) {
      code = qr->substr(0, qr->find('|'));  // the receipt's QR starts with the code
    } else if (auto given = query_param(call.request, "code", 64)) {
      code = *given;
    } else {
      throw ApiError{400, "give ?code=<dossier code> or ?qr=<receipt QR text>"};
    }
    checked_dossier_code(code);
    // The owning unit is part of the code; the lookup reads as that unit's counter
    // and answers the status and dates only, never the applicant.
    const storage::Viewer citizen{code.substr(0, code.size() - 12), storage::Role::CounterStaff,
                                  "citizen-lookup"};
    const auto found = registry().dossier(code, citizen);
    if (!found) throw ApiError{404, "no dossier with this code"};
    return json_reply(200, json{{"code", found->code},
                                {"status", storage::to_string(found->status)},
                                {"procedure_code", found->procedure_code},
                                {"received_on", storage::iso_date(found->received_on)},
                                {"due_on", storage::iso_date(found->due_on)}});
  }

  WebReply dashboard(Call& call) {
    registry();  // creates the schema on a fresh data directory
    const auto figures = storage::registry_figures_at(registry_url(config_), call.viewer.agency,
                                                      storage::iso_date(vietnam_today()));
    const auto rate = [](int part, int whole) -> json {
      return whole == 0 ? json(nullptr) : json(static_cast<double>(part) / whole);
    };
    json rows = json::array();
    int received = 0, digitised = 0, returned = 0, on_time = 0, overdue = 0;
    for (const auto& row : figures) {
      rows.push_back({{"unit_code", row.unit_code},
                      {"procedure_code", row.procedure_code},
                      {"received", row.received},
                      {"digitised", row.digitised},
                      {"digitisation_rate", rate(row.digitised, row.received)},
                      {"returned", row.returned},
                      {"returned_on_time", row.returned_on_time},
                      {"on_time_rate", rate(row.returned_on_time, row.returned)},
                      {"open_overdue", row.open_overdue}});
      received += row.received;
      digitised += row.digitised;
      returned += row.returned;
      on_time += row.returned_on_time;
      overdue += row.open_overdue;
    }
    return json_reply(200, json{{"agency", call.viewer.agency},
                                {"rows", rows},
                                {"totals",
                                 {{"received", received},
                                  {"digitised", digitised},
                                  {"digitisation_rate", rate(digitised, received)},
                                  {"returned", returned},
                                  {"returned_on_time", on_time},
                                  {"on_time_rate", rate(on_time, returned)},
                                  {"open_overdue", overdue}}}});
  }

  WebReply list_accounts(Call& call) {
    json list = json::array();
    for (const auto& account : accounts().list(call.viewer.agency)) {
      list.push_back({{"login", account.login},
                      {"role", storage::to_string(account.role)},
                      {"display_name", account.display_name},
                      {"disabled", account.disabled}});
    }
    return json_reply(200, json{{"accounts", list}});
  }

  WebReply add_account_route(Call& call) {
    const auto& body = call.body;
    only_fields(body, {"login", "role", "display_name", "password"});
    NewAccount account{
        string_field(body, "login", 64), call.viewer.agency, string_field(body, "role", 20),
        string_field(body, "display_name", 200, false), string_field(body, "password", 1024)};
    accounts();  // the same file add_account opens
    add_account(config_.data_dir, account);
    return json_reply(201, json{{"login", account.login}, {"role", account.role}});
  }

  // The counter's intake doors: the scanner profiles a scan can start with
  // (POST /api/scanners/<name>/scan) and the hot folders the batches come from.
  WebReply scanner_profiles(Call&) {
    json profiles = json::array();
    for (const auto& profile : config_.scanners) {
      profiles.push_back({{"name", profile.name},
                          {"source", profile.source},
                          {"resolution", profile.resolution_dpi},
                          {"mode", profile.mode}});
    }
    json folders = json::array();
    for (const auto& folder : config_.hot_folders) folders.push_back(folder.path.string());
    if (folders.empty()) folders.push_back((config_.data_dir / "inbox").string());
    return json_reply(200, json{{"profiles", profiles}, {"hot_folders", folders}});
  }

  // ---- batch signing (POST /api/sign) ------------------------------------------------

  // The official's own key when one is configured for the login, else the agency's.
  const SignerConfig* signer_config(const Call& call, std::string& name) const {
    for (const auto& candidate : {call.viewer.account, call.viewer.agency}) {
      if (const auto found = config_.signers.find(candidate); found != config_.signers.end()) {
        name = candidate;
        return &found->second;
      }
    }
    return nullptr;
  }

  // Opened on first use and kept: the PIN is read once, a token keeps its session.
  LoadedSigner& signer_for(const Call& call) {
    std::string name;
    const SignerConfig* config = signer_config(call, name);
    if (config == nullptr) {
      throw ApiError{503, "no signing key is configured for '" + call.viewer.account +
                              "' or agency " + call.viewer.agency +
                              " (service configuration key 'signers')"};
    }
    std::lock_guard lock(signers_mutex_);
    auto& loaded = loaded_signers_[name];
    if (loaded) return *loaded;
    try {
      auto signer = std::make_unique<LoadedSigner>();
      const signing::Secret pin(read_pin_file(config->pin_file));
      if (!config->p12.empty()) {
        signer->key = std::make_unique<signing::P12KeySource>(config->p12, pin);
      } else {
        std::vector<signing::Buffer> chain;
        if (!config->chain.empty()) chain = signing::load_pem_certificates(config->chain);
        signer->key = std::make_unique<signing::Pkcs11KeySource>(
            config->pkcs11_module, signing::parse_hex_id(config->key_id), pin, std::move(chain));
      }
      signer->options.level = signing::parse_pades_level(config->level);
      signer->options.tsa_url = config->tsa_url;
      if (!config->trust.empty()) {
        signer->options.extra_certificates = signing::load_pem_certificates(config->trust);
      }
      loaded = std::move(signer);
    } catch (const Error& error) {
      log_event(LogLevel::Error, "signing key not opened",
                {{"signer", name}, {"error", error.what()}});
      throw ApiError{503, "the signing key '" + name + "' cannot be opened: " + error.message()};
    }
    log_event(LogLevel::Info, "signing key opened", {{"signer", name}});
    return *loaded;
  }

  static std::string read_pin_file(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw Error(ErrorCode::InputNotFound, "cannot read the PIN file " + file.string());
    std::string pin;
    std::getline(in, pin);
    if (!pin.empty() && pin.back() == '\r') pin.pop_back();
    return pin;
  }

  WebReply signing_key(Call& call) {
    std::string name;
    const SignerConfig* config = signer_config(call, name);
    if (config == nullptr) return json_reply(200, json{{"configured", false}});
    return json_reply(200, json{{"configured", true},
                                {"level", config->level},
                                {"key", config->p12.empty() ? "pkcs11" : "p12"}});
  }

  WebReply sign(Call& call) {
    only_fields(call.body, {"dossiers"});
    const auto list = call.body.find("dossiers");
    if (list == call.body.end() || !list->is_array() || list->empty() ||
        list->size() > kMaxDossiersPerSigning) {
      throw ApiError{400, "field 'dossiers' must be a list of 1 to " +
                              std::to_string(kMaxDossiersPerSigning) + " dossier codes"};
    }
    std::vector<std::string> codes;
    for (const auto& item : *list) {
      if (!item.is_string()) throw ApiError{400, "field 'dossiers' must hold dossier codes"};
      const auto code = checked_dossier_code(item.get<std::string>());
      if (std::find(codes.begin(), codes.end(), code) == codes.end()) codes.push_back(code);
    }
    auto& signer = signer_for(call);
    json results = json::array();
    int signed_count = 0;
    for (const auto& code : codes) {
      results.push_back(sign_dossier(code, signer, call));
      if (results.back().at("ok").get<bool>()) ++signed_count;
    }
    return json_reply(200, json{{"signed", signed_count}, {"results", results}});
  }

  // Signs the latest version of every document of one dossier, stores each signed
  // file as a new version and moves the dossier to "signed". Its failure is its
  // own: the answer says why and the other dossiers go on.
  json sign_dossier(const std::string& code, LoadedSigner& signer, Call& call) {
    json result{{"code", code}};
    try {
      const auto dossier = registry().dossier(code, call.viewer);
      if (!dossier) throw ApiError{404, "not found"};
      if (dossier->agency != call.viewer.agency) {
        throw ApiError{403, "only the owning agency signs its dossiers"};
      }
      if (dossier->status != storage::DossierStatus::InReview) {
        throw ApiError{409, "the dossier is '" + std::string(storage::to_string(dossier->status)) +
                                "', not awaiting signature"};
      }
      const auto documents = registry().documents(code, call.viewer);
      if (documents.empty()) throw ApiError{409, "the dossier has no documents to sign"};
      // Every file is signed before any is stored: a file that cannot be signed
      // leaves the dossier as it was.
      std::vector<std::pair<const storage::Document*, signing::Buffer>> signed_files;
      for (const auto& document : documents) {
        // A version signed by an earlier call that stopped before the status moved.
        if (document.latest.reason == "signed") continue;
        const auto bytes = registry().read_file(document.id, 0, call.viewer);
        auto options = signer.options;
        options.reason = "Ký duyệt hồ sơ " + code;
        std::lock_guard lock(signer.mutex);
        try {
          signed_files.emplace_back(&document, signing::sign_pdf(bytes, *signer.key, options).pdf);
        } catch (const Error& error) {
          throw error.within({document.code});
        }
      }
      json versions = json::array();
      for (auto& [document, file] : signed_files) {
        const auto version =
            registry().add_version(document->id, std::move(file), "signed", call.viewer);
        versions.push_back({{"id", document->id},
                            {"code", document->code},
                            {"version", version.version},
                            {"sha256", version.blob_sha256}});
      }
      const auto moved =
          registry().advance_status(code, storage::DossierStatus::Signed, call.viewer);
      result["ok"] = true;
      result["status"] = storage::to_string(moved.status);
      result["documents"] = versions;
    } catch (const ApiError& error) {
      result["ok"] = false;
      result["error"] = error.message;
    } catch (const Error& error) {
      log_event(LogLevel::Warning, "dossier not signed",
                {{"dossier", code}, {"error", error.what()}});
      result["ok"] = false;
      result["error"] = error.what();
    }
    return result;
  }

  ServiceConfig config_;
  fs::path web_dir_;
  fs::path holidays_dir_;
  std::mutex open_mutex_;
  std::unique_ptr<storage::Registry> registry_;
  std::unique_ptr<storage::AccountStore> accounts_;
  std::mutex sessions_mutex_;
  std::map<std::string, Session> sessions_;
  std::map<std::string, std::pair<int, Clock::time_point>> login_failures_;
  std::once_flag dummy_once_;
  std::string dummy_hash_;
  std::mutex signers_mutex_;
  std::map<std::string, std::unique_ptr<LoadedSigner>> loaded_signers_;
};

WebApi::WebApi(const ServiceConfig& config) : impl_(std::make_unique<Impl>(config)) {}
WebApi::~WebApi() = default;

bool WebApi::owns(const std::string& path) {
  return path.rfind("/api/", 0) == 0 && path.rfind("/api/batches", 0) != 0 &&
         path.rfind("/api/scanners", 0) != 0;
}

WebReply WebApi::handle(const WebRequest& request) {
  return impl_->handle(request);
}

WebReply WebApi::static_file(const std::string& path) const {
  return impl_->static_file(path);
}

std::int64_t WebApi::max_body_bytes(const std::string& path) {
  return Impl::max_body_bytes(path);
}

// ---- `sohoa account add` ------------------------------------------------------------

void add_account(const fs::path& data_dir, const NewAccount& account) {
  const auto role = storage::account_role_from_string(account.role);
  if (!role) {
    throw Error(ErrorCode::InvalidArgument,
                "unknown role '" + account.role + "' (counter, official, records or admin)");
  }
  if (account.password.size() < 10) {
    throw Error(ErrorCode::InvalidArgument, "a password needs at least 10 characters");
  }
  if (!std::regex_match(account.agency, kAgencyCode)) {
    throw Error(ErrorCode::InvalidArgument, "not an agency code: '" + account.agency + "'");
  }
  fs::create_directories(data_dir);
  storage::Account stored{
      account.login, account.agency, *role, account.display_name, hash_password(account.password),
      false};
  storage::open_sqlite_account_store(data_dir / "accounts.sqlite")->add(stored);
}

}  // namespace sohoa::service
