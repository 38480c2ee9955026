#include "arch/controller.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "arch/feature_maps.hpp"
#include "core/parallel.hpp"

namespace xbarsim::arch {

Controller::Controller(const sc_core::sc_module_name& name, const ChipSpec& spec, std::vector<LayerHardware>& layers,
                       Accumulator& buffer, Ledger& ledger)
    : sc_module(name),
      buffer_socket("buffer_socket"),
      spec_(spec),
      layers_(layers),
      buffer_(buffer),
      ledger_(ledger),
      period_(spec.clock_period_s(), sc_core::SC_SEC),
      timeline_(static_cast<int>(layers.size()), buffer.sram().ports(), spec.interconnect.modelled) {
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    first_socket_.push_back(tile_sockets.size());
    for (std::size_t k = 0; k < layers_[l].tiles.size(); ++k) {
      tile_sockets.push_back(std::make_unique<tlm_utils::simple_initiator_socket<Controller>>(
          fmt::format("tile_socket_{}_{}", l, k).c_str()));
    }
  }
  if (spec.accumulator) {
    accumulator_socket = std::make_unique<tlm_utils::simple_initiator_socket<Controller>>("accumulator_socket");
  }
  // Roughly one synchronization per batch: the quantum is far longer than a batch.
  tlm_utils::tlm_quantumkeeper::set_global_quantum(sc_core::sc_time(1, sc_core::SC_MS));
  qk_.reset();
  stages_.resize(layers_.size());
  steps_.resize(layers_.size());
  planes_.resize(2 * layers_.size());
  accs_.resize(2 * layers_.size());
  tile_outs_.resize(2 * tile_sockets.size());
  vec_in_.resize(layers_.size());
  SC_THREAD(thread);
}

void Controller::enable_trace(sc_core::sc_trace_file* tf) {
  trace_ = tf;
  layer_busy_ = std::make_unique<bool[]>(layers_.size());
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    layer_busy_[l] = false;
    sc_core::sc_trace(tf, layer_busy_[l], fmt::format("{}.layer{}_busy", name(), l));
  }
  sc_core::sc_trace(tf, phase_code_, std::string(name()) + ".phase");
}

void Controller::replay_trace() {
  std::stable_sort(events_.begin(), events_.end(),
                   [](const TraceEvent& a, const TraceEvent& b) { return a.cycle < b.cycle; });
  for (const TraceEvent& e : events_) {
    const sc_core::sc_time t = period_ * e.cycle;
    if (t > sc_core::sc_time_stamp()) wait(t - sc_core::sc_time_stamp());
    layer_busy_[static_cast<std::size_t>(e.layer)] = e.busy;
  }
  events_.clear();
  const sc_core::sc_time end = period_ * timeline_.job_end();
  if (end > sc_core::sc_time_stamp()) wait(end - sc_core::sc_time_stamp());
  phase_code_ = 0;
  wait(sc_core::SC_ZERO_TIME);
}

void Controller::run(InferenceJob& job) {
  // The first sc_start initializes the simulation; the thread must be waiting on start_ before
  // the notification, or it would be lost.
  if (!initialized_) {
    sc_core::sc_start(sc_core::SC_ZERO_TIME);
    initialized_ = true;
  }
  job_ = &job;
  backward_job_ = nullptr;
  start_.notify(sc_core::SC_ZERO_TIME);
  sc_core::sc_start();
}

void Controller::run(BackwardJob& job) {
  if (!initialized_) {
    sc_core::sc_start(sc_core::SC_ZERO_TIME);
    initialized_ = true;
  }
  job_ = nullptr;
  backward_job_ = &job;
  start_.notify(sc_core::SC_ZERO_TIME);
  sc_core::sc_start();
}

