// Weight-addressed access to the devices of a chip, for the in-situ update rules: a rule walks
// the weights of a layer by (output, input), reads the state of their devices, and requests
// programming, pulses and verify reads per weight; the chip's tiles, cell indices, the
// orientation of the arrays (rows = inputs) and the pair layout stay hidden here. Requests are
// collected per tile (contiguous buffers reused across mini-batches) and issued as ONE tile
// operation per tile with work, through the controller, as Chip::program_cells/pulse_cells do.
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "arch/chip.hpp"

namespace xbarsim::arch {

// The orientation of the arrays, in one place: a layer's weights are outputs x inputs (as in
// the fp32 MLP), a tile's array is rows x weight columns = inputs x outputs.
// The part of layer weights w (outputs x inputs) that slice s holds, as its array sees it
// (s.rows x s.cols).
inline auto tile_block(const Eigen::MatrixXf& w, const TileSlice& s) {
  return w.block(s.col_begin, s.row_begin, s.cols, s.rows).transpose();
}
// The part of layer weights w (outputs x inputs) that slice s covers (s.cols x s.rows), to
// assign an array block's transpose to.
inline auto layer_block(Eigen::MatrixXf& w, const TileSlice& s) {
  return w.block(s.col_begin, s.row_begin, s.cols, s.rows);
}

// One weight of a layer as a walk presents it: its place in the layer's weight matrix
// (outputs x inputs, as in the fp32 MLP) and the state of its devices.
class WeightSite {
 public:
  int output() const { return output_; }
  int input() const { return input_; }
  // State of device d of the weight: 0 = G+ (or the one device of the offset encoding), 1 = G-.
  // Precondition: d < the device's devices_per_weight(). The reference stays valid for the
  // chip's lifetime and shows the state after later updates.
  const devices::CellState& device(int d) const { return cells_[cell_ + static_cast<std::uint32_t>(d) * stride_]; }

 private:
  friend class WeightAccess;
  const devices::CellState* cells_ = nullptr;  // the tile array's cells
  std::uint32_t cell_ = 0;                     // index of device 0 in the array
  std::uint32_t stride_ = 0;                   // index distance device 0 -> device 1 (array rows)
  std::uint32_t tile_ = 0;                     // chip tile index (Chip::tile_index)
  int output_ = 0;
  int input_ = 0;
};

class WeightAccess {
 public:
  // `chip` must outlive this object.
  explicit WeightAccess(Chip& chip);

  std::size_t layer_count() const { return chip_.layers().size(); }

  // Calls fn(const WeightSite&) for every weight of layer `layer`: tile by tile in mapping
  // order, within a tile output by output, within an output input by input. Requests made from
  // fn land in each tile's batch in this order (which fixes the order of the devices' random
  // draws). Precondition: layer < layer_count().
  template <class Fn>
  void for_each_weight(std::size_t layer, Fn&& fn) const;

  // --- Requests, collected per tile until issued ---
  // Drops every pending request (call at the start of an update).
  void clear();
  // n pulses (the device's PulseUpdate) on device d of weight w. Precondition: n >= 1.
  void pulse(const WeightSite& w, int device, std::uint16_t n);
  // n depression pulses (the device's PulseDepression) on device d of weight w, applied after
  // the tile's potentiation pulses. Precondition: n >= 1.
  void depress(const WeightSite& w, int device, std::uint16_t n);
  // n reads of the devices of w's tile that the rule makes around its pulses (charged as the
  // device's verify reads with the tile's next issue_pulses).
  void count_verify_reads(const WeightSite& w, std::uint64_t n = 1);
  // Programs device d of weight w toward target_S (S) with the pulse setting of option group
  // `group` (an index into issue_programs' group_options).
  void program(const WeightSite& w, int device, float target_S, std::uint16_t group);

  // Issues the pending pulses and verify reads: one TileOp kPulse per tile with work, charged to
  // `phase`. Tiles update in parallel (time_s is the slowest's). Clears the pulse requests.
  ProgramReport issue_pulses(Phase phase);
  // Issues the pending programming: one TileOp kProgramCells per tile with work, its cells
  // grouped by option group in ascending group order (each group's pulse setting its own ledger
  // action), in request order within a group. Precondition: every requested group <
  // group_options.size(). Clears the programming requests.
  ProgramReport issue_programs(std::span<const devices::ProgramOptions> group_options, Phase phase);
  // Refresh of every differential pair on every tile (the device's PairRefresh), charged to `phase`.
  ProgramReport refresh_pairs(Phase phase);

  // G+ - G- (differential) or G - G_ref (offset) of every weight of `layer` as the arrays held
  // it at their last refresh, S, into out (outputs x inputs).
  void effective_conductances(std::size_t layer, Eigen::MatrixXf& out) const;

 private:
  // Programming requests of one tile, in request order.
  struct ProgramList {
    std::vector<std::uint32_t> index;
    std::vector<float> target_S;
    std::vector<std::uint16_t> group;
  };
  Chip& chip_;
  std::vector<CellBatch> batches_;     // per chip tile: what the next issue sends
  std::vector<ProgramList> programs_;  // per chip tile
  std::vector<std::uint32_t> counts_;  // counting-sort scratch of issue_programs
  std::vector<std::uint32_t> fill_;
};

template <class Fn>
void WeightAccess::for_each_weight(std::size_t layer, Fn&& fn) const {
  const LayerHardware& lh = chip_.layers()[layer];
  WeightSite w;
  for (std::size_t k = 0; k < lh.tiles.size(); ++k) {
    const TileSlice& s = lh.mapping.tiles[k];
    const CrossbarArray& array = lh.tiles[k]->array();
    w.cells_ = array.cells().data();
    w.stride_ = static_cast<std::uint32_t>(array.rows());
    w.tile_ = static_cast<std::uint32_t>(chip_.tile_index(layer, k));
    // Array rows are the layer's inputs, weight columns its outputs.
    for (int c = 0; c < s.cols; ++c) {
      w.output_ = s.col_begin + c;
      for (int r = 0; r < s.rows; ++r) {
        w.input_ = s.row_begin + r;
        w.cell_ = array.cell_index(r, c, 0);
        fn(static_cast<const WeightSite&>(w));
      }
    }
  }
}

}  // namespace xbarsim::arch
