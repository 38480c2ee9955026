// The chip's one SC_THREAD: sequences tile-operation waves layer by layer for each batch of
// images (forward inference; backward and update waves in training), issues them to the tiles
// and the buffer through TLM, does the layers' digital work (input quantization to bit planes,
// shift-and-add of planes, partial sums across row tiles, bias, activation) and schedules every
// image's steps on the shared resources (arch/timeline.hpp) with the delays the tiles and the
// buffer return; simulated time advances to the schedule's end.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include <Eigen/Dense>
#include <array>
#include <memory>
#include <optional>
#include <string>
#include <systemc>
#include <tlm>
#include <vector>

#include "arch/accumulator.hpp"
#include "arch/chip_spec.hpp"
#include "arch/phase.hpp"
#include "arch/tile.hpp"
#include "arch/timeline.hpp"
#include "core/ledger.hpp"
#include "core/progress.hpp"

namespace xbarsim::arch {

// The tiles of one layer and the layer's digital state.
struct LayerHardware {
  LayerShape shape;  // what the layer computes (dense or convolution, ReLU, pool)
  LayerMapping mapping;
  // copies x mapping.tiles.size() tiles: copy d's tiles are [d x T, (d + 1) x T), each in
  // mapping.tiles order (arch.weight_duplication; 1 copy but for convolutions).
  std::vector<Tile*> tiles;
  int copies = 1;
  // The slice tile k holds, and its copy.
  const TileSlice& slice(std::size_t k) const { return mapping.tiles[k % mapping.tiles.size()]; }
  std::size_t copy_of(std::size_t k) const { return k / mapping.tiles.size(); }
  // The layer's own converters (instances of the spec's cards) with the ranges calibrated at
  // run time; adc_backward for the transposed reads, training only.
  std::unique_ptr<periphery::Adc> adc;
  std::unique_ptr<periphery::Adc> adc_backward;
  float weight_scale = 1.0F;      // |w| that maps to a normalized weight of 1
  float input_full_scale = 1.0F;  // input magnitude that maps to the DAC's largest code
  Eigen::VectorXf bias;
};

// One inference job: `count` images (columns of `images`, features x count) in batches.
struct InferenceJob {
  const Eigen::MatrixXf* images = nullptr;
  int batch = 200;
  Phase phase = Phase::kInference;
  bool bypass_adc_last = false;  // calibration: the last layer run raw (ADC bypassed)
  int layers = -1;               // run only the first `layers` layers (-1 = all)
  Progress* progress = nullptr;
  // Outputs: the last layer run's outputs (outputs x count); raw last-layer currents' maximum
  // magnitude when bypass_adc_last.
  Eigen::MatrixXf* outputs = nullptr;
  float raw_abs_max = 0.0F;
  // Training: keep every layer's input (inputs x count) for the backward pass and the weight
  // gradients; and let each layer's DAC full scale follow the batch's largest input and its
  // ADC range follow the previous batch's largest current (x spec.range_headroom). A
  // convolution's inputs are kept as its input vectors (weight_inputs x count x windows), and its
  // output before pooling (out.size() x count) in layer_outputs.
  std::vector<Eigen::MatrixXf>* layer_inputs = nullptr;
  std::vector<Eigen::MatrixXf>* layer_outputs = nullptr;
  bool track_ranges = false;
};

// One backward job (training): the error at the network's output is sent back through the
// arrays, read transposed (columns driven by the signed error DAC, rows read by the ADCs).
struct BackwardJob {
  const Eigen::MatrixXf* output_error = nullptr;                // classes x batch (dLoss/dlogits)
  const std::vector<Eigen::MatrixXf>* layer_inputs = nullptr;   // from the forward job
  const std::vector<Eigen::MatrixXf>* layer_outputs = nullptr;  // from the forward job
  // out: errors[l] = dLoss/d(z of layer l) before its ReLU, one column per input vector (as
  // layer_inputs[l]: a convolution's windows).
  std::vector<Eigen::MatrixXf>* errors = nullptr;
  Phase phase = Phase::kBackward;
};

struct StageTiming {
  // Mean cycles between the layer's consecutive outputs in the last job (its steady interval;
  // with one image, the layer's own steps end to end).
  long long cycles_per_image = 0;
};

class Controller : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(Controller);
  Controller(const sc_core::sc_module_name& name, const ChipSpec& spec, std::vector<LayerHardware>& layers,
             Accumulator& buffer, Ledger& ledger);

  // Socket bound to each tile, in layer order then mapping order; to the buffer; and to the
  // training accumulator when the spec has one (null otherwise).
  std::vector<std::unique_ptr<tlm_utils::simple_initiator_socket<Controller>>> tile_sockets;
  tlm_utils::simple_initiator_socket<Controller> buffer_socket;
  std::unique_ptr<tlm_utils::simple_initiator_socket<Controller>> accumulator_socket;

  // Runs `job` to completion (calls sc_start); the job's outputs are filled on return.
  void run(InferenceJob& job);
  void run(BackwardJob& job);

  // Issues one operation to tile `k` of layer `layer` outside a job (programming), returning
  // its latency.
  sc_core::sc_time issue(std::size_t layer, std::size_t k, TileOp& op);

  // Declares the ledger actions of `phase` (tiles, buffer, digital) without running anything.
  void declare_phase(Phase phase) { set_phase(phase); }

  // Traces the controller's phase and each layer's busy window into `tf` (GTKWave). Call
  // before the first simulation. With tracing on, a job's schedule is replayed in simulated
  // time at the job's end (a few events per batch, never per image or cycle).
  void enable_trace(sc_core::sc_trace_file* tf);

