# `sohoa serve` (service/); included by app/CMakeLists.txt.
target_sources(sohoa PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src/serve_command.cpp)
target_link_libraries(sohoa PRIVATE sohoa::service)
target_compile_definitions(sohoa PRIVATE SOHOA_HAVE_SERVE)
