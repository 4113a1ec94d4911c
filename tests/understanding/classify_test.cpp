// Classification and field reading on recognised text, with the repository's
// class configuration: the texts are the public corpus's truth (every line
// drawn), so these tests pin the rules, not the OCR.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "ocr_text_builder.hpp"
#include "sohoa/core/error.hpp"
#include "sohoa/understanding/page_understanding.hpp"
#include "sohoa/understanding/text_match.hpp"
#include "test_support.hpp"

namespace sohoa::understanding {
namespace {

using test::layout_text;
using test::split_lines;

ClassCatalog repository_catalog() {
  return ClassCatalog::load_effective((test::source_dir() / "config/page_classes").string());
}

PageUnderstanding analyse_lines(const PageAnalyzer& analyzer, const std::vector<std::string>& lines,
                                int word_height = 50) {
  const OcrText text = layout_text(lines, word_height);
  PageInput input;
  input.text = &text;
  return analyzer.analyse(input);
}

TEST(ClassCatalog, LoadsTheDatedConfiguration) {
  const auto catalog = repository_catalog();
  EXPECT_FALSE(catalog.version().empty());
  EXPECT_EQ(catalog.effective_from(), "2025-07-01");
  EXPECT_EQ(catalog.receipt_class(), "bien_nhan");
  EXPECT_EQ(catalog.blank_class(), "trang_trang");
  EXPECT_TRUE(catalog.multi_page("hop_dong_thue_nha"));
  EXPECT_EQ(catalog.title("giay_uy_quyen"), "Giấy ủy quyền");
  EXPECT_TRUE(catalog.known_province("001"));
  EXPECT_FALSE(catalog.known_province("999"));
}

TEST(ClassCatalog, HasEveryCorpusClass) {
  if (!std::filesystem::exists(test::corpus_dir() / "truth.json")) GTEST_SKIP() << "no corpus";
  std::ifstream in(test::corpus_dir() / "truth.json");
  const auto truth = nlohmann::json::parse(in);
  const auto catalog = repository_catalog();
  for (const auto& id : truth["classes"])
    EXPECT_TRUE(catalog.has_class(id.get<std::string>())) << id;
}

TEST(ClassCatalog, NoFileInForceIsAClearError) {
  try {
    (void)ClassCatalog::load_effective((test::source_dir() / "config/page_classes").string(),
                                       "2020-01-01");
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::InputNotFound);
    EXPECT_NE(std::string(error.what()).find("2020-01-01"), std::string::npos);
  }
  EXPECT_THROW((void)ClassCatalog::load("/nonexistent/classes.json"), Error);
}

// Every content page of the public corpus, from its truth text: the class and
// every key field (bar the table of the marriage form, which needs real word
// positions and is tested below).
TEST(Classify, CorpusTruthTexts) {
  if (!std::filesystem::exists(test::corpus_dir() / "truth.json")) GTEST_SKIP() << "no corpus";
  std::ifstream in(test::corpus_dir() / "truth.json");
  const auto truth = nlohmann::json::parse(in);
  const PageAnalyzer analyzer(repository_catalog());
  int pages = 0;
  for (const auto& page : truth["pages"]) {
    if (page["blank"].get<bool>()) continue;
    const std::string cls = page["class"];
    const int height = cls == "can_cuoc" ? 30 : 50;
    const auto u = analyse_lines(analyzer, split_lines(page["text"]), height);
    EXPECT_EQ(u.page_class, cls) << page["file"];
    EXPECT_EQ(u.continuation, page["page_in_doc"].get<int>() > 0) << page["file"];
    if (cls == "to_khai_ket_hon") continue;
    for (const auto& [key, value] : page["fields"].items()) {
      if (key == "ma_ho_so") continue;  // from the QR, which a text has not
      auto it = u.fields.find(key);
      ASSERT_NE(it, u.fields.end()) << page["file"] << " " << key;
      EXPECT_EQ(fold(it->second), fold(value.get<std::string>())) << page["file"] << " " << key;
    }
    ++pages;
  }
  EXPECT_GT(pages, 50);
}

TEST(Classify, TableColumnsFollowTheirHeaders) {
  const PageAnalyzer analyzer(repository_catalog());
  // The columns swapped against the corpus layout: the header decides.
  const auto u =
      analyse_lines(analyzer, {"TỜ KHAI ĐĂNG KÝ KẾT HÔN", "Thông tin     Bên nam     Bên nữ",
                               "Họ, chữ đệm, tên     PHAN VĂN LONG     ĐẶNG NGỌC NGA",
                               "Số định danh cá nhân     040079635912     001303204133"});
  EXPECT_EQ(u.page_class, "to_khai_ket_hon");
  EXPECT_EQ(u.fields.at("ho_ten_ben_nam"), "PHAN VĂN LONG");
  EXPECT_EQ(u.fields.at("ho_ten_ben_nu"), "ĐẶNG NGỌC NGA");
  EXPECT_EQ(u.fields.at("so_dinh_danh_ben_nam"), "040079635912");
  EXPECT_EQ(u.fields.at("so_dinh_danh_ben_nu"), "001303204133");
}

TEST(Classify, TolerantOfOcrErrorsInTitlesAndLabels) {
  const PageAnalyzer analyzer(repository_catalog());
  const auto u = analyse_lines(analyzer, {"CONG HOA XA HOI CHU NGHIA VIET NAM", "GIAY ỦY QUYẺN",
                                          "BÊN ỦY QUYÊN (Bên A):", "Ông/Bà: Phan Văn Long",
                                          "Sô đinh danh cá nhân: 040079635912"});
  EXPECT_EQ(u.page_class, "giay_uy_quyen");
  EXPECT_EQ(u.fields.at("so_dinh_danh_ben_uy_quyen"), "040079635912");
}

TEST(Classify, ListOfPapersOnAReceiptDoesNotMakeItThosePapers) {
  const PageAnalyzer analyzer(repository_catalog());
  const auto u = analyse_lines(
      analyzer,
      {"GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "Mã hồ sơ: 000.11.58.H01-251104-0010",
       "1. Thành phần hồ sơ nộp gồm:", "- Tờ khai thay đổi thông tin cư trú: 01 bản chính",
       "- Hợp đồng cho thuê nhà ở: 01 bản chính", "5. Thời gian trả kết quả: ngày 13"});
  EXPECT_EQ(u.page_class, "bien_nhan");
  // No QR on this page: it must be reviewed, not filed by the printed code.
  EXPECT_FALSE(u.dossier_code);
  bool flagged = false;
  for (const auto& flag : u.flags) flagged = flagged || flag.code == "receipt-qr-unreadable";
  EXPECT_TRUE(flagged);
}

TEST(Classify, NoiseIsUnknownAndFlagged) {
  const PageAnalyzer analyzer(repository_catalog());
  const auto u = analyse_lines(analyzer, {"~ ^ ;l :' .,", "xX# %% ||", "Ww mm ,,"});
  ASSERT_FALSE(u.flags.empty());
  EXPECT_EQ(u.flags.front().code, "class-unknown");
  const auto empty = analyse_lines(analyzer, {});
  EXPECT_EQ(empty.flags.front().code, "class-unknown");
}

TEST(Classify, WrongMrzCheckDigitIsFlagged) {
  const PageAnalyzer analyzer(repository_catalog());
  const auto u = analyse_lines(
      analyzer,
      {"CĂN CƯỚC CÔNG DÂN", "Số / No.: 001074579715", "IDVNM0745797157001074579715<<<",
       "7408167M1408164VNM<<<<<<<<<<<6", "NGO<<VAN<TRUNG<<<<<<<<<<<<<<<<"},
      30);
  EXPECT_EQ(u.page_class, "can_cuoc");
  ASSERT_TRUE(u.mrz);
  bool flagged = false;
  for (const auto& flag : u.flags) flagged = flagged || flag.code == "mrz-check-failed";
  EXPECT_TRUE(flagged);
}

TEST(Classify, PersonalIdStructureIsChecked) {
  const PageAnalyzer analyzer(repository_catalog());
  const auto u = analyse_lines(
      analyzer, {"GIẤY ỦY QUYỀN", "BÊN ỦY QUYỀN (Bên A):", "Số định danh cá nhân: 999074579715"});
  bool flagged = false;
  for (const auto& flag : u.flags) flagged = flagged || flag.code == "personal-id-province-unknown";
  EXPECT_TRUE(flagged);
}

// A class added by configuration alone is recognised and its fields read.
TEST(Classify, NewClassNeedsOnlyConfiguration) {
  test::ScratchDir scratch;
  std::ifstream in(test::source_dir() / "config/page_classes/2025-07-01.json");
  auto config = nlohmann::json::parse(in);
  config.erase("province_codes");
  config["effective_from"] = "2026-01-01";
  config["classes"].push_back(
      {{"id", "giay_phep_xay_dung"},
       {"title", "Giấy phép xây dựng"},
       {"titles", {"GIẤY PHÉP XÂY DỰNG"}},
       {"labels", {"Chủ đầu tư", "Công trình"}},
       {"fields",
        {{{"name", "chu_dau_tu"}, {"labels", {"Chủ đầu tư"}}, {"type", "person_name"}}}}});
  test::write_text(scratch / "2026-01-01.json", config.dump());
  const PageAnalyzer analyzer(ClassCatalog::load_effective(scratch.path().string()));
  const auto u = analyse_lines(analyzer, {"GIẤY PHÉP XÂY DỰNG", "Số: 12/GPXD",
                                          "1. Chủ đầu tư: Nguyễn Văn An", "2. Công trình: nhà ở"});
  EXPECT_EQ(u.page_class, "giay_phep_xay_dung");
  EXPECT_EQ(u.fields.at("chu_dau_tu"), "Nguyễn Văn An");
  EXPECT_EQ(analyzer.catalog().title("giay_phep_xay_dung"), "Giấy phép xây dựng");
}

TEST(Classify, BlankPagesAreTheBlankClass) {
  const PageAnalyzer analyzer(repository_catalog());
  PageInput input;
  OcrText none;
  input.text = &none;
  input.blank = true;
  EXPECT_EQ(analyzer.analyse(input).page_class, "trang_trang");
}

}  // namespace
}  // namespace sohoa::understanding
