// ScanSession against SANE's own virtual devices, through the real libsane API.
// Faults are injected with the test backend's `read-return-value` option (every
// sane_read then returns the chosen SANE_STATUS_*), set between pages of a
// feeder stack as a jam would happen mid-stack.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>

#include "sane_config.hpp"
#include "sohoa/imaging/decode.hpp"
#include "sohoa/scanners/scanner.hpp"
#include "test_support.hpp"

namespace sohoa::scanners {
namespace {

// The sohoa-sane-worker helpers this test process started and has not reaped.
std::vector<pid_t> scanner_helpers() {
  std::vector<pid_t> found;
  const std::string parent = std::to_string(::getpid());
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const auto name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    std::getline(stat, line);
    // pid (comm) state ppid ...; comm may hold spaces, so split after the last ')'.
    const auto open = line.find('(');
    const auto close = line.rfind(')');
    if (open == std::string::npos || close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 1));
    std::string state;
    std::string ppid;
    rest >> state >> ppid;
    if (ppid == parent && line.substr(open + 1, close - open - 1).starts_with("sohoa-sane-wor")) {
      found.push_back(std::stoi(name));
    }
  }
  return found;
}

class SaneTest : public ::testing::Test {
 protected:
  static ScanSettings feeder(ScanMode mode = ScanMode::Gray) {
    ScanSettings settings;
    settings.source = ScanSource::Adf;
    settings.resolution_dpi = 50;  // small pages: fast tests
    settings.mode = mode;
    settings.page_size = PageSize{80, 100};
    settings.device_options = {{"test-picture", "Grid"}};
    return settings;
  }
  test::SaneTestConfig sane_;
};

