# Compiler flags shared by every target. Keep them identical across targets:
# the precompiled headers are reused between targets only when the flags match.
# -Wshadow: a local that hides a member or parameter is how a fix lands in the wrong variable.
add_compile_options(-Wall -Wextra -Wshadow -Wno-missing-field-initializers)
# RelWithDebInfo (build/, the packages) with line tables only: backtraces, perf and sanitizer
# reports keep file:line, while full variable info (-g) was a third of the build's time.
if(CMAKE_CXX_FLAGS_RELWITHDEBINFO STREQUAL "-O2 -g -DNDEBUG")
  set(CMAKE_CXX_FLAGS_RELWITHDEBINFO "-O2 -g1 -DNDEBUG")
  set(CMAKE_C_FLAGS_RELWITHDEBINFO "-O2 -g1 -DNDEBUG")
endif()
# Daemons idle in a few MB: let the linker drop unused code and data, so fewer pages of the
# binaries are ever mapped in.
add_compile_options(-ffunction-sections -fdata-sections)
add_link_options(-Wl,--gc-sections)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # Boost 1.74 + g++ 12 produce these inside Boost/fmt headers; not ours.
  add_compile_options(-Wno-maybe-uninitialized)
  # In a unity batch every .cpp is an included file, and g++ then warns about any type with a
  # lambda or an anonymous-namespace type in it (coroutine frames of Asio accept loops): moot
  # when the "header" is included once.
  add_compile_options(-Wno-subobject-linkage)
endif()

# Asio and Beast are compiled once (src/asio/asio_impl.cpp), never inline in every file.
add_compile_definitions(
  BOOST_ASIO_SEPARATE_COMPILATION
  BOOST_BEAST_SEPARATE_COMPILATION
  BOOST_ASIO_NO_DEPRECATED
  BOOST_ASIO_DISABLE_BOOST_COROUTINE
  BOOST_ALL_NO_LIB
  # What Debian's spdlog/fmt CMake targets define; set for every target so the
  # precompiled headers (which include spdlog) match targets that do not link it.
  SPDLOG_FMT_EXTERNAL
  SPDLOG_COMPILED_LIB
  SPDLOG_SHARED_LIB
  FMT_SHARED)

if(OUTPOST_WERROR)
  # Only where the build is clean: g++ 12's -O2 gives false -Warray-bounds positives inside
  # std::string (char_traits.h), so build/ (RelWithDebInfo) warns but does not fail.
  add_compile_options(-Werror)
endif()
if(OUTPOST_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
if(OUTPOST_TSAN)
  # -Wno-tsan: Asio's fenced blocks use atomic_thread_fence, which TSan does not model; g++
  # warns in every Asio file. Asio's cross-thread hand-offs (post, dispatch) go through its
  # mutexes, which TSan does see.
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer -Wno-tsan)
  add_link_options(-fsanitize=thread)
endif()
if(OUTPOST_LIBFUZZER)
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