void Controller::set_phase(Phase phase) {
  for (auto& l : layers_) {
    for (Tile* t : l.tiles) t->set_phase(phase);
  }
  buffer_.set_phase(phase);
  if (const std::optional<DigitalCounters>& declared = phases_[index(phase)]) {
    current_ = *declared;
    return;
  }
  DigitalCounters c;
  const double add = spec_.shift_add->energy_per_op().value;
  const std::string& src = spec_.shift_add->energy_per_op().source;
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const std::string base = fmt::format("{}/layer{}", arch::name(phase), l);
    c.adder.push_back(ledger_.declare(base + "/digital", "partial_sum_add", add, src));
    c.activation.push_back(
        ledger_.declare(base + "/digital", "bias_activation", add, src + " (one add-and-compare per output)"));
    c.control.push_back(
        ledger_.declare(base + "/control", "tile_op", spec_.control_energy_per_op,
                        spec_.control_energy_per_op > 0.0
                            ? std::string("arch.control.energy_per_tile_op")
                            : std::string("no controller model: arch.control.energy_per_tile_op defaults to 0 (ISAAC's "
                                          "component table and NeuroSim's chip model have no controller row either)")));
  }
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const LayerShape& shape = layers_[l].shape;
    if (shape.pool == PoolKind::kNone) {
      c.pool.emplace_back();
      continue;
    }
    c.pool.emplace_back(ledger_.declare(
        fmt::format("{}/layer{}/digital", arch::name(phase), l), "pool", add,
        src + (shape.pool == PoolKind::kMax ? " (one compare per pooled value but the first)"
                                            : " (one add per pooled value and one scaling per output)")));
  }
  phases_[index(phase)] = c;
  current_ = c;
}

sc_core::sc_time Controller::issue(std::size_t layer, std::size_t k, TileOp& op) {
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  transport_tile(first_socket_[layer] + k, op, delay);
  return delay;
}

void Controller::transport_tile(std::size_t socket, TileOp& op, sc_core::sc_time& delay) {
  payload_.set_extension(&op);
  payload_.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  (*tile_sockets[socket])->b_transport(payload_, delay);
  payload_.clear_extension(&op);
  if (payload_.get_response_status() != tlm::TLM_OK_RESPONSE) {
    SC_REPORT_ERROR("xbarsim/controller", "tile operation failed");
  }
}

void Controller::transport_buffer(BufferOp& op, sc_core::sc_time& delay) {
  payload_.set_extension(&op);
  payload_.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  buffer_socket->b_transport(payload_, delay);
  payload_.clear_extension(&op);
}

void Controller::start(Phase phase) {
  set_phase(phase);
  phase_code_ = phase == Phase::kProgramming   ? 1
                : phase == Phase::kCalibration ? 2
                : phase == Phase::kInference   ? 3
                                               : 4;
  const double now = (sc_core::sc_time_stamp() + qk_.get_local_time()) / period_;
  timeline_.start(now);
  order_.clear();
  job_images_ = 0;
  for (StageTiming& s : stages_) s = StageTiming{};
}

void Controller::finish_job() {
  // The job's images through its layers on the shared resources (every batch has the same step
  // durations: the tiles' and the buffer's delays per image do not depend on the data).
  if (job_images_ > 0) schedule(job_images_);
  // Per layer: its steady interval, or with one image its own steps end to end.
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const double interval = timeline_.interval(static_cast<int>(l));
    const LayerSteps& d = steps_[l];
    stages_[l].cycles_per_image =
        std::llround(interval > 0.0 ? interval : (d.in() + d.compute + d.reduce + d.out()) * (order_.empty() ? 0 : 1));
  }
  last_job_cycles_ = std::llround(timeline_.job_end() - timeline_.job_start());
  // Latency: one image through the empty chip, the sum of its steps (in the job, the first
  // image may also wait behind the next images' prefetches).
  double latency = 0.0;
  for (const int l : order_) {
    const LayerSteps& d = steps_[static_cast<std::size_t>(l)];
    latency += d.in() + d.compute + d.reduce + d.out();
  }
  latency_cycles_ = std::llround(latency);
  if (trace_ != nullptr) {
    qk_.reset();
    replay_trace();
  } else {
    qk_.set(period_ * timeline_.job_end() - sc_core::sc_time_stamp());
    qk_.sync();
  }
}

