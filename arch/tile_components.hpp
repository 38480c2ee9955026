// The parts of one crossbar tile as child SystemC modules (no threads: the tile's b_transport
// calls them in order). Each part declares its own ledger actions, per phase, under its own
// place in the module tree: module "chip.layer0.tile3_1.adc" charges
// "<phase>/layer0/tile3_1/adc". A part keeps one set of counters per phase (declared on the
// phase's first use) and charges the current one, so the hot path never touches a string.
// Costs come from the periphery models (periphery/) and the device card (devices/).
#pragma once

#include <Eigen/Dense>
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <systemc>
#include <tuple>
#include <vector>

#include "arch/crossbar_array.hpp"
#include "arch/ir_drop.hpp"
#include "arch/phase.hpp"
#include "core/ledger.hpp"
#include "core/rng.hpp"
#include "devices/device.hpp"
#include "periphery/adc.hpp"
#include "periphery/dac.hpp"
#include "periphery/shift_add.hpp"
#include "periphery/write_driver.hpp"

namespace xbarsim::arch {

// The peripheral models the tiles of one layer use (owned by the chip; the ADC's input range is
// calibrated per layer).
struct TileParts {
  const periphery::Dac* dac = nullptr;
  const periphery::Adc* adc = nullptr;
  // Training: the signed DAC that drives the columns with errors, and the ADC (range) of the
  // transposed reads; null when the chip only infers.
  const periphery::Dac* dac_backward = nullptr;
  const periphery::Adc* adc_backward = nullptr;
  const periphery::ShiftAdd* shift_add = nullptr;
  const periphery::WriteDriver* write_driver = nullptr;
  double read_voltage = 0.5;            // V on a driven row
  double read_pulse = 10e-9;            // s, one array read (ChipSpec::read_time)
  double row_line_capacitance = 0.0;    // F, one row line (ChipSpec::row_line_capacitance)
  double col_line_capacitance = 0.0;    // F, one column line (ChipSpec::col_line_capacitance)
  double clock_period_s = 1e-9;         // s (ChipSpec::clock_period_s)
  long long read_cycles = 10;           // whole cycles of one array read (ChipSpec::read_cycles)
  double time_since_programming = 0.0;  // s, for drifting devices
  // Global drift compensation (ChipSpec::drift_compensation): the ADC setting of the one-row
  // readouts (Phase::kDriftReference, Phase::kDriftCompensation), and whether every forward
  // output is multiplied by the tile's own scale at drift_scale_energy per multiply.
  const periphery::Adc* adc_drift = nullptr;
  bool drift_scale_per_tile = false;
  double drift_scale_energy = 0.0;  // J
  // Fabrication defects of every tile's cells (device.defects; ChipSpec::defects), each tile's
  // drawn from its own defect stream.
  CellDefects defects;
  // Read noise drawn once per image instead of once per tile operation (arch.read_noise).
  bool read_noise_per_image = false;
  // Wire resistance in the reads (ChipSpec::ir_drop): forward reads only.
  IrDropSpec ir_drop;

  // The converters of `phase`: the backward phase drives the columns with the error DAC and
  // reads the rows through the backward ADC (when the chip trains); the drift readouts convert
  // through the ADC set to the one-row range (when there is one); every other phase uses the
  // forward DAC and ADC.
  const periphery::Dac& dac_for(Phase phase) const;
  const periphery::Adc& adc_for(Phase phase) const;
};

// What every part shares: its ledger, its ledger path and the phase it charges.
class TileComponent : public sc_core::sc_module {
 public:
  // Makes `phase` the current one, declaring the part's actions on the phase's first use.
  virtual void set_phase(Phase phase) = 0;

 protected:
  TileComponent(const sc_core::sc_module_name& name, Ledger& ledger);
  // "<phase>/<module path without the chip>", e.g. "inference/layer0/tile3_1/adc".
  std::string component(Phase phase) const;

  Ledger& ledger_;
};

// A part with one ledger action, `action`, whose energy per action in a phase is the figure
// energy_of(phase) of a periphery model.
class OneActionPart : public TileComponent {
 public:
  void set_phase(Phase phase) final;

 protected:
  OneActionPart(const sc_core::sc_module_name& name, const TileParts& parts, Ledger& ledger, std::string action);
  virtual const periphery::Figure& energy_of(Phase phase) const = 0;
  void charge(std::uint64_t n) { ledger_.add(current_, n); }

  const TileParts& parts_;

