#include "arch/chip.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "arch/weight_access.hpp"

namespace xbarsim::arch {

Chip::Chip(const ChipSpec& spec, Ledger& ledger, std::uint64_t seed, const sc_core::sc_module_name& name)
    : sc_module(name), spec_(spec), ledger_(ledger) {
  const std::size_t n_layers = spec.layers.size();
  parts_.resize(n_layers);
  layers_.resize(n_layers);
  std::uint64_t stream = 0;
  for (std::size_t l = 0; l < n_layers; ++l) {
    LayerHardware& lh = layers_[l];
    lh.adc = spec.adc->clone();
    if (spec.trainable()) lh.adc_backward = spec.backward_adc->clone();
    TileParts& p = parts_[l];
    p.dac = spec.dac.get();
    p.adc = lh.adc.get();
    if (spec.trainable()) {
      p.dac_backward = spec.backward_dac.get();
      p.adc_backward = lh.adc_backward.get();
    }
    p.shift_add = spec.shift_add.get();
    p.write_driver = spec.write_driver.get();
    p.read_voltage = spec.read_voltage;
    p.read_pulse = spec.read_time();
    p.row_line_capacitance = spec.row_line_capacitance();
    p.col_line_capacitance = spec.col_line_capacitance();
    p.clock_period_s = spec.clock_period_s();
    p.read_cycles = spec.read_cycles();
    p.time_since_programming = spec.time_since_programming;
    p.adc_drift = spec.drift_adc.get();
    p.drift_scale_per_tile = spec.drift_compensation == ChipSpec::DriftCompensation::kPerTile;
    p.drift_scale_energy = spec.drift_scale_energy;
    p.defects = spec.defects;
    p.read_noise_per_image = spec.read_noise_per_image;
    p.ir_drop = spec.ir_drop;
    lh.mapping = spec.layers[l];
    lh.shape = spec.topology.layers[l];
    lh.copies = spec.copies[l];
    lh.bias = Eigen::VectorXf::Zero(lh.mapping.outputs);
    first_tile_.push_back(tiles_.size());
    // One random stream per tile, derived from the run seed.
    layer_modules_.push_back(std::make_unique<ChipLayer>(fmt::format("layer{}", l).c_str(), lh.mapping, spec.geometry,
                                                         *spec.device, p, ledger, seed, stream, lh.copies));
    stream += lh.mapping.tiles.size() * static_cast<std::size_t>(lh.copies);
    for (const auto& t : layer_modules_.back()->tiles()) {
      tiles_.push_back(t.get());
      lh.tiles.push_back(t.get());
    }
  }
  buffer_ = std::make_unique<Accumulator>("buffer", *spec.buffer, ledger, spec.clock_period_s(), Phase::kInference);
  if (spec.accumulator) {
    accumulator_ =
        std::make_unique<Accumulator>("accumulator", *spec.accumulator, ledger, spec.clock_period_s(), std::nullopt);
  }
  controller_ = std::make_unique<Controller>("controller", spec, layers_, *buffer_, ledger);
  std::size_t k = 0;
  for (auto& t : tiles_) controller_->tile_sockets[k++]->bind(t->socket);
  controller_->buffer_socket.bind(buffer_->socket);
  if (accumulator_) controller_->accumulator_socket->bind(accumulator_->socket);
  weights_ = std::make_unique<WeightAccess>(*this);
}

void Chip::trace_to(const std::string& file) {
  std::string base = file;
  if (base.size() > 4 && base.ends_with(".vcd")) base.resize(base.size() - 4);
  sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);  // timescale notice
  trace_ = sc_core::sc_create_vcd_trace_file(base.c_str());
  trace_->set_time_unit(1, sc_core::SC_PS);
  controller_->enable_trace(trace_);
}

Chip::~Chip() {
  if (trace_ != nullptr) sc_core::sc_close_vcd_trace_file(trace_);
}

