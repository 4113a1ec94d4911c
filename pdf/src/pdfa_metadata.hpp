#pragma once
// The document metadata written twice — in the Info dictionary and in the XMP
// packet — from one DocumentInfo, so the two always agree (PDF/A requires it).

#include <string>

#include "sohoa/pdf/pdfa_writer.hpp"

namespace sohoa::pdf::detail {

struct DocumentDates {
  std::string pdf;  // D:YYYYMMDDHHmmSS+07'00'
  std::string xmp;  // YYYY-MM-DDTHH:MM:SS+07:00
};

DocumentDates format_dates(std::chrono::system_clock::time_point when, int utc_offset_minutes);

// "<< /Title ... >>" with creation = modification date.
std::string info_dictionary(const DocumentInfo& info, const std::string& producer,
                            const DocumentDates& dates);

// A complete xpacket (UTF-8) declaring `level`.
std::string xmp_packet(PdfALevel level, const DocumentInfo& info, const std::string& producer,
                       const DocumentDates& dates);

}  // namespace sohoa::pdf::detail
