# Run by pasar_embed_files: writes OUT, a C++ source defining NS::EmbeddedFiles(), the files
# FILES (relative to BASE) with their contents.
set(body "// Generated from ${BASE}. Do not edit.\n#include <map>\n#include <string>\n\nnamespace ${NS} {\nconst std::map<std::string, std::string>& EmbeddedFiles() {\n  static const auto* files = new std::map<std::string, std::string>{\n")
foreach(f ${FILES})
  file(RELATIVE_PATH rel ${BASE} ${f})
  file(READ ${f} content)
  string(FIND "${content}" ")__pasar_file__" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${f} contains the raw-string delimiter )__pasar_file__")
  endif()
  string(APPEND body "      {\"${rel}\", R\"__pasar_file__(${content})__pasar_file__\"},\n")
endforeach()
string(APPEND body "  };\n  return *files;\n}\n}  // namespace ${NS}\n")
file(WRITE ${OUT} "${body}")
