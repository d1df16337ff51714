# cmake -P embed_files.cmake: writes a C++ source with the bytes of each file as an array and
# a table of them (path, bytes, SHA-256), so a binary serves them without files on disk.
#   -DBASE_DIR=<folder the paths are relative to> -DFILES=<a|b/c|...> -DOUTPUT=<file.cpp>
#   -DHEADER=<header declaring EmbeddedFile> -DNAMESPACE=<ns> -DFUNCTION=<name of the table>
# Run at build time by outpost_embed_files() (OutpostEmbed.cmake); no tool beyond CMake.
foreach(var BASE_DIR FILES OUTPUT HEADER NAMESPACE FUNCTION)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "embed_files.cmake: -D${var}= is required")
  endif()
endforeach()
string(REPLACE "|" ";" files "${FILES}")
# CMake's regular expressions have no {n}: spell out the 24 bytes of one line.
string(REPEAT "0x[0-9a-f][0-9a-f]," 24 line_pattern)
set(arrays "")
set(table "")
set(index 0)
foreach(path IN LISTS files)
  file(READ "${BASE_DIR}/${path}" hex HEX)
  file(SHA256 "${BASE_DIR}/${path}" sha)
  string(LENGTH "${hex}" hex_length)
  math(EXPR size "${hex_length} / 2")
  # Every byte as 0xNN, 24 to a line; a trailing 0 keeps an empty file a valid array.
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  string(REGEX REPLACE "(${line_pattern})" "\\1\n    " bytes "${bytes}")
  string(APPEND arrays "const unsigned char k${index}[] = {\n    ${bytes}0x00};\n")
  string(APPEND table "      {\"${path}\", {reinterpret_cast<const char*>(k${index}), ${size}}, \"${sha}\"},\n")
  math(EXPR index "${index} + 1")
endforeach()
set(text "// Generated at build time by cmake/embed_files.cmake from ${BASE_DIR}; do not edit.
#include \"${HEADER}\"

namespace ${NAMESPACE} {
namespace {
${arrays}}  // namespace

std::span<const EmbeddedFile> ${FUNCTION}() {
  static const EmbeddedFile files[] = {
${table}  };
  return files;
}

}  // namespace ${NAMESPACE}
")
# Rewrite only on change, so an unchanged set does not recompile.
if(EXISTS "${OUTPUT}")
  file(READ "${OUTPUT}" old)
  if(old STREQUAL text)
    return()
  endif()
endif()
file(WRITE "${OUTPUT}" "${text}")
