# `sohoa export` (exchange/ packages of registry dossiers); included by app/CMakeLists.txt.
target_sources(sohoa PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src/export_command.cpp)
target_link_libraries(sohoa PRIVATE sohoa::exchange sohoa::storage)
target_compile_definitions(sohoa PRIVATE SOHOA_HAVE_EXPORT)
