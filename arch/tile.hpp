// One crossbar tile as a SystemC TLM-2.0 target with no thread of its own: b_transport runs a
// whole tile operation (DAC drive -> analog MVM -> ADC through the column mux -> shift-add)
// through its child modules (arch/tile_components: dac, array, adc, shift_add, cells,
// write_driver, drift_scale), each of which charges its own ledger actions, and adds the
// operation's latency to the transaction's delay (loosely timed).
#pragma once

#include <tlm_utils/simple_target_socket.h>

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <systemc>
#include <tlm>
#include <tuple>
#include <vector>

#include "arch/crossbar_array.hpp"
#include "arch/mapping.hpp"
#include "arch/phase.hpp"
#include "arch/tile_components.hpp"
#include "arch/tile_op.hpp"
#include "core/ledger.hpp"

namespace xbarsim::arch {

class Tile : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<Tile> socket;

  // The tile's parts are its child modules; each declares its actions under
  // PHASE/<tile path>/<part> (module "chip.layer0.tile3_1.adc" -> "inference/layer0/tile3_1/adc").
  Tile(const sc_core::sc_module_name& name, const TileSlice& slice, const ArrayGeometry& geometry,
       const devices::Device& device, const TileParts& parts, Ledger& ledger, std::uint64_t seed);

  const TileSlice& slice() const { return slice_; }
  CrossbarArray& array() { return array_.cells(); }
  const CrossbarArray& array() const { return array_.cells(); }

  // Cycles one image takes through an operation of `phase` (its converters, TileParts::dac_for
  // and adc_for) with `planes` input bit planes: planes x (max(read, DAC) + mux x ADC
  // conversion) + one shift-add, each in whole cycles.
  long long cycles_per_image(int planes, Phase phase = Phase::kInference) const;

  // Makes `phase` the current one: later operations charge its ledger actions (declared on the
  // first use of each phase).
  void set_phase(Phase phase);

  // True when a read of the current phase can take DAC codes of `dac` (TileOp::codes) and
  // shift-add its own planes: bit-serial drives, no wires, a column-sensing ADC without errors,
  // one read-noise draw per operation (`vectors` input vectors), no range quantile. The
  // result is the same as the materialized planes', bit for bit (tests/sim/fused_reads.cpp).
  bool reads_fused(const periphery::Dac& dac, int vectors, float range_quantile) const;

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
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  void run_mvm(TileOp& op, bool transpose);
  // run_mvm on DAC codes (TileOp::codes): blocks of kFusedVectors vectors, each made into bit
  // planes, read, converted and shift-added while it is in cache, the blocks shared by the
  // threads.
  void run_fused(TileOp& op, bool transpose);
  // The charges and latency every read operation ends with, `vectors` drive vectors.
  void finish_read(TileOp& op, bool transpose, std::uint64_t vectors);
  static constexpr int kFusedVectors = 256;
  void run_program(TileOp& op);
  // Sparse updates: kProgramCells (group by group, each group's pulse its own ledger action),
  // kPulse (PulseUpdate pulses), kRefresh (PairRefresh). Charged like run_program.
  void run_program_cells(TileOp& op);
  void run_pulse(TileOp& op);
  void run_refresh(TileOp& op);
  // Charges a programming tally to the cells and the write drivers and adds it to the op's.
  void charge_programming(TileOp& op, const devices::ProgramOptions& opts, const devices::ProgramTally& t);
  // The op's latency for a programming pass of op.tally's device time.
  void finish_programming(TileOp& op) const;
  // Range tracking's sample of a tile operation's currents (abs_quantile), values at most.
  static constexpr Eigen::Index kRangeSample = 16384;

  TileSlice slice_;
  ArrayGeometry geometry_;
  TileParts parts_;  // before the parts, which keep a reference to it
  Rng rng_;
  // The parts, in the order their actions are declared in the ledger.
  DacBank dac_;
  ArrayCore array_;
  AdcBank adc_;
  ShiftAddBank shift_add_;
  CellWrites cells_;
  WriteDriverBank write_driver_;
  DriftScaler drift_scaler_;
  Phase current_phase_ = Phase::kInference;
  float drift_scale_ = 1.0F;
  Eigen::MatrixXf sensed_;           // activated conductance per converted line and vector (scratch)
  std::vector<float> range_sample_;  // abs_quantile's sample (reserved once)
  // run_fused's per-operation gatherings: column-term block sums, and per block of vectors its
  // drive weights, largest |current| and clipped inputs.
  std::vector<double> fused_units_;
  Eigen::MatrixXf fused_weights_;
  std::vector<float> fused_max_;
  std::vector<std::size_t> fused_clipped_;
  std::vector<float> plane_weight_;  // 2^p / max code of each bit plane p
  sc_core::sc_time clock_period_;
};

}  // namespace xbarsim::arch
