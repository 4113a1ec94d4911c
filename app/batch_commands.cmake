# `sohoa batch` (understanding/ + pipeline's batch job); included by app/CMakeLists.txt.
target_sources(sohoa PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src/batch_command.cpp)
target_link_libraries(sohoa PRIVATE sohoa::understanding)
target_compile_definitions(sohoa PRIVATE SOHOA_HAVE_BATCH)
