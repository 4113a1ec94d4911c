# `sohoa scan` (scanners/); included by app/CMakeLists.txt.
target_sources(sohoa PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src/scan_command.cpp)
target_link_libraries(sohoa PRIVATE sohoa::scanners sohoa::imaging)
target_compile_definitions(sohoa PRIVATE SOHOA_HAVE_SCANNERS)
