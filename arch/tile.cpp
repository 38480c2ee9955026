#include "arch/tile.hpp"

#include <algorithm>
#include <cmath>
#include <span>

#include "arch/abs_quantile.hpp"
#include "core/parallel.hpp"

namespace xbarsim::arch {

Tile::Tile(const sc_core::sc_module_name& name, const TileSlice& slice, const ArrayGeometry& geometry,
           const devices::Device& device, const TileParts& parts, Ledger& ledger, std::uint64_t seed)
    : sc_module(name),
      socket("socket"),
      slice_(slice),
      geometry_(geometry),
      parts_(parts),
      rng_(seed),
      dac_("dac", parts_, ledger),
      array_("array", geometry, device, parts_, ledger, rng_),
      adc_("adc", parts_, ledger, geometry, seed),
      shift_add_("shift_add", parts_, ledger),
      cells_("cells", device, ledger),
      write_driver_("write_driver", parts_, ledger),
      drift_scaler_("drift_scale", parts_, ledger),
      clock_period_(parts.clock_period_s, sc_core::SC_SEC) {
  socket.register_b_transport(this, &Tile::b_transport);
  if (parts_.defects.any()) array_.cells().fabricate(parts_.defects, seed);
  range_sample_.reserve(static_cast<std::size_t>(kRangeSample));
  set_phase(Phase::kInference);
}

void Tile::set_phase(Phase phase) {
  current_phase_ = phase;
  dac_.set_phase(phase);
  array_.set_phase(phase);
  adc_.set_phase(phase);
  shift_add_.set_phase(phase);
  cells_.set_phase(phase);
  write_driver_.set_phase(phase);
  drift_scaler_.set_phase(phase);
}

long long Tile::cycles_per_image(int planes, Phase phase) const {
  const long long read = std::max(parts_.read_cycles, dac_.latency_cycles(phase));
  const long long convert = geometry_.mux_ratio * adc_.latency_cycles(phase);
  if (planes <= 0) return shift_add_.latency_cycles();
  // With sample-and-hold the next plane's read overlaps this plane's conversions; without, each
  // plane reads, then converts its columns through the mux.
  const long long sequence = adc_.samples_and_holds(phase) ? read + (planes - 1) * std::max(read, convert) + convert
                                                           : planes * (read + convert);
  return sequence + shift_add_.latency_cycles();
}

void Tile::save_state(std::ostream& out) const {
  array_.cells().save_state(out);
  out << rng_.engine() << '\n';
}

void Tile::load_state(std::istream& in) {
  array_.cells().load_state(in);
  in >> rng_.engine();
  in.ignore(1);
  array_.cells().refresh(0.0, nullptr);
}

void Tile::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  TileOp* op = nullptr;
  trans.get_extension(op);
  if (op == nullptr) {
    trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    return;
  }
  switch (op->kind) {
    case TileOp::Kind::kForward:
      run_mvm(*op, false);
      break;
    case TileOp::Kind::kTranspose:
      run_mvm(*op, true);
      break;
    case TileOp::Kind::kProgram:
      run_program(*op);
      break;
    case TileOp::Kind::kProgramCells:
      run_program_cells(*op);
      break;
    case TileOp::Kind::kPulse:
      run_pulse(*op);
      break;
    case TileOp::Kind::kRefresh:
      run_refresh(*op);
      break;
  }
  delay += op->latency;
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

bool Tile::reads_fused(const periphery::Dac& dac, int vectors, float range_quantile) const {
  return dac.encoding() == periphery::Dac::Encoding::kBitSerial && array_.reads_in_blocks() &&
         adc_.converts_in_blocks() && !(parts_.read_noise_per_image && vectors > 1) && range_quantile >= 1.0F;
}

void Tile::run_mvm(TileOp& op, bool transpose) {
  if (op.codes != nullptr) {
    run_fused(op, transpose);
    return;
  }
  const auto vectors = static_cast<std::uint64_t>(op.input->cols());
  const int active_in = transpose ? slice_.cols : slice_.rows;
  const int active_out = transpose ? slice_.rows : slice_.cols;
  Eigen::MatrixXf& out = *op.output;
  if (parts_.read_noise_per_image && op.images > 1) {
    array_.read_per_image(*op.input, out, sensed_, active_in, active_out, transpose, parts_.time_since_programming,
                          rng_, op.input->cols() / op.images);
  } else {
    array_.read(*op.input, out, sensed_, active_in, active_out, transpose, parts_.time_since_programming, rng_);
  }
  if (array_.senses_columns()) adc_.charge_columns(sensed_);
  op.raw_abs_max = out.size() > 0 ? out.cwiseAbs().maxCoeff() : 0.0F;
  op.raw_abs_quantile =
      op.range_quantile < 1.0F ? abs_quantile(out, op.range_quantile, kRangeSample, range_sample_) : op.raw_abs_max;
  // ADC: every column's current of every vector is one conversion, through the mux.
  adc_.quantize(out, op.bypass_adc, rng_);
  // Global drift compensation, digital after the ADC: the forward outputs times the tile's
  // scale (a scale of 1 leaves them unchanged). Per-tile mode charges one multiply per output
  // and image (the hardware scales the shift-added output, not each plane; linear, so scaling
  // the planes here gives the same value). Per-layer mode: every tile of the layer holds the
  // layer's scale, which the hardware folds into the layer's digital scale (nothing charged).
  if (!transpose && !is_drift_readout(current_phase_) && drift_scale_ != 1.0F) out *= drift_scale_;
  finish_read(op, transpose, vectors);
}

void Tile::run_fused(TileOp& op, bool transpose) {
  const periphery::Dac& dac = *op.dac;
  const int planes = dac.read_cycles();
  const int active_in = transpose ? slice_.cols : slice_.rows;
  const int active_out = transpose ? slice_.rows : slice_.cols;
  const bool scale = !transpose && !is_drift_readout(current_phase_) && drift_scale_ != 1.0F;
  // Shift-and-add: plane p weighs 2^p / max code.
  const auto max_code = static_cast<float>(dac.max_code());
  plane_weight_.resize(static_cast<std::size_t>(planes));
  for (int p = 0; p < planes; ++p) plane_weight_[static_cast<std::size_t>(p)] = std::ldexp(1.0F, p) / max_code;
  const periphery::ColumnTerm& term = adc_.column_term();
  constexpr std::size_t kBlock = periphery::ColumnTerm::kBlock;
  // Blocks of kFusedVectors vectors, the last taking the remainder too: no block is so small
  // that Eigen would take another product kernel than the materialized read's.
  const int blocks = std::max(1, op.vectors / kFusedVectors);
  const std::size_t elements =
      static_cast<std::size_t>(op.vectors) * static_cast<std::size_t>(planes) * static_cast<std::size_t>(active_out);
  array_.begin_read(parts_.time_since_programming, rng_);
  // An uncalibrated ADC throws here, on the calling thread, not inside the parallel blocks.
  if (!op.bypass_adc) adc_.quantize_block({});
  fused_units_.assign((elements + kBlock - 1) / kBlock, 0.0);
  fused_weights_.setZero(active_in, blocks);
  fused_max_.assign(static_cast<std::size_t>(blocks), 0.0F);
  fused_clipped_.assign(static_cast<std::size_t>(blocks), 0);
  XBARSIM_PRAGMA(omp parallel for schedule(static) if (elements >= kParallelMinElements))
  for (int b = 0; b < blocks; ++b) {
    // Scratch of each thread, grown to the largest block it met, then reused.
    thread_local Eigen::MatrixXf drive, out, sensed;
    thread_local Eigen::VectorXf weights;
    thread_local Eigen::RowVectorXf reference;
    const int v0 = b * kFusedVectors;
    const int nv = b == blocks - 1 ? op.vectors - v0 : kFusedVectors;
    const Eigen::Index w = static_cast<Eigen::Index>(nv) * planes;
    drive.resize(active_in, w);
    out.resize(active_out, w);
    sensed.resize(active_out, w);
    for (int v = 0; v < nv; ++v) {
      const std::span<const std::int32_t> seg(op.codes +
                                                  static_cast<std::size_t>(op.first_vector + v0 + v) * op.code_stride +
                                                  static_cast<std::size_t>(op.code_begin),
                                              static_cast<std::size_t>(active_in));
      for (int p = 0; p < planes; ++p) {
        dac.bit_plane(seg, p,
                      std::span<float>(drive.col(static_cast<Eigen::Index>(v) * planes + p).data(),
                                       static_cast<std::size_t>(active_in)));
      }
    }
    weights.setZero(active_in);
    array_.read_block(drive, out, sensed, weights, reference, active_in, active_out, transpose);
    fused_weights_.col(b) = weights;
    // The block starts at element v0 x planes x active_out of the operation's currents, a
    // multiple of kBlock: its column-term block sums are the whole operation's.
    term.block_units(std::span<const float>(sensed.data(), static_cast<std::size_t>(sensed.size())),
                     fused_units_.data() + static_cast<std::size_t>(v0) * static_cast<std::size_t>(planes) *
                                               static_cast<std::size_t>(active_out) / kBlock);
    fused_max_[static_cast<std::size_t>(b)] = out.size() > 0 ? out.cwiseAbs().maxCoeff() : 0.0F;
    if (!op.bypass_adc) {
      fused_clipped_[static_cast<std::size_t>(b)] =
          adc_.quantize_block(std::span<float>(out.data(), static_cast<std::size_t>(out.size()))).total();
    }
    if (scale) out *= drift_scale_;
    // Shift-and-add, the planes added in order.
    for (int v = 0; v < nv; ++v) {
      auto acc = op.accumulator->col(op.first_vector + v0 + v).segment(op.accumulator_row, active_out);
      for (int p = 0; p < planes; ++p) {
        acc += plane_weight_[static_cast<std::size_t>(p)] * out.col(static_cast<Eigen::Index>(v) * planes + p);
      }
    }
  }
  // The gatherings in block order: integer drive weights and clip counts, the column term's
  // block sums in double, as one read of the whole operation adds them.
  Eigen::VectorXf weights = Eigen::VectorXf::Zero(active_in);
  for (int b = 0; b < blocks; ++b) weights += fused_weights_.col(b);
  // Amplitude drives (reads_in_blocks): one line charge per unit of drive^2.
  array_.charge_drives(static_cast<std::uint64_t>(std::llround(weights.sum())), weights, active_in, active_out,
                       transpose);
  double units = 0.0;
  for (const double u : fused_units_) units += u;
  std::size_t clipped = 0;
  for (const std::size_t c : fused_clipped_) clipped += c;
  adc_.charge_blocks(clipped, units);
  op.raw_abs_max = fused_max_.empty() ? 0.0F : *std::max_element(fused_max_.begin(), fused_max_.end());
  op.raw_abs_quantile = op.raw_abs_max;
  finish_read(op, transpose, static_cast<std::uint64_t>(op.vectors) * static_cast<std::uint64_t>(planes));
}

void Tile::finish_read(TileOp& op, bool transpose, std::uint64_t vectors) {
  const int active_in = transpose ? slice_.cols : slice_.rows;
  const int active_out = transpose ? slice_.rows : slice_.cols;
  if (!transpose && !is_drift_readout(current_phase_) && drift_scaler_.charges()) {
    drift_scaler_.multiply(static_cast<std::uint64_t>(active_out) * static_cast<std::uint64_t>(op.images));
  }
  dac_.drive(active_in, vectors);
  adc_.convert(static_cast<std::uint64_t>(geometry_.mux_groups(active_out)) * geometry_.mux_ratio * vectors);
  shift_add_.add(static_cast<std::uint64_t>(active_out) * vectors);

  op.per_image_latency = clock_period_ * static_cast<double>(cycles_per_image(op.planes, current_phase_));
  op.latency = op.per_image_latency * static_cast<double>(op.images);
}

void Tile::charge_programming(TileOp& op, const devices::ProgramOptions& opts, const devices::ProgramTally& t) {
  cells_.charge(opts, t);
  // Each verify read drives one row through a DAC and converts one column; the cell's current
  // is the device's verify-read energy (cells), so no column term here.
  dac_.drive(1, t.verify_reads);
  adc_.convert(t.verify_reads);
  write_driver_.charge(t.pulses);
  op.tally += t;
}

void Tile::finish_programming(TileOp& op) const {
  // The write drivers' schedule of every call (CrossbarArray, WriteSchedule), one after another.
  op.latency = sc_core::sc_time(op.tally.wall_time_s, sc_core::SC_SEC);
  op.per_image_latency = sc_core::SC_ZERO_TIME;
}

void Tile::run_program(TileOp& op) {
  // Only the slice's active cells: padding rows and columns are never programmed.
  op.tally = devices::ProgramTally{};
  const devices::ProgramTally t = array_.cells().program(*op.weights, op.program_options, op.only_changed, rng_);
  charge_programming(op, op.program_options, t);
  finish_programming(op);
}

void Tile::run_program_cells(TileOp& op) {
  const CellBatch& b = *op.cells;
  op.tally = devices::ProgramTally{};
  for (const CellGroup& g : b.groups) {
    const std::size_t n = g.end - g.begin;
    const devices::ProgramTally t =
        array_.cells().program_cells(std::span<const std::uint32_t>(b.index.data() + g.begin, n),
                                     std::span<const float>(b.target_S.data() + g.begin, n), g.options, rng_);
    charge_programming(op, g.options, t);
  }
  if (!b.groups.empty()) array_.cells().refresh(0.0, nullptr);
  finish_programming(op);
}

void Tile::run_pulse(TileOp& op) {
  const CellBatch& b = *op.cells;
  op.tally = devices::ProgramTally{};
  charge_programming(
      op, devices::ProgramOptions{},
      array_.cells().pulse_cells(b.index, b.pulses, b.depress_index, b.depress_pulses, rng_, b.verify_reads));
  finish_programming(op);
}

void Tile::run_refresh(TileOp& op) {
  op.tally = devices::ProgramTally{};
  charge_programming(op, devices::ProgramOptions{}, array_.cells().refresh_pairs(rng_));
  finish_programming(op);
}

}  // namespace xbarsim::arch
