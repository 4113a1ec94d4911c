# `sohoa sign` and `sohoa verify` (signing/); included by app/CMakeLists.txt.
target_sources(sohoa PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src/sign_command.cpp
                             ${CMAKE_CURRENT_SOURCE_DIR}/src/verify_command.cpp)
target_link_libraries(sohoa PRIVATE sohoa::signing)
target_compile_definitions(sohoa PRIVATE SOHOA_HAVE_SIGNING)
