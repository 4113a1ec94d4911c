// The SANE adapter: the only file that sees sane/sane.h. It runs inside the
// sohoa-sane-worker process only (see sane_worker_protocol.hpp for why).
#include "sane_device.hpp"

#include <sane/sane.h>
#include <sane/saneopts.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <mutex>

namespace sohoa::scanners::worker {

namespace {

// sane_init/sane_exit are process-wide: the library is started when the first
// user needs it and stopped when the last one is done. (The worker process has
// one user; the guard keeps the device code safe to reuse elsewhere.)
class SaneLibrary {
 public:
  static SaneLibrary& instance() {
    static SaneLibrary library;
    return library;
  }
  void acquire() {
    std::lock_guard lock(mutex_);
    if (users_ == 0) {
      SANE_Int version = 0;
      const SANE_Status status = sane_init(&version, nullptr);
      if (status != SANE_STATUS_GOOD) {
        throw ScannerError(make_fault(FaultKind::IoError, "sane", 0, sane_strstatus(status)));
      }
    }
    ++users_;
  }
  void release() {
    std::lock_guard lock(mutex_);
    if (--users_ == 0) sane_exit();
  }
  std::mutex& mutex() { return mutex_; }

 private:
  std::mutex mutex_;
  int users_ = 0;
};

class SaneUser {
 public:
  SaneUser() { SaneLibrary::instance().acquire(); }
  ~SaneUser() { SaneLibrary::instance().release(); }
  SaneUser(const SaneUser&) = delete;
  SaneUser& operator=(const SaneUser&) = delete;
};

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool contains(std::string_view text, std::string_view word) {
  return lowercase(text).find(word) != std::string::npos;
}

FaultKind fault_kind_for(SANE_Status status) {
  switch (status) {
    case SANE_STATUS_JAMMED:
      return FaultKind::Jammed;
    case SANE_STATUS_COVER_OPEN:
      return FaultKind::CoverOpen;
    case SANE_STATUS_NO_DOCS:
      return FaultKind::NoDocuments;
    case SANE_STATUS_DEVICE_BUSY:
      return FaultKind::Busy;
    case SANE_STATUS_ACCESS_DENIED:
      return FaultKind::AccessDenied;
    case SANE_STATUS_NO_MEM:
      return FaultKind::OutOfMemory;
    case SANE_STATUS_CANCELLED:
      return FaultKind::Cancelled;
    case SANE_STATUS_UNSUPPORTED:
      return FaultKind::Unsupported;
    default:
      return FaultKind::IoError;  // IO_ERROR, INVAL, EOF at the wrong time...
  }
}

struct FoundOption {
  SANE_Int index = -1;
  const SANE_Option_Descriptor* descriptor = nullptr;
};

// The pixels of one frame as SANE delivered them.
struct Frame {
  SANE_Parameters parameters{};
  std::vector<std::uint8_t> bytes;
};

}  // namespace

std::vector<DeviceInfo> SaneDevice::list(bool local_only) {
  SaneUser user;
  std::lock_guard lock(SaneLibrary::instance().mutex());
  const SANE_Device** devices = nullptr;
  const SANE_Status status = sane_get_devices(&devices, local_only ? SANE_TRUE : SANE_FALSE);
  if (status != SANE_STATUS_GOOD) {
    throw ScannerError(make_fault(fault_kind_for(status), "sane", 0, sane_strstatus(status)));
  }
  std::vector<DeviceInfo> result;
  for (int i = 0; devices != nullptr && devices[i] != nullptr; ++i) {
    const auto* device = devices[i];
    result.push_back({device->name ? device->name : "", device->vendor ? device->vendor : "",
                      device->model ? device->model : "", device->type ? device->type : ""});
  }
  return result;
}

class SaneDevice::Impl {
 public:
  Impl(std::string device, ScanSettings settings)
      : device_(std::move(device)), settings_(std::move(settings)) {
    open_device();
  }
  ~Impl() { close(); }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  Event next(const ProgressCallback& progress);
  void set_device_option(const std::string& name, const std::string& value);
  void close() {
    if (handle_ == nullptr) return;
    sane_cancel(handle_);
    std::lock_guard lock(SaneLibrary::instance().mutex());
    sane_close(handle_);
    handle_ = nullptr;
  }

