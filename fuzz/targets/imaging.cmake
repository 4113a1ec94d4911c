sohoa_fuzz_target(fuzz_image_decode LIBS sohoa::imaging)
