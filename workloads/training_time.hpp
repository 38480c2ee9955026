// Simulated time of an in-situ training run by what spends it (docs/arch/timing.md): the
// initial write of the weights, the forward and backward jobs (the chip's timeline), the
// accumulator's traffic (latent weights and optimizer state read and written per batch), and
// the update's programming, split into device pulses and verify reads.
#pragma once

#include <vector>

#include "arch/timeline.hpp"

namespace xbarsim::workloads {

struct TrainingTime {
  double initial_write_s = 0.0;
  double forward_s = 0.0;
  double backward_s = 0.0;
  double accumulator_s = 0.0;
  double programming_s = 0.0;  // update pulses (write drivers)
  double verify_s = 0.0;       // update verify reads
  // The forward and backward jobs' busy server-cycles per timeline resource (buffer,
  // interconnect, each layer's tiles and adders), summed over the run: with the accumulator's
  // and the write drivers' time above, the run's utilisation per resource.
  std::vector<arch::ResourceUse> busy;
  double total() const { return initial_write_s + forward_s + backward_s + accumulator_s + programming_s + verify_s; }
};

}  // namespace xbarsim::workloads