void Controller::schedule(std::int64_t count) {
  timeline_.run(steps_, order_, count);
  if (trace_ == nullptr) return;
  const auto& spans = timeline_.spans();
  for (const int l : order_) {
    const Timeline::Span& s = spans[static_cast<std::size_t>(l)];
    if (s.end < s.begin) continue;
    events_.push_back({s.begin, l, true});
    events_.push_back({s.end, l, false});
  }
}

void Controller::thread() {
  while (true) {
    wait(start_);
    if (backward_job_ != nullptr) {
      start(backward_job_->phase);
      run_backward(*backward_job_);
      finish_job();
      continue;
    }
    InferenceJob& job = *job_;
    start(job.phase);
    const auto count = static_cast<std::size_t>(job.images->cols());
    for (std::size_t first = 0; first < count; first += static_cast<std::size_t>(job.batch)) {
      const int n = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(job.batch), count - first));
      run_batch(job, first, n);
      if (job.progress != nullptr) job.progress->update(first + static_cast<std::size_t>(n));
    }
    finish_job();
  }
}

void Controller::drive_planes(const periphery::Dac& dac, int dim, int first, int count, int begin, int len,
                              Eigen::MatrixXf& pl) const {
  const int planes = dac.read_cycles();
  const bool bit_serial = dac.encoding() == periphery::Dac::Encoding::kBitSerial;
  pl.resize(len, static_cast<Eigen::Index>(count) * planes);
  XBARSIM_PRAGMA(omp parallel for if (static_cast<std::size_t>(pl.size()) >= kParallelMinElements))
  for (int b = 0; b < count; ++b) {
    const std::span<const std::int32_t> seg(codes_.data() +
                                                static_cast<std::size_t>(first + b) * static_cast<std::size_t>(dim) +
                                                static_cast<std::size_t>(begin),
                                            static_cast<std::size_t>(len));
    for (int p = 0; p < planes; ++p) {
      std::span<float> dst(pl.col(static_cast<Eigen::Index>(b) * planes + p).data(), static_cast<std::size_t>(len));
      if (bit_serial) {
        dac.bit_plane(seg, p, dst);
      } else {
        dac.levels(seg, dst);
      }
    }
  }
}

void Controller::add_planes(const periphery::Dac& dac, const Eigen::MatrixXf& out, int begin, int len, int first,
                            int count) {
  const int planes = dac.read_cycles();
  const bool bit_serial = dac.encoding() == periphery::Dac::Encoding::kBitSerial;
  const auto max_code = static_cast<float>(dac.max_code());
  // Vectors in chunks shared by the threads; within a vector the planes add in plane order.
  constexpr int kChunk = 64;
  const int chunks = (count + kChunk - 1) / kChunk;
  XBARSIM_PRAGMA(omp parallel for if (static_cast<std::size_t>(out.size()) >= kParallelMinElements))
  for (int c = 0; c < chunks; ++c) {
    const int v0 = c * kChunk;
    const int nv = std::min(kChunk, count - v0);
    for (int p = 0; p < planes; ++p) {
      // Plane p's columns are p, p + planes, ...: a strided view, no copy.
      const float f = bit_serial ? std::ldexp(1.0F, p) / max_code : 1.0F;
      const Eigen::Map<const Eigen::MatrixXf, 0, Eigen::OuterStride<>> plane_out(
          out.data() + (static_cast<Eigen::Index>(v0) * planes + p) * len, len, nv,
          Eigen::OuterStride<>(static_cast<Eigen::Index>(len) * planes));
      acc_->block(begin, first + v0, len, nv) += f * plane_out;
    }
  }
}

