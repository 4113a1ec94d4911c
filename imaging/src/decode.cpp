// Format dispatch: recognises a file by its first bytes, hands it to the codec
// adapter and puts the file name and page on every error.
#include "sohoa/imaging/decode.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <new>
#include <system_error>

#include "codecs.hpp"

namespace sohoa::imaging {
namespace {

bool starts_with(std::span<const std::uint8_t> head, std::initializer_list<std::uint8_t> magic) {
  if (head.size() < magic.size()) return false;
  return std::equal(magic.begin(), magic.end(), head.begin());
}

[[noreturn]] void refuse_unknown() {
  throw Error(ErrorCode::UnsupportedFormat, "not a JPEG, PNG, TIFF or PDF");
}

std::vector<std::uint8_t> read_file(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    throw Error(ErrorCode::InputNotFound,
                std::filesystem::exists(path, error) ? "not a regular file" : "file not found",
                {path, -1});
  }
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) {
    throw Error(ErrorCode::InputNotFound, std::string("cannot open: ") + std::strerror(errno),
                {path, -1});
  }
  const std::streamoff size = in.tellg();
  in.seekg(0);
  std::vector<std::uint8_t> bytes(size > 0 ? static_cast<std::size_t>(size) : 0);
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (in.gcount() != static_cast<std::streamsize>(bytes.size())) {
    throw Error(ErrorCode::InputNotFound, "read error", {path, -1});
  }
  return bytes;
}

// The first bytes of a file, enough to sniff it, without reading it all.
std::vector<std::uint8_t> read_head(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    throw Error(ErrorCode::InputNotFound,
                std::filesystem::exists(path, error) ? "not a regular file" : "file not found",
                {path, -1});
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw Error(ErrorCode::InputNotFound, std::string("cannot open: ") + std::strerror(errno),
                {path, -1});
  }
  std::vector<std::uint8_t> head(16);
  in.read(reinterpret_cast<char*>(head.data()), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(in.gcount()));
  return head;
}

FileKind checked_kind(std::span<const std::uint8_t> head) {
  if (head.empty()) throw Error(ErrorCode::EmptyInput, "file is empty (0 bytes)");
  FileKind kind = sniff(head);
  if (kind == FileKind::Unknown) refuse_unknown();
  if (kind == FileKind::Pdf) {
    throw Error(ErrorCode::UnsupportedFormat, "a PDF is not a raster image (use the PDF reader)");
  }
  return kind;
}

// Runs `work`, placing any sohoa::Error it throws in the file/page context.
template <typename Work>
auto within(const std::string& name, int page, Work&& work) -> decltype(work()) {
  try {
    return work();
  } catch (const Error& error) {
    throw error.within({name, page});
  } catch (const std::bad_alloc&) {
    throw Error(ErrorCode::ImageTooLarge, "out of memory while decoding", {name, page});
  }
}

DecodedPage decode_memory(std::span<const std::uint8_t> data, int index,
                          const DecodeLimits& limits) {
  FileKind kind = checked_kind(data);
  if (kind != FileKind::Tiff && index != 0) {
    throw Error(ErrorCode::InvalidArgument,
                "page " + std::to_string(index + 1) + " asked for, the file has 1");
  }
  switch (kind) {
    case FileKind::Jpeg:
      return detail::decode_jpeg(data, limits);
    case FileKind::Png:
      return detail::decode_png(data, limits);
    default:
      return detail::decode_tiff(data, index, limits);
  }
}

int count_memory(std::span<const std::uint8_t> data, const DecodeLimits& limits) {
  FileKind kind = checked_kind(data);
  return kind == FileKind::Tiff ? detail::count_tiff_pages(data, limits) : 1;
}

}  // namespace

FileKind sniff(std::span<const std::uint8_t> head) {
  if (starts_with(head, {0xFF, 0xD8, 0xFF})) return FileKind::Jpeg;
  if (starts_with(head, {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'})) return FileKind::Png;
  // Classic TIFF (42) and BigTIFF (43), both byte orders.
  if (starts_with(head, {'I', 'I', 42, 0}) || starts_with(head, {'M', 'M', 0, 42}) ||
      starts_with(head, {'I', 'I', 43, 0}) || starts_with(head, {'M', 'M', 0, 43})) {
    return FileKind::Tiff;
  }
  if (starts_with(head, {'%', 'P', 'D', 'F', '-'})) return FileKind::Pdf;
  return FileKind::Unknown;
}

int count_pages(const std::string& path, const DecodeLimits& limits) {
  return within(path, -1, [&] {
    FileKind kind = checked_kind(read_head(path));
    return kind == FileKind::Tiff ? detail::count_tiff_pages(path, limits) : 1;
  });
}

int count_pages(std::span<const std::uint8_t> data, const std::string& name,
                const DecodeLimits& limits) {
  return within(name, -1, [&] { return count_memory(data, limits); });
}

DecodedPage decode_page(const std::string& path, int index, const DecodeLimits& limits) {
  return within(path, index, [&] {
    // TIFF: let libtiff map the file, a multi-page file is not read once per page.
    if (checked_kind(read_head(path)) == FileKind::Tiff) {
      return detail::decode_tiff(path, index, limits);
    }
    std::vector<std::uint8_t> bytes = read_file(path);
    return decode_memory(bytes, index, limits);
  });
}

DecodedPage decode_page(std::span<const std::uint8_t> data, int index, const std::string& name,
                        const DecodeLimits& limits) {
  return within(name, index, [&] { return decode_memory(data, index, limits); });
}

DecodedPage decode_encoded(const EncodedImage& encoded, const DecodeLimits& limits) {
  // No file context here: the caller (e.g. the PDF reader) knows the file and
  // page and adds them with Error::within.
  switch (encoded.encoding) {
    case Encoding::Jpeg: {
      if (encoded.bytes.empty()) throw Error(ErrorCode::EmptyInput, "embedded JPEG has no data");
      DecodedPage page = detail::decode_jpeg(encoded.bytes, limits);
      page.original = encoded;
      return page;
    }
    case Encoding::CcittG4:
      return detail::decode_ccitt_g4(encoded, limits);
    case Encoding::None:
      break;
  }
  throw Error(ErrorCode::InvalidArgument, "decode_encoded: the image carries no encoded data");
}

}  // namespace sohoa::imaging
