#include "pdf_test_inputs.hpp"

#include <tiffio.h>

#include <stdexcept>

#include "test_support.hpp"

namespace sohoa::test {

Image synthetic_image(int width, int height, ColorMode mode) {
  Image image;
  image.width = width;
  image.height = height;
  image.mode = mode;
  image.channels = mode == ColorMode::Rgb ? 3 : 1;
  image.dpi_x = image.dpi_y = 300;
  image.pixels.resize(image.stride() * height);
  for (int y = 0; y < height; ++y) {
    std::uint8_t* row = image.row(y);
    for (int x = 0; x < width; ++x) {
      const bool in_rectangle =
          (x / 40 + y / 40) % 7 == 0 || (y > height / 3 && y < height / 3 + 12);
      int value = 255 - (x * 128 / width) - (y * 64 / height);
      if (in_rectangle) value = 20;
      if (mode == ColorMode::Bilevel) value = value < 128 ? 0 : 255;
      for (int c = 0; c < image.channels; ++c) {
        row[x * image.channels + c] =
            static_cast<std::uint8_t>(mode == ColorMode::Rgb && c == 2 ? 255 - value / 2 : value);
      }
    }
  }
  return image;
}

EncodedImage corpus_jpeg() {
  EncodedImage jpeg;
  const auto path = corpus_dir() / "batches" / "b01" / "0001.jpg";
  if (!std::filesystem::exists(path)) return jpeg;
  jpeg.bytes = read_bytes(path);
  // Walk the markers to the start-of-frame: height, width and component count.
  std::size_t i = 2;
  while (i + 9 < jpeg.bytes.size()) {
    const std::uint8_t marker = jpeg.bytes[i + 1];
    const std::size_t length = (jpeg.bytes[i + 2] << 8) | jpeg.bytes[i + 3];
    if (marker >= 0xC0 && marker <= 0xC3) {
      jpeg.height = (jpeg.bytes[i + 5] << 8) | jpeg.bytes[i + 6];
      jpeg.width = (jpeg.bytes[i + 7] << 8) | jpeg.bytes[i + 8];
      jpeg.components = jpeg.bytes[i + 9];
      jpeg.encoding = Encoding::Jpeg;
      break;
    }
    i += 2 + length;
  }
  return jpeg;
}

EncodedImage corpus_g4(const std::filesystem::path& scratch) {
  EncodedImage g4;
  const auto source_path = corpus_dir() / "batches" / "b01" / "0003.tif";
  if (!std::filesystem::exists(source_path)) return g4;
  TIFF* source = TIFFOpen(source_path.c_str(), "r");
  if (source == nullptr) throw std::runtime_error("cannot open " + source_path.string());
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::uint16_t photometric = PHOTOMETRIC_MINISWHITE;
  TIFFGetField(source, TIFFTAG_IMAGEWIDTH, &width);
  TIFFGetField(source, TIFFTAG_IMAGELENGTH, &height);
  TIFFGetField(source, TIFFTAG_PHOTOMETRIC, &photometric);
  const auto single_strip = scratch / "single-strip-g4.tif";
  TIFF* target = TIFFOpen(single_strip.c_str(), "w");
  TIFFSetField(target, TIFFTAG_IMAGEWIDTH, width);
  TIFFSetField(target, TIFFTAG_IMAGELENGTH, height);
  TIFFSetField(target, TIFFTAG_BITSPERSAMPLE, 1);
  TIFFSetField(target, TIFFTAG_SAMPLESPERPIXEL, 1);
  TIFFSetField(target, TIFFTAG_PHOTOMETRIC, photometric);
  TIFFSetField(target, TIFFTAG_COMPRESSION, COMPRESSION_CCITTFAX4);
  TIFFSetField(target, TIFFTAG_ROWSPERSTRIP, height);
  TIFFSetField(target, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
  std::vector<std::uint8_t> row(TIFFScanlineSize(source));
  for (std::uint32_t y = 0; y < height; ++y) {
    if (TIFFReadScanline(source, row.data(), y, 0) < 0 ||
        TIFFWriteScanline(target, row.data(), y, 0) < 0) {
      throw std::runtime_error("libtiff failed copying " + source_path.string());
    }
  }
  TIFFClose(source);
  TIFFClose(target);
  TIFF* reread = TIFFOpen(single_strip.c_str(), "r");
  if (reread == nullptr || TIFFNumberOfStrips(reread) != 1) {
    throw std::runtime_error("expected a single-strip G4 TIFF");
  }
  const tmsize_t raw_size = static_cast<tmsize_t>(TIFFRawStripSize(reread, 0));
  g4.bytes.resize(static_cast<std::size_t>(raw_size));
  if (TIFFReadRawStrip(reread, 0, g4.bytes.data(), raw_size) != raw_size) {
    throw std::runtime_error("TIFFReadRawStrip failed");
  }
  TIFFClose(reread);
  g4.encoding = Encoding::CcittG4;
  g4.width = static_cast<int>(width);
  g4.height = static_cast<int>(height);
  g4.components = 1;
  // libtiff codes 0-bits as "white" runs. With MinIsBlack those 0-bits are black
  // pixels, so the PDF decoder must turn "white" runs into 0 (black in DeviceGray):
  // that is /BlackIs1 true. The render test checks the page comes out white.
  g4.black_is_1 = photometric == PHOTOMETRIC_MINISBLACK;
  return g4;
}

OcrText vietnamese_header_text(double scale) {
  OcrText text;
  int top = 200;
  for (const std::string& line_text : kVietnameseLines) {
    OcrLine line;
    const int height = 60;
    int left = 300;
    std::size_t start = 0;
    while (start <= line_text.size()) {
      std::size_t end = line_text.find(' ', start);
      if (end == std::string::npos) end = line_text.size();
      const std::string word = line_text.substr(start, end - start);
      // Roughly 32 px per character (counting code points, not bytes).
      int characters = 0;
      for (unsigned char c : word) characters += (c & 0xC0) != 0x80;
      OcrWord ocr_word;
      ocr_word.text = word;
      ocr_word.box = {left, top, left + characters * 32, top + height};
      ocr_word.confidence = 90;
      line.words.push_back(ocr_word);
      left += characters * 32 + 28;
      start = end + 1;
    }
    line.box = {300, top, left - 28, top + height};
    line.baseline_y0 = top + 48;
    line.baseline_slope = 0;
    line.font_size_px = 56;
    auto scaled = [scale](Box box) {
      return Box{static_cast<int>(box.left * scale), static_cast<int>(box.top * scale),
                 static_cast<int>(box.right * scale), static_cast<int>(box.bottom * scale)};
    };
    line.box = scaled(line.box);
    for (OcrWord& word : line.words) word.box = scaled(word.box);
    line.baseline_y0 *= scale;
    line.font_size_px = static_cast<int>(line.font_size_px * scale);
    text.lines.push_back(line);
    top += 120;
  }
  return text;
}

std::string extracted_text(const std::filesystem::path& pdf) {
  const CommandResult result =
      run_command("pdftotext -enc UTF-8 " + shell_quote(pdf.string()) + " -");
  std::string folded;
  bool in_space = false;
  for (const char c : result.output) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f') {
      in_space = true;
      continue;
    }
    if (in_space && !folded.empty()) folded += ' ';
    in_space = false;
    folded += c;
  }
  return folded;
}