 private:
  std::string action_;
  std::array<std::optional<Ledger::Counter>, kPhaseCount> phases_;
  Ledger::Counter current_ = 0;
};

// The row DACs ("dac"): one action per row drive, with the DAC of the phase.
class DacBank : public OneActionPart {
 public:
  DacBank(const sc_core::sc_module_name& name, const TileParts& parts, Ledger& ledger)
      : OneActionPart(name, parts, ledger, "conversion") {}
  // `rows` driven rows for each of `vectors` input vectors.
  void drive(int rows, std::uint64_t vectors) { charge(static_cast<std::uint64_t>(rows) * vectors); }
  long long latency_cycles(Phase phase) const { return parts_.dac_for(phase).latency_cycles(); }

 private:
  const periphery::Figure& energy_of(Phase phase) const override {
    return parts_.dac_for(phase).energy_per_conversion();
  }
};

// The cell array ("array"): holds the devices' state and performs the analog MVM. It charges
// - line_charge: C_line V_read^2 per driven line (rows, or columns in a transposed read) and
//   vector, x drive^2 for amplitude drives (count rounded per operation for multi-level drives),
//   x 1 for a pulse-width drive (every pulse charges its line to the full read voltage, whatever
//   its width); the sensed lines sit at the converters' virtual ground and do not swing;
// - read_1nS: the cells' current V^2 G t, counted in reads of the conductance quantum
//   kReadQuantum_S over the full read pulse (the data-dependent sum of G x w(drive), with
//   w = drive^2 for an amplitude drive, V = drive x V_read, and w = |drive| for a pulse-width
//   drive, the full V_read for the fraction |drive| of the pulse); when the phase's ADC charges the
//   current of the converted lines itself (periphery::ColumnTerm), only the rest (reference
//   column, lines the tile does not use): every cell's current is charged exactly once;
// - wire_1nS (with arch.array.ir_drop only): the wires' dissipation V_read^2 d^T Q d t_read of
//   every read's drive d, counted in reads of kReadQuantum_S (docs/arch/ir_drop.md).
// With arch.array.ir_drop the forward currents come through the wires (ArrayWires); the cell
// energy and the activated conductances stay the nominal ones.
// Each read also gives the activated conductance of every converted column (sense()^T |drive|)
// when the ADC needs it.
class ArrayCore : public TileComponent {
 public:
  using Matrix = CrossbarArray::Matrix;
  static constexpr double kReadQuantum_S = 1e-9;

  ArrayCore(const sc_core::sc_module_name& name, const ArrayGeometry& geometry, const devices::Device& device,
            const TileParts& parts, Ledger& ledger, Rng& rng);
  void set_phase(Phase phase) override;

  CrossbarArray& cells() { return array_; }
  const CrossbarArray& cells() const { return array_; }

  // Currents (A) of the active block at read time `t_read` (s): out = V_read G^T in, or
  // V_read G in when `transpose` (columns driven). A fresh read-noise draw every operation when
  // the device has read noise, else drift only (recomputed when the read time changed). When
  // the phase's ADC has a column term, `sensed` receives each converted line's activated
  // conductance, S (same shape as out); it is left alone otherwise.
  void read(const Eigen::MatrixXf& in, Eigen::MatrixXf& out, Eigen::MatrixXf& sensed, int active_in, int active_out,
            bool transpose, double t_read, Rng& rng);
  // read() with its own read-noise draw for every `vectors_per_image` consecutive vectors (one
  // image's bit planes; arch.read_noise: per_image): one read() per image, so the ledger counts
  // are rounded per image. The same as read() when the device has no read noise.
  void read_per_image(const Eigen::MatrixXf& in, Eigen::MatrixXf& out, Eigen::MatrixXf& sensed, int active_in,
                      int active_out, bool transpose, double t_read, Rng& rng, Eigen::Index vectors_per_image);
  // True when this phase's reads report activated conductances (its ADC has a column term).
  bool senses_columns() const { return current_.senses; }

  // --- read() in pieces, for a tile that reads, converts and shift-adds its bit planes block
  // by block (Tile, fused reads): begin_read(), then read_block() on each block of vectors (from
  // any thread, each with its own outputs and scratch), then charge_drives() with the drive
  // weights summed over the blocks. The same currents, activated conductances and charges as
  // one read() of the whole operation when reads_in_blocks() and the drives are integers
  // (bit planes: the summed drive weights are then exact in any order).
  bool reads_in_blocks() const { return !wires_ && current_.senses && !current_.pulse_width_drive; }
  // The refresh read() starts with: a fresh read-noise draw, or the drift at t_read.
  void begin_read(double t_read, Rng& rng);
  // Currents (A) into `out` and activated conductances (S) into `sensed` (active_out x w) of the
  // w vectors `in` (active_in x w); adds each driven line's drive^2 to `weights` (active_in).
  // `reference`: scratch.
  void read_block(const Eigen::Ref<const Matrix>& in, Eigen::Ref<Matrix> out, Eigen::Ref<Matrix> sensed,
                  Eigen::VectorXf& weights, Eigen::RowVectorXf& reference, int active_in, int active_out,
                  bool transpose) const;
  // Charges `line_charges` line charges and the current of the cells off the converted lines
  // for the drive weights `weights` (per driven line, summed over the operation's vectors).
  void charge_drives(std::uint64_t line_charges, const Eigen::VectorXf& weights, int active_in, int active_out,
                     bool transpose);

