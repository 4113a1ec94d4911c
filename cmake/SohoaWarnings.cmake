# Warnings every sohoa target compiles with; third-party headers are SYSTEM includes.
add_library(sohoa_warnings INTERFACE)
target_compile_options(sohoa_warnings INTERFACE
  $<$<CXX_COMPILER_ID:GNU,Clang>:-Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
    -Wold-style-cast -Wcast-align -Woverloaded-virtual -Wconversion -Wno-sign-conversion>)

# sohoa_module(NAME SOURCES... [DEPS ...] [PRIVATE_DEPS ...]) declares one folder's library.
function(sohoa_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(sohoa_${name} STATIC ${ARG_SOURCES})
  add_library(sohoa::${name} ALIAS sohoa_${name})
  target_include_directories(sohoa_${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
  target_link_libraries(sohoa_${name} PUBLIC ${ARG_DEPS} PRIVATE sohoa_warnings ${ARG_PRIVATE_DEPS})
endfunction()
