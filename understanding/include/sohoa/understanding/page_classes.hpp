#pragma once
// The page classes a dossier may hold, with their titles and cues, loaded at run
// time from a dated, versioned JSON file (config/page_classes/<date>.json):
// forms change with regulations, so adding or changing a class needs no rebuild.
// See docs/understanding.md for the format.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sohoa::understanding {

namespace detail {
struct CatalogRules;
}

class ClassCatalog {
 public:
  // Reads a class file (and the province-code file it names). Throws
  // sohoa::Error(InputNotFound / CorruptInput) naming the file and the problem.
  static ClassCatalog load(const std::string& path);
  // The newest file of `directory` (named <YYYY-MM-DD>.json) effective on
  // `date` (YYYY-MM-DD; empty: the newest of all).
  static ClassCatalog load_effective(const std::string& directory, const std::string& date = {});

  [[nodiscard]] const std::string& version() const;
  [[nodiscard]] const std::string& effective_from() const;
  [[nodiscard]] const std::string& source_path() const;
  [[nodiscard]] std::vector<std::string> class_ids() const;
  [[nodiscard]] bool has_class(std::string_view id) const;
  // The Vietnamese title (for bookmarks and metadata); the id when unknown.
  [[nodiscard]] std::string title(std::string_view id) const;
  [[nodiscard]] bool multi_page(std::string_view id) const;
  [[nodiscard]] const std::string& receipt_class() const;  // role "receipt"
  [[nodiscard]] const std::string& blank_class() const;    // role "blank"
  // True when the province-code list is empty or holds `code`.
  [[nodiscard]] bool known_province(std::string_view code) const;

  [[nodiscard]] const detail::CatalogRules& rules() const { return *rules_; }

 private:
  explicit ClassCatalog(std::shared_ptr<const detail::CatalogRules> rules);
  std::shared_ptr<const detail::CatalogRules> rules_;
};

}  // namespace sohoa::understanding