std::size_t Chip::adc_count() const { return tiles_.size() * static_cast<std::size_t>(spec_.geometry.adcs_per_tile()); }

ProgramReport Chip::program(const std::vector<Eigen::MatrixXf>& weights, const std::vector<Eigen::VectorXf>& biases,
                            bool only_changed) {
  ProgramReport report;
  // New conductances: the drift-compensation reference and scales no longer apply.
  has_drift_reference_ = false;
  for (auto& t : tiles_) t->set_drift_scale(1.0F);
  for (auto& t : tiles_) t->set_phase(Phase::kProgramming);
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    LayerHardware& lh = layers_[l];
    const Eigen::MatrixXf& w = weights[l];  // outputs x inputs
    lh.weight_scale = std::max(w.cwiseAbs().maxCoeff(), 1e-12F);
    lh.bias = biases[l];
    for (std::size_t k = 0; k < lh.tiles.size(); ++k) {
      const TileSlice& s = lh.slice(k);
      const Eigen::MatrixXf block = tile_block(w, s) / lh.weight_scale;
      TileOp op;
      op.kind = TileOp::Kind::kProgram;
      op.weights = &block;
      op.program_options = spec_.program_options;
      op.only_changed = only_changed;
      controller_->issue(l, k, op);
      report.tally += op.tally;
      report.time_s = std::max(report.time_s, op.latency.to_seconds());
    }
  }
  return report;
}

void Chip::set_scales_and_biases(const std::vector<float>& weight_scales, const std::vector<Eigen::VectorXf>& biases) {
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    layers_[l].weight_scale = weight_scales[l];
    layers_[l].bias = biases[l];
  }
}

ProgramReport Chip::write_weights(const std::vector<Eigen::MatrixXf>& w, Phase phase, bool only_changed,
                                  const devices::ProgramOptions& options) {
  ProgramReport report;
  for (auto& t : tiles_) t->set_phase(phase);
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    LayerHardware& lh = layers_[l];
    for (std::size_t k = 0; k < lh.tiles.size(); ++k) {
      const TileSlice& s = lh.slice(k);
      const Eigen::MatrixXf block = tile_block(w[l], s);
      TileOp op;
      op.kind = TileOp::Kind::kProgram;
      op.weights = &block;
      op.program_options = options;
      op.only_changed = only_changed;
      controller_->issue(l, k, op);
      report.tally += op.tally;
      report.time_s = std::max(report.time_s, op.latency.to_seconds());
    }
  }
  return report;
}

ProgramReport Chip::issue_sparse(TileOp::Kind kind, const std::vector<CellBatch>* per_tile, Phase phase) {
  if (per_tile != nullptr && per_tile->size() != tiles_.size()) {
    throw std::invalid_argument(fmt::format("chip: {} cell batches for {} tiles", per_tile->size(), tiles_.size()));
  }
  ProgramReport report;
  for (auto& t : tiles_) t->set_phase(phase);
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    for (std::size_t k = 0; k < layers_[l].tiles.size(); ++k) {
      TileOp op;
      op.kind = kind;
      if (per_tile != nullptr) {
        const CellBatch& b = (*per_tile)[first_tile_[l] + k];
        if (b.index.empty() && b.depress_index.empty() && b.verify_reads == 0) continue;
        op.cells = &b;
      }
      controller_->issue(l, k, op);
      report.tally += op.tally;
      report.time_s = std::max(report.time_s, op.latency.to_seconds());
    }
  }
  return report;
}

ProgramReport Chip::program_cells(const std::vector<CellBatch>& per_tile, Phase phase) {
  return issue_sparse(TileOp::Kind::kProgramCells, &per_tile, phase);
}

ProgramReport Chip::pulse_cells(const std::vector<CellBatch>& per_tile, Phase phase) {
  return issue_sparse(TileOp::Kind::kPulse, &per_tile, phase);
}

ProgramReport Chip::refresh_pairs(Phase phase) { return issue_sparse(TileOp::Kind::kRefresh, nullptr, phase); }

