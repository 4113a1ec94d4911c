sohoa_fuzz_target(fuzz_exchange_package LIBS sohoa::exchange)
