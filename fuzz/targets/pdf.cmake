sohoa_fuzz_target(fuzz_scan_pdf LIBS sohoa::pdf)
if(SOHOA_BUILD_FUZZERS)
  # Instrument our reader too, so libFuzzer sees coverage inside it (PoDoFo stays uninstrumented).
  target_compile_options(sohoa_pdf PRIVATE -fsanitize=fuzzer-no-link,address,undefined)
endif()
