#include "arch/crossbar_array.hpp"

#include <algorithm>
#include <cmath>
#include <istream>
#include <limits>
#include <ostream>
#include <stdexcept>
#include <string>

namespace xbarsim::arch {

CrossbarArray::CrossbarArray(int rows, int weight_cols, WeightEncoding encoding, const devices::Device& device,
                             Rng& rng, int parallel_rows, int parallel_columns)
    : rows_(rows),
      weight_cols_(weight_cols),
      encoding_(encoding),
      device_(device),
      encoder_(device, encoding),
      level_g_(device.level_conductances()),
      schedule_(rows, device_cols(), parallel_rows, parallel_columns),
      parallel_cells_(std::min(parallel_rows, rows) * std::min(parallel_columns, device_cols())) {
  const auto n = static_cast<std::size_t>(rows_) * static_cast<std::size_t>(device_cols());
  cells_.resize(n);
  last_target_.assign(n, std::numeric_limits<float>::quiet_NaN());
  g_read_.resize(n);
  device_.initialize(cells_, rng);
  refresh(0.0, nullptr);
}

devices::ProgramTally CrossbarArray::program(const Eigen::Ref<const Matrix>& w, const devices::ProgramOptions& opts,
                                             bool only_changed, Rng& rng) {
  const int per = encoding_ == WeightEncoding::kDifferential ? 2 : 1;
  const bool discrete = !level_g_.empty();
  index_.clear();
  target_.clear();
  float t[2];
  // Only the block `w` covers (a tile's active rows and columns): unused cells stay as they are.
  const auto block_cols = static_cast<int>(std::min<Eigen::Index>(w.cols(), weight_cols_));
  const auto block_rows = static_cast<int>(std::min<Eigen::Index>(w.rows(), rows_));
  for (int j = 0; j < block_cols; ++j) {
    for (int i = 0; i < block_rows; ++i) {
      encoder_.targets(w(i, j), t);
      for (int d = 0; d < per; ++d) {
        const auto idx = static_cast<std::uint32_t>((j * per + d) * rows_ + i);
        bool change = true;
        if (only_changed) {
          change = discrete ? devices::nearest_level_of(level_g_, t[d]) != static_cast<int>(cells_[idx].level) ||
                                  std::isnan(last_target_[idx])
                            : !(last_target_[idx] == t[d]);
        }
        if (change) {
          index_.push_back(idx);
          target_.push_back(t[d]);
          last_target_[idx] = t[d];
        }
      }
    }
  }
  devices::ProgramTally tally;
  if (!index_.empty()) {
    attempts_.resize(index_.size());
    tally = device_.program(cells_, index_, target_, opts, rng, attempts_);
    tally.wall_time_s = scheduled_time(tally.time_s, index_, attempts_);
  }
  refresh(0.0, nullptr);
  return tally;
}

double CrossbarArray::scheduled_time(double serial_s, std::span<const std::uint32_t> cells,
                                     std::span<const std::uint16_t> work) {
  std::uint64_t all = 0;
  for (const std::uint16_t w : work) all += w;
  const std::uint64_t steps = schedule_.step_work(cells, work);
  if (steps == all) return serial_s;  // one cell per step: exactly the serial time
  return all > 0 ? serial_s * (static_cast<double>(steps) / static_cast<double>(all)) : 0.0;
}

devices::ProgramTally CrossbarArray::program_cells(std::span<const std::uint32_t> index,
                                                   std::span<const float> target_S, const devices::ProgramOptions& opts,
                                                   Rng& rng) {
  if (index.empty()) return {};
  for (std::size_t i = 0; i < index.size(); ++i) last_target_[index[i]] = target_S[i];
  attempts_.resize(index.size());
  devices::ProgramTally t = device_.program(cells_, index, target_S, opts, rng, attempts_);
  t.wall_time_s = scheduled_time(t.time_s, index, attempts_);
  return t;
}

devices::ProgramTally CrossbarArray::pulse_cells(std::span<const std::uint32_t> index,
                                                 std::span<const std::uint16_t> pulses,
                                                 std::span<const std::uint32_t> depress_index,
                                                 std::span<const std::uint16_t> depress_pulses, Rng& rng,
                                                 std::uint64_t verify_reads) {
  const devices::PulseUpdate* pulser = device_.pulse_update();
  if (pulser == nullptr) {
    throw std::logic_error("crossbar array: pulse updates need a device with pulse updates, not " +
                           std::string(device_.name()));
  }
  const devices::PulseDepression* depressor = device_.pulse_depression();
  if (!depress_index.empty() && depressor == nullptr) {
    throw std::logic_error("crossbar array: depression pulses need a device with pulse depression, not " +
                           std::string(device_.name()));
  }
  devices::ProgramTally t;
  // One round of pulses on the write drivers; potentiation, then depression (their times add).
  const auto round = [&](std::span<const std::uint32_t> idx, std::span<const std::uint16_t> n, auto&& apply) {
    if (idx.empty()) return;
    // The cell no longer holds a programmed target: the next only_changed write rewrites it.
    for (const std::uint32_t i : idx) last_target_[i] = std::numeric_limits<float>::quiet_NaN();
    devices::ProgramTally r = apply(idx, n);
    r.wall_time_s = scheduled_time(r.time_s, idx, n);
    t += r;
  };
  round(index, pulses, [&](auto idx, auto n) { return pulser->apply_pulses(cells_, idx, n, rng); });
  round(depress_index, depress_pulses,
        [&](auto idx, auto n) { return depressor->apply_depression_pulses(cells_, idx, n, rng); });
  if (!index.empty() || !depress_index.empty()) refresh(0.0, nullptr);
  // The caller's read-backs, counted as refresh_pairs counts its check (one after another).
  const double reads_s = static_cast<double>(verify_reads) * device_.read_pulse_width_s();
  t.verify_reads += verify_reads;
  t.energy_J += static_cast<double>(verify_reads) * device_.energy_per_verify_read_J();
  t.time_s += reads_s;
  t.wall_time_s += reads_s;
  return t;
}

devices::ProgramTally CrossbarArray::refresh_pairs(Rng& rng) {
  const devices::PairRefresh* refresher = device_.pair_refresh();
  if (refresher == nullptr || encoding_ != WeightEncoding::kDifferential) {
    throw std::logic_error("crossbar array: refresh needs devices with pair refresh in differential pairs");
  }
  // Pair p = 2 j rows + i: G+ is cells_[p], G- is cells_[p + rows] (device column-major), so
  // two views offset by one device column address both devices of every pair with one index.
  index_.clear();
  for (int j = 0; j < weight_cols_; ++j) {
    for (int i = 0; i < rows_; ++i) index_.push_back(static_cast<std::uint32_t>(2 * j * rows_ + i));
  }
  const std::size_t span_n = cells_.size() - static_cast<std::size_t>(rows_);
  devices::ProgramTally t =
      refresher->refresh(std::span<devices::CellState>(cells_.data(), span_n),
                         std::span<devices::CellState>(cells_.data() + rows_, span_n), index_, rng);
  // The check: both devices of every pair read once.
  const auto check = 2 * static_cast<std::uint64_t>(index_.size());
  t.verify_reads += check;
  t.energy_J += static_cast<double>(check) * device_.energy_per_verify_read_J();
  t.time_s += static_cast<double>(check) * device_.read_pulse_width_s();
  t.wall_time_s = t.time_s / static_cast<double>(parallel_cells_);
  if (t.program_events > 0) {
    for (const std::uint32_t p : index_) {
      last_target_[p] = std::numeric_limits<float>::quiet_NaN();
      last_target_[p + static_cast<std::uint32_t>(rows_)] = std::numeric_limits<float>::quiet_NaN();
    }
  }
  refresh(0.0, nullptr);
  return t;
}

void CrossbarArray::refresh(double time_s, Rng* rng) {
  refreshed_at_ = time_s;
  ++version_;
  if (rng != nullptr && device_.has_read_noise()) {
    device_.read(cells_, g_read_, time_s, *rng);
  } else {
    device_.conductance(cells_, g_read_, time_s);
  }
  if (!d2d_factor_.empty() || !fault_.empty()) {
    apply_defects(d2d_factor_, fault_, static_cast<float>(device_.g_min()), static_cast<float>(device_.g_max()),
                  g_read_);
  }
  g_eff_.resize(rows_, weight_cols_);
  g_sense_.resize(rows_, weight_cols_);
  row_sum_.setZero(rows_);
  col_sum_.setZero(weight_cols_);
  // Column by column: the element-wise part in one loop the compiler vectorizes, the column's
  // sum in a second, sequential one (the same order of additions as one loop would take).
  const auto r = static_cast<std::size_t>(rows_);
  float* row_sum = row_sum_.data();
  const bool differential = encoding_ == WeightEncoding::kDifferential;
  const auto gref = static_cast<float>(differential ? 0.0 : reference_conductance());
  for (int j = 0; j < weight_cols_; ++j) {
    const std::size_t col = static_cast<std::size_t>(j) * r;
    float* eff = g_eff_.data() + col;
    float* sense = g_sense_.data() + col;
    if (differential) {
      const float* plus = &g_read_[2 * col];
      const float* minus = plus + r;
      for (std::size_t i = 0; i < r; ++i) {
        eff[i] = plus[i] - minus[i];
        sense[i] = plus[i] + minus[i];
        row_sum[i] += sense[i];
      }
    } else {
      const float* g = &g_read_[col];
      for (std::size_t i = 0; i < r; ++i) {
        eff[i] = g[i] - gref;
        sense[i] = g[i];
        row_sum[i] += g[i];
      }
    }
    float sum = 0.0F;
    for (std::size_t i = 0; i < r; ++i) sum += sense[i];
    col_sum_(j) = sum;
  }
  if (!differential) row_sum_.array() += gref;  // the reference column's resistor on every row
}

void CrossbarArray::fabricate(const CellDefects& defects, std::uint64_t tile_seed) {
  d2d_factor_.clear();
  fault_.clear();
  if (!defects.any()) return;
  if (defects.d2d_sigma > 0.0) d2d_factor_.resize(cells_.size());
  if (defects.stuck()) fault_.resize(cells_.size());
  Rng rng = defects.stream(tile_seed);
  defects.draw(rng, d2d_factor_, fault_);
  refresh(refreshed_at_, nullptr);
}

void CrossbarArray::save_state(std::ostream& out) const {
  out.write(reinterpret_cast<const char*>(cells_.data()),
            static_cast<std::streamsize>(cells_.size() * sizeof(devices::CellState)));
  out.write(reinterpret_cast<const char*>(last_target_.data()),
            static_cast<std::streamsize>(last_target_.size() * sizeof(float)));
}

void CrossbarArray::load_state(std::istream& in) {
  in.read(reinterpret_cast<char*>(cells_.data()),
          static_cast<std::streamsize>(cells_.size() * sizeof(devices::CellState)));
  in.read(reinterpret_cast<char*>(last_target_.data()),
          static_cast<std::streamsize>(last_target_.size() * sizeof(float)));
  const bool finite = std::all_of(cells_.begin(), cells_.end(), [](const devices::CellState& c) {
    return std::isfinite(c.g) && std::isfinite(c.u) && std::isfinite(c.q);
  });
  // (last_target_ holds NaN for a device never programmed: not checked.)
  if (!finite) throw std::runtime_error("chip state: a cell state that is not finite");
}

CrossbarArray::Matrix CrossbarArray::held_weights() const { return g_eff_ / static_cast<float>(unit_conductance()); }

void CrossbarArray::mvm(const Eigen::Ref<const Matrix>& in, Eigen::Ref<Matrix> out) const {
  out.noalias() = g_eff_.transpose() * in;
}

void CrossbarArray::mvm_t(const Eigen::Ref<const Matrix>& in, Eigen::Ref<Matrix> out) const {
  out.noalias() = g_eff_ * in;
}

}  // namespace xbarsim::arch
