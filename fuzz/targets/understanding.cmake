sohoa_fuzz_target(fuzz_identifiers LIBS sohoa::understanding)
