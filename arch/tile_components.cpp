#include "arch/tile_components.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <span>
#include <stdexcept>
#include <utility>

#include "arch/module_path.hpp"
#include "core/parallel.hpp"

namespace xbarsim::arch {

const periphery::Dac& TileParts::dac_for(Phase phase) const {
  return phase == Phase::kBackward && dac_backward != nullptr ? *dac_backward : *dac;
}

const periphery::Adc& TileParts::adc_for(Phase phase) const {
  if (phase == Phase::kBackward && adc_backward != nullptr) return *adc_backward;
  if (is_drift_readout(phase) && adc_drift != nullptr) return *adc_drift;
  return *adc;
}

TileComponent::TileComponent(const sc_core::sc_module_name& name, Ledger& ledger) : sc_module(name), ledger_(ledger) {}

std::string TileComponent::component(Phase phase) const {
  return fmt::format("{}/{}", arch::name(phase), ledger_path(*this));
}

OneActionPart::OneActionPart(const sc_core::sc_module_name& name, const TileParts& parts, Ledger& ledger,
                             std::string action)
    : TileComponent(name, ledger), parts_(parts), action_(std::move(action)) {}

void OneActionPart::set_phase(Phase phase) {
  std::optional<Ledger::Counter>& c = phases_[index(phase)];
  if (!c) {
    const periphery::Figure& e = energy_of(phase);
    c = ledger_.declare(component(phase), action_, e.value, e.source);
  }
  current_ = *c;
}

ArrayCore::ArrayCore(const sc_core::sc_module_name& name, const ArrayGeometry& geometry, const devices::Device& device,
                     const TileParts& parts, Ledger& ledger, Rng& rng)
    : TileComponent(name, ledger),
      device_(device),
      parts_(parts),
      array_(geometry.rows, geometry.weight_cols(), geometry.encoding, device, rng,
             parts.write_driver ? parts.write_driver->parallel_rows() : 1,
             parts.write_driver ? parts.write_driver->parallel_columns() : 1) {
  if (parts.ir_drop.enabled) wires_.emplace(parts.ir_drop);
}

void ArrayCore::set_phase(Phase phase) {
  std::optional<Counters>& c = phases_[index(phase)];
  if (!c) {
    const std::string path = component(phase);
    const double v2 = parts_.read_voltage * parts_.read_voltage;
    Counters k{};
    k.senses = parts_.adc_for(phase).column_term().has_value();
    k.nonnegative_drive = !parts_.dac_for(phase).is_signed();
    k.pulse_width_drive = parts_.dac_for(phase).encoding() == periphery::Dac::Encoding::kPulseWidth;
    // One read pulse through kReadQuantum_S at the read voltage: V^2 G t.
    k.cell_current = ledger_.declare(
        path, "read_1nS", v2 * kReadQuantum_S * parts_.read_pulse,
        fmt::format("V_read^2 x 1 nS x t_read (count = sum over driven lines of G x {}, in nS{})",
                    k.pulse_width_drive ? "|drive|, the fraction of the full pulse t_read the pulse-width drive lasts"
                                        : "drive^2",
                    k.senses ? ", of the cells off the converted lines: the ADC's column term charges those" : ""));
    const bool columns = phase == Phase::kBackward;
    const double c_line = columns ? parts_.col_line_capacitance : parts_.row_line_capacitance;
    k.line = ledger_.declare(
        path, "line_charge", c_line * v2,
        fmt::format("C_line V_read^2 per driven {} and vector ({}): {:.6g} F ({} line, "
                    "arch.array.line_capacitance_per_cell x cells on it), V_read={:g} V; NeuroSim SubArray.cpp charges "
                    "the driven lines the same way",
                    columns ? "column" : "row", k.pulse_width_drive ? "once per pulse" : "x drive^2", c_line,
                    columns ? "column" : "row", parts_.read_voltage));
    if (wires_) {
      if (k.pulse_width_drive) throw std::logic_error("ir_drop: pulse-width drives are not modelled");
      k.wire = ledger_.declare(
          path, "wire_1nS", v2 * kReadQuantum_S * parts_.read_pulse,
          fmt::format(
              "V_read^2 x 1 nS x t_read (count = sum over vectors of d^T Q d in nS: the row and column wires' "
              "dissipation of the drive d, Q from the IR-drop solve at {:g} ohm per cell, docs/arch/ir_drop.md)",
              parts_.ir_drop.wire_resistance_per_cell));
    }
    c = k;
  }
  current_ = *c;
}

using Matrix = CrossbarArray::Matrix;

namespace {

// f(first column, columns) over chunks of at least kChunkColumns of n columns, shared by the
// threads (core/parallel.hpp). The chunks depend on n alone, never on the thread count, and each
// is large enough for Eigen's blocked product: every column's result is the same on any number
// of threads.
template <class F>
void for_column_chunks(Eigen::Index n, F&& f) {
  constexpr Eigen::Index kChunkColumns = 2048;
  const Eigen::Index chunks = std::max<Eigen::Index>(1, n / kChunkColumns);
  XBARSIM_PRAGMA(omp parallel for if (chunks > 1))
  for (Eigen::Index c = 0; c < chunks; ++c) {
    const Eigen::Index c0 = n * c / chunks;
    f(c0, n * (c + 1) / chunks - c0);
  }
}

}  // namespace

void ArrayCore::drive_weights(const Eigen::MatrixXf& in, Eigen::VectorXf& weights) const {
  // Column by column (contiguous, vectorized down the rows): Eigen's rowwise() reduction of a
  // short, wide column-major block walks it row by row, 15 % of an in-situ LeNet-5 profile.
  weights.setZero(in.rows());
  if (current_.pulse_width_drive) {
    for (Eigen::Index j = 0; j < in.cols(); ++j) weights += in.col(j).cwiseAbs();
  } else {
    for (Eigen::Index j = 0; j < in.cols(); ++j) weights += in.col(j).cwiseAbs2();
  }
}

std::uint64_t ArrayCore::line_charges(const Eigen::MatrixXf& in, const Eigen::VectorXf& weights) const {
  if (current_.pulse_width_drive) return static_cast<std::uint64_t>((in.array() != 0.0F).count());
  return static_cast<std::uint64_t>(std::llround(weights.sum()));
}

const Eigen::VectorXd& ArrayCore::unsensed_conductance(int active_in, int active_out, bool transpose) {
  const int k = transpose ? 1 : 0;
  UnsensedCache& c = unsensed_[k];
  if (c.version != array_.version() || c.values.size() != active_in) {
    const Matrix& s = array_.sense();
    const Eigen::VectorXf& line_g = transpose ? array_.col_conductance_sum() : array_.row_conductance_sum();
    const Eigen::VectorXd converted =
        transpose ? Eigen::VectorXd(s.block(0, 0, active_out, active_in).cast<double>().colwise().sum().transpose())
                  : Eigen::VectorXd(s.block(0, 0, active_in, active_out).cast<double>().rowwise().sum());
    c.values = line_g.head(active_in).cast<double>() - converted;
    c.version = array_.version();
  }
  return c.values;
}

void ArrayCore::begin_read(double t_read, Rng& rng) {
  if (device_.has_read_noise()) {
    array_.refresh(t_read, &rng);
  } else if (array_.refreshed_at() != t_read) {
    array_.refresh(t_read, nullptr);
  }
}

void ArrayCore::product(const Matrix& g, const Eigen::Ref<const Matrix>& in, Eigen::Ref<Matrix> out, int active_in,
                        int active_out, bool transpose) const {
  if (transpose) {
    out.noalias() = g.block(0, 0, active_out, active_in) * in;
  } else {
    out.noalias() = g.block(0, 0, active_in, active_out).transpose() * in;
  }
  out *= static_cast<float>(parts_.read_voltage);
}

void ArrayCore::read(const Eigen::MatrixXf& in, Eigen::MatrixXf& out, Eigen::MatrixXf& sensed, int active_in,
                     int active_out, bool transpose, double t_read, Rng& rng) {
  begin_read(t_read, rng);
  // Analog MVM on the active block, in amperes: I = V_read x G^T x drive, or through the wires
  // I = V_read x T^T x drive (ArrayWires) with their dissipation charged.
  const Matrix* gp = &array_.effective();
  if (wires_) {
    if (transpose) throw std::logic_error("ir_drop: transposed reads are not modelled");
    wires_->update(array_);
    gp = &wires_->read_matrix();
    const double q = wires_->wire_conductance(in, active_in);
    ledger_.add(current_.wire, static_cast<std::uint64_t>(std::llround(std::max(q, 0.0) / kReadQuantum_S)));
  }
  const Matrix& g = *gp;
  out.resize(active_out, in.cols());
  for_column_chunks(in.cols(), [&](Eigen::Index c0, Eigen::Index w) {
    product(g, in.middleCols(c0, w), out.middleCols(c0, w), active_in, active_out, transpose);
  });
  if (senses_columns()) {
    read_sensed(in, out, sensed, active_in, active_out, transpose);
    return;
  }
  // Line charging, and the cell current: sum over vectors and driven lines of the drive weight
  // (drive^2, or |drive| for a pulse width) x (sum of G on the line); a driven row sees its
  // devices' conductances and the reference's.
  const Eigen::VectorXf& line_g = transpose ? array_.col_conductance_sum() : array_.row_conductance_sum();
  double g_drive = 0.0;
  if (current_.pulse_width_drive) {
    ledger_.add(current_.line, static_cast<std::uint64_t>((in.array() != 0.0F).count()));
    g_drive = static_cast<double>((line_g.head(active_in).transpose() * in.cwiseAbs()).sum());
  } else {
    ledger_.add(current_.line, static_cast<std::uint64_t>(std::llround(in.squaredNorm())));
    g_drive = static_cast<double>((line_g.head(active_in).transpose() * in.cwiseAbs2()).sum());
  }
  ledger_.add(current_.cell_current, static_cast<std::uint64_t>(std::llround(g_drive / kReadQuantum_S)));
}

void ArrayCore::read_per_image(const Eigen::MatrixXf& in, Eigen::MatrixXf& out, Eigen::MatrixXf& sensed, int active_in,
                               int active_out, bool transpose, double t_read, Rng& rng,
                               Eigen::Index vectors_per_image) {
  const Eigen::Index n = in.cols();
  if (!device_.has_read_noise() || vectors_per_image <= 0 || vectors_per_image >= n) {
    read(in, out, sensed, active_in, active_out, transpose, t_read, rng);
    return;
  }
  out.resize(active_out, n);
  if (senses_columns()) sensed.resize(active_out, n);
  // Scratch of one image's size: allocated on the first image, reused after (a last, shorter
  // image reallocates once).
  for (Eigen::Index c0 = 0; c0 < n; c0 += vectors_per_image) {
    const Eigen::Index w = std::min(vectors_per_image, n - c0);
    image_in_ = in.middleCols(c0, w);
    read(image_in_, image_out_, image_sensed_, active_in, active_out, transpose, t_read, rng);
    out.middleCols(c0, w) = image_out_;
    if (senses_columns()) sensed.middleCols(c0, w) = image_sensed_;
  }
}

void ArrayCore::charge_drives(std::uint64_t line_charges, const Eigen::VectorXf& weights, int active_in, int active_out,
                              bool transpose) {
  ledger_.add(current_.line, line_charges);
  const double g_drive = unsensed_conductance(active_in, active_out, transpose).dot(weights.cast<double>());
  ledger_.add(current_.cell_current, static_cast<std::uint64_t>(std::llround(std::max(g_drive, 0.0) / kReadQuantum_S)));
}

void ArrayCore::sense(const Eigen::Ref<const Matrix>& in, const Eigen::Ref<const Matrix>& out,
                      Eigen::Ref<Matrix> sensed, int active_in, int active_out, bool transpose,
                      Eigen::RowVectorXf& reference) const {
  if (!transpose && current_.nonnegative_drive && array_.encoding() == WeightEncoding::kOffset && !wires_) {
    // Offset encoding, non-negative drives: G = G_eff + G_ref, so the activated conductance is
    // out / V_read + G_ref x (sum of the drives), without a second product.
    reference.noalias() = in.colwise().sum() * static_cast<float>(array_.reference_conductance());
    sensed.noalias() = out * static_cast<float>(1.0 / parts_.read_voltage) + reference.replicate(active_out, 1);
    return;
  }
  const Matrix& s = array_.sense();
  if (transpose) {
    sensed.noalias() = s.block(0, 0, active_out, active_in) * in.cwiseAbs();
  } else {
    sensed.noalias() = s.block(0, 0, active_in, active_out).transpose() * in.cwiseAbs();
  }
}

void ArrayCore::read_sensed(const Eigen::MatrixXf& in, const Eigen::MatrixXf& out, Eigen::MatrixXf& sensed,
                            int active_in, int active_out, bool transpose) {
  // Per driven line, the drive weight summed over the vectors: the line charging, and the
  // current of the cells off the converted lines (reference column, lines the tile does not
  // use), which the array charges; the ADC charges the cells on the converted lines from `sensed`.
  drive_weights(in, drive_weight_);
  charge_drives(line_charges(in, drive_weight_), drive_weight_, active_in, active_out, transpose);
  sensed.resize(active_out, in.cols());
  if (!transpose && current_.nonnegative_drive && array_.encoding() == WeightEncoding::kOffset && !wires_) {
    sense(in, out, sensed, active_in, active_out, transpose, reference_);
    return;
  }
  for_column_chunks(in.cols(), [&](Eigen::Index c0, Eigen::Index w) {
    sense(in.middleCols(c0, w), out.middleCols(c0, w), sensed.middleCols(c0, w), active_in, active_out, transpose,
          reference_);
  });
}

void ArrayCore::read_block(const Eigen::Ref<const Matrix>& in, Eigen::Ref<Matrix> out, Eigen::Ref<Matrix> sensed,
                           Eigen::VectorXf& weights, Eigen::RowVectorXf& reference, int active_in, int active_out,
                           bool transpose) const {
  product(array_.effective(), in, out, active_in, active_out, transpose);
  for (Eigen::Index j = 0; j < in.cols(); ++j) weights += in.col(j).cwiseAbs2();
  sense(in, out, sensed, active_in, active_out, transpose, reference);
}

AdcBank::AdcBank(const sc_core::sc_module_name& name, const TileParts& parts, Ledger& ledger,
                 const ArrayGeometry& geometry, std::uint64_t seed)
    : TileComponent(name, ledger), parts_(parts), geometry_(geometry), seed_(seed) {}

const std::vector<periphery::AdcTransfer>& AdcBank::transfers(int side, const periphery::Adc& adc) {
  std::vector<periphery::AdcTransfer>& t = transfers_[static_cast<std::size_t>(side)];
  if (t.empty()) {
    if (adc.errors().per_instance()) {
      const int lines = side == 0 ? geometry_.weight_cols() : geometry_.rows;
      Rng rng(seed_, 0xadc0ULL + static_cast<std::uint64_t>(side));
      for (int k = 0; k < geometry_.mux_groups(lines); ++k) t.push_back(adc.draw_transfer(&rng));
    } else {
      t.push_back(adc.draw_transfer(nullptr));
    }
  }
  return t;
}

void AdcBank::set_phase(Phase phase) {
  std::optional<Counters>& c = phases_[index(phase)];
  if (!c) {
    // The ADC that converts in this phase is the one whose energy is charged.
    const periphery::Adc& adc = parts_.adc_for(phase);
    const std::string path = component(phase);
    c = Counters{
        .conversion =
            ledger_.declare(path, "conversion", adc.energy_per_conversion().value, adc.energy_per_conversion().source),
        .clipped = ledger_.declare(path, "clipped", 0.0, "no energy: conversions whose input fell outside the range"),
        .column = 0,
        .model = &adc,
        .transfers = nullptr};
    if (adc.has_errors()) {
      const int side = phase == Phase::kBackward && parts_.adc_backward != nullptr ? 1 : 0;
      c->transfers = &transfers(side, adc);
    }
    if (const auto& term = adc.column_term()) {
      c->column = ledger_.declare(path, "column_1nS", term->energy_at_1nS, term->source);
    }
  }
  current_ = *c;
}

void AdcBank::quantize(Eigen::MatrixXf& values, bool bypass, Rng& rng) {
  if (bypass) return;
  const auto n = static_cast<std::size_t>(values.size());
  const std::span<const float> in(values.data(), n);
  const std::span<float> out(values.data(), n);
  const periphery::ClipCount clip =
      current_.transfers == nullptr
          ? current_.model->quantize_values(in, out)
          : current_.model->quantize_values(in, out, static_cast<std::size_t>(values.rows()), *current_.transfers, rng);
  ledger_.add(current_.clipped, clip.total());
}

void AdcBank::charge_columns(const Eigen::MatrixXf& sensed) {
  const double units = current_.model->column_term()->units(
      std::span<const float>(sensed.data(), static_cast<std::size_t>(sensed.size())));
  ledger_.add(current_.column, static_cast<std::uint64_t>(std::llround(units)));
}

CellWrites::CellWrites(const sc_core::sc_module_name& name, const devices::Device& device, Ledger& ledger)
    : TileComponent(name, ledger), device_(device) {}

void CellWrites::set_phase(Phase phase) {
  current_phase_ = phase;
  std::optional<Counters>& c = phases_[index(phase)];
  if (!c) {
    const std::string path = component(phase);
    const devices::ProgramOptions defaults;
    c = Counters{.program_pulse = ledger_.declare(path, "program_pulse", device_.energy_per_pulse_J(defaults),
                                                  fmt::format("device {} energy per pulse", device_.name())),
                 .verify_read = ledger_.declare(path, "verify_read", device_.energy_per_verify_read_J(),
                                                fmt::format("device {} verify read", device_.name()))};
  }
  current_ = *c;
}

Ledger::Counter CellWrites::pulse_counter(double epa) {
  if (epa == ledger_.action(current_.program_pulse).energy_per_action_J) return current_.program_pulse;
  for (const auto& [phase, e, c] : extra_pulses_) {
    if (phase == current_phase_ && e == epa) return c;
  }
  const Ledger::Counter c =
      ledger_.declare(component(current_phase_), fmt::format("program_pulse[{:.6g} fJ]", epa * 1e15), epa,
                      fmt::format("device {} energy per pulse of this width", device_.name()));
  extra_pulses_.emplace_back(current_phase_, epa, c);
  return c;
}

void CellWrites::charge(const devices::ProgramOptions& opts, const devices::ProgramTally& t) {
  ledger_.add(pulse_counter(device_.energy_per_pulse_J(opts)), t.pulses);
  ledger_.add(current_.verify_read, t.verify_reads);
}

DriftScaler::DriftScaler(const sc_core::sc_module_name& name, const TileParts& parts, Ledger& ledger)
    : TileComponent(name, ledger), parts_(parts) {}

void DriftScaler::set_phase(Phase phase) {
  if (!parts_.drift_scale_per_tile || is_drift_readout(phase)) {
    current_.reset();
    return;
  }
  std::optional<Ledger::Counter>& c = phases_[index(phase)];
  if (!c) {
    const int bits = parts_.shift_add->bits();
    c = ledger_.declare(component(phase), "multiply", parts_.drift_scale_energy,
                        fmt::format("{}-bit multiply of a tile output by its drift-compensation scale: {} shift-add "
                                    "operations (array multiplier)",
                                    bits, bits));
  }
  current_ = *c;
}

}  // namespace xbarsim::arch
