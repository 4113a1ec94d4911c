#pragma once
// Process exit codes, following OCRmyPDF's so scripts written for it carry over.

namespace sohoa::app {

constexpr int kExitOk = 0;
constexpr int kExitBadArgs = 1;    // the command line is wrong
constexpr int kExitInputFile = 2;  // an input was unreadable/invalid (others were processed)
constexpr int kExitMissingDependency = 3;  // e.g. Tesseract language data not installed
constexpr int kExitScannerFault = 4;       // scan: the scanner stopped (jam, cover open...); pages kept
constexpr int kExitFileAccess = 5;         // an output could not be written (or the disk is full)
constexpr int kExitSignatureInvalid = 6;   // verify: a signature is invalid, modified, or none
constexpr int kExitEncryptedPdf = 8;       // only encrypted PDFs failed
constexpr int kExitOther = 15;             // anything else

}  // namespace sohoa::app
