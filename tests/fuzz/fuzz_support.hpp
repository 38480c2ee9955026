// Shared by the fuzz targets of tests/fuzz/ (each a libFuzzer target under the fuzz preset and a
// corpus replay test under the others; tests/fuzz/CMakeLists.txt). A reader is fed a file, so
// each input is written to a scratch file first. The accepted failures are those the CLI turns
// into one line and exit 1 (apps/main.cpp): a UserError, or a filesystem_error (a path the
// system refuses, named with its reason). Any other exception escapes the target, which
// libFuzzer reports as a crash, since the CLI would exit 70 ("internal error") for it.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "core/error.hpp"

namespace xbarsim::fuzz {

// Runs `read`; returns false when it failed as the CLI reports bad input (exit 1).
template <class Read>
bool as_the_cli_would(Read&& read) {
  try {
    read();
    return true;
  } catch (const UserError&) {
  } catch (const std::filesystem::filesystem_error&) {
  }
  return false;
}

// A scratch directory of this process, made on first use under $XBARSIM_FUZZ_SCRATCH when set
// (tools/fuzz.sh sets it and removes it afterwards: libFuzzer ends a crashing or hanging run
// without running atexit), else under /dev/shm when it exists (no disk traffic per input) or the
// temporary directory; removed at a normal exit.
inline const std::filesystem::path& scratch_dir() {
  static const std::filesystem::path dir = [] {
    const char* chosen = std::getenv("XBARSIM_FUZZ_SCRATCH");
    const std::filesystem::path base = chosen != nullptr ? std::filesystem::path(chosen)
                                       : std::filesystem::is_directory("/dev/shm")
                                           ? std::filesystem::path("/dev/shm")
                                           : std::filesystem::temp_directory_path();
    std::filesystem::create_directories(base);
    std::string name = (base / "xbarsim-fuzz-XXXXXX").string();
    if (::mkdtemp(name.data()) == nullptr)
      throw std::runtime_error("cannot make a scratch directory under " + base.string());
    static const std::filesystem::path made = name;
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(made, ec);
    });
    return made;
  }();
  return dir;
}

// Replaces `file` with the `size` bytes at `data`.
inline void write_bytes(const std::filesystem::path& file, const std::uint8_t* data, std::size_t size) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  if (!out) throw std::runtime_error("cannot write the scratch file " + file.string());
}

// The directory named by the environment variable XBARSIM_FUZZ_SEEDS, where a target whose seeds
// are made by this build (a checkpoint, a weights file) writes them at start-up; empty when unset.
inline std::filesystem::path seed_dir() {
  const char* dir = std::getenv("XBARSIM_FUZZ_SEEDS");
  return dir == nullptr ? std::filesystem::path() : std::filesystem::path(dir);
}

}  // namespace xbarsim::fuzz