double Controller::tile_wave(std::size_t l, TileOp::Kind kind, const periphery::Dac& dac, int dim, int rows,
                             int vectors, int images, bool raw, sc_core::sc_time delay, SeenCurrents& seen) {
  LayerHardware& layer = layers_[l];
  const bool forward = kind == TileOp::Kind::kForward;
  const int groups = forward ? layer.mapping.row_tiles : layer.mapping.col_tiles;
  const int copies = layer.copies;
  // Copy d takes the vectors [first_of(d), first_of(d + 1)): windows of the batch in runs.
  const auto first_of = [&](std::size_t d) {
    return static_cast<int>(static_cast<long long>(vectors) * static_cast<long long>(d) / copies);
  };
  // Fused reads: every tile takes the DAC codes and shift-adds its own planes (Tile::reads_fused).
  const auto range_quantile = static_cast<float>(spec_.range_quantile);
  const bool fused = spec_.fused_reads && std::all_of(layer.tiles.begin(), layer.tiles.end(), [&](const Tile* t) {
                       return t->reads_fused(dac, vectors, range_quantile);
                     });
  // 1. Otherwise the drive vectors: one set per copy and row tile (forward) or column tile
  // (transposed). Scratch kept per layer and direction (and per tile for the outputs), so that
  // a steady run allocates nothing: the sizes differ between layers, not between batches.
  std::vector<Eigen::MatrixXf>& planes = planes_[2 * l + (forward ? 0 : 1)];
  planes.resize(static_cast<std::size_t>(copies) * static_cast<std::size_t>(groups));
  acc_ = &accs_[2 * l + (forward ? 0 : 1)];
  for (std::size_t k = 0; k < layer.tiles.size() && !fused; ++k) {
    const TileSlice& t = layer.slice(k);
    if ((forward ? t.col_tile : t.row_tile) != 0) continue;
    const std::size_t d = layer.copy_of(k);
    drive_planes(
        dac, dim, first_of(d), first_of(d + 1) - first_of(d), forward ? t.row_begin : t.col_begin,
        forward ? t.rows : t.cols,
        planes[d * static_cast<std::size_t>(groups) + static_cast<std::size_t>(forward ? t.row_tile : t.col_tile)]);
  }
  // 2. One operation per tile; shift-and-add of the planes and partial sums across tiles.
  acc_->setZero(rows, vectors);
  double tile_cycles = 0.0;  // the slowest tile's delay per image (the layer's tiles work in parallel)
  for (std::size_t k = 0; k < layer.tiles.size(); ++k) {
    const TileSlice& t = layer.slice(k);
    const std::size_t d = layer.copy_of(k);
    const int first = first_of(d);
    const int n = first_of(d + 1) - first;
    TileOp op;
    op.kind = kind;
    Eigen::MatrixXf& tile_out = tile_outs_[2 * (first_socket_[l] + k) + (forward ? 0 : 1)];
    if (fused) {
      op.codes = codes_.data();
      op.code_stride = static_cast<std::size_t>(dim);
      op.code_begin = forward ? t.row_begin : t.col_begin;
      op.first_vector = first;
      op.vectors = n;
      op.dac = &dac;
      op.accumulator = acc_;
      op.accumulator_row = forward ? t.col_begin : t.row_begin;
    } else {
      op.input =
          &planes[d * static_cast<std::size_t>(groups) + static_cast<std::size_t>(forward ? t.row_tile : t.col_tile)];
      op.output = &tile_out;
    }
    op.images = n;
    op.planes = dac.read_cycles();
    op.bypass_adc = raw;
    op.range_quantile = range_quantile;
    sc_core::sc_time dl = delay;
    transport_tile(first_socket_[l] + k, op, dl);
    tile_cycles = std::max(tile_cycles, std::round((dl - delay) / period_ / images));
    seen.max = std::max(seen.max, op.raw_abs_max);
    seen.quantile = std::max(seen.quantile, op.raw_abs_quantile);
    if (!fused) add_planes(dac, tile_out, forward ? t.col_begin : t.row_begin, forward ? t.cols : t.rows, first, n);
  }
  return tile_cycles;
}

