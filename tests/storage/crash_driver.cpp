// A miniature pipeline over the durable queue, for the crash test: it is killed
// with SIGKILL at random moments and restarted until it reports "done".
//
//   storage_crash_driver DATABASE OUTPUT_DIR PAGES [WORK_MICROSECONDS]
//
// Pages go cleaned -> recognised (one output file each), the batch is split
// into dossiers of four pages once every page is recognised, each dossier is
// bundled (a file listing its pages) and filed (a marker file). Every output is
// written with write_file_durably before the stage is completed, as the real
// pipeline does; WORK_MICROSECONDS of "work" per job (default 2000) sit between
// the output being in place and the completion, the window a crash is most
// likely to hit in the real service. Exit 0 when all work is done, 3 when work
// is stuck.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>

#include "sohoa/core/durable_file.hpp"
#include "sohoa/core/error.hpp"
#include "sohoa/storage/sqlite_job_queue.hpp"

namespace {

using sohoa::storage::Completion;
using sohoa::storage::CompletionEffects;
using sohoa::storage::Job;
using sohoa::storage::JobQueue;
using sohoa::storage::Stage;
using sohoa::storage::SubjectKind;

constexpr int kPagesPerDossier = 4;

std::string page_output(std::int64_t page_id, Stage stage) {
  return "page " + std::to_string(page_id) + " " + std::string(to_string(stage)) + "\n";
}

CompletionEffects run_job(JobQueue& queue, const Job& job, const std::filesystem::path& out) {
  CompletionEffects effects;
  switch (job.subject) {
    case SubjectKind::Page: {
      sohoa::write_file_durably(out / ("page-" + std::to_string(job.subject_id) + "." +
                                       std::string(to_string(job.stage))),
                                page_output(job.subject_id, job.stage));
      if (job.stage == Stage::Cleaned) {
        effects.next_jobs.push_back({SubjectKind::Page, job.subject_id, Stage::Recognised, "", {}});
      }
      break;
    }
    case SubjectKind::Batch: {
      const auto pages = queue.pages(job.subject_id);
      for (std::size_t first = 0; first < pages.size(); first += kPagesPerDossier) {
        sohoa::storage::NewDossier dossier;
        dossier.key = "dossier-" + std::to_string(first / kPagesPerDossier);
        for (std::size_t i = first; i < std::min(pages.size(), first + kPagesPerDossier); ++i) {
          dossier.page_ids.push_back(pages[i].id);
        }
        effects.dossiers.push_back(std::move(dossier));
      }
      break;
    }
    case SubjectKind::Dossier: {
      std::string listing;
      std::string key;
      for (const auto& dossier : queue.dossiers(job.batch_id)) {
        if (dossier.id != job.subject_id) continue;
        key = dossier.key;
        for (auto page : dossier.page_ids) listing += std::to_string(page) + "\n";
      }
      const std::string suffix = job.stage == Stage::Bundled ? ".bundle" : ".filed";
      sohoa::write_file_durably(out / (key + suffix), listing);
      if (job.stage == Stage::Bundled) {
        effects.next_jobs.push_back({SubjectKind::Dossier, job.subject_id, Stage::Filed, "", {}});
      }
      break;
    }
  }
  return effects;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4 && argc != 5) {
    std::cerr << "usage: storage_crash_driver DATABASE OUTPUT_DIR PAGES [WORK_MICROSECONDS]\n";
    return 1;
  }
  const int work_us = argc == 5 ? std::atoi(argv[4]) : 2000;
  const std::filesystem::path out = argv[2];
  const int page_count = std::atoi(argv[3]);
  try {
    sohoa::storage::SqliteQueueOptions options;
    options.database = argv[1];
    // Random kills may hit one job several times; that is not a poison page.
    options.retry.max_attempts = 1000;
    auto queue = sohoa::storage::open_sqlite_queue(options);

    // Start-up recovery, as the service does it.
    std::filesystem::create_directories(out);
    sohoa::remove_stale_temp_files(out);
    queue->reclaim_all_leases();

    sohoa::storage::NewBatch batch;
    batch.key = "crash-batch";
    batch.origin = "test";
    batch.label = "crash test";
    for (int i = 0; i < page_count; ++i) batch.pages.push_back({"page-" + std::to_string(i), 0});
    batch.batch_jobs.push_back({SubjectKind::Batch, 0, Stage::Understood, "", Stage::Recognised});
    queue->add_batch(batch, Stage::Cleaned);

    const std::string owner = "driver-" + std::to_string(::getpid());
    while (auto job = queue->claim(owner, std::chrono::minutes(5))) {
      const auto effects = run_job(*queue, *job, out);
      std::this_thread::sleep_for(std::chrono::microseconds(work_us));
      if (queue->complete(*job, effects) != Completion::Completed) {
        std::cerr << "job " << job->id << " was not ours to complete\n";
        return 4;
      }
    }
    if (queue->stats().depth() != 0) {
      std::cerr << "work left that nobody can claim\n";
      return 3;
    }
    std::cout << "done\n";
    return 0;
  } catch (const sohoa::Error& error) {
    std::cerr << "storage_crash_driver: " << error.what() << '\n';
    return 2;
  }
}
