# Helpers that give every library, binary and test the same shape.
#
#   outpost_library(core SOURCES a.cpp b.cpp DEPS fmt::fmt [ASIO])
#     -> static library outpost_<name>, public headers from include/, alias outpost::<name>.
#        ASIO marks code that includes Asio/Beast: it gets the Asio precompiled header.
#        PIC marks what the SDK's shared library (src/client) links: position-independent,
#        and without the shared precompiled headers (they are built for executables).
#   outpost_executable(outpost-hub SOURCES main.cpp DEPS outpost::hub)
#   outpost_unit_test(core_tests SOURCES ... DEPS ...)   -- label "unit": also runs under sanitizers
#   outpost_integration_test(hub_it SOURCES ... DEPS ...) -- label "integration": real peers
#   outpost_use_private_headers(core_tests core)  -- a test of a library's internals sees its folder

set(OUTPOST_INCLUDE_DIR ${CMAKE_SOURCE_DIR}/include)

function(_outpost_pch target kind)
  if(NOT OUTPOST_PCH)
    return()
  endif()
  if(kind STREQUAL "ASIO")
    target_precompile_headers(${target} REUSE_FROM outpost_pch_asio)
  else()
    target_precompile_headers(${target} REUSE_FROM outpost_pch_base)
  endif()
endfunction()

function(outpost_library name)
  cmake_parse_arguments(A "ASIO;PIC" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(outpost_${name} STATIC ${A_SOURCES})
  add_library(outpost::${name} ALIAS outpost_${name})
  target_include_directories(outpost_${name}
    PUBLIC ${OUTPOST_INCLUDE_DIR}
    PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  # Private headers: found only from the library itself (and tests that ask for them).
  set_target_properties(outpost_${name} PROPERTIES OUTPOST_PRIVATE_INCLUDE_DIR ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(outpost_${name} PUBLIC ${A_DEPS} PRIVATE ${A_PRIVATE_DEPS})
  if(A_PIC)
    set_target_properties(outpost_${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  elseif(A_ASIO)
    _outpost_pch(outpost_${name} ASIO)
  else()
    _outpost_pch(outpost_${name} BASE)
  endif()
endfunction()

function(outpost_executable name)
  cmake_parse_arguments(A "ASIO" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${A_SOURCES})
  target_include_directories(${name} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(${name} PRIVATE ${A_DEPS})
  if(A_ASIO)
    _outpost_pch(${name} ASIO)
  else()
    _outpost_pch(${name} BASE)
  endif()
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bin)
endfunction()

include(GoogleTest)
function(_outpost_test name label)
  cmake_parse_arguments(A "ASIO" "TIMEOUT;RESOURCE_LOCK" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${A_SOURCES})
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/tests)
  target_link_libraries(${name} PRIVATE ${A_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE
    OUTPOST_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
    OUTPOST_BINARY_DIR="${CMAKE_BINARY_DIR}")
  if(A_ASIO)
    _outpost_pch(${name} ASIO)
  else()
    _outpost_pch(${name} BASE)
  endif()
  if(NOT A_TIMEOUT)
    set(A_TIMEOUT 120)
  endif()
  set(_environment "")
  if(OUTPOST_SANITIZE)
    set(_environment ENVIRONMENT "LSAN_OPTIONS=suppressions=${CMAKE_SOURCE_DIR}/tests/sanitizers/lsan.supp")
  elseif(OUTPOST_TSAN)
    set(_environment ENVIRONMENT "TSAN_OPTIONS=suppressions=${CMAKE_SOURCE_DIR}/tests/sanitizers/tsan.supp")
  endif()
  set(_lock "")
  if(A_RESOURCE_LOCK)
    set(_lock RESOURCE_LOCK ${A_RESOURCE_LOCK})
  endif()
  gtest_discover_tests(${name}
    DISCOVERY_MODE PRE_TEST
    PROPERTIES LABELS ${label} TIMEOUT ${A_TIMEOUT} ${_environment} ${_lock}
    EXTRA_ARGS --gtest_color=no)
endfunction()

function(outpost_unit_test name)
  _outpost_test(${name} unit ${ARGN})
endfunction()

function(outpost_integration_test name)
  if(OUTPOST_UNIT_ONLY)
    return()
  endif()
  _outpost_test(${name} integration ${ARGN})
endfunction()

# A test (or tool) that exercises a library's internals includes its private headers by plain
# name; this puts that library's folder (src/<lib>) on the target's include path.
function(outpost_use_private_headers target)
  foreach(lib IN LISTS ARGN)
    target_include_directories(${target} PRIVATE $<TARGET_PROPERTY:outpost_${lib},OUTPOST_PRIVATE_INCLUDE_DIR>)
  endforeach()
endfunction()