LayerSteps Controller::buffer_and_steps(sc_core::sc_time delay, long long read_values, long long write_values, int bits,
                                        int count, double compute, int partials, int reduced_outputs) {
  const auto per_batch = static_cast<std::uint64_t>(count);
  BufferOp rd;
  rd.kind = BufferOp::Kind::kRead;
  rd.bits = static_cast<std::uint64_t>(read_values) * per_batch * static_cast<std::uint64_t>(bits);
  BufferOp wr;
  wr.kind = BufferOp::Kind::kWrite;
  wr.bits = static_cast<std::uint64_t>(write_values) * per_batch * static_cast<std::uint64_t>(bits);
  transport_buffer(rd, delay);
  transport_buffer(wr, delay);
  // Per image: the buffer's cycles on one port, the interconnect's, the tiles' and the adders'.
  const auto in_bits = static_cast<std::uint64_t>(read_values) * static_cast<std::uint64_t>(bits);
  const auto out_bits = static_cast<std::uint64_t>(write_values) * static_cast<std::uint64_t>(bits);
  LayerSteps d;
  d.in_buffer = static_cast<double>(buffer_.cycles_for(in_bits));
  d.in_link = static_cast<double>(spec_.link_cycles(in_bits));
  d.compute = compute;
  d.reduce = static_cast<double>(spec_.reduce_cycles(partials, reduced_outputs));
  d.out_buffer = static_cast<double>(buffer_.cycles_for(out_bits));
  d.out_link = static_cast<double>(spec_.link_cycles(out_bits));
  return d;
}