 private:
  // Per driven line, the conductance of its cells off the converted lines (reference column,
  // unused lines), S; cached until the array refreshes.
  const Eigen::VectorXd& unsensed_conductance(int active_in, int active_out, bool transpose);
  struct UnsensedCache {
    std::uint64_t version = ~std::uint64_t{0};
    Eigen::VectorXd values;
  };
  std::array<UnsensedCache, 2> unsensed_;  // forward, transposed
  struct Counters {
    Ledger::Counter cell_current;  // read_1nS
    Ledger::Counter line;          // line_charge: rows (forward reads) or columns (Phase::kBackward)
    bool senses;                   // the phase's ADC has a column term
    bool nonnegative_drive;        // the phase's DAC is unsigned
    bool pulse_width_drive;        // the phase's DAC encodes the drive in time, not amplitude
    Ledger::Counter wire;          // wire_1nS (with wires only)
  };
  // Per driven line, its drive's energy weight summed over the vectors: sum of drive^2
  // (amplitude, bit-serial) or of |drive| (pulse width).
  void drive_weights(const Eigen::MatrixXf& in, Eigen::VectorXf& weights) const;
  // Line charges of one operation: round(sum of drive^2), or the pulses (nonzero drives).
  std::uint64_t line_charges(const Eigen::MatrixXf& in, const Eigen::VectorXf& weights) const;
  // out = V_read x (G^T in, or G in when transposed) on the active block of `g`.
  void product(const Matrix& g, const Eigen::Ref<const Matrix>& in, Eigen::Ref<Matrix> out, int active_in,
               int active_out, bool transpose) const;
  // The activated conductance of each converted line (sense()^T |in|, or from `out` for
  // offset-encoded forward reads of non-negative drives); `reference`: scratch.
  void sense(const Eigen::Ref<const Matrix>& in, const Eigen::Ref<const Matrix>& out, Eigen::Ref<Matrix> sensed,
             int active_in, int active_out, bool transpose, Eigen::RowVectorXf& reference) const;
  // read() when the phase's ADC has a column term.
  void read_sensed(const Eigen::MatrixXf& in, const Eigen::MatrixXf& out, Eigen::MatrixXf& sensed, int active_in,
                   int active_out, bool transpose);
  Eigen::VectorXf drive_weight_;  // read scratch: drive_weights() of the operation
  Eigen::RowVectorXf reference_;  // read_sensed scratch: the reference column's current per vector
  Eigen::MatrixXf image_in_, image_out_, image_sensed_;  // read_per_image scratch: one image
  const devices::Device& device_;
  const TileParts& parts_;
  CrossbarArray array_;
  std::optional<ArrayWires> wires_;  // arch.array.ir_drop
  std::array<std::optional<Counters>, kPhaseCount> phases_;
  Counters current_{};
};

// The column ADCs behind their mux ("adc"): converts every output of an operation with the ADC
// of the phase; counts conversions and the inputs that fell outside the range.
class AdcBank : public TileComponent {
 public:
  // `seed`: the tile's; the static transfers of the tile's converters (offset, gain, INL, DNL of
  // the phase's ADC card, periphery::AdcTransfer) are drawn from their own streams of it, so they
  // do not depend on when they are first needed nor shift the tile's stream.
  AdcBank(const sc_core::sc_module_name& name, const TileParts& parts, Ledger& ledger, const ArrayGeometry& geometry,
          std::uint64_t seed);
  void set_phase(Phase phase) override;
  // Quantizes `values` (A, one column per vector) in place unless `bypass` (calibration), counting
  // the clipped inputs. A card without errors converts through the nominal quantizer; with errors
  // line j goes through the transfer of ADC j / mux_ratio, its noise drawn from `rng` (the tile's).
  void quantize(Eigen::MatrixXf& values, bool bypass, Rng& rng);
  // `conversions` conversions (every column of every vector, through the mux).
  void convert(std::uint64_t conversions) { ledger_.add(current_.conversion, conversions); }
  // The column term of conversions whose activated conductances are `sensed` (S, one per
  // converted line and vector; periphery::ColumnTerm): count sum (G / 1 nS)^exponent.
  // Precondition: the phase's ADC has a column term.
  void charge_columns(const Eigen::MatrixXf& sensed);

