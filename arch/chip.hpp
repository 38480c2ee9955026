// A chip elaborated from a ChipSpec for one MLP: the tiles of every layer, the buffer and the
// controller, bound through TLM sockets; and the chip-level procedures (program weights,
// calibrate converter ranges, run inference) with their costs in the ledger.
#pragma once

#include <Eigen/Dense>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "arch/accumulator.hpp"
#include "arch/chip_layer.hpp"
#include "arch/chip_spec.hpp"
#include "arch/controller.hpp"
#include "arch/phase.hpp"
#include "arch/tile.hpp"
#include "core/ledger.hpp"
#include "core/progress.hpp"

namespace xbarsim::arch {

class WeightAccess;

struct ProgramReport {
  devices::ProgramTally tally;
  double time_s = 0.0;  // the slowest tile's programming time (tiles program in parallel)
};

// Global drift compensation (ChipSpec::drift_compensation): per tile (chip order, as
// tile_index), the readout r = sum |y| of the one-row reads right after programming
// (reference) and at inference time (now), in A, and the scale the tile's outputs get.
struct DriftReport {
  std::vector<double> reference;
  std::vector<double> now;
  std::vector<double> scale;
  double reference_time_s = 0.0;  // the slowest tile's readout time (tiles read in parallel)
  double now_time_s = 0.0;
};

struct InferenceReport {
  Eigen::MatrixXf logits;               // classes x images
  long long total_cycles = 0;           // simulated cycles for the whole job
  long long latency_cycles = 0;         // one image through the empty pipeline
  std::vector<long long> stage_cycles;  // per layer, per image
  // The schedule (docs/arch/timing.md): each resource's busy fraction over the job, and per layer
  // the name of its busiest resource.
  std::vector<std::pair<std::string, double>> utilisation;
  std::vector<std::string> bottleneck;
};

// The chip is the root of its SystemC module tree: layers ("<name>.layer<l>", each the parent
// of its tiles "tile<r>_<c>"), the buffer ("<name>.buffer"), the training accumulator
// ("<name>.accumulator", when the spec trains) and the controller ("<name>.controller") are its
// children.
class Chip : public sc_core::sc_module {
 public:
  // Elaborates the SystemC modules (before the first simulation of the process; several chips
  // may coexist under different `name`s). `spec` and `ledger` must outlive the chip.
  Chip(const ChipSpec& spec, Ledger& ledger, std::uint64_t seed, const sc_core::sc_module_name& name = "chip");

  // Programs the network: weights[l] is (outputs x inputs) as in the fp32 MLP, biases[l] has
  // `outputs` entries. Each layer's weights are scaled by max |w| to [-1, 1] and written with
  // the device's stochastic programming (write-verify per spec). Charged to phase
  // "programming".
  ProgramReport program(const std::vector<Eigen::MatrixXf>& weights, const std::vector<Eigen::VectorXf>& biases,
                        bool only_changed = false);

  // Sets every layer's DAC full scale and ADC range from `images` (features x n): the largest
  // input value and the largest column current seen (or the ADC's full scale when the spec says
  // so). The arrays are read at spec.reference_read_time with calibrate_at: programming, else
  // at spec.time_since_programming. Charged to phase "calibration".
  void calibrate(const Eigen::MatrixXf& images, int batch);

  // --- Global drift compensation (spec.drift_compensation != kNone; docs/devices/pcm.md) ---
  // Each tile reads its array one row at a time (the identity as input: one vector per active
  // row, that row at the DAC's full code) through the DAC, the array and the ADC at its one-row
  // range (spec.drift_adc), and sums |output|: the readout r. Tiles are issued through the
  // controller like any tile operation and charged per action.
  // read_drift_reference: at spec.reference_read_time, phase Phase::kDriftReference.
  // compensate_drift: at spec.time_since_programming, phase Phase::kDriftCompensation; sets each
  // tile's scale r_ref / r_now (kPerTile) or its layer's sum r_ref / sum r_now (kPerLayer).
  // Throws std::logic_error without compensation, or (compensate_drift) without a reference
  // since the last programming.
  void read_drift_reference();
  void compensate_drift();
  const DriftReport& drift_report() const { return drift_; }
  // A drift reference has been read since the last programming (compensate_drift may run).
  bool has_drift_reference() const { return has_drift_reference_; }

  // Runs `images` (features x n) through the chip in batches. Charged to phase "inference".
  InferenceReport infer(const Eigen::MatrixXf& images, int batch, Progress* progress);

