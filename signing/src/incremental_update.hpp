#pragma once
// Appends one revision to a PDF: new or replaced objects, then a cross-reference
// section of the same kind as the file's last one (table or stream) whose /Prev
// points to the previous section. The existing bytes are never touched.

#include <cstdint>
#include <map>
#include <string>

#include "pdf_document.hpp"

namespace sohoa::signing::pdf {

class IncrementalUpdate {
 public:
  explicit IncrementalUpdate(const Document& base);

  std::uint32_t new_object_number() { return next_number_++; }
  // `body` is the object's text (a direct object, or a dictionary followed by
  // "stream\n...\nendstream").
  void set_object(Ref ref, std::string body);
  void set_object(Ref ref, const Object& object);

  struct Result {
    std::string appended;                          // bytes to append to the base file
    std::map<std::uint32_t, std::size_t> offsets;  // absolute offsets of the objects
  };
  [[nodiscard]] Result finish();

 private:
  const Document& base_;
  std::uint32_t next_number_;
  std::map<std::uint32_t, std::pair<std::uint16_t, std::string>> objects_;
};

// "<<...>>stream\n<data>\nendstream" with the right /Length (no filter).
std::string stream_object(Dict dict, std::string_view data);

}  // namespace sohoa::signing::pdf
