// Validates JSON files against one of xbarsim's JSON Schemas (core/json_schema.hpp): the golden
// regression runs (run.sh) check every report.json they write, the points' of a sweep or
// comparison included, against docs/schemas/report.schema.json.
//
// Usage: schema_check SCHEMA.json FILE.json...   (exit 1 and one line per violation if any)
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "core/json_schema.hpp"

namespace {

nlohmann::json read(const char* file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error(std::string(file) + ": cannot read");
  std::stringstream s;
  s << in.rdbuf();
  return nlohmann::json::parse(s.str());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: schema_check SCHEMA.json FILE.json...\n");
    return 2;
  }
  try {
    const xbarsim::JsonSchema schema(read(argv[1]));
    int bad = 0;
    for (int i = 2; i < argc; ++i) {
      for (const auto& e : schema.validate(read(argv[i]))) {
        std::printf("%s: %s\n", argv[i], e.c_str());
        ++bad;
      }
    }
    return bad == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "schema_check: %s\n", e.what());
    return 2;
  }
}