  // --- quantize() and charge_columns() in pieces (Tile, fused reads). True when this phase's
  // card converts through the nominal quantizer (no errors, so no draws from the tile's
  // stream) and has a column term that adds block by block (periphery::ColumnTerm::blockwise).
  bool converts_in_blocks() const {
    return current_.transfers == nullptr && current_.model->column_term() && current_.model->column_term()->blockwise();
  }
  // Quantizes `values` in place through the nominal quantizer (from any thread); the clipped
  // inputs are returned, not charged.
  periphery::ClipCount quantize_block(std::span<float> values) const {
    return current_.model->quantize_values(values, values);
  }
  const periphery::ColumnTerm& column_term() const { return *current_.model->column_term(); }
  // Charges what the blocks gathered: clipped inputs and the column term's count.
  void charge_blocks(std::size_t clipped, double column_units) {
    ledger_.add(current_.clipped, clipped);
    ledger_.add(current_.column, static_cast<std::uint64_t>(std::llround(column_units)));
  }
  long long latency_cycles(Phase phase) const { return parts_.adc_for(phase).latency_cycles(); }
  bool samples_and_holds(Phase phase) const { return parts_.adc_for(phase).sample_and_hold(); }

 private:
  struct Counters {
    Ledger::Counter conversion, clipped, column;
    const periphery::Adc* model;
    // The transfers of the converters this phase reads through; null when its card has no errors.
    const std::vector<periphery::AdcTransfer>* transfers;
  };
  // The static transfers of one side's converters, drawn on first use: side 0 the column ADCs
  // (forward reads, calibration, drift readouts: one physical set whatever the range), side 1 the
  // row ADCs of transposed reads; one per ADC when the card has DNL, else one for all.
  const std::vector<periphery::AdcTransfer>& transfers(int side, const periphery::Adc& adc);
  const TileParts& parts_;
  ArrayGeometry geometry_;
  std::uint64_t seed_;
  std::array<std::vector<periphery::AdcTransfer>, 2> transfers_;
  std::array<std::optional<Counters>, kPhaseCount> phases_;
  Counters current_{};
};

// The shift-and-add units ("shift_add"): one add per output per vector.
class ShiftAddBank : public OneActionPart {
 public:
  ShiftAddBank(const sc_core::sc_module_name& name, const TileParts& parts, Ledger& ledger)
      : OneActionPart(name, parts, ledger, "add") {}
  void add(std::uint64_t adds) { charge(adds); }
  long long latency_cycles() const { return parts_.shift_add->latency_cycles(); }

 private:
  const periphery::Figure& energy_of(Phase) const override { return parts_.shift_add->energy_per_op(); }
};

// The devices' programming ("cells"): device pulses and verify reads. The card's default pulse
// is the action program_pulse; a pulse chosen per operation (MTJ GXNOR widths) gets its own
// action "program_pulse[E fJ]", so every row stays count x energy per action.
class CellWrites : public TileComponent {
 public:
  CellWrites(const sc_core::sc_module_name& name, const devices::Device& device, Ledger& ledger);
  void set_phase(Phase phase) override;
  // Charges a programming tally made with pulse setting `opts`.
  void charge(const devices::ProgramOptions& opts, const devices::ProgramTally& t);

 private:
  struct Counters {
    Ledger::Counter program_pulse, verify_read;
  };
  Ledger::Counter pulse_counter(double epa);

  const devices::Device& device_;
  std::array<std::optional<Counters>, kPhaseCount> phases_;
  Counters current_{};
  Phase current_phase_ = Phase::kInference;
  std::vector<std::tuple<Phase, double, Ledger::Counter>> extra_pulses_;
};

// The write drivers ("write_driver"): line charging per device pulse (their schedule is the
// array's, CrossbarArray / WriteSchedule).
class WriteDriverBank : public OneActionPart {
 public:
  WriteDriverBank(const sc_core::sc_module_name& name, const TileParts& parts, Ledger& ledger)
      : OneActionPart(name, parts, ledger, "line_charge") {}
  void charge(std::uint64_t pulses) { OneActionPart::charge(pulses); }

 private:
  const periphery::Figure& energy_of(Phase) const override { return parts_.write_driver->line_energy(); }
};

// Global drift compensation, per-tile mode ("drift_scale"): the digital multiply of each forward
// output by the tile's scale, one action per output and image. Declares nothing when the chip
// does not compensate per tile, nor in the readout phases themselves.
class DriftScaler : public TileComponent {
 public:
  DriftScaler(const sc_core::sc_module_name& name, const TileParts& parts, Ledger& ledger);
  void set_phase(Phase phase) override;
  bool charges() const { return current_.has_value(); }
  void multiply(std::uint64_t outputs) { ledger_.add(*current_, outputs); }

 private:
  const TileParts& parts_;
  std::array<std::optional<Ledger::Counter>, kPhaseCount> phases_;
  std::optional<Ledger::Counter> current_;  // none: this phase multiplies nothing
};

}  // namespace xbarsim::arch