PdfaVerdict check_pdfa(const std::filesystem::path& pdf, const std::string& level) {
  const auto script = shared_dir() / "check" / "check_pdfa.sh";
  const CommandResult result = run_command("bash " + shell_quote(script.string()) + " " +
                                           shell_quote(pdf.string()) + " --level " + level);
  PdfaVerdict verdict;
  verdict.output = result.output;
  std::string trimmed = result.output;
  while (!trimmed.empty() && trimmed.back() == '\n') trimmed.pop_back();
  verdict.last_line =
      trimmed.substr(trimmed.rfind('\n') == std::string::npos ? 0 : trimmed.rfind('\n') + 1);
  return verdict;
}

pdf::DocumentInfo test_document_info() {
  pdf::DocumentInfo info;
  info.title = "Hồ sơ đăng ký khai sinh";
  info.author = "UBND Phường Ba Đình";
  info.subject = "Số hóa hồ sơ giấy";
  info.keywords = "khai sinh, hộ tịch";
  info.creator = "sohoa test";
  info.created = std::chrono::sys_days{std::chrono::year{2024} / 3 / 15} + std::chrono::hours{2} +
                 std::chrono::minutes{30};
  info.utc_offset_minutes = 7 * 60;
  return info;
}

}  // namespace sohoa::test