Eigen::MatrixXf Chip::forward(const Eigen::MatrixXf& x, std::vector<Eigen::MatrixXf>& layer_inputs, Phase phase) {
  Eigen::MatrixXf logits(layers_.back().shape.pooled().size(), x.cols());
  layer_inputs.resize(layers_.size());
  layer_outputs_.resize(layers_.size());
  InferenceJob job;
  job.images = &x;
  job.batch = static_cast<int>(x.cols());
  job.phase = phase;
  job.outputs = &logits;
  job.layer_inputs = &layer_inputs;
  job.layer_outputs = &layer_outputs_;
  job.track_ranges = true;
  controller_->run(job);
  return logits;
}

void Chip::backward(const Eigen::MatrixXf& output_error, const std::vector<Eigen::MatrixXf>& layer_inputs,
                    std::vector<Eigen::MatrixXf>& errors) {
  BackwardJob job;
  job.output_error = &output_error;
  job.layer_inputs = &layer_inputs;
  job.layer_outputs = &layer_outputs_;
  job.errors = &errors;
  controller_->run(job);
}

void Chip::declare_phases(std::initializer_list<Phase> phases) {
  for (const Phase p : phases) controller_->declare_phase(p);
}

namespace {
template <class T>
void put(std::ostream& out, const T& v) {
  out.write(reinterpret_cast<const char*>(&v), sizeof(T));
}
template <class T>
void get(std::istream& in, T& v) {
  in.read(reinterpret_cast<char*>(&v), sizeof(T));
}
}  // namespace

void Chip::save_state(std::ostream& out) const {
  for (const auto& t : tiles_) t->save_state(out);
  for (const auto& lh : layers_) {
    put(out, lh.weight_scale);
    put(out, lh.input_full_scale);
    put(out, lh.bias.size());
    out.write(reinterpret_cast<const char*>(lh.bias.data()),
              static_cast<std::streamsize>(lh.bias.size() * sizeof(float)));
    for (const periphery::Adc* a : {lh.adc.get(), lh.adc_backward.get()}) {
      const std::uint8_t has = a != nullptr && a->calibrated() ? 1 : 0;
      put(out, has);
      if (has) {
        put(out, a->input_min());
        put(out, a->input_max());
      }
    }
  }
}

void Chip::load_state(std::istream& in) {
  for (auto& t : tiles_) t->load_state(in);
  for (auto& lh : layers_) {
    get(in, lh.weight_scale);
    get(in, lh.input_full_scale);
    if (!std::isfinite(lh.weight_scale) || !std::isfinite(lh.input_full_scale)) {
      throw std::runtime_error("chip state: a layer scale that is not a finite number");
    }
    Eigen::Index n = 0;
    get(in, n);
    if (!in || n != lh.bias.size()) throw std::runtime_error("chip state: a bias of another shape");
    in.read(reinterpret_cast<char*>(lh.bias.data()), static_cast<std::streamsize>(n * sizeof(float)));
    if (!lh.bias.allFinite()) throw std::runtime_error("chip state: a bias that is not a finite number");
    for (periphery::Adc* a : {lh.adc.get(), lh.adc_backward.get()}) {
      std::uint8_t has = 0;  // written as 0 or 1 (a bool read from other bytes would be undefined)
      get(in, has);
      if (has > 1) throw std::runtime_error("chip state: a damaged ADC range flag");
      if (has == 1) {
        if (a == nullptr) throw std::runtime_error("chip state: an ADC range for an ADC this chip does not have");
        double lo = 0, hi = 0;
        get(in, lo);
        get(in, hi);
        if (!in || !std::isfinite(lo) || !std::isfinite(hi) || !(hi > lo)) {
          throw std::runtime_error("chip state: an ADC range that is not an interval");
        }
        a->set_range(lo, hi);
      }
    }
  }
  if (!in) throw std::runtime_error("chip state: truncated checkpoint");
}

