sohoa_fuzz_target(fuzz_verify LIBS sohoa::signing)
