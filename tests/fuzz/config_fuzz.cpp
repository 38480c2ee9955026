// Fuzz target: the YAML configuration reader, whole: `xbarsim validate FILE` (strict YAML,
// includes of the shipped cards, every model's keys, units and ranges; sweep and compare files
// expanded into their points). The input is written as configs/input/input.yaml of a scratch
// tree whose other folders are links to the shipped configs/, so that relative includes
// (../arch/tile128.yaml) resolve as they do for a shipped file. Accepted outcomes: "ok", or a
// UserError (one line, exit 1 in the CLI).
#include <cstdint>
#include <string>
#include <vector>

#include "apps/commands.hpp"
#include "core/error.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

const std::filesystem::path& input_file() {
  static const std::filesystem::path file = [] {
    const std::filesystem::path configs = xbarsim::fuzz::scratch_dir() / "configs";
    std::filesystem::create_directories(configs / "input");
    for (const auto& entry : std::filesystem::directory_iterator(XBARSIM_SOURCE_DIR "/configs")) {
      if (entry.is_directory())
        std::filesystem::create_directory_symlink(entry.path(), configs / entry.path().filename());
    }
    return configs / "input" / "input.yaml";
  }();
  return file;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  xbarsim::fuzz::write_bytes(input_file(), data, size);
  (void)xbarsim::fuzz::as_the_cli_would([&] { (void)xbarsim::apps::validate_command({input_file().string()}); });
  return 0;
}
