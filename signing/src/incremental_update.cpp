#include "incremental_update.hpp"

#include <algorithm>
#include <cstdio>

#include "sohoa/core/error.hpp"

namespace sohoa::signing::pdf {

IncrementalUpdate::IncrementalUpdate(const Document& base)
    : base_(base), next_number_(base.size()) {}

void IncrementalUpdate::set_object(Ref ref, std::string body) {
  if (ref.num == 0) throw Error(ErrorCode::Internal, "object number 0 is reserved");
  objects_[ref.num] = {ref.gen, std::move(body)};
  next_number_ = std::max(next_number_, ref.num + 1);
}

void IncrementalUpdate::set_object(Ref ref, const Object& object) {
  set_object(ref, serialize(object));
}

std::string stream_object(Dict dict, std::string_view data) {
  dict.set("Length", static_cast<std::int64_t>(data.size()));
  std::string out = serialize(dict);
  out += "\nstream\n";
  out.append(data);
  out += "\nendstream";
  return out;
}

IncrementalUpdate::Result IncrementalUpdate::finish() {
  Result result;
  std::string& out = result.appended;
  Bytes base = base_.bytes();
  std::size_t base_size = base.size();
  if (base_size > 0 && base[base_size - 1] != '\n' && base[base_size - 1] != '\r') out += '\n';

  for (const auto& [num, entry] : objects_) {
    result.offsets[num] = base_size + out.size();
    out += std::to_string(num) + ' ' + std::to_string(entry.first) + " obj\n";
    out += entry.second;
    out += "\nendobj\n";
  }

  Dict trailer;
  for (const char* key : {"Root", "Info", "ID"}) {
    if (const Object* value = base_.trailer().find(key)) trailer.set(key, *value);
  }
  trailer.set("Prev", static_cast<std::int64_t>(base_.startxref()));

  // Contiguous runs of object numbers become xref subsections.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> runs;  // first, count
  auto add_runs = [&runs](const std::map<std::uint32_t, std::size_t>& offsets) {
    runs.clear();
    for (const auto& [num, offset] : offsets) {
      (void)offset;
      if (!runs.empty() && runs.back().first + runs.back().second == num) {
        ++runs.back().second;
      } else {
        runs.emplace_back(num, 1);
      }
    }
  };
  auto gen_of = [this](std::uint32_t num) -> std::uint16_t {
    auto it = objects_.find(num);
    return it != objects_.end() ? it->second.first : 0;
  };

  std::size_t xref_offset = base_size + out.size();
  if (!base_.uses_xref_stream()) {
    add_runs(result.offsets);
    out += "xref\n";
    char line[32];
    for (auto [first, count] : runs) {
      out += std::to_string(first) + ' ' + std::to_string(count) + '\n';
      for (std::uint32_t num = first; num < first + count; ++num) {
        std::snprintf(line, sizeof line, "%010zu %05u n\r\n", result.offsets[num],
                      static_cast<unsigned>(gen_of(num)));
        out += line;
      }
    }
    trailer.set("Size", static_cast<std::int64_t>(std::max(base_.size(), next_number_)));
    out += "trailer\n" + serialize(trailer) + "\n";
  } else {
    std::uint32_t xref_num = next_number_++;
    result.offsets[xref_num] = xref_offset;
    add_runs(result.offsets);
    std::string rows;
    Array index;
    for (auto [first, count] : runs) {
      index.emplace_back(static_cast<std::int64_t>(first));
      index.emplace_back(static_cast<std::int64_t>(count));
      for (std::uint32_t num = first; num < first + count; ++num) {
        std::uint64_t offset = result.offsets[num];
        rows += '\x01';
        for (int shift = 32; shift >= 0; shift -= 8) {
          rows += static_cast<char>((offset >> shift) & 0xFF);
        }
        std::uint16_t gen = gen_of(num);
        rows += static_cast<char>(gen >> 8);
        rows += static_cast<char>(gen & 0xFF);
      }
    }
    Dict dict;
    dict.set("Type", Name{"XRef"});
    dict.set("Size", static_cast<std::int64_t>(std::max(base_.size(), next_number_)));
    dict.set("W", Array{std::int64_t{1}, std::int64_t{5}, std::int64_t{2}});
    dict.set("Index", std::move(index));
    for (const auto& entry : trailer.entries()) dict.set(entry.key, entry.value);
    out +=
        std::to_string(xref_num) + " 0 obj\n" + stream_object(std::move(dict), rows) + "\nendobj\n";
  }
  out += "startxref\n" + std::to_string(xref_offset) + "\n%%EOF\n";
  return result;
}

}  // namespace sohoa::signing::pdf
