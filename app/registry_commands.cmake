# `sohoa audit verify` (storage/ registry); included by app/CMakeLists.txt.
target_sources(sohoa PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src/audit_command.cpp)
target_link_libraries(sohoa PRIVATE sohoa::storage)
target_compile_definitions(sohoa PRIVATE SOHOA_HAVE_AUDIT)