TEST_F(SaneTest, ListsTheVirtualDevices) {
  const auto devices = list_devices(/*local_only=*/true);
  std::vector<std::string> names;
  for (const auto& device : devices) names.push_back(device.name);
  for (const char* expected : {"test:0", "test:1", "pnm:0", "pnm:1"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected;
  }
}

TEST_F(SaneTest, FeederStackDeliversEveryPageUntilEmpty) {
  ScanSession session("test:0", feeder());
  EXPECT_EQ(session.resolution_dpi(), 50);
  std::vector<ScannedPage> pages;
  const auto result =
      session.scan_stack([&](ScannedPage page) { pages.push_back(std::move(page)); });
  EXPECT_FALSE(result.fault);
  // The test backend's feeder holds ten sheets.
  ASSERT_EQ(result.pages, 10);
  ASSERT_EQ(pages.size(), 10u);
  for (int i = 0; i < 10; ++i) {
    const auto& page = pages[static_cast<std::size_t>(i)];
    EXPECT_EQ(page.number, i);
    EXPECT_EQ(page.image.channels, 1);
    EXPECT_EQ(page.image.mode, ColorMode::Gray);
    EXPECT_NEAR(page.image.width, 80 * 50 / 25.4, 2);
    EXPECT_NEAR(page.image.height, 100 * 50 / 25.4, 2);
    EXPECT_EQ(page.image.pixels.size(), page.image.stride() * page.image.height);
    EXPECT_DOUBLE_EQ(page.image.dpi_x, 50);
    const auto [low, high] =
        std::minmax_element(page.image.pixels.begin(), page.image.pixels.end());
    EXPECT_LT(*low, 64) << "the grid has black";
    EXPECT_GT(*high, 192) << "the grid has white";
  }
  EXPECT_EQ(session.pages_delivered(), 10);
}

TEST_F(SaneTest, ColourAndLineartModes) {
  {
    ScanSession session("test:0", feeder(ScanMode::Color));
    auto event = session.next();
    auto* page = std::get_if<ScannedPage>(&event);
    ASSERT_NE(page, nullptr);
    EXPECT_EQ(page->image.channels, 3);
    EXPECT_EQ(page->image.mode, ColorMode::Rgb);
  }
  // The test backend has no lineart mode: 1-bit gray, unpacked to 0/255.
  ScanSession session("test:0", feeder(ScanMode::Lineart));
  auto event = session.next();
  auto* page = std::get_if<ScannedPage>(&event);
  ASSERT_NE(page, nullptr);
  EXPECT_EQ(page->image.mode, ColorMode::Bilevel);
  EXPECT_EQ(page->image.channels, 1);
  bool black = false;
  bool white = false;
  for (auto value : page->image.pixels) {
    ASSERT_TRUE(value == 0 || value == 255) << int(value);
    black = black || value == 0;
    white = white || value == 255;
  }
  EXPECT_TRUE(black && white);
}

struct FaultCase {
  const char* sane_status;
  FaultKind kind;
};

class SaneFaultTest : public SaneTest, public ::testing::WithParamInterface<FaultCase> {};

TEST_P(SaneFaultTest, MidStackFaultKeepsPagesAndTheBatchResumes) {
  const auto [status, kind] = GetParam();
  ScanSession session("test:0", feeder());
  std::vector<ScannedPage> pages;
  for (int i = 0; i < 3; ++i) {
    auto event = session.next();
    ASSERT_TRUE(std::holds_alternative<ScannedPage>(event));
    pages.push_back(std::get<ScannedPage>(std::move(event)));
  }
  session.set_device_option("read-return-value", status);
  auto event = session.next();
  auto* fault = std::get_if<ScannerFault>(&event);
  ASSERT_NE(fault, nullptr) << status;
  EXPECT_EQ(fault->kind, kind) << status << " -> " << to_string(fault->kind);
  EXPECT_EQ(fault->pages_before, 3);
  EXPECT_EQ(fault->device, "test:0");
  EXPECT_NE(fault->message_vi.find("Đã giữ lại 3 trang"), std::string::npos) << fault->message_vi;
  EXPECT_NE(fault->message_en.find("3 pages"), std::string::npos) << fault->message_en;
  EXPECT_FALSE(fault->detail.empty());
  EXPECT_EQ(session.pages_delivered(), 3);

  // The staff member clears the fault; the batch goes on where it stopped.
  session.set_device_option("read-return-value", "Default");
  const auto resumed =
      session.scan_stack([&](ScannedPage page) { pages.push_back(std::move(page)); });
  EXPECT_FALSE(resumed.fault);
  EXPECT_GT(resumed.pages, 0);
  for (std::size_t i = 0; i < pages.size(); ++i) {
    EXPECT_EQ(pages[i].number, static_cast<int>(i)) << "numbering continues across the fault";
  }
  session.close();
  EXPECT_TRUE(scanner_helpers().empty()) << "no helper is left behind";
}

INSTANTIATE_TEST_SUITE_P(
    Statuses, SaneFaultTest,
    ::testing::Values(FaultCase{"SANE_STATUS_JAMMED", FaultKind::Jammed},
                      FaultCase{"SANE_STATUS_COVER_OPEN", FaultKind::CoverOpen},
                      FaultCase{"SANE_STATUS_IO_ERROR", FaultKind::IoError},
                      FaultCase{"SANE_STATUS_DEVICE_BUSY", FaultKind::Busy},
                      FaultCase{"SANE_STATUS_NO_MEM", FaultKind::OutOfMemory},
                      FaultCase{"SANE_STATUS_ACCESS_DENIED", FaultKind::AccessDenied},
                      FaultCase{"SANE_STATUS_CANCELLED", FaultKind::Cancelled}),
    [](const auto& info) {
      std::string name(to_string(info.param.kind));
      std::erase(name, '-');
      return name;
    });

TEST_F(SaneTest, EmptyFeederIsAFaultThenTheBatchCanBeClosed) {
  ScanSession session("test:0", feeder());
  session.set_device_option("read-return-value", "SANE_STATUS_NO_DOCS");
  auto event = session.next();
  auto* fault = std::get_if<ScannerFault>(&event);
  ASSERT_NE(fault, nullptr);
  EXPECT_EQ(fault->kind, FaultKind::NoDocuments);
  EXPECT_EQ(fault->pages_before, 0);
  EXPECT_NE(fault->message_vi.find("Khay nạp giấy trống"), std::string::npos);
  session.close();
  EXPECT_THROW(session.next(), Error);
}

TEST_F(SaneTest, ClosingAfterAJamKeepsThePagesDelivered) {
  ScanSession session("test:1", feeder());
  std::vector<ScannedPage> pages;
  for (int i = 0; i < 2; ++i) pages.push_back(std::get<ScannedPage>(session.next()));
  session.set_device_option("read-return-value", "SANE_STATUS_JAMMED");
  const auto result =
      session.scan_stack([&](ScannedPage page) { pages.push_back(std::move(page)); });
  ASSERT_TRUE(result.fault);
  EXPECT_EQ(result.fault->kind, FaultKind::Jammed);
  session.close();
  ASSERT_EQ(pages.size(), 2u);
  EXPECT_FALSE(pages[1].image.empty());
  EXPECT_TRUE(scanner_helpers().empty()) << "no helper is left behind";
}

TEST_F(SaneTest, MissingDeviceIsDeviceGone) {
  try {
    ScanSession session("test:7", feeder());
    FAIL() << "opened a device that does not exist";
  } catch (const ScannerError& error) {
    EXPECT_EQ(error.fault().kind, FaultKind::DeviceGone);
    EXPECT_EQ(error.code(), ErrorCode::ScannerFault);
    EXPECT_NE(error.fault().message_vi.find("Không tìm thấy máy quét"), std::string::npos);
  }
}

TEST_F(SaneTest, SettingsTheDeviceCannotDoAreRefusedClearly) {
  ScanSettings duplex = feeder();
  duplex.source = ScanSource::AdfDuplex;
  try {
    ScanSession session("test:0", duplex);
    FAIL();
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::InvalidArgument);
    EXPECT_NE(std::string(error.what()).find("Automatic Document Feeder"), std::string::npos)
        << error.what();
  }
  ScanSettings adf;
  adf.source = ScanSource::Adf;
  EXPECT_THROW(ScanSession("pnm:0", adf), Error) << "pnm has no feeder";
  ScanSettings unknown = feeder();
  unknown.device_options.emplace_back("no-such-option", "1");
  EXPECT_THROW(ScanSession("test:0", unknown), Error);
}