void Chip::set_read_time(double seconds) {
  for (auto& t : tiles_) t->set_read_time(seconds);
}

double Chip::drift_readout(Phase phase, double seconds, std::vector<double>& r) {
  r.assign(tiles_.size(), 0.0);
  for (auto& t : tiles_) t->set_phase(phase);
  set_read_time(seconds);
  double slowest = 0.0;
  Eigen::MatrixXf out;
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    for (std::size_t k = 0; k < layers_[l].tiles.size(); ++k) {
      const TileSlice& s = layers_[l].slice(k);
      // One vector per active row: that row at the DAC's full code (drive 1), the others at 0.
      const Eigen::MatrixXf in = Eigen::MatrixXf::Identity(s.rows, s.rows);
      TileOp op;
      op.kind = TileOp::Kind::kForward;
      op.input = &in;
      op.output = &out;
      op.images = s.rows;
      op.planes = 1;
      controller_->issue(l, k, op);
      r[first_tile_[l] + k] =
          drift_model().readout(std::span<const float>(out.data(), static_cast<std::size_t>(out.size())));
      slowest = std::max(slowest, op.latency.to_seconds());
    }
  }
  set_read_time(spec_.time_since_programming);
  return slowest;
}

const devices::DriftReadout& Chip::drift_model() const {
  static const devices::GlobalDriftReadout kGlobal;
  const devices::DriftReadout* own = spec_.device->drift_readout();
  return own != nullptr ? *own : kGlobal;
}

void Chip::read_drift_reference() {
  if (spec_.drift_compensation == ChipSpec::DriftCompensation::kNone) {
    throw std::logic_error("chip: read_drift_reference without arch.drift_compensation");
  }
  for (auto& t : tiles_) t->set_drift_scale(1.0F);
  drift_ = DriftReport{};
  drift_.reference_time_s = drift_readout(Phase::kDriftReference, spec_.reference_read_time, drift_.reference);
  drift_.scale.assign(tiles_.size(), 1.0);
  has_drift_reference_ = true;
}

void Chip::compensate_drift() {
  if (spec_.drift_compensation == ChipSpec::DriftCompensation::kNone) {
    throw std::logic_error("chip: compensate_drift without arch.drift_compensation");
  }
  if (!has_drift_reference_) {
    throw std::logic_error("chip: compensate_drift needs read_drift_reference after programming");
  }
  drift_.now_time_s = drift_readout(Phase::kDriftCompensation, spec_.time_since_programming, drift_.now);
  const bool per_layer = spec_.drift_compensation == ChipSpec::DriftCompensation::kPerLayer;
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const std::size_t first = first_tile_[l];
    const std::size_t n = layers_[l].tiles.size();
    double ref = 0.0;
    double now = 0.0;
    for (std::size_t k = 0; k < n; ++k) {
      ref += drift_.reference[first + k];
      now += drift_.now[first + k];
    }
    for (std::size_t k = 0; k < n; ++k) {
      const double alpha = per_layer
                               ? drift_model().compensation_scale(ref, now)
                               : drift_model().compensation_scale(drift_.reference[first + k], drift_.now[first + k]);
      drift_.scale[first + k] = alpha;
      tiles_[first + k]->set_drift_scale(static_cast<float>(alpha));
    }
  }
}

void Chip::calibrate(const Eigen::MatrixXf& images, int batch) {
  // Calibration right after programming reads the arrays at the reference time.
  if (spec_.calibrate_at_programming) set_read_time(spec_.reference_read_time);
  calibrate_ranges(images, batch);
  set_read_time(spec_.time_since_programming);
}

