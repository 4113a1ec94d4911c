#include "pdfa_metadata.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "pdf_syntax.hpp"

namespace sohoa::pdf::detail {

DocumentDates format_dates(std::chrono::system_clock::time_point when, int utc_offset_minutes) {
  // Offsets beyond +-14 h do not exist; clamp rather than write an invalid date.
  utc_offset_minutes = std::clamp(utc_offset_minutes, -14 * 60, 14 * 60);
  const auto seconds = std::chrono::floor<std::chrono::seconds>(when.time_since_epoch()).count();
  const std::time_t local = static_cast<std::time_t>(seconds + utc_offset_minutes * 60LL);
  std::tm fields{};
  gmtime_r(&local, &fields);
  const char sign = utc_offset_minutes < 0 ? '-' : '+';
  const int offset_hours = std::abs(utc_offset_minutes) / 60;
  const int offset_minutes = std::abs(utc_offset_minutes) % 60;
  char pdf[64];
  char xmp[64];
  std::snprintf(pdf, sizeof pdf, "D:%04d%02d%02d%02d%02d%02d%c%02d'%02d'", fields.tm_year + 1900,
                fields.tm_mon + 1, fields.tm_mday, fields.tm_hour, fields.tm_min, fields.tm_sec,
                sign, offset_hours, offset_minutes);
  std::snprintf(xmp, sizeof xmp, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", fields.tm_year + 1900,
                fields.tm_mon + 1, fields.tm_mday, fields.tm_hour, fields.tm_min, fields.tm_sec,
                sign, offset_hours, offset_minutes);
  return {pdf, xmp};
}

std::string info_dictionary(const DocumentInfo& info, const std::string& producer,
                            const DocumentDates& dates) {
  std::string dict = "<<";
  auto add = [&dict](const char* key, const std::string& value) {
    if (value.empty()) return;
    dict += " /";
    dict += key;
    dict += ' ';
    dict += pdf_text_string(value);
  };
  add("Title", info.title);
  add("Author", info.author);
  add("Subject", info.subject);
  add("Keywords", info.keywords);
  add("Creator", info.creator);
  add("Producer", producer);
  dict += " /CreationDate " + pdf_literal_string(dates.pdf);
  dict += " /ModDate " + pdf_literal_string(dates.pdf);
  dict += " >>";
  return dict;
}

std::string xmp_packet(PdfALevel level, const DocumentInfo& info, const std::string& producer,
                       const DocumentDates& dates) {
  const bool part1 = level == PdfALevel::A1b;
  const char* conformance = level == PdfALevel::A2u ? "U" : "B";
  // Namespaces are declared on rdf:Description: PDFBox Preflight reports
  // "Schema is not set" when they are declared on the property elements.
  std::string x =
      "<?xpacket begin=\"\xEF\xBB\xBF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
      "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n"
      " <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n"
      "  <rdf:Description rdf:about=\"\"\n"
      "    xmlns:pdfaid=\"http://www.aiim.org/pdfa/ns/id/\"\n"
      "    xmlns:dc=\"http://purl.org/dc/elements/1.1/\"\n"
      "    xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\"\n"
      "    xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\">\n";
  x += std::string("   <pdfaid:part>") + (part1 ? "1" : "2") + "</pdfaid:part>\n";
  x += std::string("   <pdfaid:conformance>") + conformance + "</pdfaid:conformance>\n";
  x += "   <dc:format>application/pdf</dc:format>\n";
  if (!info.title.empty()) {
    x += "   <dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">" + xml_escape(info.title) +
         "</rdf:li></rdf:Alt></dc:title>\n";
  }
  if (!info.author.empty()) {
    x += "   <dc:creator><rdf:Seq><rdf:li>" + xml_escape(info.author) +
         "</rdf:li></rdf:Seq></dc:creator>\n";
  }
  if (!info.subject.empty()) {
    x += "   <dc:description><rdf:Alt><rdf:li xml:lang=\"x-default\">" + xml_escape(info.subject) +
         "</rdf:li></rdf:Alt></dc:description>\n";
  }
  if (!info.keywords.empty()) {
    x += "   <pdf:Keywords>" + xml_escape(info.keywords) + "</pdf:Keywords>\n";
  }
  x += "   <pdf:Producer>" + xml_escape(producer) + "</pdf:Producer>\n";
  if (!info.creator.empty()) {
    x += "   <xmp:CreatorTool>" + xml_escape(info.creator) + "</xmp:CreatorTool>\n";
  }
  x += "   <xmp:CreateDate>" + dates.xmp + "</xmp:CreateDate>\n";
  x += "   <xmp:ModifyDate>" + dates.xmp + "</xmp:ModifyDate>\n";
  x += "   <xmp:MetadataDate>" + dates.xmp + "</xmp:MetadataDate>\n";
  x += "  </rdf:Description>\n";
  x += info.extra_xmp;
  x += " </rdf:RDF>\n"
       "</x:xmpmeta>\n";
  // Padding lets a later tool edit the packet in place.
  for (int i = 0; i < 20; ++i) x += std::string(99, ' ') + "\n";
  x += "<?xpacket end=\"w\"?>";
  return x;
}

}  // namespace sohoa::pdf::detail
