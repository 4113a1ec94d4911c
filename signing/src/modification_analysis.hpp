#pragma once
// What changed between a signed revision and the final file, judged the way
// PAdES allows: later signatures, document time-stamps and /DSS are fine;
// anything that can change what is shown (content, resources, annotations, form
// values, replaced or resurrected objects, page tree) is a modification.

#include <vector>

#include "pdf_document.hpp"
#include "sohoa/signing/verify.hpp"

namespace sohoa::signing {

std::vector<Finding> find_modifications(pdf::Document& signed_revision, pdf::Document& final_file);

}  // namespace sohoa::signing
