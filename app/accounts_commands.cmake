# `sohoa account add` (service/ accounts); included by app/CMakeLists.txt.
target_sources(sohoa PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src/account_command.cpp)
target_link_libraries(sohoa PRIVATE sohoa::service)
target_compile_definitions(sohoa PRIVATE SOHOA_HAVE_ACCOUNTS)
