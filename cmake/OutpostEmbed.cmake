# outpost_embed_files(<target> FOLDER <dir> HEADER <header> NAMESPACE <ns> FUNCTION <name>)
# Compiles every file under FOLDER into <target> as bytes (cmake/embed_files.cmake), listed by
# `std::span<const EmbeddedFile> <ns>::<name>()` with paths relative to FOLDER. Regenerated
# when a file changes, or when files are added or removed (CONFIGURE_DEPENDS).
function(outpost_embed_files target)
  cmake_parse_arguments(A "" "FOLDER;HEADER;NAMESPACE;FUNCTION" "" ${ARGN})
  file(GLOB_RECURSE absolute CONFIGURE_DEPENDS LIST_DIRECTORIES false "${A_FOLDER}/*")
  list(SORT absolute)
  set(relative "")
  foreach(f IN LISTS absolute)
    file(RELATIVE_PATH r "${A_FOLDER}" "${f}")
    list(APPEND relative "${r}")
  endforeach()
  list(JOIN relative "|" joined)
  set(output "${CMAKE_CURRENT_BINARY_DIR}/${A_FUNCTION}.cpp")
  add_custom_command(
    OUTPUT "${output}"
    COMMAND ${CMAKE_COMMAND} "-DBASE_DIR=${A_FOLDER}" "-DFILES=${joined}" "-DOUTPUT=${output}"
            "-DHEADER=${A_HEADER}" "-DNAMESPACE=${A_NAMESPACE}" "-DFUNCTION=${A_FUNCTION}"
            -P "${CMAKE_SOURCE_DIR}/cmake/embed_files.cmake"
    DEPENDS ${absolute} "${CMAKE_SOURCE_DIR}/cmake/embed_files.cmake"
    COMMENT "Embedding ${A_FOLDER} into ${target}"
    VERBATIM)
  target_sources(${target} PRIVATE "${output}")
endfunction()