void Controller::run_batch(InferenceJob& job, std::size_t first, int count) {
  const int n_layers = job.layers < 0 ? static_cast<int>(layers_.size()) : job.layers;
  const int act_bits = spec_.activation_bits();
  sc_core::sc_time delay = qk_.get_local_time();

  act_in_ = job.images->middleCols(static_cast<Eigen::Index>(first), count);
  if (order_.empty()) {
    for (int l = 0; l < n_layers; ++l) order_.push_back(l);
  }

  for (int l = 0; l < n_layers; ++l) {
    const auto lz = static_cast<std::size_t>(l);
    LayerHardware& layer = layers_[lz];
    const LayerShape& s = layer.shape;
    const int in = layer.mapping.inputs;
    const int out = layer.mapping.outputs;
    const int windows = s.windows();
    const int vectors = count * windows;
    const bool last = l == n_layers - 1;
    // The layer's input vectors: the features themselves (dense) or every window (convolution).
    if (s.is_conv()) im2col<float>(s, act_in_, vec_in_[lz]);
    const Eigen::MatrixXf& x = s.is_conv() ? vec_in_[lz] : act_in_;
    if (job.layer_inputs != nullptr) {
      auto& keep = (*job.layer_inputs)[lz];
      if (first == 0) keep.resize(in, job.images->cols() * windows);
      keep.middleCols(static_cast<Eigen::Index>(first) * windows, vectors) = x;
    }
    // The batch's largest |input| (negative only for preprocessed pixels, through a signed DAC).
    if (job.track_ranges) layer.input_full_scale = std::max(x.cwiseAbs().maxCoeff(), 1e-12F);
    // Range tracking starts with one raw (unquantized) batch to learn the ADC's range.
    const bool raw = (job.bypass_adc_last && last) || (job.track_ranges && !layer.adc->calibrated());

    // 1-2. Row DACs (the whole batch quantized at once), one operation per tile.
    codes_.resize(static_cast<std::size_t>(in) * static_cast<std::size_t>(vectors));
    spec_.dac->quantize(std::span<const float>(x.data(), codes_.size()), layer.input_full_scale, codes_);
    SeenCurrents seen;  // currents before the ADCs, over the layer's tiles
    const double tile_cycles =
        tile_wave(lz, TileOp::Kind::kForward, *spec_.dac, in, out, vectors, count, raw, delay, seen);
    const auto per_batch = static_cast<std::uint64_t>(vectors);
    ledger_.add(current_.adder[lz],
                static_cast<std::uint64_t>(layer.mapping.row_tiles - 1) * static_cast<std::uint64_t>(out) * per_batch);
    ledger_.add(current_.activation[lz], static_cast<std::uint64_t>(out) * per_batch);
    ledger_.add(current_.control[lz], layer.tiles.size());

    // 3. Digital: currents (A, in code units of the input) back to the layer's value units; bias,
    // ReLU; a convolution's vectors back to feature maps, then its pool.
    const float unit = static_cast<float>(spec_.read_voltage * spec_.unit_conductance());
    act_out_ = *acc_ * (layer.input_full_scale * layer.weight_scale / unit);
    act_out_.colwise() += layer.bias;
    const bool relu = s.relu && !(job.bypass_adc_last && last);
    if (s.is_conv()) {
      vectors_to_maps<float>(act_out_, windows, maps_);
      if (relu) maps_ = maps_.cwiseMax(0.0F);
      if (job.layer_outputs != nullptr) {
        auto& keep = (*job.layer_outputs)[lz];
        if (first == 0) keep.resize(s.out.size(), job.images->cols());
        keep.middleCols(static_cast<Eigen::Index>(first), count) = maps_;
      }
      if (s.pool != PoolKind::kNone) {
        pool_forward<float>(s, maps_, act_out_);
        ledger_.add(*current_.pool[lz], static_cast<std::uint64_t>(s.pool_ops()) * static_cast<std::uint64_t>(count));
      } else {
        act_out_.swap(maps_);
      }
    } else if (relu) {
      act_out_ = act_out_.cwiseMax(0.0F);
    }

    // 4. Buffer traffic (the inputs read with window reuse, the pooled outputs written) and the
    // layer's step durations per image.
    steps_[lz] = buffer_and_steps(delay, s.buffer_reads(), s.pooled().size(), act_bits, count, tile_cycles,
                                  layer.mapping.row_tiles, out);

    if (raw) job.raw_abs_max = std::max(job.raw_abs_max, seen.max);
    if (job.track_ranges) {
      layer.adc->calibrate(std::max(seen.quantile, 1e-15F) * static_cast<float>(spec_.range_headroom));
    }
    std::swap(act_in_, act_out_);
  }
  job_images_ += count;  // scheduled at the job's end (finish_job)
  if (job.outputs != nullptr) {
    job.outputs->middleCols(static_cast<Eigen::Index>(first), count) = act_in_;
  }
}

}  // namespace xbarsim::arch

