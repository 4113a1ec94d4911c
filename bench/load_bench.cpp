// Load on a running `sohoa serve` (bench/load_bench.sh starts one): N clients
// (default 50) on their own keep-alive connections mix logins, searches,
// dossier reads, new dossiers, document uploads to the registry and scan uploads
// to the OCR queue for a bounded time, then the counts, errors and p50/p95/p99
// per call kind are printed. Goal: no errors, p99 of every non-OCR call <= 1 s.
//
//   load_bench seed --port P --dossiers N --counter LOGIN --password-file F
//   load_bench run  --port P --seconds S --clients C --counter PREFIX --records PREFIX
//                   --accounts K --password-file F [--page FILE.jpg]
//                   [--relogin-every N] [--ramp-seconds S]
// Accounts are PREFIX-1 ... PREFIX-K (made by load_bench.sh with `sohoa account add`).
#include <httplib.h>
#include <sodium.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

const std::vector<std::string> kFamily = {"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh",
                                          "Phan",   "Vũ",   "Võ", "Đặng", "Bùi",   "Đỗ"};
const std::vector<std::string> kGiven = {"An",  "Bình", "Chi",  "Dũng", "Giang", "Hà",
                                         "Hải", "Hoa",  "Hùng", "Lan",  "Linh",  "Mai",
                                         "Nam", "Nga",  "Sơn",  "Tâm",  "Thảo",  "Tuấn"};
const std::vector<std::string> kSearches = {
    "khai sinh", "ket hon", "thuong tru",  "chung thuc", "hop dong thue nha",
    "uy quyen",  "Nguyen",  "Tran Van An", "phuong",     "xac nhan tinh trang hon nhan"};
const std::vector<std::string> kProcedures = {"1.001193", "1.000894", "1.004222", "2.000815"};

// The smallest PDF the registry takes as a document (it checks the header only;
// the text layer is what `page_texts` carries).
const std::string kTinyPdf =
    "%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages "
    "/Kids [3 0 R] /Count 1 >>\nendobj\n3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 "
    "842] >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";

std::string base64(const std::string& bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.find('\0'));
  return out;
}

std::string url_encode(const std::string& text) {
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || c == '-' || c == '.' || c == '_') {
      out += c;
    } else {
      char escaped[4];
      std::snprintf(escaped, sizeof escaped, "%%%02X", u);
      out += escaped;
    }
  }
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

template <class T>
const T& pick(std::mt19937_64& random, const std::vector<T>& list) {
  return list[random() % list.size()];
}

// One signed-in connection: the session cookie and CSRF token ride along.
class Session {
 public:
  explicit Session(int port) : client_("127.0.0.1", port) {
    client_.set_keep_alive(true);
    client_.set_read_timeout(60, 0);
    client_.set_write_timeout(60, 0);
  }

  // Returns the HTTP status (0: no answer).
  int login(const std::string& login, const std::string& password) {
    const auto reply = client_.Post(
        "/api/login", json{{"login", login}, {"password", password}}.dump(), "application/json");
    if (!reply) return 0;
    if (reply->status == 200) {
      const auto cookie = reply->get_header_value("Set-Cookie");
      cookie_ = cookie.substr(0, cookie.find(';'));
      csrf_ = json::parse(reply->body, nullptr, false).value("csrf_token", std::string());
    }
    return reply->status;
  }

  httplib::Result get(const std::string& path) { return client_.Get(path.c_str(), headers()); }

  httplib::Result post_json(const std::string& path, const json& body) {
    return client_.Post(path.c_str(), headers(), body.dump(), "application/json");
  }

  httplib::Result upload_page(const std::string& name, const std::string& bytes) {
    const httplib::MultipartFormDataItems items = {{"file", bytes, name, "image/jpeg"}};
    return client_.Post("/api/batches?label=load", headers(), items);
  }

 private:
  httplib::Headers headers() const {
    httplib::Headers out;
    if (!cookie_.empty()) out.emplace("Cookie", cookie_);
    if (!csrf_.empty()) out.emplace("X-CSRF-Token", csrf_);
    return out;
  }

  httplib::Client client_;
  std::string cookie_;
  std::string csrf_;
};

json new_dossier(std::mt19937_64& random) {
  char id[16];
  std::snprintf(id, sizeof id, "001%09d", static_cast<int>(random() % 1000000000));
  return {{"procedure_code", pick(random, kProcedures)},
          {"title", "Đăng ký khai sinh"},
          {"applicant_name", pick(random, kFamily) + " Văn " + pick(random, kGiven)},
          {"personal_id", id},
          {"processing_working_days", 5}};
}

