#include "arch/tile.hpp"

#include <fmt/format.h>

#include <cmath>

#include "arch/module_path.hpp"

namespace xbarsim::arch {

const periphery::Dac& TileParts::dac_for(Phase phase) const {
  return phase == Phase::kBackward && dac_backward != nullptr ? *dac_backward : *dac;
}

const periphery::Adc& TileParts::adc_for(Phase phase) const {
  if (phase == Phase::kBackward && adc_backward != nullptr) return *adc_backward;
  if (is_drift_readout(phase) && adc_drift != nullptr) return *adc_drift;
  return *adc;
}

Tile::Tile(const sc_core::sc_module_name& name, const TileSlice& slice, const ArrayGeometry& geometry,
           const devices::Device& device, const TileParts& parts, Ledger& ledger, std::uint64_t seed)
    : sc_module(name),
      socket("socket"),
      slice_(slice),
      geometry_(geometry),
      device_(device),
      parts_(parts),
      ledger_(ledger),
      path_(ledger_path(*this)),
      rng_(seed),
      array_(geometry.rows, geometry.weight_cols(), geometry.encoding, device, rng_),
      clock_period_(parts.clock_period_s, sc_core::SC_SEC),
      g_quantum_(1e-9) {
  socket.register_b_transport(this, &Tile::b_transport);
  set_phase(Phase::kInference);
}

Tile::PhaseCounters Tile::declare_phase(Phase phase) {
  const std::string base = fmt::format("{}/{}", arch::name(phase), path_);
  const bool readout = is_drift_readout(phase);
  const periphery::Dac& dac = parts_.dac_for(phase);
  const periphery::Adc& adc = parts_.adc_for(phase);
  PhaseCounters c;
  c.adc_model = &adc;  // the ADC that converts in this phase is the one whose energy is charged
  c.readout = readout;
  c.dac = ledger_.declare(base + "/dac", "conversion", dac.energy_per_conversion().value,
                          dac.energy_per_conversion().source);
  // One read pulse through g_quantum_ at the read voltage: V^2 G t.
  c.array_read = ledger_.declare(base + "/array", "read_1nS",
                                 parts_.read_voltage * parts_.read_voltage * g_quantum_ * parts_.read_pulse,
                                 "V_read^2 x 1 nS x t_read (count = sum over driven rows of G x drive^2, in nS)");
  c.adc = ledger_.declare(base + "/adc", "conversion", adc.energy_per_conversion().value,
                          adc.energy_per_conversion().source);
  c.adc_clipped =
      ledger_.declare(base + "/adc", "clipped", 0.0, "no energy: conversions whose input fell outside the range");
  c.shift_add = ledger_.declare(base + "/shift_add", "add", parts_.shift_add->energy_per_op().value,
                                parts_.shift_add->energy_per_op().source);
  // Programming actions: device pulses and verify reads, and the write driver's line charging.
  const devices::ProgramOptions defaults;
  c.program_pulse = ledger_.declare(base + "/cells", "program_pulse", device_.energy_per_pulse_J(defaults),
                                    fmt::format("device {} energy per pulse", device_.name()));
  c.verify_read = ledger_.declare(base + "/cells", "verify_read", device_.energy_per_verify_read_J(),
                                  fmt::format("device {} verify read", device_.name()));
  c.line_charge = ledger_.declare(base + "/write_driver", "line_charge", parts_.write_driver->line_energy().value,
                                  parts_.write_driver->line_energy().source);
  if (parts_.drift_scale_per_tile && !readout) {
    c.drift_scale = ledger_.declare(base + "/drift_scale", "multiply", parts_.drift_scale_energy,
                                    fmt::format("{}-bit multiply of a tile output by its drift-compensation "
                                                "scale: {} shift-add operations (array multiplier)",
                                                parts_.shift_add->bits(), parts_.shift_add->bits()));
    c.has_drift_scale = true;
  }
  return c;
}

void Tile::set_phase(Phase phase) {
  current_phase_ = phase;
  std::optional<PhaseCounters>& counters = phases_[index(phase)];
  if (!counters) counters = declare_phase(phase);
  current_ = *counters;
}

long long Tile::cycles_per_image(int planes, Phase phase) const {
  const long long read = std::max(parts_.read_cycles, parts_.dac_for(phase).latency_cycles());
  const long long adc = parts_.adc_for(phase).latency_cycles();
  return planes * (read + geometry_.mux_ratio * adc) + parts_.shift_add->latency_cycles();
}

void Tile::save_state(std::ostream& out) const {
  array_.save_state(out);
  out << rng_.engine() << '\n';
}

void Tile::load_state(std::istream& in) {
  array_.load_state(in);
  in >> rng_.engine();
  in.ignore(1);
  array_.refresh(0.0, nullptr);
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

void Tile::run_mvm(TileOp& op, bool transpose) {
  const Eigen::MatrixXf& in = *op.input;
  Eigen::MatrixXf& out = *op.output;
  const auto vectors = static_cast<std::uint64_t>(in.cols());
  const int active_in = transpose ? slice_.cols : slice_.rows;
  const int active_out = transpose ? slice_.rows : slice_.cols;
  // Conductances at the read time: a fresh read-noise draw every operation, else drift only
  // (recomputed when the read time changed since the last refresh).
  const double t_read = parts_.time_since_programming;
  if (device_.has_read_noise()) {
    array_.refresh(t_read, &rng_);
  } else if (array_.refreshed_at() != t_read) {
    array_.refresh(t_read, nullptr);
  }

  // Analog MVM on the active block, in amperes: I = V_read x G^T x drive.
  const auto& g = array_.effective();
  out.resize(active_out, in.cols());
  if (transpose) {
    out.noalias() = g.block(0, 0, active_out, active_in) * in;
  } else {
    out.noalias() = g.block(0, 0, active_in, active_out).transpose() * in;
  }
  out *= static_cast<float>(parts_.read_voltage);
  op.raw_abs_max = out.size() > 0 ? out.cwiseAbs().maxCoeff() : 0.0F;
  // ADC: every column's current of every vector is one conversion, through the mux.
  const periphery::Adc& adc = *current_.adc_model;
  if (!op.bypass_adc) {
    const periphery::ClipCount clip =
        adc.quantize_values(std::span<const float>(out.data(), static_cast<std::size_t>(out.size())),
                            std::span<float>(out.data(), static_cast<std::size_t>(out.size())));
    ledger_.add(current_.adc_clipped, clip.total());
  }
  // Global drift compensation, digital after the ADC: the forward outputs times the tile's
  // scale (a scale of 1 leaves them unchanged). Per-tile mode charges one multiply per output
  // and image (the hardware scales the shift-added output, not each plane; linear, so scaling
  // the planes here gives the same value). Per-layer mode: every tile of the layer holds the
  // layer's scale, which the hardware folds into the layer's digital scale (nothing charged).
  if (!transpose && !current_.readout) {
    if (drift_scale_ != 1.0F) out *= drift_scale_;
    if (current_.has_drift_scale) {
      ledger_.add(current_.drift_scale, static_cast<std::uint64_t>(active_out) * static_cast<std::uint64_t>(op.images));
    }
  }

  // Array read energy: sum over vectors and driven rows of drive^2 x (sum of G on the row).
  double g_drive = 0.0;
  if (!transpose) {
    g_drive = static_cast<double>((array_.row_conductance_sum().head(active_in).transpose() * in.cwiseAbs2()).sum());
  } else {
    // Driving columns: each driven column sees its devices' conductances (and the reference).
    g_drive = static_cast<double>((array_.col_conductance_sum().head(active_in).transpose() * in.cwiseAbs2()).sum());
  }
  const int groups = geometry_.mux_groups(active_out);
  const int dac_per_vector = active_in;
  ledger_.add(current_.dac, static_cast<std::uint64_t>(dac_per_vector) * vectors);
  ledger_.add(current_.array_read, static_cast<std::uint64_t>(std::llround(g_drive / g_quantum_)));
  ledger_.add(current_.adc, static_cast<std::uint64_t>(groups) * geometry_.mux_ratio * vectors);
  ledger_.add(current_.shift_add, static_cast<std::uint64_t>(active_out) * vectors);

  op.per_image_latency = clock_period_ * static_cast<double>(cycles_per_image(op.planes, current_phase_));
  op.latency = op.per_image_latency * static_cast<double>(op.images);
}

Ledger::Counter Tile::pulse_counter(double epa) {
  if (epa == ledger_.action(current_.program_pulse).energy_per_action_J) return current_.program_pulse;
  for (const auto& [phase, e, c] : extra_pulses_) {
    if (phase == current_phase_ && e == epa) return c;
  }
  const Ledger::Counter c = ledger_.declare(fmt::format("{}/{}/cells", arch::name(current_phase_), path_),
                                            fmt::format("program_pulse[{:.6g} fJ]", epa * 1e15), epa,
                                            fmt::format("device {} energy per pulse of this width", device_.name()));
  extra_pulses_.emplace_back(current_phase_, epa, c);
  return c;
}

void Tile::run_program(TileOp& op) {
  // Only the slice's active cells: padding rows and columns are never programmed.
  op.tally = array_.program(*op.weights, op.program_options, op.only_changed, rng_);
  ledger_.add(pulse_counter(device_.energy_per_pulse_J(op.program_options)), op.tally.pulses);
  ledger_.add(current_.verify_read, op.tally.verify_reads);
  ledger_.add(current_.line_charge, op.tally.pulses);
  // Rows programmed in parallel by the write drivers share the device time.
  const double seconds = op.tally.time_s / static_cast<double>(parts_.write_driver->parallel_rows());
  op.latency = sc_core::sc_time(seconds, sc_core::SC_SEC);
  op.per_image_latency = sc_core::SC_ZERO_TIME;
}

void Tile::charge_programming(TileOp& op, const devices::ProgramOptions& opts, const devices::ProgramTally& t) {
  ledger_.add(pulse_counter(device_.energy_per_pulse_J(opts)), t.pulses);
  ledger_.add(current_.verify_read, t.verify_reads);
  ledger_.add(current_.line_charge, t.pulses);
  op.tally += t;
}

void Tile::run_program_cells(TileOp& op) {
  const CellBatch& b = *op.cells;
  op.tally = devices::ProgramTally{};
  for (const CellGroup& g : b.groups) {
    const std::size_t n = g.end - g.begin;
    const devices::ProgramTally t =
        array_.program_cells(std::span<const std::uint32_t>(b.index.data() + g.begin, n),
                             std::span<const float>(b.target_S.data() + g.begin, n), g.options, rng_);
    charge_programming(op, g.options, t);
  }
  if (!b.groups.empty()) array_.refresh(0.0, nullptr);
  op.latency =
      sc_core::sc_time(op.tally.time_s / static_cast<double>(parts_.write_driver->parallel_rows()), sc_core::SC_SEC);
  op.per_image_latency = sc_core::SC_ZERO_TIME;
}

void Tile::run_pulse(TileOp& op) {
  const CellBatch& b = *op.cells;
  op.tally = devices::ProgramTally{};
  const devices::ProgramTally t = array_.pulse_cells(b.index, b.pulses, rng_, b.verify_reads);
  charge_programming(op, devices::ProgramOptions{}, t);
  op.latency =
      sc_core::sc_time(op.tally.time_s / static_cast<double>(parts_.write_driver->parallel_rows()), sc_core::SC_SEC);
  op.per_image_latency = sc_core::SC_ZERO_TIME;
}

void Tile::run_refresh(TileOp& op) {
  op.tally = devices::ProgramTally{};
  const devices::ProgramTally t = array_.refresh_pairs(rng_);
  charge_programming(op, devices::ProgramOptions{}, t);
  op.latency =
      sc_core::sc_time(op.tally.time_s / static_cast<double>(parts_.write_driver->parallel_rows()), sc_core::SC_SEC);
  op.per_image_latency = sc_core::SC_ZERO_TIME;
}

}  // namespace xbarsim::arch
