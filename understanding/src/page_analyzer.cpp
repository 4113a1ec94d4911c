// Classifying a page and reading its key fields from the class configuration's
// cues: titles and labels (folded, typo-tolerant), QR payloads, the MRZ and the
// size of the text (an ID-card copy is set much smaller than a form).
#include <algorithm>
#include <cctype>
#include <cmath>
#include <regex>

#include "catalog_rules.hpp"
#include "page_text.hpp"
#include "sohoa/understanding/page_understanding.hpp"
#include "sohoa/understanding/text_match.hpp"

namespace sohoa::understanding {

namespace {

using detail::ClassRule;
using detail::FieldRule;
using detail::PageText;
using detail::TextLine;
using detail::ValueType;

// Weights of the cues in a class score (0..1 after clamping).
constexpr double kTitleWeight = 0.6;
constexpr double kLabelWeight = 0.3;
constexpr double kQrWeight = 0.5;
constexpr double kMrzWeight = 0.3;
constexpr double kCardTextWeight = 0.1;
constexpr double kTitleFound = 0.5;  // a title score above this counts as a title on the page
// ID-card text is set at about 8 pt; forms at 12-14 pt (word boxes ~4.5 mm).
constexpr double kCardWordHeightMm = 3.4;

struct Candidate {
  const ClassRule* rule = nullptr;
  double score = 0;
  double title = 0;
  bool continuation = false;
};

// How well a title of the class stands on the page as a title: typo-tolerant,
// set in capitals or alone on its line (so a receipt's list of papers, which
// names other classes in sentence case, does not count).
double title_score(const PageText& page, const ClassRule& rule) {
  double best = 0;
  for (const auto& line : page.lines) {
    for (const auto& title : rule.titles) {
      const auto hit = fuzzy_find(line.folded, title, tolerated_edits(title.size()));
      if (!hit.found()) continue;
      const double sim =
          1.0 - static_cast<double>(hit.distance) / static_cast<double>(title.size());
      const std::size_t first = detail::word_at(line, hit.begin);
      const std::size_t last = detail::word_at(line, hit.end > 0 ? hit.end - 1 : 0);
      std::string span;
      for (std::size_t w = first; w <= last && w < line.words.size(); ++w) span += line.words[w];
      const bool capitals = detail::upper_share(span) >= 0.7;
      const bool alone = line.folded.size() <= title.size() * 13 / 10 + 2;
      if (!capitals && !alone) continue;
      // Longer titles are stronger evidence than a short one matched by chance.
      const double length_factor = std::min(1.0, 0.7 + static_cast<double>(title.size()) / 40.0);
      best = std::max(best, sim * length_factor);
    }
  }
  return best;
}

double label_share(const PageText& page, const ClassRule& rule) {
  if (rule.labels.empty()) return 0;
  int found = 0;
  for (const auto& label : rule.labels) {
    for (const auto& line : page.lines) {
      if (fuzzy_find(line.folded, label, tolerated_edits(label.size())).found()) {
        ++found;
        break;
      }
    }
  }
  return static_cast<double>(found) / static_cast<double>(rule.labels.size());
}

int continuation_hits(const PageText& page, const ClassRule& rule) {
  int hits = 0;
  for (const auto& line : page.lines) {
    for (const auto& pattern : rule.continuation.patterns) {
      if (std::regex_search(line.folded, pattern)) {
        ++hits;
        break;
      }
    }
  }
  return hits;
}

bool small_text(const PageText& page) {
  std::vector<int> heights;
  for (const auto& line : page.lines) {
    if (line.words.size() >= 2) heights.push_back(line.word_height);
  }
  if (heights.size() < 5 || page.dpi <= 0) return false;
  std::nth_element(heights.begin(), heights.begin() + static_cast<long>(heights.size() / 2),
                   heights.end());
  const double mm = heights[heights.size() / 2] * 25.4 / page.dpi;
  return mm < kCardWordHeightMm;
}

// ---------------------------------------------------------------- values ----

std::string trim_punct(std::string word) {
  const std::string strip = ",.;:()[]\"'|";
  while (!word.empty() && strip.find(word.back()) != std::string::npos) word.pop_back();
  while (!word.empty() && strip.find(word.front()) != std::string::npos) word.erase(0, 1);
  return word;
}

char digit_like(char c) {
  switch (c) {
    case 'O':
    case 'o':
    case 'D':
    case 'Q':
      return '0';
    case 'I':
    case 'l':
    case '|':
      return '1';
    default:
      return c;
  }
}

// Segments of a line's words from `first` on, split where the gap between two
// words is wide (a new cell or a second label on the same line).
std::vector<std::pair<std::size_t, std::size_t>> segments(const TextLine& line, std::size_t first) {
  std::vector<std::pair<std::size_t, std::size_t>> out;
  const auto& words = line.source->words;
  // Words of the prepared line map 1:1 to the OcrLine words kept (empty ones were not dropped).
  const double wide = std::max(8.0, 0.9 * line.word_height);
  std::size_t begin = first;
  for (std::size_t i = first; i < line.words.size(); ++i) {
    if (i > first && i < words.size()) {
      const int gap = words[i].box.left - words[i - 1].box.right;
      if (gap > wide) {
        out.emplace_back(begin, i);
        begin = i;
      }
    }
  }
  if (begin < line.words.size()) out.emplace_back(begin, line.words.size());
  return out;
}

std::optional<std::string> personal_id_value(const std::vector<std::string>& words) {
  std::string digits;
  for (const auto& raw : words) {
    std::string word = trim_punct(raw);
    std::string only;
    bool numeric = !word.empty();
    for (char c : word) {
      const char d = digit_like(c);
      if (d >= '0' && d <= '9') {
        only += d;
      } else {
        numeric = false;
      }
    }
    if (numeric) {
      digits += only;
      if (digits.size() == 12) return digits;
      if (digits.size() > 13) digits.clear();
      continue;
    } else if (only.size() == 12) {
      return only;
    } else {
      digits.clear();
    }
  }
  // Digits missing or one too many: kept as read, so the dossier's cross-check
  // can match it to an ID card and the review list shows it otherwise.
  if (digits.size() >= 9 && digits.size() <= 13) return digits;
  return std::nullopt;
}

std::optional<std::string> date_value(const std::vector<std::string>& words) {
  for (const auto& raw : words) {
    std::string word = trim_punct(raw);
    for (char& c : word) c = digit_like(c);
    for (std::size_t at = 0; at + 10 <= word.size(); ++at) {
      if (auto date = parse_civil_date(std::string_view(word).substr(at, 10)))
        return date->dd_mm_yyyy();
    }
  }
  return std::nullopt;
}

std::optional<std::string> spelled_date_value(const std::string& folded) {
  static const std::regex kSpelled(R"(ngay (\d{1,2}) thang (\d{1,2}) nam (\d{4}))");
  std::smatch m;
  if (!std::regex_search(folded, m, kSpelled)) return std::nullopt;
  CivilDate date{std::stoi(m[3]), std::stoi(m[2]), std::stoi(m[1])};
  if (!date.valid()) return std::nullopt;
  return date.dd_mm_yyyy();
}

std::optional<std::string> person_name_value(const std::vector<std::string>& words) {
  std::vector<std::string> parts;
  for (const auto& raw : words) {
    std::string word = trim_punct(raw);
    const bool stop_after = !raw.empty() && (raw.back() == ',' || raw.back() == '.');
    if (word.empty()) {
      if (!parts.empty()) break;
      continue;
    }
    const bool letters_only = std::none_of(word.begin(), word.end(), [](char c) {
      const auto u = static_cast<unsigned char>(c);
      return std::isdigit(u) != 0 || c == ':' || c == '/' || c == '(' || c == ')';
    });
    if (!letters_only || !detail::starts_upper(word)) break;
    parts.push_back(word);
    if (stop_after || parts.size() == 7) break;
  }
  if (parts.size() < 2) return std::nullopt;
  std::string name;
  for (const auto& part : parts) name += (name.empty() ? "" : " ") + part;
  return name;
}

std::optional<std::string> typed_value(ValueType type, const std::vector<std::string>& words) {
  std::string folded;
  for (const auto& word : words) folded += (folded.empty() ? "" : " ") + fold(word);
  switch (type) {
    case ValueType::PersonalId:
      return personal_id_value(words);
    case ValueType::Date:
      return date_value(words);
    case ValueType::SpelledDate:
      return spelled_date_value(folded);
    case ValueType::PersonName:
      return person_name_value(words);
    case ValueType::Sex: {
      for (const auto& word : words) {
        const std::string f = trim_punct(fold(word));
        if (f == "nam" || f == "male" || f == "m") return std::string("Nam");
        if (f == "nu" || f == "female" || f == "f") return std::string("Nữ");
      }
      return std::nullopt;
    }
    case ValueType::ProcedureCode: {
      static const std::regex kCode(R"((\d)\.(\d{6}))");
      std::smatch m;
      if (std::regex_search(folded, m, kCode)) return m.str(0);
      return std::nullopt;
    }
    case ValueType::DossierCode: {
      for (const auto& word : words) {
        if (auto code = parse_dossier_code(trim_punct(word))) return code->text();
      }
      return std::nullopt;
    }
    case ValueType::Text: {
      std::string text;
      for (const auto& word : words) text += (text.empty() ? "" : " ") + word;
      if (text.empty()) return std::nullopt;
      return text;
    }
  }
  return std::nullopt;
}

// Words of `line` in [begin, end), the first one cut after the label when the
// label ended inside it (e.g. "No.:001074579715").
std::vector<std::string> words_between(const TextLine& line, std::size_t begin, std::size_t end,
                                       std::size_t label_end) {
  std::vector<std::string> out;
  for (std::size_t w = begin; w < end && w < line.words.size(); ++w) {
    if (line.word_begin[w] < label_end) {
      const std::size_t cut = label_end - line.word_begin[w];
      std::string rest = line.folded_words[w].substr(std::min(cut, line.folded_words[w].size()));
      rest = trim_punct(rest);
      if (!rest.empty()) out.push_back(rest);
      continue;
    }
    out.push_back(line.words[w]);
  }
  return out;
}

// Centre x of the words of `line` covering folded offsets [begin, end).
double words_centre(const TextLine& line, std::size_t begin, std::size_t end) {
  const std::size_t first = detail::word_at(line, begin);
  const std::size_t last = detail::word_at(line, end > 0 ? end - 1 : 0);
  if (first >= line.words.size()) return -1;
  const auto& words = line.source->words;
  const int left = words[first].box.left;
  const int right = words[std::min(last, line.words.size() - 1)].box.right;
  return (left + right) / 2.0;
}

std::optional<std::string> extract_field(const PageText& page, const FieldRule& rule) {
  std::size_t start = 0;
  if (!rule.after.empty()) {
    bool found = false;
    for (std::size_t i = 0; i < page.lines.size() && !found; ++i) {
      if (fuzzy_find(page.lines[i].folded, rule.after, tolerated_edits(rule.after.size()))
              .found()) {
        start = i + 1;
        found = true;
      }
    }
    if (!found) return std::nullopt;
  }
  for (std::size_t i = start; i < page.lines.size(); ++i) {
    const TextLine& line = page.lines[i];
    for (const auto& label : rule.labels) {
      const auto hit = fuzzy_find(line.folded, label, tolerated_edits(label.size()));
      if (!hit.found()) continue;
      std::size_t first = detail::word_at(line, hit.end);
      if (first > 0 && first <= line.words.size() &&
          line.word_begin[first - 1] + line.folded_words[first - 1].size() > hit.end) {
        --first;  // the label ends inside this word
      }
      auto cells = segments(line, first);
      if (!rule.column.empty()) {
        // The header row above names the columns; take the cell under ours:
        // by rank when both rows split into matching cells, else by position.
        const TextLine* header = nullptr;
        double header_x = -1;
        std::size_t header_rank = 0;
        for (std::size_t h = i; h-- > 0 && header == nullptr;) {
          const auto head =
              fuzzy_find(page.lines[h].folded, rule.column, tolerated_edits(rule.column.size()));
          if (!head.found()) continue;
          header = &page.lines[h];
          header_x = words_centre(*header, head.begin, head.end);
          const std::size_t word = detail::word_at(*header, head.begin);
          const auto header_cells = segments(*header, 0);
          for (std::size_t c = 0; c < header_cells.size(); ++c) {
            if (word >= header_cells[c].first && word < header_cells[c].second) header_rank = c;
          }
          if (header_cells.size() != cells.size() + 1 || header_rank == 0) header_rank = 0;
        }
        if (header == nullptr || cells.empty()) continue;
        const auto& words = line.source->words;
        std::size_t best = 0;
        if (header_rank > 0) {
          best = header_rank - 1;
        } else {
          double best_distance = 1e18;
          for (std::size_t c = 0; c < cells.size(); ++c) {
            const double centre =
                (words[cells[c].first].box.left + words[cells[c].second - 1].box.right) / 2.0;
            if (std::fabs(centre - header_x) < best_distance) {
              best_distance = std::fabs(centre - header_x);
              best = c;
            }
          }
        }
        auto value = typed_value(
            rule.type, words_between(line, cells[best].first, cells[best].second, hit.end));
        if (value) return value;
        continue;
      }
      // The value is in the first cell after the label; IDs and dates may sit
      // further along the line.
      std::vector<std::string> value_words =
          cells.empty() ? std::vector<std::string>{}
                        : words_between(line, cells[0].first, cells[0].second, hit.end);
      if (rule.type == ValueType::PersonalId || rule.type == ValueType::ProcedureCode ||
          rule.type == ValueType::SpelledDate || rule.type == ValueType::DossierCode) {
        value_words = words_between(line, first, line.words.size(), hit.end);
      }
      if (auto value = typed_value(rule.type, value_words)) return value;
      if (rule.value_below && i + 1 < page.lines.size()) {
        const TextLine& next = page.lines[i + 1];
        auto below = segments(next, 0);
        if (!below.empty()) {
          if (auto value =
                  typed_value(rule.type, words_between(next, below[0].first, below[0].second, 0))) {
            return value;
          }
        }
      }
    }
  }
  return std::nullopt;
}

std::string sex_of_mrz(char sex) {
  return sex == 'M' ? "Nam" : sex == 'F' ? "Nữ" : "";
}

std::string compact(const std::string& folded) {
  std::string out;
  for (char c : folded) {
    if (c != ' ') out += c;
  }
  return out;
}

// Finds the MRZ: from the page's own text, then — when the caller can re-read
// the region with a recogniser for machine-readable text — from that.
std::optional<Mrz> read_mrz(const OcrText& text, const Image* gray, int dpi, RegionReader* reader) {
  std::vector<std::string> lines;
  std::vector<const OcrLine*> sources;
  for (const auto& line : text.lines) {
    std::string joined;
    for (const auto& word : line.words) joined += word.text;
    lines.push_back(joined);
    sources.push_back(&line);
  }
  std::optional<Mrz> from_text = find_mrz(lines);
  if (from_text && from_text->checks_ok()) return from_text;
  // Where are the MRZ-looking lines? Re-read that region.
  if (reader == nullptr || gray == nullptr || gray->empty()) return from_text;
  Box region{gray->width, gray->height, 0, 0};
  int count = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (std::count(lines[i].begin(), lines[i].end(), '<') < 3 || lines[i].size() < 20) continue;
    const Box& b = sources[i]->box;
    region = {std::min(region.left, b.left), std::min(region.top, b.top),
              std::max(region.right, b.right), std::max(region.bottom, b.bottom)};
    ++count;
  }
  if (count < 2) return from_text;
  const int pad = std::max(8, region.height() / 6);
  region.left = std::max(0, region.left - pad);
  region.top = std::max(0, region.top - pad);
  region.right = std::min(gray->width, region.right + pad);
  region.bottom = std::min(gray->height, region.bottom + pad);
  if (region.width() <= 0 || region.height() <= 0) return from_text;
  Image crop;
  crop.width = region.width();
  crop.height = region.height();
  crop.channels = 1;
  crop.mode = ColorMode::Gray;
  crop.dpi_x = crop.dpi_y = dpi;
  crop.pixels.resize(static_cast<std::size_t>(crop.width) * crop.height);
  for (int y = 0; y < crop.height; ++y) {
    std::copy_n(gray->row(region.top + y) + region.left, crop.width,
                crop.pixels.data() + static_cast<std::size_t>(y) * crop.width);
  }
  // Twice the size reads the thin '<' fillers and small digits far more reliably.
  std::vector<std::string> reread = reader->read_lines(crop, dpi);
  std::optional<Mrz> from_region = find_mrz(reread);
  if (!from_region) return from_text;
  if (from_region->checks_ok() || !from_text) return from_region;
  return from_region->failed_checks.size() <= from_text->failed_checks.size() ? from_region
                                                                              : from_text;
}

void check_personal_id(const ClassCatalog& catalog, const std::string& field,
                       const std::string& value, PageUnderstanding& out) {
  auto id = parse_personal_id(value);
  if (!id) {
    out.flags.push_back(
        {"personal-id-malformed",
         field + " reads " + value + " (" + std::to_string(value.size()) + " digits, not 12)"});
    return;
  }
  if (!catalog.known_province(id->province_code)) {
    out.flags.push_back({"personal-id-province-unknown",
                         field + " " + value + ": province code " + id->province_code +
                             " is not in the province list (" + catalog.version() + ")"});
  }
  if (id->century_sex_digit > 3) {
    out.flags.push_back({"personal-id-century", field + " " + value + ": century/sex digit " +
                                                    std::to_string(id->century_sex_digit) +
                                                    " means a birth after 2099"});
  }
}

// The same fact read from the card's QR, its MRZ and its printed text must agree.
void cross_check_id_card(const PageText& page, const ClassRule& rule, PageUnderstanding& out) {
  const auto& card = out.id_card;
  auto disagree = [&](const std::string& what, const std::string& a, const std::string& b) {
    out.flags.push_back({"id-card-disagreement", what + ": " + a + " vs " + b});
  };
  if (card && out.mrz) {
    const Mrz& mrz = *out.mrz;
    if (!mrz.personal_id.empty() && mrz.personal_id != card->personal_id) {
      disagree("personal ID (QR vs MRZ)", card->personal_id, mrz.personal_id);
    } else if (mrz.personal_id.empty() && card->personal_id.substr(3) != mrz.document_number) {
      disagree("document number (QR vs MRZ)", card->personal_id.substr(3), mrz.document_number);
    }
    if (mrz.birth && !(*mrz.birth == card->birth)) {
      disagree("birth date (QR vs MRZ)", card->birth.dd_mm_yyyy(), mrz.birth->dd_mm_yyyy());
    }
    const std::string mrz_sex = sex_of_mrz(mrz.sex);
    if (!mrz_sex.empty() && fold(mrz_sex) != fold(card->sex))
      disagree("sex (QR vs MRZ)", card->sex, mrz_sex);
    // The name has no check digit: allow the odd misread letter.
    const std::string mrz_name = compact(fold(mrz.name));
    const std::string qr_name = compact(fold(card->name));
    if (!mrz.name.empty() &&
        edit_distance(mrz_name, qr_name) > std::max<std::size_t>(1, qr_name.size() / 8)) {
      disagree("name (QR vs MRZ)", card->name, mrz.name);
    }
  }
  if (card) {
    if (auto id = parse_personal_id(card->personal_id)) {
      if (id->birth_year != card->birth.year) {
        disagree("birth year (ID digits vs QR birth date)", std::to_string(id->birth_year),
                 std::to_string(card->birth.year));
      }
      const bool female = fold(card->sex) == "nu";
      if ((fold(card->sex) == "nam" || female) && id->female != female) {
        disagree("sex (ID century/sex digit vs QR)", id->female ? "Nữ" : "Nam", card->sex);
      }
    }
    // Printed text, where it was read: OCR may miss it, so only clear contradictions count.
    for (const auto& field : rule.fields) {
      if (field.from != "id_card" || field.labels.empty()) continue;
      auto printed = extract_field(page, field);
      if (!printed) continue;
      std::string from_qr;
      if (field.type == ValueType::PersonalId) from_qr = card->personal_id;
      if (field.type == ValueType::Date) from_qr = card->birth.dd_mm_yyyy();
      if (!from_qr.empty() && *printed != from_qr) {
        disagree(field.name + " (QR vs printed)", from_qr, *printed);
      }
    }
  }
}

}  // namespace

