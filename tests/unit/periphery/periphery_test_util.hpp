// Helpers for the periphery tests: build a part from YAML text and locate the source tree.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "core/error.hpp"
#include "core/params.hpp"
#include "periphery/adc.hpp"

namespace xbarsim::periphery::testing {

// The repository root (CMake defines XBARSIM_SOURCE_DIR for every unit suite).
inline std::filesystem::path source_root() { return std::filesystem::path(XBARSIM_SOURCE_DIR); }

// Runs `build` and returns the ConfigError message ("" and a test failure when none is thrown).
// The ADC an `adc:` flow map describes, at `node`, every key read.
inline std::unique_ptr<Adc> make_adc(const std::string& yaml, const std::string& node = "22nm",
                                     const AdcContext& ctx = {}) {
  const Params root = Params::from_string(yaml, "<test>");
  auto adc = AdcRegistry::instance().create(root.child("adc"), TechNode::builtin(node), ctx);
  root.check_all_read();
  return adc;
}

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
