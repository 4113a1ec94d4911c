#include "page_loader.hpp"

#include <array>
#include <fstream>

#include "sohoa/core/error.hpp"
#include "sohoa/imaging/cleanup.hpp"
#include "sohoa/pdf/scan_reader.hpp"

namespace sohoa::pipeline {

namespace {

imaging::FileKind sniff_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::InputNotFound, "cannot open the file", {path});
  std::array<char, 16> head{};
  in.read(head.data(), head.size());
  auto got = static_cast<std::size_t>(in.gcount());
  if (got == 0) throw Error(ErrorCode::EmptyInput, "the file is empty", {path});
  return imaging::sniff({reinterpret_cast<const std::uint8_t*>(head.data()), got});
}

}  // namespace

std::vector<PageSource> enumerate_pages(const std::vector<std::string>& inputs,
                                        const imaging::DecodeLimits& limits,
                                        std::vector<InputFailure>& failures) {
  std::vector<PageSource> pages;
  for (const auto& path : inputs) {
    try {
      int count = 0;
      if (sniff_file(path) == imaging::FileKind::Pdf) {
        count = pdf::ScanPdf::open(path, limits.max_pixels).page_count();
      } else {
        count = imaging::count_pages(path, limits);
      }
      if (count <= 0) throw Error(ErrorCode::CorruptInput, "the file holds no pages", {path});
      for (int i = 0; i < count; ++i) pages.push_back({path, i});
    } catch (const Error& error) {
      failures.push_back({path, error.within({path})});
    }
  }
  return pages;
}

PageLoader::PageLoader(imaging::DecodeLimits limits) : limits_(limits) {}
PageLoader::~PageLoader() = default;

LoadedPage PageLoader::load(const PageSource& source) {
  try {
    if (sniff_file(source.path) != imaging::FileKind::Pdf) {
      auto decoded = imaging::decode_page(source.path, source.index, limits_);
      return {std::move(decoded.image), std::move(decoded.original)};
    }
    if (open_pdf_path_ != source.path || !open_pdf_) {
      open_pdf_ =
          std::make_unique<pdf::ScanPdf>(pdf::ScanPdf::open(source.path, limits_.max_pixels));
      open_pdf_path_ = source.path;
    }
    auto scan = open_pdf_->page(source.index);
    LoadedPage page;
    if (scan.encoded.encoding != Encoding::None) {
      auto decoded = imaging::decode_encoded(scan.encoded, limits_);
      page.image = std::move(decoded.image);
      page.original = std::move(scan.encoded);
    } else {
      page.image = std::move(scan.pixels);
    }
    // The PDF's placement says the resolution; the embedded image may not.
    if (scan.dpi_x > 0) page.image.dpi_x = scan.dpi_x;
    if (scan.dpi_y > 0) page.image.dpi_y = scan.dpi_y;
    // Work on the page as a viewer shows it, so orientation detection starts
    // from there and the output needs no /Rotate (quarter turns lose nothing).
    if (scan.rotation != 0) {
      page.image = imaging::rotate_clockwise(page.image, scan.rotation);
      page.display_rotation = scan.rotation;
    }
    return page;
  } catch (const Error& error) {
    throw error.within({source.path, source.index});
  }
}

}  // namespace sohoa::pipeline