// Writes `image` as a binary PGM/PPM, the pnm backend's input.
void write_pnm(const std::filesystem::path& path, const Image& image) {
  std::ofstream out(path, std::ios::binary);
  out << (image.channels == 3 ? "P6" : "P5") << "\n"
      << image.width << " " << image.height << "\n255\n";
  out.write(reinterpret_cast<const char*>(image.pixels.data()),
            static_cast<std::streamsize>(image.pixels.size()));
}

TEST_F(SaneTest, CorpusPagesThroughThePnmBackend) {
  const auto batch = test::corpus_dir() / "batches" / "b01";
  if (!std::filesystem::exists(batch)) GTEST_SKIP() << "no corpus at " << batch;
  std::vector<std::filesystem::path> sources;
  for (const auto& entry : std::filesystem::directory_iterator(batch))
    sources.push_back(entry.path());
  std::sort(sources.begin(), sources.end());
  sources.resize(std::min<std::size_t>(sources.size(), 3));

  test::ScratchDir scratch;
  ScanSettings flatbed;
  flatbed.source = ScanSource::Flatbed;
  flatbed.resolution_dpi = 300;
  flatbed.mode = ScanMode::Color;  // the pnm backend gives what the file holds
  ScanSession session("pnm:0", flatbed);
  int n = 0;
  for (const auto& source : sources) {
    const auto decoded = imaging::decode_page(source.string(), 0);
    const auto pnm = scratch / ("page" + std::to_string(n++) + ".pnm");
    write_pnm(pnm, decoded.image);
    // The counter operator puts the next page on the glass.
    session.set_device_option("filename", pnm.string());
    auto event = session.next();
    auto* page = std::get_if<ScannedPage>(&event);
    ASSERT_NE(page, nullptr) << source;
    EXPECT_EQ(page->image.width, decoded.image.width);
    EXPECT_EQ(page->image.height, decoded.image.height);
    EXPECT_EQ(page->image.channels, decoded.image.channels);
    EXPECT_EQ(page->image.pixels, decoded.image.pixels) << "the scan is the file, byte for byte";
    EXPECT_TRUE(std::holds_alternative<StackEnd>(session.next())) << "a flatbed holds one page";
  }
  EXPECT_EQ(session.pages_delivered(), static_cast<int>(sources.size()));

  // The pnm backend's own status simulation: a jam on the glass page.
  session.set_device_option("status-jammed", "yes");
  auto event = session.next();
  auto* fault = std::get_if<ScannerFault>(&event);
  ASSERT_NE(fault, nullptr);
  EXPECT_EQ(fault->kind, FaultKind::Jammed);
  EXPECT_EQ(fault->pages_before, static_cast<int>(sources.size()));
}

