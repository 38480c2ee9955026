// State and batched kernels of one crossbar array: the per-cell device states (one contiguous
// buffer), the effective conductance matrix the analog MVM sees, and forward, transposed and
// programming kernels over whole arrays. No SystemC; the Tile wraps it.
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <span>
#include <vector>

#include "arch/defects.hpp"
#include "arch/mapping.hpp"
#include "arch/weight_encoding.hpp"
#include "arch/write_schedule.hpp"
#include "core/rng.hpp"
#include "devices/device.hpp"

namespace xbarsim::arch {

class CrossbarArray {
 public:
  using Matrix = Eigen::MatrixXf;

  // `rows` x `weight_cols` weights held with `encoding` on `device` (which must outlive the
  // array), programmed `parallel_rows` rows and `parallel_columns` columns at a time
  // (WriteSchedule). Cells start in the device's fresh state.
  CrossbarArray(int rows, int weight_cols, WeightEncoding encoding, const devices::Device& device, Rng& rng,
                int parallel_rows = 1, int parallel_columns = 1);

  int rows() const { return rows_; }
  int weight_cols() const { return weight_cols_; }
  WeightEncoding encoding() const { return encoding_; }
  // Physical device columns (the offset encoding's reference column is resistors, not devices).
  int device_cols() const { return encoding_ == WeightEncoding::kDifferential ? 2 * weight_cols_ : weight_cols_; }

  // Conductance difference that stands for a weight of +1, and the offset encoding's reference
  // conductance, S (WeightEncoder).
  double unit_conductance() const { return encoder_.unit_conductance(); }
  double reference_conductance() const { return encoder_.reference_conductance(); }

  // Programs the devices toward normalized weights `w` (values in [-1, 1]) for the top-left
  // block it covers (at most rows x weight_cols; a tile's active slice); other cells are not
  // touched.
  // With `only_changed`, a device of a discrete model is programmed only when its target level
  // differs from the level it holds (analog models: when the target differs from the last
  // target). Returns the device tally, its wall_time_s the write drivers' schedule
  // (WriteSchedule); refreshes the effective conductances.
  devices::ProgramTally program(const Eigen::Ref<const Matrix>& w, const devices::ProgramOptions& opts,
                                bool only_changed, Rng& rng);

  // --- Sparse updates (in-situ training rules). Cells are addressed by cell_index(). ---
  // Every programming call below returns the write drivers' time in its tally's wall_time_s.
  // Index of device `device` (0 = G+ or the single device, 1 = G-) of weight (row, weight_col).
  std::uint32_t cell_index(int row, int weight_col, int device) const {
    const int per = encoding_ == WeightEncoding::kDifferential ? 2 : 1;
    return static_cast<std::uint32_t>((weight_col * per + device) * rows_ + row);
  }
  // Programs cells[index[i]] toward target_S[i] (S) with `opts` (the device's stochastic
  // programming; discrete devices aim at the nearest level). Does not refresh the effective
  // conductances: call refresh(0, nullptr) after the last group.
  devices::ProgramTally program_cells(std::span<const std::uint32_t> index, std::span<const float> target_S,
                                      const devices::ProgramOptions& opts, Rng& rng);
  // Applies pulses[i] pulses to cells[index[i]] (the device's PulseUpdate), then
  // depress_pulses[i] depression pulses to cells[depress_index[i]] (its PulseDepression), and
  // adds `verify_reads` read-backs the caller made of the array's cells (count x the device's
  // verify-read energy and read pulse width). Throws std::logic_error for a device without the
  // capability a list needs. Refreshes the effective conductances once.
  devices::ProgramTally pulse_cells(std::span<const std::uint32_t> index, std::span<const std::uint16_t> pulses,
                                    std::span<const std::uint32_t> depress_index,
                                    std::span<const std::uint16_t> depress_pulses, Rng& rng,
                                    std::uint64_t verify_reads = 0);
  // Refresh of every differential pair (the device's PairRefresh decides which pairs need it);
  // the tally's verify_reads include the 2 reads per pair of the check itself; its wall time is
  // the serial time shared evenly by the parallel rows and columns (not scheduled). Throws
  // std::logic_error unless the device has PairRefresh and the encoding is differential. Refreshes the effective
  // conductances.
  devices::ProgramTally refresh_pairs(Rng& rng);

