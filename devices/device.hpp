// The synapse device interface: a stateless model over per-cell state that the crossbar array
// owns in one contiguous buffer (never one object per cell). See docs/architecture.md.
//
// How an array uses it:
//   auto dev = DeviceRegistry::instance().create(params.child("device"));
//   std::vector<CellState> cells(rows * cols * dev->devices_per_weight());
//   dev->initialize(cells, rng);                          // once, fresh devices
//   ProgramTally t = dev->program(cells, idx, target_S, opts, rng);   // only the cells to change
//   dev->read(cells, g_S, time_since_programming_s, rng);  // conductances with read noise
//   ledger.add(program_counter, t.pulses); ledger.add(verify_counter, t.verify_reads);
// with program_counter declared at energy_per_pulse_J(opts) and verify_counter at
// energy_per_verify_read_J(). Conductances are SI (S) everywhere; the weight <-> conductance
// mapping (offset, differential pair) belongs to the array.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/registry.hpp"
#include "core/rng.hpp"
#include "devices/capabilities.hpp"

namespace xbarsim::devices {

// The state of one physical device (one MTJ, one DW track, one PCM cell): 16 bytes, plain data,
// so an array of them is one contiguous buffer and copying it copies the device states.
// Field meaning per model (each model's header repeats what it uses):
//   g      conductance as programmed, S (before drift and read noise): every model.
//   u      model coordinate: DW wall position / track length in [0, 1]; PCM drift exponent nu
//          (dimensionless); unused (0) by MTJ and ideal.
//   q      per-cell noise coefficient fixed at programming: PCM 1/f read-noise factor Q
//          (dimensionless); unused (0) otherwise.
//   level  level index last targeted: DW pinning site (0 = G_min end), MTJ 0 = AP / 1 = P,
//          ideal quantized level; unused (0) by PCM.
struct CellState {
  float g = 0.0F;
  float u = 0.0F;
  float q = 0.0F;
  std::uint32_t level = 0;
};
static_assert(sizeof(CellState) == 16, "CellState must stay a 16-byte POD");

// How one program() call is carried out.
struct ProgramOptions {
  // Write-verify: after each attempt read the cell back and retry while
  // |G_read - G_target| > tolerance * (g_max - g_min), at most max_attempts attempts in all.
  bool verify = false;
  double tolerance = 0.0;  // fraction of the conductance range, >= 0
  int max_attempts = 1;    // >= 1; without verify exactly one attempt is made
  // MTJ only: write pulse current (A) and width (s); 0 selects the device card's default.
  double pulse_current_A = 0.0;
  double pulse_width_s = 0.0;
};

// What a batch of programming did, for the ledger (count x energy per action) and the timing.
struct ProgramTally {
  std::uint64_t program_events = 0;  // cells the call was asked to program
  std::uint64_t attempts = 0;        // programming attempts, retries included
  std::uint64_t pulses = 0;          // electrical write pulses (SET, RESET, spin-torque ...)
  std::uint64_t verify_reads = 0;    // read-backs of write-verify (and of refresh)
  std::uint64_t unconverged = 0;     // cells still outside tolerance after max_attempts (verify)
  double energy_J = 0.0;             // pulses x energy per pulse + verify_reads x energy per read
  double time_s = 0.0;               // serial device time (pulses x width + reads x read width)
  double wall_time_s = 0.0;          // s on the array's write drivers (arch::WriteSchedule; set by
                                     // the array, 0 from a device model)

  ProgramTally& operator+=(const ProgramTally& o) {
    program_events += o.program_events;
    attempts += o.attempts;
    pulses += o.pulses;
    verify_reads += o.verify_reads;
    unconverged += o.unconverged;
    energy_J += o.energy_J;
    time_s += o.time_s;
    wall_time_s += o.wall_time_s;
    return *this;
  }
};

// A synapse device model: maps per-cell state to conductance and programs it (stochastically).
// Every method is const and thread-compatible: state lives in the caller's buffers, randomness
// in the caller's Rng (one stream per tile).
class Device {
 public:
  virtual ~Device() = default;

  // Registered implementation name ("domain_wall", "mtj", "pcm", "ideal").
  virtual std::string_view name() const = 0;
  // Number of programmable discrete levels; 0 for an analog device (PCM, continuous ideal).
  virtual int levels() const = 0;
  // Lowest and highest programmable conductance, S; g_min() < g_max().
  virtual double g_min() const = 0;
  virtual double g_max() const = 0;
  // Nominal conductance of level k, S. Precondition: levels() > 0 and 0 <= k < levels().
  virtual double level_conductance(int k) const = 0;
  // Physical devices per weight that the array should allocate (1, or 2 for a differential /
  // ternary pair: weight ~ G(plus) - G(minus)).
  virtual int devices_per_weight() const = 0;

