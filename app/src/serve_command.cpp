// `sohoa serve`: the daemon. Reads the configuration, then runs intake (hot
// folders, HTTP upload, scanner profiles), the durable queue and the batch
// pipeline until SIGTERM/SIGINT (or, with --once, until the doors and the queue
// are empty). Logs are JSON lines on stderr.
#include <pthread.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <thread>

#include "commands.hpp"
#include "config_paths.hpp"
#include "exit_codes.hpp"
#include "sohoa/service/json_log.hpp"
#include "sohoa/service/service.hpp"
#include "sohoa/service/service_config.hpp"

namespace sohoa::app {

namespace {

namespace fs = std::filesystem;

struct ServeCommandOptions {
  std::string config_path;
  std::string data_dir;
  std::string listen;
  std::vector<std::string> hot_folders;
  int jobs = -1;
  bool once = false;
  bool no_http = false;
};

int run(const ServeCommandOptions& options) {
  service::ServiceConfig config;  // the embedded default (config/embedded-default.json)
  if (!options.config_path.empty()) config = service::load_service_config(options.config_path);
  if (!options.data_dir.empty()) config.data_dir = fs::absolute(options.data_dir);
  if (!options.listen.empty()) {
    const auto parsed =
        service::parse_service_config(R"({"listen":")" + options.listen + R"("})", ".");
    config.listen_host = parsed.listen_host;
    config.listen_port = parsed.listen_port;
  }
  for (const auto& folder : options.hot_folders)
    config.hot_folders.push_back({fs::absolute(folder)});
  if (options.jobs >= 0) config.jobs = options.jobs;
  if (options.no_http) config.http = false;
  if (config.classes_path.empty()) config.classes_path = find_config_dir("page_classes");
  if (config.classes_path.empty()) {
    std::cerr << "sohoa: no page-class configuration found; set \"classes\" in the configuration\n";
    return kExitBadArgs;
  }

  // Signals are taken by one thread with sigwait (a handler could not safely
  // touch the service); every other thread inherits the blocked mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGUSR1);  // our own "run() returned" wake-up
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  service::Service daemon(config);
  std::thread signal_thread([&] {
    int received = 0;
    sigwait(&signals, &received);
    if (received != SIGUSR1) {
      service::log_event(service::LogLevel::Info, "signal received",
                         {{"signal", received == SIGTERM ? "SIGTERM" : "SIGINT"}});
      daemon.request_stop();
    }
  });
  const int exit_code = daemon.run(options.once);
  pthread_kill(signal_thread.native_handle(), SIGUSR1);
  signal_thread.join();
  return exit_code == 0 ? kExitOk : kExitFileAccess;
}

}  // namespace

void add_serve_command(CLI::App& root, RunAction& run_action) {
  auto options = std::make_shared<ServeCommandOptions>();
  auto* command = root.add_subcommand(
      "serve", "Run the service: hot folders, HTTP upload, scanners -> filed dossiers");
  command
      ->add_option("-c,--config", options->config_path,
                   "JSON configuration (default: the embedded default, see "
                   "config/embedded-default.json)")
      ->check(CLI::ExistingFile);
  command->add_option("--data-dir", options->data_dir,
                      "Data folder (queue, spool, work, filed); overrides the configuration");
  command->add_option("--listen", options->listen, "HOST:PORT of the HTTP API (0 = any free port)");
  command->add_option("--hot-folder", options->hot_folders, "Also watch this folder");
  command->add_option("-j,--jobs", options->jobs, "Pipeline worker threads (0: all cores)")
      ->check(CLI::Range(0, 64));
  command->add_flag("--once", options->once,
                    "Process what is in the hot folders and the spool, then exit");
  command->add_flag("--no-http", options->no_http, "Do not start the HTTP API");
  command->callback([options, &run_action] { run_action = [options] { return run(*options); }; });
}

}  // namespace sohoa::app
