// One crossbar tile as a SystemC TLM-2.0 target with no thread of its own: b_transport runs a
// whole tile operation (DAC drive -> analog MVM -> ADC through the column mux -> shift-add),
// adds its latency to the transaction's delay (loosely timed) and counts every action in the
// ledger. Costs come from the periphery models; the array from arch/crossbar_array.
#pragma once

#include <tlm_utils/simple_target_socket.h>

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <systemc>
#include <tlm>
#include <tuple>

#include "arch/crossbar_array.hpp"
#include "arch/mapping.hpp"
#include "arch/phase.hpp"
#include "arch/tile_op.hpp"
#include "core/ledger.hpp"
#include "periphery/adc.hpp"
#include "periphery/dac.hpp"
#include "periphery/shift_add.hpp"
#include "periphery/write_driver.hpp"

namespace xbarsim::arch {

// The peripheral models the tiles of one layer use (owned by the chip; the ADC's input range is
// calibrated per layer).
struct TileParts {
  const periphery::Dac* dac = nullptr;
  const periphery::Adc* adc = nullptr;
  // Training: the signed DAC that drives the columns with errors, and the ADC (range) of the
  // transposed reads; null when the chip only infers.
  const periphery::Dac* dac_backward = nullptr;
  const periphery::Adc* adc_backward = nullptr;
  const periphery::ShiftAdd* shift_add = nullptr;
  const periphery::WriteDriver* write_driver = nullptr;
  double read_voltage = 0.5;            // V on a driven row
  double read_pulse = 10e-9;            // s, one array read
  double clock_period_s = 1e-9;         // s (ChipSpec::clock_period_s)
  long long read_cycles = 10;           // whole cycles of one array read (ChipSpec::read_cycles)
  double time_since_programming = 0.0;  // s, for drifting devices
  // Global drift compensation (ChipSpec::drift_compensation): the ADC setting of the one-row
  // readouts (Phase::kDriftReference, Phase::kDriftCompensation), and whether every forward
  // output is multiplied by the tile's own scale at drift_scale_energy per multiply.
  const periphery::Adc* adc_drift = nullptr;
  bool drift_scale_per_tile = false;
  double drift_scale_energy = 0.0;  // J

  // The converters of `phase`: the backward phase drives the columns with the error DAC and
  // reads the rows through the backward ADC (when the chip trains); the drift readouts convert
  // through the ADC set to the one-row range (when there is one); every other phase uses the
  // forward DAC and ADC.
  const periphery::Dac& dac_for(Phase phase) const;
  const periphery::Adc& adc_for(Phase phase) const;
};

class Tile : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<Tile> socket;

  // The tile's ledger path is its place in the module tree (ledger_path: module
  // "chip.layer0.tile3_1" -> "layer0/tile3_1"); its actions are declared under
  // PHASE/<path>/<part> for each phase the tile serves.
  Tile(const sc_core::sc_module_name& name, const TileSlice& slice, const ArrayGeometry& geometry,
       const devices::Device& device, const TileParts& parts, Ledger& ledger, std::uint64_t seed);

  const TileSlice& slice() const { return slice_; }
  CrossbarArray& array() { return array_; }
  const CrossbarArray& array() const { return array_; }

  // Cycles one image takes through an operation of `phase` (its converters, TileParts::dac_for
  // and adc_for) with `planes` input bit planes: planes x (max(read, DAC) + mux x ADC
  // conversion) + one shift-add, each in whole cycles.
  long long cycles_per_image(int planes, Phase phase = Phase::kInference) const;

  // Makes `phase` the current one: later operations charge its ledger actions (declared on the
  // first use of each phase).
  void set_phase(Phase phase);

  // Time since programming at which the next operations read the array, s (the chip's reads
  // right after programming and at inference time; TileParts::time_since_programming at first).
  void set_read_time(double seconds) { parts_.time_since_programming = seconds; }
  double read_time() const { return parts_.time_since_programming; }
  // Digital scale of this tile's forward outputs after the ADC (global drift compensation; 1
  // otherwise). Not applied in the readout phases themselves.
  void set_drift_scale(float alpha) { drift_scale_ = alpha; }
  float drift_scale() const { return drift_scale_; }

  // Checkpoint of the array's cells and this tile's random stream.
  void save_state(std::ostream& out) const;
  void load_state(std::istream& in);

 private:
  struct PhaseCounters {
    Ledger::Counter dac, array_read, adc, adc_clipped, shift_add;
    Ledger::Counter program_pulse, verify_read, line_charge;
    Ledger::Counter drift_scale;  // per-tile drift compensation only (has_drift_scale)
    bool has_drift_scale = false;
    const periphery::Adc* adc_model = nullptr;  // the ADC of this phase (forward, backward, readout)
    bool readout = false;                       // a drift-compensation readout phase
  };
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  void run_mvm(TileOp& op, bool transpose);
  void run_program(TileOp& op);
  // Sparse updates: kProgramCells (group by group, each group's pulse its own ledger action),
  // kPulse (PulseUpdate pulses), kRefresh (PairRefresh). Charged like run_program.
  void run_program_cells(TileOp& op);
  void run_pulse(TileOp& op);
  void run_refresh(TileOp& op);
  void charge_programming(TileOp& op, const devices::ProgramOptions& opts, const devices::ProgramTally& t);
  PhaseCounters declare_phase(Phase phase);
  // Counter of device pulses at energy `epa` in the current phase: the card's default pulse
  // uses program_pulse; a pulse chosen per operation (MTJ GXNOR widths) gets its own action
  // "program_pulse[E fJ]", so every row stays count x energy per action.
  Ledger::Counter pulse_counter(double epa);

  TileSlice slice_;
  ArrayGeometry geometry_;
  const devices::Device& device_;
  TileParts parts_;
  Ledger& ledger_;
  std::string path_;
  Rng rng_;
  CrossbarArray array_;
  std::array<std::optional<PhaseCounters>, kPhaseCount> phases_;  // declared on first use
  PhaseCounters current_{};
  Phase current_phase_ = Phase::kInference;
  float drift_scale_ = 1.0F;
  std::vector<std::tuple<Phase, double, Ledger::Counter>> extra_pulses_;
  sc_core::sc_time clock_period_;
  double g_quantum_;  // S: the array read energy is counted in reads of this conductance
};

}  // namespace xbarsim::arch
