// The TLM extension that carries one tile operation: a whole batch of input vectors through
// one array (forward or transposed), or one programming pass. One transaction per operation,
// never per cell or per cycle.
#pragma once

#include <tlm>

#include <Eigen/Dense>

#include "devices/device.hpp"

namespace xbarsim::arch {

struct TileOp : tlm::tlm_extension<TileOp> {
  enum class Kind { kForward, kTranspose, kProgram };
  Kind kind = Kind::kForward;

  // kForward: input (active rows x vectors) -> output (active weight columns x vectors).
  // kTranspose: input (active weight columns x vectors) -> output (active rows x vectors).
  // Inputs are row drives in units of the read voltage (bit planes: 0 or +-1); outputs are the
  // ADC's reconstructed currents, A. Vectors are ordered image by image, bit plane by plane.
  const Eigen::MatrixXf* input = nullptr;
  Eigen::MatrixXf* output = nullptr;
  int images = 0;  // vectors = images x planes
  int planes = 0;
  // Calibration: the ADC passes currents through unquantized (its actions are still counted).
  bool bypass_adc = false;

  // kProgram: normalized weights (rows x weight columns, [-1, 1]) for the tile's array.
  const Eigen::MatrixXf* weights = nullptr;
  devices::ProgramOptions program_options;
  bool only_changed = true;

  // Filled by the tile: latency of one image's worth of the operation (forward/transpose), or
  // of the whole programming pass; and the programming tally.
  float raw_abs_max = 0.0F;  // largest |current| before the ADC, A (for range tracking)
  sc_core::sc_time per_image_latency;
  sc_core::sc_time latency;
  devices::ProgramTally tally;

  tlm::tlm_extension_base* clone() const override { return new TileOp(*this); }
  void copy_from(const tlm::tlm_extension_base& other) override {
    *this = static_cast<const TileOp&>(other);
  }
};

}  // namespace xbarsim::arch
