// `sohoa serve` with an agency configured files what it digitises into the
// registry: a corpus stack in through the hot folder, then, through the Registry
// API, the dossiers of the truth (codes from the receipts), their documents
// (count, classes, one PDF/A each with the right pages), the pages' text
// searchable without accents — and a replay of the file stage adds nothing.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "service_test_support.hpp"
#include "sohoa/core/error.hpp"
#include "sohoa/core/identifiers.hpp"
#include "sohoa/service/service_config.hpp"
#include "sohoa/storage/open_registry.hpp"
#include "sohoa/storage/text_folding.hpp"
#include "test_support.hpp"

namespace sohoa::service {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::eventually;

constexpr const char* kAgency = "000.00.00.H49";

json read_json(const fs::path& path) {
  return json::parse(sohoa::test::read_text(path));
}

// Copies a corpus batch into the inbox as one complete folder.
void drop_batch(const fs::path& scratch, const fs::path& inbox, const std::string& name) {
  const fs::path staging = scratch / "staging" / name;
  fs::create_directories(staging);
  for (const auto& entry : fs::directory_iterator(sohoa::test::corpus_dir() / "batches" / name)) {
    fs::copy_file(entry.path(), staging / entry.path().filename());
  }
  sohoa::test::write_text(staging / ".sohoa-done", "");
  fs::create_directories(inbox);
  fs::rename(staging, inbox / name);
}

std::unique_ptr<storage::Registry> open_test_registry(const ServiceConfig& config) {
  storage::RegistryOptions options;
  options.blobs = storage::open_local_blob_store(blob_store_dir(config));
  options.holidays = storage::HolidayCalendar::load(sohoa::test::source_dir() / "config/holidays");
  return storage::open_registry(registry_url(config), std::move(options));
}

storage::Viewer records_officer(const std::string& dossier_code) {
  return {parse_dossier_code(dossier_code)->agency, storage::Role::RecordsOfficer, "van-thu"};
}

int pdf_pages(const fs::path& scratch, const std::vector<std::uint8_t>& bytes) {
  const fs::path file = scratch / "check.pdf";
  sohoa::test::write_bytes(file, bytes);
  const auto count =
      sohoa::test::run_command("qpdf --show-npages " + sohoa::test::shell_quote(file.string()));
  return count.exit_code == 0 ? std::atoi(count.output.c_str()) : -1;
}

// Per dossier of the truth: the documents in order, each with its content pages.
struct TruthDocument {
  std::string page_class;
  int pages = 0;
  std::string text;  // the first page's text
};

std::map<std::string, std::vector<TruthDocument>> truth_documents(const json& truth,
                                                                  const std::string& batch) {
  std::map<std::string, std::vector<TruthDocument>> out;
  for (const auto& page : truth["pages"]) {
    if (page["batch"] != batch || page["dossier"].is_null() || page["blank"].get<bool>()) continue;
    auto& documents = out[page["dossier"].get<std::string>()];
    const auto index = page["doc_index"].get<std::size_t>();
    if (documents.size() <= index) documents.resize(index + 1);
    documents[index].page_class = page["class"].get<std::string>();
    if (documents[index].pages++ == 0) documents[index].text = page["text"].get<std::string>();
  }
  return out;
}

TEST(ServiceRegistryFiling, ConfigNamesTheAgency) {
  const auto config = parse_service_config(R"({"agency": "000.00.00.H49"})", "/");
  EXPECT_EQ(config.agency, kAgency);
  EXPECT_EQ(config.unit_code, kAgency);
  const auto other =
      parse_service_config(R"({"agency": "000.00.00.H49", "unit_code": "000.01.00.H49"})", "/");
  EXPECT_EQ(other.unit_code, "000.01.00.H49");
  EXPECT_THROW((void)parse_service_config(R"({"agency": "H49 / bad"})", "/"), Error);
  EXPECT_THROW((void)parse_service_config(R"({"unit_code": "000.01.00.H49"})", "/"), Error);
  EXPECT_TRUE(parse_service_config("{}", "/").agency.empty());
  const auto embedded =
      load_service_config(sohoa::test::source_dir() / "config/embedded-default.json");
  EXPECT_FALSE(embedded.agency.empty());
  const auto example = load_service_config(sohoa::test::source_dir() / "config/sohoa.example.json");
  EXPECT_FALSE(example.agency.empty());
}

TEST(ServiceRegistryFiling, CorpusBatchLandsInTheRegistryOnceWithItsDocuments) {
  if (!fs::exists(sohoa::test::corpus_dir() / "truth.json")) GTEST_SKIP() << "no shared corpus";
  if (!sohoa::test::have_program("qpdf")) GTEST_SKIP() << "qpdf is not installed";
  sohoa::test::ScratchDir scratch;
  auto config = test::test_config(scratch / "data");
  config.agency = kAgency;
  config.unit_code = kAgency;
  config.http = false;
  config.jobs = 2;
  const std::string batch = "b02";
  drop_batch(scratch.path(), config.data_dir / "inbox", batch);
  {
    Service service(config);
    ASSERT_EQ(service.run(true), 0);
  }

  const json truth = read_json(sohoa::test::corpus_dir() / "truth.json");
  const auto expected = truth_documents(truth, batch);
  ASSERT_EQ(expected.size(), 3U);
  auto registry = open_test_registry(config);
  std::map<std::string, std::set<std::int64_t>> document_ids;
  for (const auto& [code, documents] : expected) {
    SCOPED_TRACE(code);
    const auto viewer = records_officer(code);
    const auto dossier = registry->dossier(code, viewer);
    ASSERT_TRUE(dossier) << "the receipt's code is not in the registry";
    EXPECT_EQ(dossier->status, storage::DossierStatus::Digitised);
    for (const auto& item : truth["dossiers"]) {
      if (item["code"] != code) continue;
      EXPECT_EQ(dossier->procedure_code, item["procedure_code"].get<std::string>());
      EXPECT_EQ(dossier->personal_id, item["applicant_id"].get<std::string>());
    }
    const auto filed = registry->documents(code, viewer);
    ASSERT_EQ(filed.size(), documents.size());
    for (std::size_t i = 0; i < filed.size(); ++i) {
      SCOPED_TRACE(filed[i].code);
      EXPECT_EQ(filed[i].metadata.document_class, documents[i].page_class);
      EXPECT_FALSE(filed[i].metadata.document_type.empty());
      EXPECT_EQ(filed[i].metadata.confidence_level,
                documents[i].page_class == "can_cuoc" ? "03" : "02");
      EXPECT_EQ(filed[i].page_count, documents[i].pages);
      const auto bytes = registry->read_file(filed[i].id, 1, viewer);
      EXPECT_EQ(pdf_pages(scratch.path(), bytes), documents[i].pages);
      document_ids[code].insert(filed[i].id);
    }
    // A word of the receipt's text (the applicant's name), typed without accents.
    const std::string name = [&] {
      for (const auto& item : truth["dossiers"]) {
        if (item["code"] == code) return item["applicant"].get<std::string>();
      }
      return std::string();
    }();
    ASSERT_NE(documents[0].text.find(name), std::string::npos);
    storage::SearchQuery query;
    query.text = storage::fold_for_search(name);
    query.dossier_code = code;
    const auto hits = registry->search(query, viewer);
    ASSERT_FALSE(hits.empty()) << query.text;
    EXPECT_EQ(hits.front().dossier_code, code);
  }

  // One stored document passes the independent PDF/A checker.
  {
    const auto& [code, documents] = *expected.begin();
    const auto filed = registry->documents(code, records_officer(code));
    ASSERT_FALSE(filed.empty());
    const fs::path file = scratch / "document.pdf";
    sohoa::test::write_bytes(file, registry->read_file(filed.back().id, 1, records_officer(code)));
    const auto check = sohoa::test::run_command(
        "bash " +
        sohoa::test::shell_quote((sohoa::test::shared_dir() / "check/check_pdfa.sh").string()) +
        " " + sohoa::test::shell_quote(file.string()) + " --level 2b");
    EXPECT_NE(check.output.find("PDFA 2b OK"), std::string::npos) << check.output;
  }

  // The folder output is as before: the dossier PDFs and the result files only.
  std::set<std::string> filed_names;
  for (const auto& entry : fs::recursive_directory_iterator(config.data_dir / "filed")) {
    if (entry.is_regular_file()) filed_names.insert(entry.path().filename().string());
  }
  for (const auto& [code, documents] : expected) EXPECT_EQ(filed_names.count(code + ".pdf"), 1U);
  EXPECT_EQ(filed_names.size(), expected.size() + 4);
  registry.reset();

  // A restart on the same data files nothing again.
  {
    Service service(config);
    ASSERT_EQ(service.run(true), 0);
  }
  registry = open_test_registry(config);
  for (const auto& [code, ids] : document_ids) {
    std::set<std::int64_t> now;
    for (const auto& document : registry->documents(code, records_officer(code))) {
      now.insert(document.id);
    }
    EXPECT_EQ(now, ids) << code;
  }
}

// The failed attempts counted for `reason` in /metrics.
int failures(int port, const std::string& reason) {
  const auto metrics = test::http_get(port, "/metrics");
  const std::string label = "sohoa_failures_total{reason=\"" + reason + "\"} ";
  const auto at = metrics.body.find(label);
  return at == std::string::npos ? 0 : std::atoi(metrics.body.c_str() + at + label.size());
}

// The file stage fails after the registry step (its target folder cannot be made:
// `filed` is a file) and is replayed by the queue's retries: the documents are
// added once, and once the folder can be made the dossier is filed as usual.
TEST(ServiceRegistryFiling, ReplayedFileStageAddsNothingTwice) {
  if (!fs::exists(sohoa::test::corpus_dir() / "truth.json")) GTEST_SKIP() << "no shared corpus";
  sohoa::test::ScratchDir scratch;
  auto config = test::test_config(scratch / "data");
  config.agency = kAgency;
  config.jobs = 2;
  config.max_attempts = 1000;
  // One dossier: the receipt of b01's first dossier and the page after it.
  const fs::path staging = scratch / "staging" / "b01-a";
  fs::create_directories(staging);
  for (const char* name : {"0001.jpg", "0002.jpg"}) {
    fs::copy_file(sohoa::test::corpus_dir() / "batches/b01" / name, staging / name);
  }
  sohoa::test::write_text(staging / ".sohoa-done", "");
  const std::string code = "000.11.58.H01-251104-0010";
  const auto viewer = records_officer(code);
  std::vector<std::int64_t> first_ids;
  {
    test::RunningService running(config);
    ASSERT_GT(running.port(), 0);
    fs::remove_all(config.data_dir / "filed");
    sohoa::test::write_text(config.data_dir / "filed", "in the way");
    fs::rename(staging, config.data_dir / "inbox" / "b01-a");

    auto registry = open_test_registry(config);
    auto document_count = [&] {
      try {
        if (!registry->dossier(code, viewer)) return std::size_t{0};
        return registry->documents(code, viewer).size();
      } catch (const Error&) {
        return std::size_t{0};  // the service holds the write lock for a moment
      }
    };
    ASSERT_TRUE(eventually([&] { return document_count() >= 2; }));
    // The stage has failed after the registry step and been replayed twice more.
    ASSERT_TRUE(eventually([&] { return failures(running.port(), "Internal") >= 3; }));
    for (const auto& document : registry->documents(code, viewer)) {
      first_ids.push_back(document.id);
    }
    EXPECT_EQ(first_ids.size(), 2U);

    fs::remove(config.data_dir / "filed");
    fs::create_directories(config.data_dir / "filed");
    ASSERT_TRUE(eventually([&] {
      for (const auto& entry : fs::directory_iterator(config.data_dir / "filed")) {
        if (fs::exists(entry.path() / "results.json")) return true;
      }
      return false;
    }));
    ASSERT_EQ(running.stop(), 0);
  }
  auto registry = open_test_registry(config);
  std::vector<std::int64_t> ids;
  for (const auto& document : registry->documents(code, viewer)) ids.push_back(document.id);
  EXPECT_EQ(ids, first_ids);
  EXPECT_EQ(registry->dossier(code, viewer)->status, storage::DossierStatus::Digitised);
}

}  // namespace
}  // namespace sohoa::service