TEST_F(SaneTest, AHungScannerIsStoppedAndTheBatchResumes) {
  ScanSettings settings = feeder();
  settings.stall_limit = std::chrono::seconds(2);
  ScanSession session("test:0", settings);
  ASSERT_TRUE(std::holds_alternative<ScannedPage>(session.next()));
  const auto helpers = scanner_helpers();
  ASSERT_EQ(helpers.size(), 1u) << "one helper process per session";
  // Frozen mid-batch, as a backend stuck in a driver call would be.
  ASSERT_EQ(::kill(helpers[0], SIGSTOP), 0);
  auto event = session.next();
  auto* fault = std::get_if<ScannerFault>(&event);
  ASSERT_NE(fault, nullptr);
  EXPECT_EQ(fault->kind, FaultKind::NotResponding);
  EXPECT_EQ(fault->pages_before, 1);
  EXPECT_NE(fault->message_vi.find("không phản hồi"), std::string::npos) << fault->message_vi;
  EXPECT_NE(fault->message_vi.find("Đã giữ lại 1 trang"), std::string::npos);
  EXPECT_NE(fault->detail.find("signal 9"), std::string::npos) << fault->detail;
  EXPECT_TRUE(scanner_helpers().empty()) << "the hung helper is killed and reaped";

  // Resume: a fresh helper, numbering goes on.
  auto resumed = session.next();
  auto* page = std::get_if<ScannedPage>(&resumed);
  ASSERT_NE(page, nullptr);
  EXPECT_EQ(page->number, 1);
  EXPECT_FALSE(page->image.empty());
  ASSERT_EQ(scanner_helpers().size(), 1u);
  EXPECT_NE(scanner_helpers()[0], helpers[0]);
  session.close();
  EXPECT_TRUE(scanner_helpers().empty()) << "close leaves no helper behind";
}

TEST_F(SaneTest, ACrashedHelperIsAnIoFaultAndTheBatchResumes) {
  ScanSession session("test:0", feeder());
  ASSERT_TRUE(std::holds_alternative<ScannedPage>(session.next()));
  ASSERT_TRUE(std::holds_alternative<ScannedPage>(session.next()));
  const auto helpers = scanner_helpers();
  ASSERT_EQ(helpers.size(), 1u);
  ASSERT_EQ(::kill(helpers[0], SIGKILL), 0);
  auto event = session.next();
  auto* fault = std::get_if<ScannerFault>(&event);
  ASSERT_NE(fault, nullptr);
  EXPECT_EQ(fault->kind, FaultKind::IoError);
  EXPECT_EQ(fault->pages_before, 2);
  EXPECT_NE(fault->detail.find("signal 9"), std::string::npos) << fault->detail;
  const auto resumed = session.scan_stack([](ScannedPage) {});
  EXPECT_FALSE(resumed.fault);
  EXPECT_GT(resumed.pages, 0);
  EXPECT_EQ(session.pages_delivered(), 2 + resumed.pages);
}

