// Clean-up operations on synthetic pages whose right answer is known by construction.
#include "sohoa/imaging/cleanup.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace sohoa::imaging {
namespace {

constexpr double kDpi = 150;

Image blank_page(int channels = 1, std::uint8_t paper = 240, ColorMode mode = ColorMode::Gray) {
  Image page;
  page.width = static_cast<int>(8.27 * kDpi);
  page.height = static_cast<int>(11.69 * kDpi);
  page.channels = channels;
  page.mode = mode;
  page.dpi_x = page.dpi_y = kDpi;
  page.pixels.assign(page.stride() * page.height, paper);
  return page;
}

int mm(double millimetres) {
  return static_cast<int>(std::lround(millimetres / 25.4 * kDpi));
}

void fill(Image& page, int left, int top, int width, int height, std::uint8_t value) {
  for (int y = std::max(0, top); y < std::min(page.height, top + height); ++y) {
    for (int x = std::max(0, left); x < std::min(page.width, left + width); ++x) {
      for (int c = 0; c < page.channels; ++c) page.row(y)[x * page.channels + c] = value;
    }
  }
}

// A line of "characters": 2.5 mm tall blocks 1.6 mm wide, words of 3..7.
void text_line(Image& page, int left, int top, int length, std::uint8_t ink, unsigned seed) {
  std::mt19937 random(seed);
  int x = left;
  while (x < left + length) {
    const int letters = 3 + static_cast<int>(random() % 5);
    for (int i = 0; i < letters && x < left + length; ++i) {
      const int tall = random() % 4 == 0 ? mm(3.5) : mm(2.5);  // ascenders
      fill(page, x, top + mm(3.5) - tall, mm(1.6), tall, ink);
      x += mm(2.1);
    }
    x += mm(2.5);
  }
}

Image text_page(int lines, std::uint8_t ink = 30) {
  Image page = blank_page();
  for (int i = 0; i < lines; ++i) {
    text_line(page, mm(25), mm(30) + i * mm(7), mm(150), ink, static_cast<unsigned>(i));
  }
  return page;
}

long count_dark(const Image& page, std::uint8_t below = 128) {
  long dark = 0;
  for (std::uint8_t v : page.pixels) dark += v < below;
  return dark;
}

// ------------------------------------------------------------ rotate, gray --

TEST(Rotate, QuarterTurnsMovePixelsClockwise) {
  Image page;
  page.width = 3;
  page.height = 2;
  page.channels = 1;
  page.dpi_x = 300;
  page.dpi_y = 200;
  page.pixels = {1, 2, 3,   // top row
                 4, 5, 6};  // bottom row
  Image turned = rotate_clockwise(page, 90);
  EXPECT_EQ(turned.width, 2);
  EXPECT_EQ(turned.height, 3);
  EXPECT_EQ(turned.pixels, (std::vector<std::uint8_t>{4, 1, 5, 2, 6, 3}));
  EXPECT_DOUBLE_EQ(turned.dpi_x, 200);
  EXPECT_DOUBLE_EQ(turned.dpi_y, 300);
  EXPECT_EQ(rotate_clockwise(page, 180).pixels, (std::vector<std::uint8_t>{6, 5, 4, 3, 2, 1}));
  EXPECT_EQ(rotate_clockwise(page, 270).pixels, (std::vector<std::uint8_t>{3, 6, 2, 5, 1, 4}));
  EXPECT_EQ(rotate_clockwise(page, -90).pixels, rotate_clockwise(page, 270).pixels);
  EXPECT_EQ(rotate_clockwise(page, 360).pixels, page.pixels);
  EXPECT_THROW(rotate_clockwise(page, 45), Error);
}

TEST(Rotate, KeepsModeAndColour) {
  Image page = blank_page(3, 200, ColorMode::Rgb);
  page.pixels[0] = 10;  // top-left red channel
  Image turned = rotate_clockwise(page, 90);
  EXPECT_EQ(turned.mode, ColorMode::Rgb);
  EXPECT_EQ(turned.channels, 3);
  EXPECT_EQ(turned.row(0)[(turned.width - 1) * 3], 10);  // now top-right
  Image bilevel = blank_page(1, 255, ColorMode::Bilevel);
  EXPECT_EQ(rotate_clockwise(bilevel, 270).mode, ColorMode::Bilevel);
}

TEST(ToGray, UsesRec601Luma) {
  Image page = blank_page(3, 0, ColorMode::Rgb);
  page.pixels[0] = 255;  // pure red
  page.pixels[4] = 255;  // pure green (second pixel)
  Image gray = to_gray(page);
  EXPECT_EQ(gray.channels, 1);
  EXPECT_EQ(gray.mode, ColorMode::Gray);
  EXPECT_NEAR(gray.pixels[0], 76, 1);
  EXPECT_NEAR(gray.pixels[1], 150, 1);
  EXPECT_DOUBLE_EQ(gray.dpi_x, kDpi);
  Image bilevel = blank_page(1, 255, ColorMode::Bilevel);
  EXPECT_EQ(to_gray(bilevel).mode, ColorMode::Bilevel);
}

// ---------------------------------------------------------- skew, deskew --

TEST(Deskew, TurnsAgainstTheSkewAndNeverCrops) {
  Image page = blank_page(1, 255, ColorMode::Bilevel);
  fill(page, 0, page.height / 2, page.width, 3, 0);  // a level rule
  fill(page, 0, 0, 6, 6, 0);                         // a mark in the very corner
  const long ink = count_dark(page);
  // deskew(-3) turns the content 3 degrees counter-clockwise: the rule rises.
  Image tilted = deskew(page, -3.0);
  EXPECT_EQ(tilted.mode, ColorMode::Bilevel);
  for (std::uint8_t v : tilted.pixels) ASSERT_TRUE(v == 0 || v == 255);
  const double rad = 3.0 * std::acos(-1.0) / 180;
  EXPECT_EQ(tilted.width, static_cast<int>(std::ceil(page.width * std::cos(rad) +
                                                     page.height * std::sin(rad) - 1e-6)));
  EXPECT_GT(tilted.height, page.height);
  auto rule_y = [&](int x) {
    for (int y = 0; y < tilted.height; ++y) {
      if (tilted.row(y)[x] == 0 && y > tilted.height / 4) return y;
    }
    return -1;
  };
  EXPECT_LT(rule_y(tilted.width * 3 / 4), rule_y(tilted.width / 4));  // rises to the right
  EXPECT_NEAR(static_cast<double>(count_dark(tilted)), static_cast<double>(ink), ink * 0.05);
  // New canvas corners are white.
  EXPECT_EQ(tilted.pixels.front(), 255);
  EXPECT_EQ(tilted.pixels.back(), 255);
  EXPECT_DOUBLE_EQ(tilted.dpi_x, kDpi);
}

TEST(Skew, FindsKnownAnglesWithinATenthOfADegree) {
  Image level = text_page(25);
  EXPECT_NEAR(estimate_skew(level), 0.0, 0.05);
  for (double angle : {-9.5, -4.0, -1.3, -0.4, 0.25, 0.8, 2.6, 6.0, 9.0}) {
    Image skewed = deskew(level, -angle);  // content turned counter-clockwise by `angle`
    EXPECT_NEAR(estimate_skew(skewed), angle, 0.1) << angle;
  }
}

TEST(Skew, StraightenedPageMeasuresLevel) {
  Image skewed = deskew(text_page(20), -3.3);
  const double found = estimate_skew(skewed);
  EXPECT_NEAR(estimate_skew(deskew(skewed, found)), 0.0, 0.1);
}

TEST(Skew, NoTextMeansZero) {
  EXPECT_EQ(estimate_skew(blank_page()), 0.0);
  Image stamp = blank_page();
  fill(stamp, mm(100), mm(200), mm(20), mm(20), 40);
  EXPECT_EQ(estimate_skew(stamp), 0.0);
}

// ---------------------------------------------------------- text direction --

TEST(TextDirection, HorizontalLinesAcrossVerticalAlong) {
  Image page = deskew(text_page(20), -2.0);
  TextDirection upright = detect_text_direction(page);
  EXPECT_TRUE(upright.horizontal) << upright.evidence_ratio;
  EXPECT_GT(upright.evidence_ratio, 1.5);
  TextDirection sideways = detect_text_direction(rotate_clockwise(page, 90));
  EXPECT_FALSE(sideways.horizontal) << sideways.evidence_ratio;
  EXPECT_LT(sideways.evidence_ratio, 1 / 1.5);
}

// ------------------------------------------------------------------ blank --

TEST(Blank, WhitePageWithSpecksIsBlank) {
  Image page = blank_page(1, 245);
  std::mt19937 random(11);
  for (int i = 0; i < 3000; ++i) {  // one-pixel specks at 150 dpi, as dark as ink
    const int x = static_cast<int>(random() % page.width);
    const int y = static_cast<int>(random() % page.height);
    page.row(y)[x] = static_cast<std::uint8_t>(random() % 90);
  }
  BlankVerdict verdict = detect_blank(page);
  EXPECT_TRUE(verdict.blank) << verdict.ink_fraction << " " << verdict.components;
}

TEST(Blank, OneLineOfTextIsNotBlank) {
  Image page = blank_page();
  text_line(page, mm(30), mm(120), mm(60), 40, 3);
  BlankVerdict verdict = detect_blank(page);
  EXPECT_FALSE(verdict.blank);
  EXPECT_GT(verdict.components, 5);
}

TEST(Blank, SingleSmallMarksOfContentAreKept) {
  Image stamp = blank_page();  // a round stamp, 14 mm, ring only, in red
  Image rgb = blank_page(3, 240, ColorMode::Rgb);
  const int cx = mm(150);
  const int cy = mm(240);
  for (int y = cy - mm(8); y < cy + mm(8); ++y) {
    for (int x = cx - mm(8); x < cx + mm(8); ++x) {
      const double r = std::hypot(x - cx, y - cy);
      if (r > mm(6) && r < mm(7)) {
        std::uint8_t* p = rgb.row(y) + 3 * x;
        p[0] = 200;
        p[1] = 40;
        p[2] = 40;
      }
    }
  }
  EXPECT_FALSE(detect_blank(rgb).blank);

  Image signature = blank_page();  // a thin wavy stroke, 35 mm long
  for (int x = mm(120); x < mm(155); ++x) {
    const int y = mm(250) + static_cast<int>(mm(4) * std::sin(x * 0.15));
    fill(signature, x, y, 2, 2, 60);
  }
  EXPECT_FALSE(detect_blank(signature).blank);

  Image word = blank_page();  // a single short word
  text_line(word, mm(100), mm(100), mm(8), 50, 1);
  EXPECT_FALSE(detect_blank(word).blank);
}

TEST(Blank, LidShadowAlongAnEdgeIsNotContent) {
  for (double band_mm : {3.0, 12.0, 20.0}) {  // inside and wider than the ignored margin
    Image page = blank_page(1, 225);
    fill(page, 0, 0, mm(band_mm), page.height, 75);
    BlankVerdict verdict = detect_blank(page);
    EXPECT_TRUE(verdict.blank) << band_mm << " mm: " << verdict.ink_fraction;
    Image bottom = blank_page(1, 225);
    fill(bottom, 0, bottom.height - mm(band_mm), bottom.width, mm(band_mm), 60);
    EXPECT_TRUE(detect_blank(bottom).blank) << band_mm;
  }
  Image with_text = blank_page(1, 225);  // a shadow does not hide real content
  fill(with_text, 0, 0, mm(15), with_text.height, 75);
  text_line(with_text, mm(40), mm(100), mm(100), 40, 2);
  EXPECT_FALSE(detect_blank(with_text).blank);
}

TEST(Blank, ShowThroughFromTheBackIsBlank) {
  // Mirrored text seen through the paper: 8 % of the paper's contrast.
  Image front = text_page(30, 20);
  Image back = blank_page(1, 240);
  for (int y = 0; y < back.height; ++y) {
    for (int x = 0; x < back.width; ++x) {
      const int mirrored = front.row(y)[front.width - 1 - x];
      back.row(y)[x] = static_cast<std::uint8_t>(240 - (240 - mirrored) * 8 / 100);
    }
  }
  BlankVerdict verdict = detect_blank(back);
  EXPECT_TRUE(verdict.blank) << verdict.ink_fraction << " " << verdict.components;
  EXPECT_FALSE(detect_blank(front).blank);
}

TEST(Blank, PunchHolesAreNotContent) {
  Image page = blank_page(1, 240);
  for (int hole : {mm(110), mm(190)}) {
    const int cx = mm(12);
    for (int y = hole - mm(3); y <= hole + mm(3); ++y) {
      for (int x = cx - mm(3); x <= cx + mm(3); ++x) {
        if (std::hypot(x - cx, y - hole) <= mm(3)) page.row(y)[x] = 20;
      }
    }
  }
  EXPECT_TRUE(detect_blank(page).blank);
}

}  // namespace
}  // namespace sohoa::imaging
