#include "sohoa/scanners/intake_spool.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace sohoa::scanners {
namespace {

std::vector<std::uint8_t> bytes_of(std::string_view text) {
  return {text.begin(), text.end()};
}

const std::string kJpegHead("\xFF\xD8\xFF\xE0 fake jpeg body", 20);
const std::string kPngHead("\x89PNG\r\n\x1A\n fake png", 17);

TEST(IntakeSpool, UploadAppearsOnlyWhenCommitted) {
  test::ScratchDir scratch;
  IntakeSpool spool(scratch / "spool");
  auto writer = spool.begin_batch("upload", "Quầy số 2");
  writer.add_file("page10.jpg", bytes_of(kJpegHead));
  writer.add_file("page2.png", bytes_of(kPngHead));
  writer.add_file("notes.txt", bytes_of("hello"));
  writer.add_file("empty.jpg", {});
  EXPECT_TRUE(spool.ready_batches().empty()) << "visible before commit";
  EXPECT_THROW(writer.add_file("../escape.jpg", bytes_of(kJpegHead)), Error);
  EXPECT_THROW(writer.add_file(".hidden", bytes_of(kJpegHead)), Error);

  const auto batch = writer.commit();
  EXPECT_NE(batch.id.find("qu-y-s-2"), std::string::npos) << batch.id;
  EXPECT_EQ(batch.origin, "upload");
  ASSERT_EQ(batch.files.size(), 4u);
  // Natural order of names: empty, notes, page2, page10.
  EXPECT_EQ(batch.files[2].name, "page2.png");
  EXPECT_EQ(batch.files[3].name, "page10.jpg");
  EXPECT_EQ(batch.files[3].kind, IntakeFileKind::Jpeg);
  EXPECT_EQ(batch.files[2].kind, IntakeFileKind::Png);
  ASSERT_TRUE(batch.files[0].problem);
  EXPECT_EQ(batch.files[0].problem->code(), ErrorCode::EmptyInput);
  ASSERT_TRUE(batch.files[1].problem);
  EXPECT_EQ(batch.files[1].problem->code(), ErrorCode::UnsupportedFormat);
  EXPECT_NE(std::string(batch.files[1].problem->what()).find("upload: notes.txt"),
            std::string::npos)
      << batch.files[1].problem->what();
  EXPECT_EQ(batch.good_files(), 2u);

  const auto ready = spool.ready_batches();
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(ready[0].id, batch.id);
  EXPECT_EQ(ready[0].origin, "upload");
  spool.release(batch.id);
  EXPECT_TRUE(spool.ready_batches().empty());
}

TEST(IntakeSpool, OpenScannerBatchSurvivesRestartUntilClosed) {
  test::ScratchDir scratch;
  std::string id;
  {
    IntakeSpool spool(scratch / "spool");
    auto writer = spool.begin_open_batch("scanner:test:0", "quay-1");
    id = writer.id();
    writer.add_file("page-0001.jpg", bytes_of(kJpegHead));
    writer.add_file("page-0002.jpg", bytes_of(kJpegHead));
    // The writer goes (a fault ended the request); the pages stay, not ready yet.
  }
  IntakeSpool restarted(scratch / "spool");  // start-up sweeps incoming/, not open/
  EXPECT_TRUE(restarted.ready_batches().empty());
  auto open = restarted.open_batches();
  ASSERT_EQ(open.size(), 1U);
  EXPECT_EQ(open[0].id, id);
  EXPECT_EQ(open[0].origin, "scanner:test:0");
  EXPECT_EQ(open[0].good_files(), 2U);

  auto resumed = restarted.resume_open_batch(id);
  EXPECT_EQ(resumed.files_written(), 2);
  resumed.add_file("page-0003.jpg", bytes_of(kJpegHead));
  const auto batch = resumed.commit();
  EXPECT_EQ(batch.files.size(), 3U);
  EXPECT_EQ(batch.origin, "scanner:test:0");
  EXPECT_TRUE(restarted.open_batches().empty());
  ASSERT_EQ(restarted.ready_batches().size(), 1U);
  EXPECT_EQ(restarted.ready_batches()[0].files.size(), 3U);

  EXPECT_THROW((void)restarted.resume_open_batch(id), Error) << "closed already";
  EXPECT_THROW((void)restarted.resume_open_batch("../ready"), Error);
  auto discarded = restarted.begin_open_batch("scanner:test:1", "x");
  discarded.add_file("page-0001.jpg", bytes_of(kJpegHead));
  discarded.abort();
  EXPECT_TRUE(restarted.open_batches().empty()) << "abort discards an open batch";
}

TEST(IntakeSpool, AbandonedUploadLeavesNothing) {
  test::ScratchDir scratch;
  IntakeSpool spool(scratch / "spool");
  {
    auto writer = spool.begin_batch("upload", "x");
    writer.add_file("a.jpg", bytes_of(kJpegHead));
  }
  EXPECT_TRUE(spool.ready_batches().empty());
  EXPECT_TRUE(std::filesystem::is_empty(scratch / "spool" / "incoming"));
}

TEST(IntakeSpool, RestartFinishesClaimsAndSweepsPartialUploads) {
  test::ScratchDir scratch;
  { IntakeSpool spool(scratch / "spool"); }
  // As a crash would leave them: a claimed file not yet moved to ready/, and an
  // upload cut off mid-way.
  const auto claim = scratch / "spool" / "incoming" / "20250101T000000Z-scan-abcdef.claim";
  std::filesystem::create_directories(claim);
  test::write_text(claim / "scan.jpg", kJpegHead);
  const auto partial = scratch / "spool" / "incoming" / "20250101T000001Z-upload-123456";
  std::filesystem::create_directories(partial);
  test::write_text(partial / "half.jpg", "\xFF\xD8");
  const auto empty_claim = scratch / "spool" / "incoming" / "20250101T000002Z-x-000000.claim";
  std::filesystem::create_directories(empty_claim);

  IntakeSpool spool(scratch / "spool");
  const auto ready = spool.ready_batches();
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(ready[0].id, "20250101T000000Z-scan-abcdef");
  ASSERT_EQ(ready[0].files.size(), 1u);
  EXPECT_FALSE(ready[0].files[0].problem);
  EXPECT_TRUE(std::filesystem::is_empty(scratch / "spool" / "incoming"));
}

TEST(IntakeSpool, AdoptClaimsOnceAndSniffs) {
  test::ScratchDir scratch;
  IntakeSpool spool(scratch / "spool");
  std::filesystem::create_directories(scratch / "inbox");
  test::write_text(scratch / "inbox" / "stack.tif", std::string("II*\0rest", 8));
  auto first = spool.adopt(scratch / "inbox" / "stack.tif", "folder:inbox");
  ASSERT_TRUE(first);
  ASSERT_EQ(first->files.size(), 1u);
  EXPECT_EQ(first->files[0].kind, IntakeFileKind::Tiff);
  EXPECT_EQ(first->files[0].name, "stack.tif");
  EXPECT_FALSE(spool.adopt(scratch / "inbox" / "stack.tif", "folder:inbox"))
      << "a second claim of the same file must find nothing";
  EXPECT_EQ(spool.ready_batches().size(), 1u);
  EXPECT_TRUE(std::filesystem::is_empty(scratch / "spool" / "incoming"));
}

TEST(NaturalOrder, NumbersCompareByValue) {
  EXPECT_TRUE(natural_less("scan2.jpg", "scan10.jpg"));
  EXPECT_FALSE(natural_less("scan10.jpg", "scan2.jpg"));
  EXPECT_TRUE(natural_less("page_0009", "page_0010"));
  EXPECT_TRUE(natural_less("a/1.jpg", "b/0.jpg"));
  EXPECT_FALSE(natural_less("x", "x"));
}

TEST(Sniff, KnowsScansByTheirFirstBytes) {
  test::ScratchDir scratch;
  test::write_text(scratch / "a", "%PDF-1.7 ...");
  test::write_text(scratch / "b", "P5\n1 1\n255\nx");
  test::write_text(scratch / "c", "<html>");
  EXPECT_EQ(sniff_intake_file(scratch / "a").kind, IntakeFileKind::Pdf);
  EXPECT_EQ(sniff_intake_file(scratch / "b").kind, IntakeFileKind::Pnm);
  EXPECT_EQ(sniff_intake_file(scratch / "c").problem->code(), ErrorCode::UnsupportedFormat);
  EXPECT_EQ(sniff_intake_file(scratch / "missing").problem->code(), ErrorCode::InputNotFound);
}

}  // namespace
}  // namespace sohoa::scanners