  // Puts every cell into its fresh, as-fabricated state (lowest conductance, no drift).
  virtual void initialize(std::span<CellState> cells, Rng& rng) const = 0;

  // Deterministic conductance at `time_s` seconds after the cells were programmed (drift only,
  // no read noise), S. Precondition: g_out.size() == cells.size(), time_s >= 0.
  virtual void conductance(std::span<const CellState> cells, std::span<float> g_out, double time_s) const = 0;
  // One read of every cell: conductance() plus read noise where the model has it, S.
  // Precondition: g_out.size() == cells.size(), time_s >= 0.
  virtual void read(std::span<const CellState> cells, std::span<float> g_out, double time_s, Rng& rng) const = 0;
  // True when read() can differ from conductance(), i.e. reads must be redrawn each time.
  virtual bool has_read_noise() const = 0;

  // Programs cells[cell_index[i]] toward target_S[i] (S; discrete devices aim at the nearest
  // level). Stochastic; with opts.verify retries until within tolerance. Only the listed cells
  // are touched. When `attempts` is not empty it receives each listed cell's programming attempts
  // (saturating at 65535): one call's cells share the options, so a cell's pulses and verify
  // reads, and its device time, are its attempts times the same per-attempt figures (the array
  // schedules its write drivers from them). Preconditions: cell_index.size() == target_S.size(),
  // every index < cells.size(), opts.max_attempts >= 1, opts.tolerance >= 0, attempts empty or
  // of cell_index.size().
  ProgramTally program(std::span<CellState> cells, std::span<const std::uint32_t> cell_index,
                       std::span<const float> target_S, const ProgramOptions& opts, Rng& rng,
                       std::span<std::uint16_t> attempts = {}) const {
    return do_program(cells, cell_index, target_S, opts, rng, attempts);
  }

  // Energy of one write pulse with these options, J (what ProgramTally::energy_J charges per
  // pulse) and of one verify read, J.
  virtual double energy_per_pulse_J(const ProgramOptions& opts) const = 0;
  virtual double energy_per_verify_read_J() const = 0;
  // Duration of one write pulse and of one verify read, s.
  virtual double pulse_width_s(const ProgramOptions& opts) const = 0;
  virtual double read_pulse_width_s() const = 0;
  // The voltage a read drives across a cell, V (the card's read_voltage): the chip's DACs drive
  // the rows at this voltage.
  virtual double read_voltage_V() const = 0;

  // Applies the disturbance of `reads_per_cell` reads to every cell (MTJ read disturb);
  // returns how many cells changed. Default: reads do not disturb.
  virtual std::uint64_t read_disturb(std::span<CellState> cells, std::uint32_t reads_per_cell, Rng& rng) const {
    (void)cells;
    (void)reads_per_cell;
    (void)rng;
    return 0;
  }

  // --- Capabilities (devices/capabilities.hpp): nullptr when the model lacks the ability. ---
  // The returned object lives as long as the device.
  virtual const PulseUpdate* pulse_update() const { return nullptr; }
  virtual const PairRefresh* pair_refresh() const { return nullptr; }
  virtual const PulseDepression* pulse_depression() const { return nullptr; }
  virtual const DriftReadout* drift_readout() const { return nullptr; }
  virtual const StochasticSwitching* stochastic_switching() const { return nullptr; }
  virtual const TernaryPair* ternary_pair() const { return nullptr; }

  // Index of the level nearest to conductance g_S (S). Precondition: levels() > 0.
  int nearest_level(double g_S) const;
  // level_conductance(k) for k = 0 .. levels() - 1 (empty for a continuous device), for callers
  // that look levels up often (CrossbarArray caches them).
  std::vector<double> level_conductances() const;

 protected:
  // program(): the model's programming of the listed cells (attempts as program() documents).
  virtual ProgramTally do_program(std::span<CellState> cells, std::span<const std::uint32_t> cell_index,
                                  std::span<const float> target_S, const ProgramOptions& opts, Rng& rng,
                                  std::span<std::uint16_t> attempts) const = 0;
};

// Index of the entry of `level_g` nearest to g_S (the first of equally near ones).
// Precondition: level_g is not empty.
int nearest_level_of(std::span<const double> level_g, double g_S);

// Name -> factory; `DeviceRegistry::instance().create(section)` reads `impl:`.
using DeviceRegistry = ::xbarsim::Registry<Device>;

}  // namespace xbarsim::devices