json new_document(std::mt19937_64& random) {
  const std::string text = "Tờ khai đăng ký khai sinh của " + pick(random, kFamily) + " Thị " +
                           pick(random, kGiven) + ", phường " + pick(random, kGiven) +
                           ", thành phố Hà Nội; xác nhận tình trạng hôn nhân.";
  return {{"class", "to_khai_khai_sinh"},
          {"summary", "Tờ khai"},
          {"page_texts", json::array({text})},
          {"pdf_base64", base64(kTinyPdf)}};
}

struct Options {
  std::string mode;
  int port = 0;
  int dossiers = 2000;
  int seconds = 60;
  int clients = 50;
  int accounts = 10;
  std::string counter = "load-counter";
  std::string records = "load-records";
  std::string password;
  std::string page;  // a scan for the OCR-queue uploads; none: no scan uploads
  std::string codes_file = "dossier-codes.txt";
  // 0: each client logs in once, as the page does (a session lasts the working
  // day); N: a fresh connection and login after every N calls, to load logins.
  int relogin_every = 0;
  // Clients start spread over this many seconds, as staff arrive at their desks.
  int ramp_seconds = 10;
};

Options parse(int argc, char** argv) {
  Options options;
  if (argc < 2) {
    std::fprintf(stderr, "usage: load_bench seed|run --port P [...] (see bench/load_bench.cpp)\n");
    std::exit(1);
  }
  options.mode = argv[1];
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    const std::string value = argv[i + 1];
    if (key == "--port") {
      options.port = std::stoi(value);
    } else if (key == "--dossiers") {
      options.dossiers = std::stoi(value);
    } else if (key == "--seconds") {
      options.seconds = std::stoi(value);
    } else if (key == "--clients") {
      options.clients = std::stoi(value);
    } else if (key == "--accounts") {
      options.accounts = std::stoi(value);
    } else if (key == "--counter") {
      options.counter = value;
    } else if (key == "--records") {
      options.records = value;
    } else if (key == "--password-file") {
      options.password = read_file(value);
      while (!options.password.empty() && options.password.back() == '\n') {
        options.password.pop_back();
      }
    } else if (key == "--page") {
      options.page = value;
    } else if (key == "--codes") {
      options.codes_file = value;
    } else if (key == "--relogin-every") {
      options.relogin_every = std::stoi(value);
    } else if (key == "--ramp-seconds") {
      options.ramp_seconds = std::stoi(value);
    } else {
      std::fprintf(stderr, "unknown option %s\n", key.c_str());
      std::exit(1);
    }
  }
  return options;
}

