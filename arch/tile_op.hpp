// The TLM extension that carries one tile operation: a whole batch of input vectors through
// one array (forward or transposed), one programming pass, or one sparse update of listed cells
// (in-situ training rules). One transaction per operation, never per cell or per cycle.
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <tlm>
#include <vector>

#include "devices/device.hpp"
#include "periphery/dac.hpp"

namespace xbarsim::arch {

// Cells [begin, end) of a sparse programming list, written with one pulse setting (e.g. one
// MTJ pulse width per quantized switching probability: each setting is one ledger action).
struct CellGroup {
  devices::ProgramOptions options;
  std::uint32_t begin = 0;
  std::uint32_t end = 0;
};

// A sparse update of one tile's cells. Cell index = device column x array rows + row, where
// device column = weight column (offset encoding) or 2 x weight column (+1 for G-)
// (differential); see CrossbarArray::cell_index.
//   kProgramCells: cells index[i] toward target_S[i] (S), group by group.
//   kPulse:        pulses[i] pulses on cell index[i] (the device's PulseUpdate), and verify_reads reads
//                  of the tile's cells that the rule made around them (closed-loop updates read
//                  the devices before and after; charged as the device's verify reads).
struct CellBatch {
  std::vector<std::uint32_t> index;
  std::vector<float> target_S;        // kProgramCells
  std::vector<CellGroup> groups;      // kProgramCells: partition of [0, index.size())
  std::vector<std::uint16_t> pulses;  // kPulse
  // kPulse: depression pulses (PulseDepression), applied after the potentiation pulses above
  std::vector<std::uint32_t> depress_index;
  std::vector<std::uint16_t> depress_pulses;
  std::uint64_t verify_reads = 0;  // kPulse
  void clear() {
    index.clear();
    target_S.clear();
    groups.clear();
    pulses.clear();
    depress_index.clear();
    depress_pulses.clear();
    verify_reads = 0;
  }
};

struct TileOp : tlm::tlm_extension<TileOp> {
  // kProgramCells, kPulse: sparse updates (CellBatch). kRefresh: refresh of every differential
  // pair of the tile (the device's PairRefresh decides which pairs need it).
  enum class Kind { kForward, kTranspose, kProgram, kProgramCells, kPulse, kRefresh };
  Kind kind = Kind::kForward;

  // kForward: input (active rows x vectors) -> output (active weight columns x vectors).
  // kTranspose: input (active weight columns x vectors) -> output (active rows x vectors).
  // Inputs are row drives in units of the read voltage (bit planes: 0 or +-1); outputs are the
  // ADC's reconstructed currents, A. Vectors are ordered image by image, bit plane by plane.
  const Eigen::MatrixXf* input = nullptr;
  Eigen::MatrixXf* output = nullptr;
  int images = 0;  // vectors = images x planes
  int planes = 0;
  // Fused reads (arch.fused_reads, Tile::reads_fused): instead of `input` and `output`, the
  // DAC codes of `vectors` input vectors and the shift-add's accumulator. Vector v's code of the
  // tile's active line i is codes[(first_vector + v) x code_stride + code_begin + i]; the tile
  // makes each bit plane of `dac` itself and adds 2^p / max code x plane p's converted currents
  // to the accumulator's rows [accumulator_row, + active outputs) of column first_vector + v,
  // plane after plane.
  const std::int32_t* codes = nullptr;
  std::size_t code_stride = 0;
  int code_begin = 0;
  int first_vector = 0;
  int vectors = 0;
  const periphery::Dac* dac = nullptr;
  Eigen::MatrixXf* accumulator = nullptr;
  int accumulator_row = 0;
  // Calibration: the ADC passes currents through unquantized (its actions are still counted).
  bool bypass_adc = false;
  // Range tracking (training, arch.range_quantile): below 1, the tile also reports the
  // range_quantile-quantile of its nonzero |currents| (raw_abs_quantile).
  float range_quantile = 1.0F;

  // kProgram: normalized weights (rows x weight columns, [-1, 1]) for the tile's array.
  const Eigen::MatrixXf* weights = nullptr;
  devices::ProgramOptions program_options;
  bool only_changed = true;

  // kProgramCells, kPulse: the cells to update (not owned).
  const CellBatch* cells = nullptr;

  // Filled by the tile: latency of one image's worth of the operation (forward/transpose), or
  // of the whole programming pass; and the programming tally.
  float raw_abs_max = 0.0F;       // largest |current| before the ADC, A (for range tracking)
  float raw_abs_quantile = 0.0F;  // its range_quantile-quantile (raw_abs_max when that is 1), A
  sc_core::sc_time per_image_latency;
  sc_core::sc_time latency;
  devices::ProgramTally tally;

  tlm::tlm_extension_base* clone() const override { return new TileOp(*this); }
  void copy_from(const tlm::tlm_extension_base& other) override { *this = static_cast<const TileOp&>(other); }
};

}  // namespace xbarsim::arch