void Chip::calibrate_ranges(const Eigen::MatrixXf& images, int batch) {
  Eigen::MatrixXf outputs;
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    LayerHardware& lh = layers_[l];
    // DAC full scale: the largest |input| the layer sees (pixels: their own largest magnitude,
    // which preprocessed pixels with data.preprocess.mean > 0 reach below 0, through a signed DAC;
    // hidden layers' inputs are ReLU outputs, >= 0).
    if (l == 0) {
      lh.input_full_scale = std::max(images.cwiseAbs().maxCoeff(), 1e-12F);
    } else {
      InferenceJob job;
      job.images = &images;
      job.batch = batch;
      job.phase = Phase::kCalibration;
      job.layers = static_cast<int>(l);
      outputs.resize(layers_[l - 1].shape.pooled().size(), images.cols());
      job.outputs = &outputs;
      controller_->run(job);
      lh.input_full_scale = std::max(outputs.maxCoeff(), 1e-12F);
    }
    if (spec_.adc_range_calibrated) {
      InferenceJob job;
      job.images = &images;
      job.batch = batch;
      job.phase = Phase::kCalibration;
      job.layers = static_cast<int>(l) + 1;
      job.bypass_adc_last = true;
      controller_->run(job);
      lh.adc->calibrate(std::max(job.raw_abs_max, 1e-15F));
    } else {
      lh.adc->calibrate(spec_.geometry.rows * spec_.unit_conductance() * spec_.read_voltage);
    }
  }
}

InferenceReport Chip::infer(const Eigen::MatrixXf& images, int batch, Progress* progress) {
  InferenceReport report;
  report.logits.resize(layers_.back().shape.pooled().size(), images.cols());
  InferenceJob job;
  job.images = &images;
  job.batch = batch;
  job.phase = Phase::kInference;
  job.outputs = &report.logits;
  job.progress = progress;
  controller_->run(job);
  report.total_cycles = controller_->last_job_cycles();
  report.latency_cycles = controller_->latency_cycles();
  for (const auto& s : controller_->stages()) report.stage_cycles.push_back(s.cycles_per_image);
  const Timeline& t = controller_->timeline();
  report.utilisation.emplace_back(t.buffer().name(), t.utilisation(t.buffer()));
  if (spec_.interconnect.modelled)
    report.utilisation.emplace_back(t.interconnect().name(), t.utilisation(t.interconnect()));
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const int li = static_cast<int>(l);
    report.utilisation.emplace_back(t.tiles(li).name(), t.utilisation(t.tiles(li)));
    report.utilisation.emplace_back(t.adders(li).name(), t.utilisation(t.adders(li)));
    report.bottleneck.push_back(t.bottleneck(li).name());
  }
  return report;
}

std::vector<Eigen::MatrixXf> Chip::held_weights() const {
  std::vector<Eigen::MatrixXf> out;
  for (const auto& lh : layers_) {
    // The first copy's devices (every copy holds the same weights, with its own noise).
    Eigen::MatrixXf w(lh.mapping.outputs, lh.mapping.inputs);
    for (std::size_t k = 0; k < lh.mapping.tiles.size(); ++k) {
      const TileSlice& s = lh.slice(k);
      layer_block(w, s) = lh.tiles[k]->array().held_weights().block(0, 0, s.rows, s.cols).transpose() *
                          (lh.weight_scale * lh.tiles[k]->drift_scale());
    }
    out.push_back(std::move(w));
  }
  return out;
}

