// Device capabilities: optional abilities a synapse model may offer beyond the Device interface
// (programming toward a target, reading). A Device exposes each through a virtual accessor that
// returns nullptr when the model lacks it (Device::pulse_update() ...), so the chip and the
// training rules ask for an ability, never for a concrete model: a new device offering an
// ability needs no edit outside devices/.
//
// Like Device, every capability is stateless and const: per-cell state lives in the caller's
// CellState buffers, randomness in the caller's Rng. Conductances are in S.
#pragma once

#include <cstdint>
#include <span>

#include "core/rng.hpp"

namespace xbarsim::devices {

struct CellState;
struct ProgramTally;

// Incremental potentiation by identical pulses (PCM SET pulses, Nandakumar et al., Front.
// Neurosci. 14:406, 2020): each pulse raises a device's conductance by a random step whose mean
// and spread depend on the conductance it starts from. One-directional: conductance only grows.
class PulseUpdate {
 public:
  virtual ~PulseUpdate() = default;
  // Applies n_pulses[i] pulses to cells[cell_index[i]]. Preconditions: cell_index.size() ==
  // n_pulses.size(), every index < cells.size(). Returns the tally (pulses, energy, serial time).
  virtual ProgramTally apply_pulses(std::span<CellState> cells, std::span<const std::uint32_t> cell_index,
                                    std::span<const std::uint16_t> n_pulses, Rng& rng) const = 0;
  // Mean conductance increase of one pulse on a device at conductance g_S, S (g_S in
  // [g_min, g_max] of the device).
  virtual double mean_step_S(double g_S) const = 0;
  // Standard deviation of that increase (cycle-to-cycle noise), S; >= 0.
  virtual double step_std_S(double g_S) const = 0;
};

// Incremental depression by identical pulses (RRAM RESET pulses; the LTD half of NeuroSim's
// online learning, P.-Y. Chen, X. Peng, S. Yu, IEEE TCAD 37(12), 3067 (2018)): each pulse lowers
// a device's conductance by a step that depends on the conductance it starts from. A device
// offering it beside PulseUpdate can be updated in both directions, one device per weight.
class PulseDepression {
 public:
  virtual ~PulseDepression() = default;
  // Applies n_pulses[i] depression pulses to cells[cell_index[i]]. Preconditions as
  // PulseUpdate::apply_pulses. Returns the tally (pulses, energy, serial time).
  virtual ProgramTally apply_depression_pulses(std::span<CellState> cells, std::span<const std::uint32_t> cell_index,
                                               std::span<const std::uint16_t> n_pulses, Rng& rng) const = 0;
  // Mean conductance decrease (> 0) of one depression pulse on a device at conductance g_S, S.
  virtual double mean_depression_step_S(double g_S) const = 0;
};

// Refresh of differential pairs whose two devices have both grown (one-directional devices run
// out of range as updates accumulate on both sides; Nandakumar et al. 2020).
class PairRefresh {
 public:
  virtual ~PairRefresh() = default;
  // Checks the pairs (plus[i], minus[i]) for i in pair_index and refreshes those that need it
  // (the model decides which, and how the difference is rewritten). Preconditions: every index
  // < plus.size() and < minus.size(). The tally's program_events counts the pairs refreshed;
  // its verify_reads the reads of the rewrite (the caller charges the check's own reads).
  virtual ProgramTally refresh(std::span<CellState> plus, std::span<CellState> minus,
                               std::span<const std::uint32_t> pair_index, Rng& rng) const = 0;
};

// Global drift compensation readout (Joshi et al., Nat. Commun. 11, 2473, 2020; aihwkit
// GlobalDriftCompensation): one scale per crossbar, alpha = r_ref / r_now, from the readout r of
// the same fixed input read right after programming (r_ref) and at inference time (r_now).
class DriftReadout {
 public:
  virtual ~DriftReadout() = default;
  // The readout r of the outputs `out` (A) of the fixed input; >= 0.
  virtual double readout(std::span<const float> out) const = 0;
  // The scale the outputs get at inference time (dimensionless), from the two readouts (A).
  virtual double compensation_scale(double reference_readout, double now_readout) const = 0;
};

// Joshi et al.'s readout, r = sum |y|, and alpha = r_ref / r_now (1 when r_now <= 0). The one a
// chip uses for a device that declares no readout of its own (the readout is a property of the
// compensation scheme, not of the device physics).
class GlobalDriftReadout final : public DriftReadout {
 public:
  double readout(std::span<const float> out) const override;
  double compensation_scale(double reference_readout, double now_readout) const override;
};

// Stochastic switching of a binary device by a write pulse whose width sets the switching
// probability (MTJ spin-torque switching; Greenberg-Toledo et al., arXiv:1912.12636).
class StochasticSwitching {
 public:
  virtual ~StochasticSwitching() = default;
  // Pulse width, s, at current_A (A, > 0) that switches with probability p in [0, 1); 0 when
  // even a zero-width pulse reaches p.
  virtual double pulse_width_for_probability(double p, double current_A) const = 0;
  // The card's default write current, A (> 0).
  virtual double default_write_current_A() const = 0;
};

// A ternary synapse of two binary devices (plus, minus): weight = level(plus) - level(minus) in
// {-1, 0, +1} (Greenberg-Toledo et al.; GXNOR of Deng et al., Neural Networks 100, 2018).
class TernaryPair {
 public:
  virtual ~TernaryPair() = default;
  // Weight of a pair in {-1, 0, +1}.
  virtual int pair_weight(const CellState& plus, const CellState& minus) const = 0;
  // One ternary step of `direction` (+1 or -1) on a pair whose devices are at levels
  // (plus_level, minus_level) (0 or 1): which device moves (0 = plus, 1 = minus) and the level
  // it goes to; the levels are updated to the state after the step. Returns false (nothing
  // moves) when the pair is already at the bound of that direction.
  virtual bool step(int direction, std::uint32_t& plus_level, std::uint32_t& minus_level, int& device,
                    std::uint32_t& to_level) const = 0;
};

}  // namespace xbarsim::devices