// Seeds the registry over the API: dossiers with one searchable document each,
// by 8 counter sessions in parallel; writes the dossier codes for `run`.
int seed(const Options& options) {
  std::mutex mutex;
  std::vector<std::string> codes;
  std::atomic<int> next{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  const auto started = Clock::now();
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 random(1000 + t);
      Session session(options.port);
      const std::string login = options.counter + "-" + std::to_string(t % options.accounts + 1);
      if (session.login(login, options.password) != 200) {
        ++failures;
        return;
      }
      while (next++ < options.dossiers) {
        const auto made = session.post_json("/api/dossiers", new_dossier(random));
        if (!made || made->status != 201) {
          ++failures;
          continue;
        }
        const std::string code = json::parse(made->body)["dossier"]["code"];
        const auto filed =
            session.post_json("/api/dossiers/" + code + "/documents", new_document(random));
        if (!filed || filed->status != 201) ++failures;
        const std::lock_guard lock(mutex);
        codes.push_back(code);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::ofstream out(options.codes_file);
  for (const auto& code : codes) out << code << '\n';
  std::printf("seeded %zu dossiers (1 document each) in %.1f s, %d failures\n", codes.size(),
              std::chrono::duration<double>(Clock::now() - started).count(), failures.load());
  return failures.load() == 0 ? 0 : 1;
}

struct Sample {
  std::vector<double> milliseconds;
  long errors = 0;
  std::map<int, long> statuses;
};

int run(const Options& options) {
  std::vector<std::string> codes;
  {
    std::ifstream in(options.codes_file);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) codes.push_back(line);
    }
  }
  if (codes.empty()) {
    std::fprintf(stderr, "no dossier codes in %s: run `seed` first\n", options.codes_file.c_str());
    return 1;
  }
  const std::string page = options.page.empty() ? std::string() : read_file(options.page);
  std::mutex mutex;
  std::map<std::string, Sample> samples;
  const auto deadline = Clock::now() + std::chrono::seconds(options.seconds);
  std::vector<std::thread> threads;
  for (int c = 0; c < options.clients; ++c) {
    threads.emplace_back([&, c] {
      std::mt19937_64 random(7 + c);
      // Half the clients are counter staff (read, receive, file, scan), half
      // records officers (search, read).
      const bool counter = c % 2 == 0;
      const std::string login = (counter ? options.counter : options.records) + "-" +
                                std::to_string(c / 2 % options.accounts + 1);
      std::map<std::string, Sample> mine;
      const auto timed = [&](const std::string& kind, auto call, int expected) {
        const auto start = Clock::now();
        const int status = call();
        auto& sample = mine[kind];
        sample.milliseconds.push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - start).count());
        ++sample.statuses[status];
        if (status != expected) ++sample.errors;
        return status == expected;
      };
      if (options.ramp_seconds > 0 && options.clients > 1) {
        std::this_thread::sleep_for(
            std::chrono::milliseconds(1000LL * options.ramp_seconds * c / (options.clients - 1)));
      }
      auto session = std::make_unique<Session>(options.port);
      int calls_since_login = 0;
      bool signed_in = false;
      while (Clock::now() < deadline) {
        if (!signed_in ||
            (options.relogin_every > 0 && calls_since_login >= options.relogin_every)) {
          // A fresh connection and a login: once per client, or every N calls.
          session = std::make_unique<Session>(options.port);
          signed_in = timed(
              "login", [&] { return session->login(login, options.password); }, 200);
          calls_since_login = 0;
          continue;
        }
        ++calls_since_login;
        const int dice = static_cast<int>(random() % 100);
        const std::string& code = pick(random, codes);
        if (!counter && dice < 60) {
          const std::string query = pick(random, kSearches);
          timed(
              "search",
              [&] {
                const auto reply = session->get("/api/search?q=" + url_encode(query));
                return reply ? reply->status : 0;
              },
              200);
        } else if (dice < (counter ? 45 : 100)) {
          timed(
              "dossier",
              [&] {
                const auto reply = session->get("/api/dossiers/" + code);
                // Counter staff read their own agency's dossiers: all seeded ones.
                return reply ? reply->status : 0;
              },
              200);
        } else if (dice < 60) {
          timed(
              "new-dossier",
              [&] {
                const auto reply = session->post_json("/api/dossiers", new_dossier(random));
                return reply ? reply->status : 0;
              },
              201);
        } else if (dice < 80) {
          timed(
              "document",
              [&] {
                const auto reply = session->post_json("/api/dossiers/" + code + "/documents",
                                                      new_document(random));
                return reply ? reply->status : 0;
              },
              201);
        } else if (dice < 85 && !page.empty()) {
          timed(
              "scan-upload",
              [&] {
                const auto reply = session->upload_page("page.jpg", page);
                return reply ? reply->status : 0;
              },
              201);
        } else {
          timed(
              "dashboard",
              [&] {
                const auto reply = session->get("/api/dashboard");
                return reply ? reply->status : 0;
              },
              200);
        }
      }
      const std::lock_guard lock(mutex);
      for (auto& [kind, sample] : mine) {
        auto& total = samples[kind];
        total.milliseconds.insert(total.milliseconds.end(), sample.milliseconds.begin(),
                                  sample.milliseconds.end());
        total.errors += sample.errors;
        for (const auto& [status, count] : sample.statuses) total.statuses[status] += count;
      }
    });
  }
  for (auto& thread : threads) thread.join();

  long all_calls = 0;
  long all_errors = 0;
  double worst_p99 = 0;
  std::printf("%-12s %8s %7s %9s %9s %9s %9s  statuses\n", "call", "count", "errors", "p50 ms",
              "p95 ms", "p99 ms", "max ms");
  for (auto& [kind, sample] : samples) {
    auto& ms = sample.milliseconds;
    std::sort(ms.begin(), ms.end());
    const auto at = [&](double q) {
      return ms[std::min(ms.size() - 1,
                         static_cast<std::size_t>(q * static_cast<double>(ms.size())))];
    };
    std::string statuses;
    for (const auto& [status, count] : sample.statuses) {
      statuses += std::to_string(status) + ":" + std::to_string(count) + " ";
    }
    std::printf("%-12s %8zu %7ld %9.1f %9.1f %9.1f %9.1f  %s\n", kind.c_str(), ms.size(),
                sample.errors, at(0.50), at(0.95), at(0.99), ms.back(), statuses.c_str());
    all_calls += static_cast<long>(ms.size());
    all_errors += sample.errors;
    worst_p99 = std::max(worst_p99, at(0.99));
  }
  std::printf(
      "clients %d, %d s: %ld calls (%.0f/s), %ld errors; worst p99 %.0f ms (goal <= 1000)\n",
      options.clients, options.seconds, all_calls, static_cast<double>(all_calls) / options.seconds,
      all_errors, worst_p99);
  return all_errors == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse(argc, argv);
  if (options.port <= 0 || options.password.empty()) {
    std::fprintf(stderr, "--port and --password-file are required\n");
    return 1;
  }
  if (options.mode == "seed") return seed(options);
  if (options.mode == "run") return run(options);
  std::fprintf(stderr, "unknown mode %s (seed or run)\n", options.mode.c_str());
  return 1;
}
