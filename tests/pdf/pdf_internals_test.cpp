// The writer's building blocks: number and string syntax, UTF-8, dates, the
// generated font (checked by fontTools, an independent parser).

#include <gtest/gtest.h>

#include "glyphless_font.hpp"
#include "pdf_syntax.hpp"
#include "pdfa_metadata.hpp"
#include "test_support.hpp"
#include "text_layer.hpp"

namespace sohoa::pdf::detail {
namespace {

TEST(PdfSyntax, RealsHaveNoExponentAndNoTrailingZeros) {
  EXPECT_EQ(pdf_real(595.2), "595.2");
  EXPECT_EQ(pdf_real(3), "3");
  EXPECT_EQ(pdf_real(-0.00001), "0");
  EXPECT_EQ(pdf_real(1e-7), "0");
  EXPECT_EQ(pdf_real(-12.34567), "-12.3457");
}

TEST(PdfSyntax, TextStringsUseUtf16ForNonAscii) {
  EXPECT_EQ(pdf_text_string("a(b)\\"), "(a\\(b\\)\\\\)");
  EXPECT_EQ(pdf_text_string("Ồ"), "<FEFF1ED2>");
  EXPECT_EQ(pdf_text_string("\xF0\x9F\x98\x80"), "<FEFFD83DDE00>");  // surrogate pair
}

TEST(PdfSyntax, MalformedUtf8BecomesReplacementCharacters) {
  EXPECT_EQ(decode_utf8("a\xC3"), (std::u32string{U'a', 0xFFFD}));
  EXPECT_EQ(decode_utf8("\xED\xA0\x80"), (std::u32string{0xFFFD, 0xFFFD, 0xFFFD}));  // surrogate
  EXPECT_EQ(decode_utf8("Việt"), (std::u32string{U'V', U'i', 0x1EC7, U't'}));
  EXPECT_EQ(xml_escape("a<b>&\"\x01\xFF"), "a&lt;b&gt;&amp;&quot;\xEF\xBF\xBD");
}

TEST(PdfAMetadata, DatesMatchInBothSyntaxes) {
  const auto when =
      std::chrono::sys_days{std::chrono::year{2024} / 12 / 31} + std::chrono::hours{20};
  const DocumentDates vietnam = format_dates(when, 7 * 60);
  EXPECT_EQ(vietnam.pdf, "D:20250101030000+07'00'");
  EXPECT_EQ(vietnam.xmp, "2025-01-01T03:00:00+07:00");
  const DocumentDates west = format_dates(when, -(3 * 60 + 30));
  EXPECT_EQ(west.pdf, "D:20241231163000-03'30'");
  EXPECT_EQ(west.xmp, "2024-12-31T16:30:00-03:30");
}

TEST(TextLayer, CidsAreBmpCodePoints) {
  EXPECT_EQ(cid_for_code_point(U'Ộ'), 0x1ED8);
  EXPECT_EQ(cid_for_code_point(0x1F600), 0xFFFD);
  EXPECT_FALSE(cid_for_code_point(0xFEFF).has_value());
  EXPECT_FALSE(cid_for_code_point(0x07).has_value());
  const std::string cmap = identity_to_unicode_cmap();
  EXPECT_NE(cmap.find("<1E00> <1EFF> <1E00>"), std::string::npos);
  EXPECT_EQ(cmap.find("<D800>"), std::string::npos);
}

TEST(TextLayer, WordsAreStretchedToTheirBoxes) {
  OcrText text;
  OcrLine line;
  line.box = {100, 100, 500, 150};
  line.baseline_y0 = 140;
  line.font_size_px = 50;
  line.words.push_back({"Số", {100, 100, 200, 150}, 90});
  text.lines.push_back(line);
  const std::string ops = text_layer_operators(text, PageGeometryPt{300, 300, 842}, "F1");
  // 2 glyphs x 0.5 em x 12 pt = 12 pt natural; box 100 px = 24 pt -> Tz 200.
  EXPECT_NE(ops.find("/F1 12 Tf"), std::string::npos) << ops;
  EXPECT_NE(ops.find("1 0 0 1 24 808.4 Tm 200 Tz <00531ED1> Tj"), std::string::npos) << ops;
  EXPECT_NE(ops.find("3 Tr"), std::string::npos);
}

TEST(GlyphlessFont, IndependentParserAcceptsIt) {
  if (!test::have_program("/usr/bin/python3")) GTEST_SKIP();
  test::ScratchDir scratch;
  const std::vector<std::uint8_t> font = glyphless_truetype();
  test::write_bytes(scratch / "glyphless.ttf", font);
  const test::CommandResult result = test::run_command(
      "/usr/bin/python3 -c \"import sys; from fontTools.ttLib import TTFont; "
      "f = TTFont(sys.argv[1]); f.ensureDecompiled(); "
      "print(f['maxp'].numGlyphs, f['hmtx']['glyph00001'][0] if 'glyph00001' in f.getGlyphOrder() "
      "else f['hmtx'].metrics[f.getGlyphOrder()[1]][0], f['head'].unitsPerEm)\" " +
      test::shell_quote((scratch / "glyphless.ttf").string()));
  if (result.output.find("No module named") != std::string::npos) GTEST_SKIP() << result.output;
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("2 500 1000"), std::string::npos) << result.output;
}

}  // namespace
}  // namespace sohoa::pdf::detail
