// Shared programming loop of the device models: one attempt per cell, or write-verify (read back,
// retry while outside the tolerance, up to a maximum of attempts), with the tally it produces.
// Internal to devices/.
#pragma once

#include <cmath>
#include <cstdint>
#include <span>

#include "devices/device.hpp"

namespace xbarsim::devices::detail {

// Costs of one attempt and one verify read of a model (SI).
struct AttemptCost {
  double energy_per_pulse_J = 0.0;
  std::uint32_t pulses_per_attempt = 1;
  double pulse_width_s = 0.0;
  double energy_per_read_J = 0.0;
  double read_width_s = 0.0;
};

// resolve(float target_S) -> Goal; attempt(CellState&, const Goal&) performs one programming
// attempt; readback_error(const CellState&, const Goal&) -> |G_read - G_goal| in S.
// tolerance_S is the verify window in S. `attempts_out`, when not empty, receives each cell's
// attempts (Device::program).
template <class Resolve, class Attempt, class ReadbackError>
ProgramTally program_loop(std::span<CellState> cells, std::span<const std::uint32_t> cell_index,
                          std::span<const float> target_S, const ProgramOptions& opts,
                          std::span<std::uint16_t> attempts_out, double tolerance_S, const AttemptCost& cost,
                          Resolve&& resolve, Attempt&& attempt, ReadbackError&& readback_error) {
  ProgramTally t;
  const std::size_t n = cell_index.size();
  t.program_events = n;
  const int max_attempts = opts.verify ? (opts.max_attempts < 1 ? 1 : opts.max_attempts) : 1;
  std::uint64_t attempts = 0;
  std::uint64_t reads = 0;
  std::uint64_t unconverged = 0;
  for (std::size_t i = 0; i < n; ++i) {
    CellState& c = cells[cell_index[i]];
    const auto goal = resolve(target_S[i]);
    int a = 1;
    if (!opts.verify) {
      attempt(c, goal);
      ++attempts;
    } else {
      for (;; ++a) {
        attempt(c, goal);
        ++attempts;
        ++reads;
        if (readback_error(c, goal) <= tolerance_S) break;
        if (a >= max_attempts) {
          ++unconverged;
          break;
        }
      }
    }
    if (!attempts_out.empty()) attempts_out[i] = static_cast<std::uint16_t>(a < 65535 ? a : 65535);
  }
  t.attempts = attempts;
  t.pulses = attempts * cost.pulses_per_attempt;
  t.verify_reads = reads;
  t.unconverged = unconverged;
  t.energy_J =
      static_cast<double>(t.pulses) * cost.energy_per_pulse_J + static_cast<double>(reads) * cost.energy_per_read_J;
  t.time_s = static_cast<double>(t.pulses) * cost.pulse_width_s + static_cast<double>(reads) * cost.read_width_s;
  return t;
}

}  // namespace xbarsim::devices::detail
