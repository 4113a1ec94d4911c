// Splitting a stack into dossiers, documents and review groups; cross-checks
// across a dossier; its TT 05/2025 metadata.
#include "sohoa/understanding/dossier.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace sohoa::understanding {
namespace {

ClassCatalog catalog() {
  return ClassCatalog::load_effective((test::source_dir() / "config/page_classes").string());
}

PageUnderstanding page_of_class(const std::string& cls, bool continuation = false) {
  PageUnderstanding u;
  u.page_class = cls;
  u.score = 0.9;
  u.continuation = continuation;
  u.has_title = !continuation;
  return u;
}

PageUnderstanding receipt(const std::string& code) {
  auto u = page_of_class("bien_nhan");
  u.qr_payloads = {code};
  u.dossier_code = parse_dossier_code(code);
  u.fields = {{"ma_ho_so", code},
              {"ma_thu_tuc", "1.004222"},
              {"so_dinh_danh", "001074579715"},
              {"ho_ten", "Ngô Văn Trung"}};
  return u;
}

struct Stack {
  explicit Stack(const ClassCatalog& c) : splitter(c) {}
  DossierSplitter splitter;
  std::vector<PageUnderstanding> pages;  // kept alive: the splitter copies what it keeps
  std::vector<Placement> placements;
  std::vector<GroupRecord> groups;
  void add(PageUnderstanding u, bool blank = false, bool failed = false) {
    pages.push_back(std::move(u));
    PlacedPage placed;
    placed.stack_index = static_cast<int>(placements.size());
    placed.source = "p" + std::to_string(placed.stack_index);
    placed.blank = blank;
    placed.failed = failed;
    placed.understanding = failed ? nullptr : &pages.back();
    placements.push_back(splitter.place(placed));
    if (auto closed = splitter.take_closed()) groups.push_back(std::move(*closed));
  }
  void finish() {
    if (auto last = splitter.finish()) groups.push_back(std::move(*last));
  }
};

bool has_flag(const GroupRecord& group, const std::string& code) {
  for (const auto& item : group.review) {
    if (item.flag.code == code) return true;
  }
  return false;
}

TEST(DossierSplitter, ReceiptsStartDossiersAndContractsStayWhole) {
  const auto c = catalog();
  Stack stack(c);
  stack.add(receipt("000.11.58.H01-251104-0010"));
  stack.add(page_of_class("to_khai_cu_tru"));
  stack.add(page_of_class("can_cuoc"));
  stack.add(page_of_class("hop_dong_thue_nha"));
  stack.add(page_of_class("trang_trang"), true);  // the back of the contract's first sheet
  stack.add(page_of_class("hop_dong_thue_nha", true));
  stack.add(receipt("000.62.45.H40-251104-0011"));
  stack.add(page_of_class("can_cuoc"));
  stack.add(page_of_class("can_cuoc"));  // two cards are two documents
  stack.finish();
  ASSERT_EQ(stack.groups.size(), 2U);
  const auto& first = stack.groups[0];
  EXPECT_EQ(first.kind, GroupKind::Dossier);
  EXPECT_EQ(first.name, "000.11.58.H01-251104-0010");
  EXPECT_EQ(first.procedure_code, "1.004222");
  ASSERT_EQ(first.documents.size(), 4U);
  EXPECT_EQ(first.documents[3].page_class, "hop_dong_thue_nha");
  EXPECT_EQ(first.documents[3].stack_indices, (std::vector<int>{3, 5}));
  EXPECT_EQ(first.documents[2].confidence_level, "03");  // an ID card copy
  EXPECT_EQ(first.documents[1].confidence_level, "02");
  EXPECT_EQ(stack.placements[5].document, stack.placements[3].document);
  EXPECT_EQ(stack.groups[1].documents.size(), 3U);
  EXPECT_NE(stack.placements[7].document, stack.placements[8].document);
}

TEST(DossierSplitter, PagesBeforeTheFirstReceiptGoToReview) {
  const auto c = catalog();
  Stack stack(c);
  stack.add(page_of_class("can_cuoc"));
  stack.add(receipt("000.11.58.H01-251104-0010"));
  stack.finish();
  ASSERT_EQ(stack.groups.size(), 2U);
  EXPECT_EQ(stack.groups[0].kind, GroupKind::Review);
  EXPECT_EQ(stack.groups[0].stack_indices, std::vector<int>{0});
  EXPECT_EQ(stack.groups[1].kind, GroupKind::Dossier);
}

TEST(DossierSplitter, UnreadableReceiptQrIsNeverMergedIntoTheDossierBefore) {
  const auto c = catalog();
  Stack stack(c);
  stack.add(receipt("000.11.58.H01-251104-0010"));
  stack.add(page_of_class("to_khai_cu_tru"));
  auto damaged = page_of_class("bien_nhan");
  damaged.flags.push_back({"receipt-qr-unreadable", "receipt without a readable QR"});
  stack.add(damaged);
  stack.add(page_of_class("to_khai_ket_hon"));
  stack.finish();
  ASSERT_EQ(stack.groups.size(), 2U);
  EXPECT_EQ(stack.groups[0].stack_indices, (std::vector<int>{0, 1}));
  EXPECT_EQ(stack.groups[1].kind, GroupKind::Review);
  EXPECT_EQ(stack.groups[1].stack_indices, (std::vector<int>{2, 3}));
  EXPECT_TRUE(has_flag(stack.groups[1], "receipt-qr-unreadable"));
}

TEST(DossierSplitter, OnlyBlankPagesGiveAReviewItem) {
  const auto c = catalog();
  Stack stack(c);
  for (int i = 0; i < 3; ++i) stack.add(page_of_class("trang_trang"), true);
  stack.finish();
  ASSERT_EQ(stack.groups.size(), 1U);
  EXPECT_EQ(stack.groups[0].kind, GroupKind::Review);
  EXPECT_TRUE(has_flag(stack.groups[0], "no-content"));
}

TEST(DossierSplitter, DuplicateCodeAndUnreadablePagesAreReviewed) {
  const auto c = catalog();
  Stack stack(c);
  stack.add(receipt("000.11.58.H01-251104-0010"));
  stack.add({}, false, true);
  stack.add(receipt("000.11.58.H01-251104-0010"));
  stack.finish();
  ASSERT_EQ(stack.groups.size(), 2U);
  EXPECT_TRUE(has_flag(stack.groups[0], "page-unreadable"));
  EXPECT_EQ(stack.groups[1].kind, GroupKind::Review);
  EXPECT_TRUE(has_flag(stack.groups[1], "duplicate-dossier-code"));
}

TEST(DossierSplitter, OrphanContinuationIsItsOwnDocumentAndFlagged) {
  const auto c = catalog();
  Stack stack(c);
  stack.add(receipt("000.11.58.H01-251104-0010"));
  stack.add(page_of_class("hop_dong_thue_nha", true));
  stack.finish();
  EXPECT_EQ(stack.groups[0].documents.size(), 2U);
  EXPECT_TRUE(has_flag(stack.groups[0], "orphan-continuation"));
}

TEST(CrossCheck, CardQrCorrectsOcrSpellingAndIds) {
  const auto c = catalog();
  Stack stack(c);
  stack.add(receipt("000.11.58.H01-251104-0010"));
  auto form = page_of_class("to_khai_cu_tru");
  form.fields = {{"ho_ten", "NGO VĂN TRUNG"}, {"so_dinh_danh", "0010745797150"}};
  stack.add(form);
  auto card = page_of_class("can_cuoc");
  card.id_card =
      parse_id_card_qr("001074579715|250272526|Ngô Văn Trung|16081974|Nam|Hà Nội|23122023");
  card.fields = {{"ho_ten", "Ngô Văn Trung"}, {"so_dinh_danh", "001074579715"}};
  stack.add(card);
  stack.finish();
  const auto& fixes = stack.groups[0].corrected_fields;
  ASSERT_EQ(fixes.count(1), 1U);
  EXPECT_EQ(fixes.at(1).at("ho_ten"), "Ngô Văn Trung");
  EXPECT_EQ(fixes.at(1).at("so_dinh_danh"), "001074579715");
  EXPECT_FALSE(has_flag(stack.groups[0], "applicant-id-not-on-card"));
}

TEST(CrossCheck, RunTogetherTableCellsAreSettledByTheCardOfTheFieldsSex) {
  const auto c = catalog();
  Stack stack(c);
  stack.add(receipt("000.68.65.H40-251104-0012"));
  auto form = page_of_class("to_khai_ket_hon");
  form.fields = {{"ho_ten_ben_nu", "NGUYỄN THANH PHƯƠNGHUỲNH VĂN KHÁNH"},
                 {"ho_ten_ben_nam", "NGUYỄN THANH PHƯƠNGHUỲNH VĂN KHÁNH"}};
  stack.add(form);
  auto wife = page_of_class("can_cuoc");
  wife.id_card =
      parse_id_card_qr("001303204133|683384025|Nguyễn Thanh Phương|07022003|Nữ|A|03032022");
  stack.add(wife);
  auto husband = page_of_class("can_cuoc");
  husband.id_card =
      parse_id_card_qr("040079635912|315864202|Huỳnh Văn Khánh|17041979|Nam|A|22082023");
  stack.add(husband);
  stack.finish();
  const auto& fixes = stack.groups[0].corrected_fields.at(1);
  EXPECT_EQ(fixes.at("ho_ten_ben_nu"), "Nguyễn Thanh Phương");
  EXPECT_EQ(fixes.at("ho_ten_ben_nam"), "Huỳnh Văn Khánh");
}

TEST(CrossCheck, ApplicantMissingFromTheCardsIsFlagged) {
  const auto c = catalog();
  Stack stack(c);
  stack.add(receipt("000.11.58.H01-251104-0010"));
  auto card = page_of_class("can_cuoc");
  card.id_card = parse_id_card_qr("040079635912|315864202|Phan Văn Long|17041979|Nam|A|22082023");
  stack.add(card);
  stack.finish();
  EXPECT_TRUE(has_flag(stack.groups[0], "applicant-id-not-on-card"));
}

TEST(DossierXmp, DeclaresItsSchemaAndListsTheDocuments) {
  const auto c = catalog();
  Stack stack(c);
  stack.add(receipt("000.11.58.H01-251104-0010"));
  stack.add(page_of_class("can_cuoc"));
  stack.add(page_of_class("hop_dong_thue_nha"));
  stack.add(page_of_class("hop_dong_thue_nha", true));
  stack.finish();
  const std::string xmp = dossier_xmp(stack.groups[0], {{0, 1}, {1, 2}, {2, 3}, {3, 4}});
  EXPECT_NE(xmp.find("pdfaExtension:schemas"), std::string::npos);
  EXPECT_NE(xmp.find(kDossierXmpNamespace), std::string::npos);
  EXPECT_NE(xmp.find("<hoso:MaHoSo>000.11.58.H01-251104-0010</hoso:MaHoSo>"), std::string::npos);
  EXPECT_NE(xmp.find("<hoso:MaThuTuc>1.004222</hoso:MaThuTuc>"), std::string::npos);
  EXPECT_NE(xmp.find("<hoso:NgayTiepNhan>2025-11-04</hoso:NgayTiepNhan>"), std::string::npos);
  EXPECT_NE(xmp.find("<hoso:SoLuongTrang>4</hoso:SoLuongTrang>"), std::string::npos);
  EXPECT_NE(xmp.find("<tailieu:TrangDau>3</tailieu:TrangDau>"), std::string::npos);
  EXPECT_NE(xmp.find("<tailieu:SoTrang>2</tailieu:SoTrang>"), std::string::npos);
  EXPECT_NE(xmp.find("Hợp đồng cho thuê nhà ở"), std::string::npos);
}

}  // namespace
}  // namespace sohoa::understanding
