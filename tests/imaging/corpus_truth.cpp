#include "corpus_truth.hpp"

#include <fstream>
#include <nlohmann/json.hpp>

#include "test_support.hpp"

namespace sohoa::test {

std::filesystem::path TruthPage::path() const {
  return corpus_dir() / file;
}

ColorMode TruthPage::color_mode() const {
  if (mode == "bilevel") return ColorMode::Bilevel;
  if (mode == "gray") return ColorMode::Gray;
  return ColorMode::Rgb;
}

std::vector<TruthPage> load_truth() {
  std::ifstream in(corpus_dir() / "truth.json");
  if (!in) return {};
  nlohmann::json truth = nlohmann::json::parse(in);
  std::vector<TruthPage> pages;
  for (const auto& page : truth.at("pages")) {
    TruthPage entry;
    entry.file = page.at("file").get<std::string>();
    entry.rotation = page.at("rotation").get<int>();
    entry.skew_deg = page.at("skew_deg").get<double>();
    entry.blank = page.at("blank").get<bool>();
    entry.mode = page.at("mode").get<std::string>();
    entry.dpi = page.at("dpi").get<int>();
    pages.push_back(entry);
  }
  return pages;
}

}  // namespace sohoa::test