  // Recomputes the effective conductances at `time_s` after programming, with a fresh read-noise
  // draw when the device has read noise and `rng` is given.
  void refresh(double time_s, Rng* rng);
  // Fabrication defects (arch/defects.hpp, docs/devices/defects.md), drawn once from
  // defects.stream(tile_seed) (not from the tile's own stream): from then on every conductance
  // the device reports for a cell is multiplied by the cell's factor, or replaced by g_min
  // (stuck off) or g_max (stuck on). Allocates and draws nothing when `defects` has none.
  // Refreshes the effective conductances.
  void fabricate(const CellDefects& defects, std::uint64_t tile_seed);
  // Per device cell (cell_index order): the variation factor (empty without variation) and the
  // CellFault (empty without stuck-at faults).
  std::span<const float> d2d_factors() const { return d2d_factor_; }
  std::span<const std::uint8_t> faults() const { return fault_; }
  // The time_s of the last refresh (0 after construction and programming).
  double refreshed_at() const { return refreshed_at_; }
  // Increases with every refresh: conductance-derived values cached elsewhere are stale when it
  // changed.
  std::uint64_t version() const { return version_; }

  // Effective conductance matrix (rows x weight_cols), S: G+ - G- or G - G_ref.
  const Matrix& effective() const { return g_eff_; }
  // Every device's conductance as the last refresh read it (rows x device_cols; device column
  // d = weight column x devices per weight + device, as cell_index()), S.
  Eigen::Map<const Matrix> conductances() const { return {g_read_.data(), rows_, device_cols()}; }
  // Per row: the sum of every conductance a read drives on that row (devices and reference), S.
  const Eigen::VectorXf& row_conductance_sum() const { return row_sum_; }
  // Per weight column: the sum of every conductance a column drive reaches (transposed read), S.
  const Eigen::VectorXf& col_conductance_sum() const { return col_sum_; }
  // Conductance the sense path of weight column j sees from row i (rows x weight_cols), S:
  // G+ + G- of a differential pair, G of an offset-encoded cell (the reference column has its own
  // sense path). sense()^T |drive| is the activated conductance of each converted column.
  const Matrix& sense() const { return g_sense_; }
  // The weights the devices now hold, in units of unit_conductance() (what software evaluation
  // of "the same quantized, noisy weights" uses).
  Matrix held_weights() const;

  // out (weight_cols x n) = G_eff^T in (rows x n): column currents per volt of row drive.
  void mvm(const Eigen::Ref<const Matrix>& in, Eigen::Ref<Matrix> out) const;
  // out (rows x n) = G_eff in (weight_cols x n): row currents per volt of column drive.
  void mvm_t(const Eigen::Ref<const Matrix>& in, Eigen::Ref<Matrix> out) const;

  const std::vector<devices::CellState>& cells() const { return cells_; }
  // Binary checkpoint of the cells and the last targets (this build only).
  void save_state(std::ostream& out) const;
  void load_state(std::istream& in);

 private:
  int rows_;
  int weight_cols_;
  WeightEncoding encoding_;
  const devices::Device& device_;
  WeightEncoder encoder_;
  // The device's level conductances, read once (empty if continuous).
  std::vector<double> level_g_;
  std::vector<devices::CellState> cells_;  // device column-major: index = dcol * rows + row
  std::vector<float> last_target_;         // per device, S (NaN before the first programming)
  Matrix g_eff_;
  Matrix g_sense_;
  Eigen::VectorXf row_sum_;
  Eigen::VectorXf col_sum_;
  double refreshed_at_ = 0.0;
  std::uint64_t version_ = 0;
  // The schedule of a call's cells whose work (attempts or pulses) is `work` and serial device
  // time `serial_s`: serial_s x (the schedule's step work / the work of every cell), s.
  double scheduled_time(double serial_s, std::span<const std::uint32_t> cells, std::span<const std::uint16_t> work);
  WriteSchedule schedule_;
  int parallel_cells_;  // parallel_rows x parallel_columns
  // Scratch buffers of program() and refresh(), kept to avoid allocation per call.
  std::vector<std::uint16_t> attempts_;
  std::vector<std::uint32_t> index_;
  std::vector<float> target_;
  std::vector<float> g_read_;
  // Fabrication defects (fabricate()), empty when off.
  std::vector<float> d2d_factor_;
  std::vector<std::uint8_t> fault_;
};

}  // namespace xbarsim::arch