void Chip::declare_area() const {
  const auto& g = spec_.geometry;
  const int groups = g.adcs_per_tile();
  const auto tiles = static_cast<std::uint64_t>(tiles_.size());
  const int device_cols = g.encoding == WeightEncoding::kDifferential ? 2 * g.weight_cols() : g.weight_cols() + 1;
  ledger_.declare_area("chip/tiles/array", spec_.cell_area * g.rows * device_cols, tiles,
                       fmt::format("rows x device columns x cell area ({} x {} cells; offset "
                                   "encoding counts its reference column)",
                                   g.rows, device_cols));
  ledger_.declare_area("chip/tiles/adc", spec_.adc->area().value, tiles * static_cast<std::uint64_t>(groups),
                       spec_.adc->area().source);
  ledger_.declare_area("chip/tiles/dac", spec_.dac->area().value, tiles * static_cast<std::uint64_t>(g.rows),
                       spec_.dac->area().source);
  ledger_.declare_area("chip/tiles/shift_add", spec_.shift_add->area().value,
                       tiles * static_cast<std::uint64_t>(groups), spec_.shift_add->area().source);
  ledger_.declare_area("chip/tiles/write_driver", spec_.write_driver->area().value,
                       tiles * static_cast<std::uint64_t>(g.rows + g.cols), spec_.write_driver->area().source);
  if (spec_.drift_compensation == ChipSpec::DriftCompensation::kPerTile) {
    // One array multiplier per shift-and-add (each scales the outputs it shift-adds): b rows of
    // b-bit adders, as its energy (arch/chip_spec.cpp).
    const int bits = spec_.shift_add->bits();
    ledger_.declare_area("chip/tiles/drift_scale", bits * spec_.shift_add->area().value,
                         tiles * static_cast<std::uint64_t>(groups),
                         fmt::format("{}-bit array multiplier: {} x the shift-and-add's area ({})", bits, bits,
                                     spec_.shift_add->area().source));
  }
  ledger_.declare_area("chip/buffer", spec_.buffer->area().value, 1, spec_.buffer->area().source);
  // Each layer's digital unit (arch/controller.cpp charges it as PHASE/layerN/digital): the
  // adders that sum the row tiles' partial sums (ChipSpec::adders: a full tree of (row tiles - 1)
  // x outputs unless arch.digital.adders_per_layer caps it; the timeline's reduce step takes
  // their cycles) and one add-and-compare per output for bias and activation, each a unit of the
  // shift-and-add card. The backward wave sums the column tiles' partial sums per input the same
  // way and reuses the units; a training chip has the larger of the two counts.
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const LayerMapping& m = layers_[l].mapping;
    const auto forward = static_cast<std::uint64_t>(spec_.adders(m.row_tiles, m.outputs) + m.outputs);
    const auto backward = spec_.trainable() ? static_cast<std::uint64_t>(spec_.adders(m.col_tiles, m.inputs) + m.inputs)
                                            : std::uint64_t{0};
    // Each copy of a duplicated convolution has its own units (its windows reduce in parallel).
    const std::uint64_t units = std::max(forward, backward) * static_cast<std::uint64_t>(layers_[l].copies);
    std::string count =
        spec_.trainable()
            ? fmt::format("max(adders {} + outputs {}, adders {} + inputs {})", spec_.adders(m.row_tiles, m.outputs),
                          m.outputs, spec_.adders(m.col_tiles, m.inputs), m.inputs)
            : fmt::format("adders {} + outputs {}", spec_.adders(m.row_tiles, m.outputs), m.outputs);
    if (layers_[l].copies > 1) count = fmt::format("{} copies x ({})", layers_[l].copies, count);
    ledger_.declare_area(fmt::format("chip/layer{}/digital", l), spec_.shift_add->area().value, units,
                         fmt::format("adder tree and bias/activation units, {} of the shift-and-add: {}", count,
                                     spec_.shift_add->area().source));
  }
  if (spec_.trainable()) {
    // Training: the error DACs drive every weight column; the transposed reads convert rows,
    // ceil(rows / mux) ADCs per tile (the same card); the SRAM accumulator. The drift-readout
    // ADC is the forward ADC with another range (no area of its own).
    ledger_.declare_area("chip/tiles/backward_dac", spec_.backward_dac->area().value,
                         tiles * static_cast<std::uint64_t>(g.weight_cols()), spec_.backward_dac->area().source);
    ledger_.declare_area("chip/tiles/backward_adc", spec_.backward_adc->area().value,
                         tiles * static_cast<std::uint64_t>(g.mux_groups(g.rows)), spec_.backward_adc->area().source);
    ledger_.declare_area("chip/accumulator", spec_.accumulator->area().value, 1, spec_.accumulator->area().source);
  }
}

}  // namespace xbarsim::arch
