// The phases of a chip's life that the ledger charges separately. Every ledger path starts with
// the phase's name ("inference/layer0/tile3_1/adc"); the parts keep one set of counters per
// phase, indexed by the enum, so an operation never compares or looks up a string.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace xbarsim::arch {

enum class Phase {
  kProgramming,        // writing a network's weights into the arrays
  kCalibration,        // setting the converter ranges from calibration images
  kInference,          // classifying images
  kForward,            // training: the forward wave of a mini-batch
  kBackward,           // training: the error wave through the transposed arrays
  kUpdate,             // training: programming the weight updates
  kDriftReference,     // drift compensation: the readout right after programming
  kDriftCompensation,  // drift compensation: the readout at inference time
};

inline constexpr std::size_t kPhaseCount = 8;

// The phase's name as it appears in ledger paths and reports.
constexpr std::string_view name(Phase phase) {
  constexpr std::array<std::string_view, kPhaseCount> kNames = {"programming",     "calibration",       "inference",
                                                                "forward",         "backward",          "update",
                                                                "drift_reference", "drift_compensation"};
  return kNames[static_cast<std::size_t>(phase)];
}

constexpr std::size_t index(Phase phase) { return static_cast<std::size_t>(phase); }

// Drift-compensation readouts: one row at a time through the ADC set to the one-row range.
constexpr bool is_drift_readout(Phase phase) {
  return phase == Phase::kDriftReference || phase == Phase::kDriftCompensation;
}

}  // namespace xbarsim::arch
