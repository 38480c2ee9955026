// Helpers for the periphery tests: build a part from YAML text and locate the source tree.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "core/error.hpp"
#include "core/params.hpp"

namespace xbarsim::periphery::testing {

// The repository root (CMake defines XBARSIM_SOURCE_DIR for every unit suite).
inline std::filesystem::path source_root() { return std::filesystem::path(XBARSIM_SOURCE_DIR); }

// Runs `build` and returns the ConfigError message ("" and a test failure when none is thrown).
template <class F>
std::string config_error(F&& build) {
  try {
    build();
  } catch (const ConfigError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a ConfigError";
  return "";
}

}  // namespace xbarsim::periphery::testing