namespace xbarsim::arch {

void Controller::run_backward(BackwardJob& job) {
  const int n_layers = static_cast<int>(layers_.size());
  auto& errors = *job.errors;
  errors.resize(layers_.size());
  errors.back() = *job.output_error;
  const auto count = static_cast<int>(job.output_error->cols()) / layers_.back().shape.windows();
  const periphery::Dac& dac = *spec_.backward_dac;
  const int err_bits = dac.bits();
  sc_core::sc_time delay = qk_.get_local_time();
  for (int l = n_layers - 1; l >= 1; --l) order_.push_back(l);

  for (int l = n_layers - 1; l >= 1; --l) {
    const auto lz = static_cast<std::size_t>(l);
    LayerHardware& layer = layers_[lz];
    const LayerShape& s = layer.shape;
    const LayerShape& below = layers_[lz - 1].shape;
    const int in = layer.mapping.inputs;
    const int out = layer.mapping.outputs;
    const Eigen::MatrixXf& d = errors[lz];
    const auto vectors = static_cast<int>(d.cols());
    Eigen::MatrixXf& prev = errors[lz - 1];
    // 1. Column DACs: signed error codes, one drive vector per input vector and bit plane. Full
    // scale: each vector's own max |e| (per_image) or the batch's (per_batch); an all-zero error
    // vector gets full scale 1 (its codes are 0 either way).
    error_fs_.resize(vectors);
    if (spec_.error_scale_per_image) {
      error_fs_ = d.cwiseAbs().colwise().maxCoeff().transpose();
    } else {
      error_fs_.setConstant(d.cwiseAbs().maxCoeff());
    }
    if (!(error_fs_.maxCoeff() > 0.0F)) {
      prev.setZero(layers_[lz - 1].mapping.outputs, static_cast<Eigen::Index>(count) * below.windows());
      steps_[lz] = LayerSteps{};  // nothing driven: no time
      continue;
    }
    error_fs_ = (error_fs_.array() > 0.0F).select(error_fs_, 1.0F);
    codes_.resize(static_cast<std::size_t>(out) * static_cast<std::size_t>(vectors));
    const auto out_z = static_cast<std::size_t>(out);
    for (int j = 0; j < vectors; ++j) {
      const auto at = static_cast<std::size_t>(j) * out_z;
      dac.quantize(std::span<const float>(d.data() + at, out_z), error_fs_(j),
                   std::span<std::int32_t>(codes_).subspan(at, out_z));
    }
    // 2. Transposed reads; partial sums across column tiles.
    const bool raw = !layer.adc_backward->calibrated();
    SeenCurrents seen;
    const double tile_cycles = tile_wave(lz, TileOp::Kind::kTranspose, dac, out, in, vectors, count, raw, delay, seen);
    layer.adc_backward->calibrate(std::max(seen.quantile, 1e-15F) * static_cast<float>(spec_.range_headroom));
    const auto per_batch = static_cast<std::uint64_t>(vectors);
    ledger_.add(current_.adder[lz],
                static_cast<std::uint64_t>(layer.mapping.col_tiles - 1) * static_cast<std::uint64_t>(in) * per_batch);
    ledger_.add(current_.activation[lz], static_cast<std::uint64_t>(in) * per_batch);
    ledger_.add(current_.control[lz], layer.tiles.size());

    // 3. Digital: W^T d in value units; a convolution's window errors summed back onto its input
    // map (the transposed convolution); then back through the layer below's pool and ReLU.
    const float unit = static_cast<float>(spec_.read_voltage * spec_.unit_conductance());
    if (!below.is_conv()) {
      // Dense below (so dense here): the ReLU derivative of this layer's input.
      const Eigen::MatrixXf& x = (*job.layer_inputs)[lz];
      if (below.relu) {
        prev = (*acc_ * error_fs_.asDiagonal() * (layer.weight_scale / unit))
                   .cwiseProduct((x.array() > 0.0F).cast<float>().matrix());
      } else {
        prev = *acc_ * error_fs_.asDiagonal() * (layer.weight_scale / unit);
      }
    } else {
      act_out_ = *acc_ * error_fs_.asDiagonal() * (layer.weight_scale / unit);
      if (s.is_conv()) {
        col2im<float>(s, act_out_, maps_);
      } else {
        maps_.swap(act_out_);
      }
      const Eigen::MatrixXf& y = (*job.layer_outputs)[lz - 1];  // below's output before its pool
      if (below.pool != PoolKind::kNone) {
        pool_backward<float>(below, y, maps_, pooled_);
        maps_.swap(pooled_);
        ledger_.add(*current_.pool[lz - 1],
                    static_cast<std::uint64_t>(below.pool_ops()) * static_cast<std::uint64_t>(count));
      }
      if (below.relu) maps_ = (y.array() > 0.0F).select(maps_, 0.0F);
      maps_to_vectors<float>(maps_, below.out.channels, prev);
    }

    // 4. Buffer traffic (errors in, errors out) and the layer's step durations per image.
    steps_[lz] = buffer_and_steps(delay, static_cast<long long>(out) * s.windows(), s.in.size(), err_bits, count,
                                  tile_cycles, layer.mapping.col_tiles, in);
  }
  job_images_ += count;  // scheduled at the job's end (finish_job)
}

}  // namespace xbarsim::arch