PageAnalyzer::PageAnalyzer(ClassCatalog catalog) : catalog_(std::move(catalog)) {}

PageUnderstanding PageAnalyzer::analyse(const PageInput& input, RegionReader* reader) const {
  const auto& rules = catalog_.rules();
  PageUnderstanding out;
  if (input.blank) {
    out.page_class = rules.blank_class;
    out.score = 1;
    out.margin = 1;
    return out;
  }
  static const OcrText kNoText;
  const OcrText& ocr = input.text != nullptr ? *input.text : kNoText;
  const int height = input.gray != nullptr ? input.gray->height : 0;
  const PageText page = detail::prepare_page_text(ocr, height, input.dpi);

  // Structural cues first: QR payloads and the MRZ.
  const Image* qr_image = input.scan_gray != nullptr ? input.scan_gray : input.gray;
  auto take_payloads = [&](std::vector<std::string> payloads) {
    for (auto& payload : payloads) {
      if (std::find(out.qr_payloads.begin(), out.qr_payloads.end(), payload) !=
          out.qr_payloads.end()) {
        continue;
      }
      if (!out.dossier_code) out.dossier_code = parse_dossier_code(payload);
      if (!out.id_card) out.id_card = parse_id_card_qr(payload);
      out.qr_payloads.push_back(std::move(payload));
    }
  };
  if (qr_image != nullptr) take_payloads(read_qr_codes(*qr_image));
  const bool card_text = small_text(page);
  bool mrz_looked_for = false;
  auto ensure_mrz = [&] {
    if (mrz_looked_for) return;
    mrz_looked_for = true;
    out.mrz = read_mrz(ocr, input.gray, input.dpi, reader);
  };
  // The MRZ re-read costs a recognition pass: only where the page shows one.
  {
    int marks = 0;
    for (const auto& line : page.lines)
      marks += std::count(line.text.begin(), line.text.end(), '<') >= 3;
    if (marks >= 2 || out.id_card) ensure_mrz();
  }

  std::vector<Candidate> candidates;
  for (const auto& rule : rules.classes) {
    if (rule.role == "blank") continue;
    Candidate c;
    c.rule = &rule;
    c.title = title_score(page, rule);
    double s = kTitleWeight * c.title + kLabelWeight * label_share(page, rule);
    if (rule.qr == "dossier_code" && out.dossier_code) s += kQrWeight;
    if (rule.qr == "id_card" && out.id_card) s += kQrWeight;
    if (rule.mrz && out.mrz) s += kMrzWeight;
    if (rule.card_text && card_text) s += kCardTextWeight;
    c.score = std::min(1.0, s);
    candidates.push_back(c);
  }
  const double best_title =
      std::max_element(candidates.begin(), candidates.end(), [](const auto& a, const auto& b) {
        return a.title < b.title;
      })->title;
  out.has_title = best_title >= kTitleFound;
  if (!out.has_title) {
    // A page without any title may continue a multi-page document.
    for (auto& c : candidates) {
      if (!c.rule->has_continuation) continue;
      const int hits = continuation_hits(page, *c.rule);
      if (hits >= c.rule->continuation.min_hits) {
        const double s = 0.5 + 0.05 * std::min(hits, 8);
        if (s > c.score) {
          c.score = s;
          c.continuation = true;
        }
      }
    }
  }
  std::sort(candidates.begin(), candidates.end(),
            [](const auto& a, const auto& b) { return a.score > b.score; });
  const Candidate& best = candidates.front();
  out.page_class = best.rule->id;
  out.score = best.score;
  out.margin = candidates.size() > 1 ? best.score - candidates[1].score : best.score;
  out.continuation = best.continuation;
  if (best.score < rules.min_class_score) {
    out.flags.push_back({"class-unknown", "no page class fits (best: " + best.rule->id +
                                              ", score " + std::to_string(best.score).substr(0, 4) +
                                              ")"});
  } else if (best.score < rules.review_below_score || out.margin < 0.1) {
    out.flags.push_back({"class-uncertain", "page class " + best.rule->id + " chosen with score " +
                                                std::to_string(best.score).substr(0, 4) +
                                                ", margin " +
                                                std::to_string(out.margin).substr(0, 4)});
  }

  // A class that carries a QR the normal pass missed: try harder before giving up.
  const ClassRule& rule = *best.rule;
  const bool qr_missing =
      (rule.qr == "dossier_code" && !out.dossier_code) || (rule.qr == "id_card" && !out.id_card);
  if (qr_missing && qr_image != nullptr) {
    for (int effort = 1; effort <= 2; ++effort) take_payloads(read_qr_codes(*qr_image, effort));
    if (input.gray != nullptr && input.gray != qr_image && !out.dossier_code && !out.id_card) {
      take_payloads(read_qr_codes(*input.gray, 0));
    }
  }

  // Fields: structured sources first, printed text otherwise.
  if (rule.mrz) ensure_mrz();
  for (const auto& field : rule.fields) {
    std::optional<std::string> value;
    if (field.from == "id_card" && out.id_card) {
      const auto& card = *out.id_card;
      if (field.type == ValueType::PersonalId) value = card.personal_id;
      if (field.type == ValueType::PersonName) value = card.name;
      if (field.type == ValueType::Date) value = card.birth.dd_mm_yyyy();
      if (field.type == ValueType::Sex) value = card.sex;
    } else if (field.from == "dossier_qr" && out.dossier_code) {
      value = out.dossier_code->text();
    }
    if (!value) value = extract_field(page, field);
    if (value) out.fields[field.name] = *value;
  }
  for (const auto& field : rule.fields) {
    if (field.type == ValueType::PersonalId && out.fields.count(field.name) > 0) {
      check_personal_id(catalog_, field.name, out.fields[field.name], out);
    }
  }

  if (rule.role == "receipt") {
    if (!out.dossier_code) {
      std::string printed;
      for (const auto& field : rule.fields) {
        if (field.type == ValueType::DossierCode) {
          if (auto v = extract_field(page, field)) printed = *v;
        }
      }
      out.flags.push_back(
          {"receipt-qr-unreadable",
           "receipt without a readable dossier-code QR" +
               (printed.empty() ? std::string()
                                : "; printed code reads " + printed + " (unverified)")});
    } else {
      for (const auto& field : rule.fields) {
        if (field.type != ValueType::DossierCode || field.labels.empty()) continue;
        auto printed = extract_field(page, field);
        if (printed && *printed != out.dossier_code->text()) {
          out.flags.push_back(
              {"field-disagreement",
               "dossier code: QR " + out.dossier_code->text() + " vs printed " + *printed});
        }
      }
    }
  }
  if (rule.qr == "id_card" && !out.id_card) {
    out.flags.push_back({"id-card-qr-unreadable",
                         "ID card copy without a readable QR; fields read from the printed text"});
  }
  if (out.mrz && !out.mrz->unreadable_checks.empty()) {
    std::string which;
    for (const auto& f : out.mrz->unreadable_checks) which += (which.empty() ? "" : ", ") + f;
    out.flags.push_back({"mrz-partly-unreadable", "MRZ check digit not readable for: " + which});
  }
  if (out.mrz && !out.mrz->checks_ok()) {
    std::string failed;
    for (const auto& f : out.mrz->failed_checks) failed += (failed.empty() ? "" : ", ") + f;
    out.flags.push_back({"mrz-check-failed", "MRZ check digit wrong for: " + failed});
  }
  if (rule.qr == "id_card") cross_check_id_card(page, rule, out);
  return out;
}

}  // namespace sohoa::understanding