TEST_F(SaneTest, ASlowScannerThatKeepsSendingIsNotStopped) {
  ScanSettings settings = feeder();
  settings.resolution_dpi = 200;
  settings.stall_limit = std::chrono::milliseconds(700);
  // The backend pauses 200 ms after each buffer: the page takes longer than the
  // stall limit, but data never stops for that long.
  settings.device_options.insert(settings.device_options.end(),
                                 {{"read-limit", "yes"},
                                  {"read-limit-size", "400"},
                                  {"read-delay", "yes"},
                                  {"read-delay-duration", "200000"}});
  ScanSession session("test:0", settings);
  const auto started = std::chrono::steady_clock::now();
  auto event = session.next();
  const auto took = std::chrono::steady_clock::now() - started;
  auto* page = std::get_if<ScannedPage>(&event);
  ASSERT_NE(page, nullptr) << to_string(std::get<ScannerFault>(event).kind);
  EXPECT_GT(took, settings.stall_limit) << "the case must outlast the stall limit to mean anything";
}

TEST_F(SaneTest, AMissingHelperIsAClearFault) {
  struct PointHelperNowhere {
    PointHelperNowhere() { ::setenv("SOHOA_SANE_WORKER", "/nonexistent/sohoa-sane-worker", 1); }
    ~PointHelperNowhere() { ::unsetenv("SOHOA_SANE_WORKER"); }
  } nowhere;
  try {
    ScanSession session("test:0", feeder());
    FAIL() << "started without a helper";
  } catch (const ScannerError& error) {
    EXPECT_EQ(error.fault().kind, FaultKind::IoError);
    EXPECT_NE(std::string(error.what()).find("/nonexistent/sohoa-sane-worker"), std::string::npos)
        << error.what();
  }
  EXPECT_THROW(list_devices(true), ScannerError);
}

TEST(ScanSettingsNames, ParseAndPrint) {
  EXPECT_EQ(source_from_string("adf-duplex"), ScanSource::AdfDuplex);
  EXPECT_EQ(source_from_string("Flatbed"), ScanSource::Flatbed);
  EXPECT_FALSE(source_from_string("tray"));
  EXPECT_EQ(mode_from_string("grey"), ScanMode::Gray);
  EXPECT_EQ(mode_from_string("lineart"), ScanMode::Lineart);
  EXPECT_EQ(page_size_from_string("A4")->width_mm, 210.0);
  const auto custom = page_size_from_string("100x150");
  ASSERT_TRUE(custom);
  EXPECT_EQ(custom->height_mm, 150.0);
  EXPECT_FALSE(page_size_from_string("100x"));
  EXPECT_FALSE(page_size_from_string("-1x5"));
}

TEST(ScannerFaultMessages, EveryKindSaysWhatToDoInBothLanguages) {
  for (int i = 0; i <= static_cast<int>(FaultKind::NotResponding); ++i) {
    const auto kind = static_cast<FaultKind>(i);
    const auto fault = make_fault(kind, "dev", 0);
    EXPECT_NE(to_string(kind), "unknown");
    EXPECT_GT(fault.message_vi.size(), 20u) << to_string(kind);
    EXPECT_GT(fault.message_en.size(), 20u) << to_string(kind);
    EXPECT_EQ(fault.message_en.find("kept"), std::string::npos) << "no pages to keep";
  }
  EXPECT_NE(
      make_fault(FaultKind::Jammed, "dev", 1).message_en.find("The 1 page scanned so far is kept"),
      std::string::npos);
}

}  // namespace
}  // namespace sohoa::scanners
