# Helpers shared by every CMakeLists.txt of the project.

# pasar_test(NAME sources... LIBS libs... [LABELS labels...])
# A Catch2 v2 test binary registered with ctest, one ctest entry per TEST_CASE.
# Name it by what it needs: foo_test (pure), foo_pgtest (PostgreSQL), foo_redistest (Redis),
# foo_e2etest (real service binaries). Tests needing servers read PASAR_TEST_PG /
# PASAR_TEST_REDIS and FAIL when those are missing or unreachable.
function(pasar_test name)
  cmake_parse_arguments(T "SERIAL" "" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE Catch2::Catch2WithMain ${T_LIBS})
  set(props "")
  if(T_SERIAL)
    list(APPEND props RUN_SERIAL TRUE)
  endif()
  if(T_LABELS)
    list(APPEND props LABELS "${T_LABELS}")
  endif()
  catch_discover_tests(${name} TEST_PREFIX "${name}: " PROPERTIES ${props} TIMEOUT 300)
endfunction()

# pasar_embed_migrations(TARGET dir NAMESPACE ns)
# Turns dir/NNNN_name.sql into a generated source defining
#   std::vector<pasar::pg::Migration> ns::Migrations();
# declared by the caller; linked into TARGET. Binaries then carry their own schema.
function(pasar_embed_migrations target dir ns)
  file(GLOB sql_files CONFIGURE_DEPENDS ${dir}/*.sql)
  list(SORT sql_files)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${target}_migrations.cc)
  # The list goes to the script as one argument: its ';' must survive the shell (VERBATIM).
  string(REPLACE ";" "$<SEMICOLON>" files_arg "${sql_files}")
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DOUT=${out} -DNS=${ns} "-DFILES=${files_arg}"
            -P ${PROJECT_SOURCE_DIR}/cmake/EmbedMigrations.cmake
    DEPENDS ${sql_files} ${PROJECT_SOURCE_DIR}/cmake/EmbedMigrations.cmake
    COMMENT "Embedding migrations of ${target}"
    VERBATIM)
  target_sources(${target} PRIVATE ${out})
endfunction()

# pasar_embed_files(TARGET dir NAMESPACE ns)
# Embeds every file under dir (text: HTML, JS, CSS) into a generated source defining
#   const std::map<std::string, std::string>& ns::EmbeddedFiles();  // path relative to dir
# declared by the caller; linked into TARGET. The binary then serves them without a folder.
function(pasar_embed_files target dir ns)
  file(GLOB_RECURSE files CONFIGURE_DEPENDS ${dir}/*)
  list(SORT files)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${target}_files.cc)
  string(REPLACE ";" "$<SEMICOLON>" files_arg "${files}")
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DOUT=${out} -DNS=${ns} -DBASE=${dir} "-DFILES=${files_arg}"
            -P ${PROJECT_SOURCE_DIR}/cmake/EmbedFiles.cmake
    DEPENDS ${files} ${PROJECT_SOURCE_DIR}/cmake/EmbedFiles.cmake
    COMMENT "Embedding the files of ${target}"
    VERBATIM)
  target_sources(${target} PRIVATE ${out})
endfunction()