  std::string device_;
  ScanSettings settings_;
  SaneUser user_;
  SANE_Handle handle_ = nullptr;
  int pages_in_stack_ = 0;
  bool in_stack_ = false;              // sane_start succeeded and sane_cancel is still due
  bool spent_ = false;                 // a fault happened: only close() is left to do
  bool threshold_to_bilevel_ = false;  // lineart asked, device has no lineart mode
  double resolution_ = 0;

 private:
  void open_device();
  void apply_settings();
  FoundOption find_option(std::string_view name) const;
  SANE_Status set_string(const FoundOption& option, std::string value);
  SANE_Status set_number(const FoundOption& option, double value);
  void set_from_text(const std::string& name, const std::string& value);
  std::optional<std::string> pick_from_list(const FoundOption& option,
                                            const std::vector<std::string_view>& words,
                                            const std::vector<std::string_view>& avoid) const;
  double read_number(const FoundOption& option) const;
  // The page count is the session's, kept by the parent; it fills pages_before.
  ScannerFault fault(SANE_Status status) {
    spent_ = true;
    return make_fault(fault_kind_for(status), device_, 0, sane_strstatus(status));
  }
  void end_stack() {
    if (in_stack_) sane_cancel(handle_);
    in_stack_ = false;
    pages_in_stack_ = 0;
  }
  std::variant<Image, SANE_Status> read_page(const ProgressCallback& progress);
  Image to_image(const std::vector<Frame>& frames) const;
};

void SaneDevice::Impl::open_device() {
  {
    std::lock_guard lock(SaneLibrary::instance().mutex());
    const SANE_Status status = sane_open(device_.c_str(), &handle_);
    if (status != SANE_STATUS_GOOD) {
      handle_ = nullptr;
      // INVAL/IO_ERROR from open: no such device (any more).
      const FaultKind kind = status == SANE_STATUS_INVAL || status == SANE_STATUS_IO_ERROR
                                 ? FaultKind::DeviceGone
                                 : fault_kind_for(status);
      throw ScannerError(make_fault(kind, device_, 0, sane_strstatus(status)));
    }
  }
  try {
    apply_settings();
  } catch (...) {
    close();
    throw;
  }
}

FoundOption SaneDevice::Impl::find_option(std::string_view name) const {
  SANE_Int count = 0;
  if (sane_control_option(handle_, 0, SANE_ACTION_GET_VALUE, &count, nullptr) != SANE_STATUS_GOOD) {
    return {};
  }
  for (SANE_Int i = 1; i < count; ++i) {
    const auto* descriptor = sane_get_option_descriptor(handle_, i);
    if (descriptor == nullptr || descriptor->name == nullptr || name != descriptor->name) continue;
    if (!SANE_OPTION_IS_ACTIVE(descriptor->cap)) return {};
    return {i, descriptor};
  }
  return {};
}

SANE_Status SaneDevice::Impl::set_string(const FoundOption& option, std::string value) {
  value.resize(
      std::max<std::size_t>(value.size() + 1, static_cast<std::size_t>(option.descriptor->size)));
  return sane_control_option(handle_, option.index, SANE_ACTION_SET_VALUE, value.data(), nullptr);
}

SANE_Status SaneDevice::Impl::set_number(const FoundOption& option, double value) {
  const auto* descriptor = option.descriptor;
  const bool fixed = descriptor->type == SANE_TYPE_FIXED;
  auto to_word = [fixed](double number) {
    return fixed ? SANE_FIX(number) : static_cast<SANE_Word>(std::lround(number));
  };
  auto from_word = [fixed](SANE_Word word) {
    return fixed ? SANE_UNFIX(word) : static_cast<double>(word);
  };
  SANE_Word word = to_word(value);
  // Snap to what the device accepts: the nearest listed value or the range.
  if (descriptor->constraint_type == SANE_CONSTRAINT_WORD_LIST) {
    const SANE_Word* list = descriptor->constraint.word_list;
    double best_distance = -1;
    for (SANE_Int i = 1; i <= list[0]; ++i) {
      const double distance = std::abs(from_word(list[i]) - value);
      if (best_distance < 0 || distance < best_distance) {
        best_distance = distance;
        word = list[i];
      }
    }
  } else if (descriptor->constraint_type == SANE_CONSTRAINT_RANGE) {
    const auto* range = descriptor->constraint.range;
    word = std::clamp(word, range->min, range->max);
    if (range->quant > 0) word = range->min + (word - range->min) / range->quant * range->quant;
  }
  if (descriptor->type == SANE_TYPE_BOOL) word = value != 0 ? SANE_TRUE : SANE_FALSE;
  // Array options (some backends' resolution) take the same value in each slot.
  const auto slots = static_cast<std::size_t>(
      std::max<SANE_Int>(1, descriptor->size / static_cast<SANE_Int>(sizeof(SANE_Word))));
  std::vector<SANE_Word> words(slots, word);
  return sane_control_option(handle_, option.index, SANE_ACTION_SET_VALUE, words.data(), nullptr);
}

double SaneDevice::Impl::read_number(const FoundOption& option) const {
  const auto slots = static_cast<std::size_t>(
      std::max<SANE_Int>(1, option.descriptor->size / static_cast<SANE_Int>(sizeof(SANE_Word))));
  std::vector<SANE_Word> words(slots, 0);
  if (sane_control_option(handle_, option.index, SANE_ACTION_GET_VALUE, words.data(), nullptr) !=
      SANE_STATUS_GOOD) {
    return 0;
  }
  return option.descriptor->type == SANE_TYPE_FIXED ? SANE_UNFIX(words[0])
                                                    : static_cast<double>(words[0]);
}

std::optional<std::string> SaneDevice::Impl::pick_from_list(
    const FoundOption& option, const std::vector<std::string_view>& words,
    const std::vector<std::string_view>& avoid) const {
  if (option.descriptor->constraint_type != SANE_CONSTRAINT_STRING_LIST) return std::nullopt;
  // Words in order of preference; the first listed value that has one wins.
  for (auto word : words) {
    for (const SANE_String_Const* entry = option.descriptor->constraint.string_list;
         *entry != nullptr; ++entry) {
      if (!contains(*entry, word)) continue;
      const bool avoided = std::any_of(avoid.begin(), avoid.end(),
                                       [&](std::string_view bad) { return contains(*entry, bad); });
      if (!avoided) return std::string(*entry);
    }
  }
  return std::nullopt;
}

void SaneDevice::Impl::apply_settings() {
  auto refuse = [this](const std::string& why) {
    throw Error(ErrorCode::InvalidArgument, why, {device_});
  };
  auto check = [this](SANE_Status status, std::string_view what) {
    if (status == SANE_STATUS_GOOD) return;
    auto problem = make_fault(fault_kind_for(status), device_, 0,
                              std::string(what) + ": " + sane_strstatus(status));
    if (problem.kind == FaultKind::IoError)
      problem = make_fault(FaultKind::Unsupported, device_, 0, problem.detail);
    throw ScannerError(problem);
  };

  // Paper source. Backends name them freely: "ADF", "ADF Front", "ADF Duplex",
  // "Automatic Document Feeder", "Duplex", "Flatbed", "Platen"...
  if (auto source = find_option(SANE_NAME_SCAN_SOURCE); source.descriptor != nullptr) {
    std::optional<std::string> value;
    switch (settings_.source) {
      case ScanSource::Flatbed:
        value = pick_from_list(source, {"flatbed", "platen", "glass"}, {});
        break;
      case ScanSource::Adf:
        value = pick_from_list(source, {"adf front", "adf", "feeder", "simplex"},
                               {"duplex", "back", "rear"});
        break;
      case ScanSource::AdfDuplex:
        value = pick_from_list(source, {"duplex"}, {});
        break;
    }
    if (!value) {
      std::string offered;
      for (const SANE_String_Const* entry = source.descriptor->constraint.string_list;
           source.descriptor->constraint_type == SANE_CONSTRAINT_STRING_LIST && *entry != nullptr;
           ++entry) {
        offered += offered.empty() ? "" : ", ";
        offered += *entry;
      }
      refuse("the scanner has no source for " + std::string(to_string(settings_.source)) +
             " (it offers: " + offered + ")");
    }
    check(set_string(source, *value), "source");
  } else if (settings_.source != ScanSource::Flatbed) {
    refuse("the scanner has no document feeder; use the flatbed source");
  }

  // Colour mode; lineart falls back to 1-bit gray or to our own threshold.
  threshold_to_bilevel_ = false;
  bool one_bit = false;
  if (auto mode = find_option(SANE_NAME_SCAN_MODE); mode.descriptor != nullptr) {
    std::optional<std::string> value;
    switch (settings_.mode) {
      case ScanMode::Color:
        value = pick_from_list(mode, {"color", "colour", "rgb"}, {});
        break;
      case ScanMode::Gray:
        value = pick_from_list(mode, {"gray", "grey"}, {});
        break;
      case ScanMode::Lineart:
        value = pick_from_list(mode, {"lineart", "binary", "black"}, {"halftone"});
        if (!value) {
          value = pick_from_list(mode, {"gray", "grey"}, {});
          one_bit = true;
        }
        break;
    }
    if (value) check(set_string(mode, *value), "mode");
  }
  if (auto depth = find_option(SANE_NAME_BIT_DEPTH);
      depth.descriptor != nullptr && SANE_OPTION_IS_SETTABLE(depth.descriptor->cap)) {
    check(set_number(depth, one_bit ? 1 : 8), "depth");
    if (one_bit && read_number(depth) != 1) threshold_to_bilevel_ = true;
  } else if (one_bit) {
    threshold_to_bilevel_ = true;
  }
  if (settings_.mode == ScanMode::Lineart &&
      find_option(SANE_NAME_SCAN_MODE).descriptor == nullptr) {
    threshold_to_bilevel_ = true;
  }

  if (auto resolution = find_option(SANE_NAME_SCAN_RESOLUTION); resolution.descriptor != nullptr) {
    check(set_number(resolution, settings_.resolution_dpi), "resolution");
    resolution_ = read_number(resolution);
  } else {
    resolution_ = 0;
  }

  if (settings_.page_size) {
    // Sheet-fed scanners size the page with page-width/-height; the scan
    // window (tl/br) must then fit inside it, so those come first.
    const auto& size = *settings_.page_size;
    if (auto width = find_option("page-width"); width.descriptor != nullptr) {
      check(set_number(width, size.width_mm), "page-width");
    }
    if (auto height = find_option("page-height"); height.descriptor != nullptr) {
      check(set_number(height, size.height_mm), "page-height");
    }
    for (const char* origin : {SANE_NAME_SCAN_TL_X, SANE_NAME_SCAN_TL_Y}) {
      if (auto option = find_option(origin); option.descriptor != nullptr) {
        check(set_number(option, 0), origin);
      }
    }
    if (auto right = find_option(SANE_NAME_SCAN_BR_X); right.descriptor != nullptr) {
      check(set_number(right, size.width_mm), "br-x");
    }
    if (auto bottom = find_option(SANE_NAME_SCAN_BR_Y); bottom.descriptor != nullptr) {
      check(set_number(bottom, size.height_mm), "br-y");
    }
  }

  for (const auto& [name, value] : settings_.device_options) set_from_text(name, value);
}

void SaneDevice::Impl::set_from_text(const std::string& name, const std::string& value) {
  const auto option = find_option(name);
  if (option.descriptor == nullptr || !SANE_OPTION_IS_SETTABLE(option.descriptor->cap)) {
    throw Error(ErrorCode::InvalidArgument,
                "the scanner has no settable option '" + name +
                    "' (scanimage -d DEVICE -A "
                    "lists them)",
                {device_});
  }
  SANE_Status status = SANE_STATUS_GOOD;
  switch (option.descriptor->type) {
    case SANE_TYPE_STRING:
      status = set_string(option, value);
      break;
    case SANE_TYPE_BOOL: {
      const auto lower = lowercase(value);
      status = set_number(option, lower == "yes" || lower == "true" || lower == "1" ? 1 : 0);
      break;
    }
    case SANE_TYPE_INT:
    case SANE_TYPE_FIXED: {
      char* end = nullptr;
      const double number = std::strtod(value.c_str(), &end);
      if (end == value.c_str() || *end != '\0') {
        throw Error(ErrorCode::InvalidArgument,
                    "option '" + name + "' takes a number, not '" + value + "'", {device_});
      }
      status = set_number(option, number);
      break;
    }
    case SANE_TYPE_BUTTON:
      status = sane_control_option(handle_, option.index, SANE_ACTION_SET_VALUE, nullptr, nullptr);
      break;
    default:
      break;
  }
  if (status != SANE_STATUS_GOOD) {
    throw Error(ErrorCode::InvalidArgument,
                "the scanner refused " + name + "=" + value + ": " + sane_strstatus(status),
                {device_});
  }
}

void SaneDevice::Impl::set_device_option(const std::string& name, const std::string& value) {
  if (handle_ != nullptr) set_from_text(name, value);
  // Remember it so a re-open after a fault sets it again.
  auto& options = settings_.device_options;
  std::erase_if(options, [&](const auto& entry) { return entry.first == name; });
  options.emplace_back(name, value);
}

std::variant<Image, SANE_Status> SaneDevice::Impl::read_page(const ProgressCallback& progress) {
  std::vector<Frame> frames;
  std::uint64_t bytes_read = 0;
  for (;;) {
    Frame frame;
    if (!frames.empty()) {
      // The next frame of a three-pass colour page.
      const SANE_Status status = sane_start(handle_);
      if (status != SANE_STATUS_GOOD) return status;
    }
    SANE_Status status = sane_get_parameters(handle_, &frame.parameters);
    if (status != SANE_STATUS_GOOD) return status;
    const auto& p = frame.parameters;
    if (p.lines > 0 && p.bytes_per_line > 0) {
      frame.bytes.reserve(static_cast<std::size_t>(p.lines) *
                          static_cast<std::size_t>(p.bytes_per_line));
    }
    std::vector<std::uint8_t> buffer(64 * 1024);
    for (;;) {
      SANE_Int length = 0;
      status = sane_read(handle_, buffer.data(), static_cast<SANE_Int>(buffer.size()), &length);
      if (status == SANE_STATUS_EOF) break;
      if (status != SANE_STATUS_GOOD) return status;  // the partial page is dropped
      frame.bytes.insert(frame.bytes.end(), buffer.begin(), buffer.begin() + length);
      bytes_read += static_cast<std::uint64_t>(length);
      progress(bytes_read);
    }
    const bool last = frame.parameters.last_frame == SANE_TRUE;
    frames.push_back(std::move(frame));
    if (last || frames.size() >= 3) break;
  }
  return to_image(frames);
}

Image SaneDevice::Impl::to_image(const std::vector<Frame>& frames) const {
  const auto& first = frames.front().parameters;
  const int width = first.pixels_per_line;
  const int bytes_per_line = first.bytes_per_line;
  // Hand-held and some sheet-fed scanners do not know the height (lines = -1).
  const int height =
      bytes_per_line > 0
          ? static_cast<int>(frames.front().bytes.size() / static_cast<std::size_t>(bytes_per_line))
          : 0;
  Image image;
  image.width = width;
  image.height = height;
  image.dpi_x = image.dpi_y = resolution_;
  const bool rgb = first.format == SANE_FRAME_RGB || frames.size() == 3;
  image.channels = rgb ? 3 : 1;
  image.mode = rgb ? ColorMode::Rgb : ColorMode::Gray;
  image.pixels.assign(static_cast<std::size_t>(width) * static_cast<std::size_t>(height) *
                          static_cast<std::size_t>(image.channels),
                      0);
  const int depth = first.depth;
  // Sample `s` of a row: 1-bit (gray: 1 is black; colour: 1 is full), 8 or 16 bit.
  auto sample = [&](const std::uint8_t* row, int s, bool gray_frame) -> std::uint8_t {
    if (depth == 1) {
      const bool bit = ((row[s / 8] >> (7 - s % 8)) & 1) != 0;
      return gray_frame ? (bit ? 0 : 255) : (bit ? 255 : 0);
    }
    if (depth == 16) {
      std::uint16_t value = 0;
      std::memcpy(&value, row + 2 * s, 2);  // host byte order, as SANE specifies
      return static_cast<std::uint8_t>(value >> 8);
    }
    return row[s];
  };
  for (std::size_t f = 0; f < frames.size(); ++f) {
    const auto& p = frames[f].parameters;
    const bool gray_frame = p.format == SANE_FRAME_GRAY;
    int channel = 0;
    if (p.format == SANE_FRAME_GREEN) channel = 1;
    if (p.format == SANE_FRAME_BLUE) channel = 2;
    const int samples_per_pixel = p.format == SANE_FRAME_RGB ? 3 : 1;
    const int rows = std::min(height, static_cast<int>(frames[f].bytes.size() /
                                                       static_cast<std::size_t>(p.bytes_per_line)));
    for (int y = 0; y < rows; ++y) {
      const std::uint8_t* row =
          frames[f].bytes.data() + static_cast<std::size_t>(y) * p.bytes_per_line;
      std::uint8_t* out = image.row(y);
      for (int x = 0; x < width; ++x) {
        if (samples_per_pixel == 3) {
          for (int c = 0; c < 3; ++c) out[3 * x + c] = sample(row, 3 * x + c, false);
        } else if (rgb) {
          out[3 * x + channel] = sample(row, x, false);
        } else {
          out[x] = sample(row, x, gray_frame);
        }
      }
    }
  }
  if (!rgb && depth == 1) image.mode = ColorMode::Bilevel;

  // Make the page what was asked for when the device could not.
  if (settings_.mode != ScanMode::Color && rgb) {
    Image gray;
    gray.width = width;
    gray.height = height;
    gray.channels = 1;
    gray.mode = ColorMode::Gray;
    gray.dpi_x = gray.dpi_y = image.dpi_x;
    gray.pixels.resize(static_cast<std::size_t>(width) * static_cast<std::size_t>(height));
    for (std::size_t i = 0; i < gray.pixels.size(); ++i) {
      const auto* px = &image.pixels[3 * i];
      gray.pixels[i] = static_cast<std::uint8_t>((299 * px[0] + 587 * px[1] + 114 * px[2]) / 1000);
    }
    image = std::move(gray);
  }
  if (settings_.mode == ScanMode::Lineart && image.mode == ColorMode::Gray &&
      (threshold_to_bilevel_ || depth != 1)) {
    for (auto& value : image.pixels) value = value < 128 ? 0 : 255;
    image.mode = ColorMode::Bilevel;
  }
  return image;
}

SaneDevice::Event SaneDevice::Impl::next(const ProgressCallback& progress) {
  if (handle_ == nullptr || spent_) {
    throw Error(ErrorCode::Internal, "the scanner helper's device is closed or faulted", {device_});
  }
  // A flatbed holds one page: after it, the "stack" is done.
  if (settings_.source == ScanSource::Flatbed && pages_in_stack_ > 0) {
    const int pages = pages_in_stack_;
    end_stack();
    return StackEnd{pages};
  }

  const SANE_Status started = sane_start(handle_);
  if (started == SANE_STATUS_NO_DOCS && pages_in_stack_ > 0) {
    const int pages = pages_in_stack_;
    in_stack_ = true;
    end_stack();
    return StackEnd{pages};
  }
  in_stack_ = true;
  // On a fault the device is not cancelled here: the fault is reported first
  // (sane_cancel is where a backend may hang), then the parent closes or kills us.
  if (started != SANE_STATUS_GOOD) return fault(started);
  auto page = read_page(progress);
  if (const auto* status = std::get_if<SANE_Status>(&page)) return fault(*status);
  PageRead read;
  read.image = std::move(std::get<Image>(page));
  read.back_side = settings_.source == ScanSource::AdfDuplex && pages_in_stack_ % 2 == 1;
  ++pages_in_stack_;
  return read;
}

SaneDevice::SaneDevice(std::string device, ScanSettings settings)
    : impl_(std::make_unique<Impl>(std::move(device), std::move(settings))) {}
SaneDevice::~SaneDevice() = default;

SaneDevice::Event SaneDevice::next(const ProgressCallback& progress) {
  return impl_->next(progress);
}

void SaneDevice::set_device_option(const std::string& name, const std::string& value) {
  impl_->set_device_option(name, value);
}

double SaneDevice::resolution() const {
  return impl_->resolution_;
}

void SaneDevice::close() {
  impl_->close();
}

}  // namespace sohoa::scanners::worker