  // Timing of the last job: per-stage interval, total simulated cycles, the latency of one
  // image through the empty chip, and the schedule (resource utilisation, bottlenecks).
  const std::vector<StageTiming>& stages() const { return stages_; }
  long long last_job_cycles() const { return last_job_cycles_; }
  long long latency_cycles() const { return latency_cycles_; }
  const Timeline& timeline() const { return timeline_; }

 private:
  void thread();
  void run_batch(InferenceJob& job, std::size_t first, int count);
  void run_backward(BackwardJob& job);
  // Drive vectors of one tile slice from codes_ (dim x vectors): column b x planes + p holds the
  // DAC's drive of codes [begin, begin + len) of vector first + b in plane p, b < count.
  void drive_planes(const periphery::Dac& dac, int dim, int first, int count, int begin, int len,
                    Eigen::MatrixXf& pl) const;
  // acc_ rows [begin, begin + len), columns [first, first + count) += the tile output's planes
  // shifted and added.
  void add_planes(const periphery::Dac& dac, const Eigen::MatrixXf& out, int begin, int len, int first, int count);
  // One wave of tile operations of `layer` over `vectors` input vectors whose codes are in
  // codes_ (dim each): the vectors dealt out in contiguous runs over the layer's copies, each
  // copy's row tiles (forward) or column tiles (transposed) driven and read, the planes summed
  // into acc_ (rows x vectors). Returns the slowest tile's delay per image (of `images`) in
  // cycles, and in `seen` the currents before the ADCs: the largest |current| and the largest of
  // the tiles' spec.range_quantile-quantiles (the range a tracking ADC takes).
  struct SeenCurrents {
    float max = 0.0F;
    float quantile = 0.0F;
  };
  double tile_wave(std::size_t l, TileOp::Kind kind, const periphery::Dac& dac, int dim, int rows, int vectors,
                   int images, bool raw, sc_core::sc_time delay, SeenCurrents& seen);
  // Buffer reads and writes of one layer for `count` images (TLM, charged by the buffer) and
  // the per-image durations of the layer's steps: the buffer's and the interconnect's cycles for
  // `read_values` in and `write_values` out of `bits` each, the tiles' `compute` cycles, the
  // reduction of `partials` partial vectors of `write_values` outputs.
  LayerSteps buffer_and_steps(sc_core::sc_time delay, long long read_values, long long write_values, int bits,
                              int count, double compute, int partials, int reduced_outputs);
  void start(Phase phase);
  // Schedules the job's `count` images through order_ with steps_ (and records the trace's busy
  // windows).
  void schedule(std::int64_t count);
  void finish_job();
  void set_phase(Phase phase);
  void transport_tile(std::size_t socket, TileOp& op, sc_core::sc_time& delay);
  void transport_buffer(BufferOp& op, sc_core::sc_time& delay);

  struct DigitalCounters {
    std::vector<Ledger::Counter> adder, activation, control;
    // Per layer, pooling (compares or adds); declared only for layers with a pool.
    std::vector<std::optional<Ledger::Counter>> pool;
  };

  const ChipSpec& spec_;
  std::vector<LayerHardware>& layers_;
  Accumulator& buffer_;
  Ledger& ledger_;
  std::array<std::optional<DigitalCounters>, kPhaseCount> phases_;  // declared on first use
  DigitalCounters current_;
  std::vector<std::size_t> first_socket_;  // per layer: index of its first tile socket
  sc_core::sc_event start_;
  InferenceJob* job_ = nullptr;
  BackwardJob* backward_job_ = nullptr;
  bool initialized_ = false;
  tlm_utils::tlm_quantumkeeper qk_;
  sc_core::sc_time period_;
  tlm::tlm_generic_payload payload_;

  // The schedule of the current job, in cycles, and each layer's step durations.
  Timeline timeline_;
  std::vector<LayerSteps> steps_;
  std::vector<int> order_;
  std::int64_t job_images_ = 0;
  std::vector<StageTiming> stages_;
  long long last_job_cycles_ = 0;
  long long latency_cycles_ = 0;

  // Tracing: the traced values and the job's recorded events (time in cycles, layer, busy).
  struct TraceEvent {
    double cycle;
    int layer;
    bool busy;
  };
  sc_core::sc_trace_file* trace_ = nullptr;
  std::unique_ptr<bool[]> layer_busy_;
  int phase_code_ = 0;  // 0 idle, 1 programming, 2 calibration, 3 inference, 4 other
  std::vector<TraceEvent> events_;
  void replay_trace();

  // Scratch (reused across batches, no allocation in steady state).
  std::vector<std::int32_t> codes_;
  Eigen::VectorXf error_fs_;  // backward: the error DAC full scale of each image
  // Per layer and direction (2 l forward, 2 l + 1 transposed): drive planes per copy and row
  // (column) tile, and the summed outputs; per tile socket and direction, the tile's output; per
  // layer, a convolution's input vectors.
  std::vector<std::vector<Eigen::MatrixXf>> planes_;
  std::vector<Eigen::MatrixXf> accs_;
  Eigen::MatrixXf* acc_ = nullptr;  // the wave's entry of accs_
  std::vector<Eigen::MatrixXf> tile_outs_;
  std::vector<Eigen::MatrixXf> vec_in_;
  Eigen::MatrixXf maps_, pooled_;  // a convolution's output maps; pooled
  Eigen::MatrixXf act_in_, act_out_;
  Eigen::MatrixXf err_;
};

}  // namespace xbarsim::arch