  // --- Training (spec.trainable()) ------------------------------------------------------
  // Sets each layer's weight scale (value of a normalized weight of 1) and biases.
  void set_scales_and_biases(const std::vector<float>& weight_scales, const std::vector<Eigen::VectorXf>& biases);
  // Programs normalized weights w[l] (outputs x inputs, [-1, 1]) into the arrays; with
  // `only_changed`, only devices whose target level changes. Charged to `phase`.
  ProgramReport write_weights(const std::vector<Eigen::MatrixXf>& w, Phase phase, bool only_changed,
                              const devices::ProgramOptions& options);
  // Sparse updates of the in-situ training rules (GXNOR, mixed precision): per_tile[t] lists the
  // cells of chip tile t (tiles in layer order, then mapping order, as layers()[l].tiles), one
  // tile operation per tile with work, issued through the controller and charged to `phase`
  // with the tiles' programming counters. Tiles update in parallel: time_s is the slowest's.
  //   program_cells: TileOp kProgramCells (targets, one pulse setting per group).
  //   pulse_cells:   TileOp kPulse (PulseUpdate pulses and the rule's read-backs; a device without it
  //                  is an error).
  //   refresh_pairs: TileOp kRefresh on every tile (PairRefresh of the differential pairs).
  // The in-situ update rules use weights() (arch/weight_access.hpp), which builds these batches.
  ProgramReport program_cells(const std::vector<CellBatch>& per_tile, Phase phase);
  ProgramReport pulse_cells(const std::vector<CellBatch>& per_tile, Phase phase);
  ProgramReport refresh_pairs(Phase phase);
  // Global index (into per_tile above) of tile k of layer l.
  std::size_t tile_index(std::size_t layer, std::size_t k) const { return first_tile_[layer] + k; }
  // Forward pass of one mini-batch x (features x batch) through the tiles with range tracking;
  // keeps every layer's input in `layer_inputs`; returns the logits. Charged to `phase`.
  Eigen::MatrixXf forward(const Eigen::MatrixXf& x, std::vector<Eigen::MatrixXf>& layer_inputs,
                          Phase phase = Phase::kForward);
  // Backward pass: the error at the logits back through the transposed arrays; errors[l] is
  // dLoss/d(output of layer l). Charged to "backward".
  void backward(const Eigen::MatrixXf& output_error, const std::vector<Eigen::MatrixXf>& layer_inputs,
                std::vector<Eigen::MatrixXf>& errors);
  // Simulated cycles of the last forward/backward/inference job.
  long long last_job_cycles() const { return controller_->last_job_cycles(); }
  // Declares the ledger actions of these phases now, in this order (so that a checkpoint's
  // counts line up with the actions of a resumed run).
  void declare_phases(std::initializer_list<Phase> phases);
  // Saves and restores every state a resumed run needs: cells, tile random streams, converter
  // ranges, scales and biases (binary, this build only).
  void save_state(std::ostream& out) const;
  void load_state(std::istream& in);

  // The weights the devices now hold, in the fp32 network's units (outputs x inputs), times each
  // tile's drift-compensation scale: what a software evaluation of "the same quantized, noisy
  // weights" uses.
  std::vector<Eigen::MatrixXf> held_weights() const;

  // Weight-addressed reads, programming and pulses (arch/weight_access.hpp): the interface of
  // the in-situ update rules, hiding tiles, cell indices and the arrays' orientation.
  WeightAccess& weights() { return *weights_; }

  const std::vector<LayerHardware>& layers() const { return layers_; }
  const Controller& controller() const { return *controller_; }
  // The SRAM of the latent weights and optimizer state (in-situ training). Precondition: the
  // spec has an accumulator (spec.trainable()).
  Accumulator& accumulator() { return *accumulator_; }
  std::size_t tile_count() const { return tiles_.size(); }
  // ADCs on the chip: every tile has ceil(weight columns / mux ratio).
  std::size_t adc_count() const;
  // Writes a VCD trace (GTKWave) of the controller phase and each layer's activity to `file`
  // (".vcd" is appended by SystemC when missing). Call before the first simulation.
  void trace_to(const std::string& file);
  ~Chip() override;

  // Declares the area of every component in the ledger (under "area/...").
  void declare_area() const;

  // Every tile, layer by layer (inspection: tests).
  const std::vector<Tile*>& tiles() const { return tiles_; }

 private:
  const ChipSpec& spec_;
  Ledger& ledger_;
  std::vector<TileParts> parts_;                           // per layer
  std::vector<std::unique_ptr<ChipLayer>> layer_modules_;  // own the tiles
  std::vector<Tile*> tiles_;                               // every tile, layer by layer
  std::vector<std::size_t> first_tile_;                    // per layer: index of its first tile in tiles_
  ProgramReport issue_sparse(TileOp::Kind kind, const std::vector<CellBatch>* per_tile, Phase phase);
  // One readout of every tile at `seconds` after programming, charged to `phase`: r per tile
  // (chip order); returns the slowest tile's time.
  double drift_readout(Phase phase, double seconds, std::vector<double>& r);
  // The device's drift readout, or Joshi et al.'s global one for a device without its own.
  const devices::DriftReadout& drift_model() const;
  void set_read_time(double seconds);
  void calibrate_ranges(const Eigen::MatrixXf& images, int batch);
  DriftReport drift_;
  bool has_drift_reference_ = false;
  std::vector<LayerHardware> layers_;
  std::vector<Eigen::MatrixXf> layer_outputs_;  // training: convolutions' outputs before pooling
  std::unique_ptr<Accumulator> buffer_;
  std::unique_ptr<Accumulator> accumulator_;  // training only
  std::unique_ptr<Controller> controller_;
  sc_core::sc_trace_file* trace_ = nullptr;
  std::unique_ptr<WeightAccess> weights_;
};

}  // namespace xbarsim::arch
