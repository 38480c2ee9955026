// The column read current is charged once, and a SAR ADC's energy follows the conductance each
// read activates (NeuroSim's GetColumnResistance semantics), not the array's row count.
// Every expected value is derived by hand below from the NeuroSim V1.3 SAR fit at 22 nm
// (SarADC.cpp: a = 0.7213, b = 3.3041, c = 0.084273, k = -2.311; conversion (bits + 1) x 1 ns).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "arch/chip.hpp"
#include "core/params.hpp"

namespace xbarsim::arch {
// File-local names are unique to this file also in a unity batch of tests/sim/.
namespace column_current_sim {
namespace {

// Ideal continuous device, 0..20 uS, one device per weight (offset encoding: G = 10 uS + w x 10
// uS, reference column of 10 uS), read at 0.5 V. 1-bit unsigned bit-serial DAC (one plane),
// 8-bit signed SAR with one column per ADC, 0.2 fF of line per cell. `dac` replaces the DAC.
std::string chip_yaml(int rows, int cols,
                      const std::string& dac = "{impl: bit_serial, bits: 1, signed: false, read_pulse: 10 ns}") {
  return "device: {impl: ideal, g_min: 0 S, g_max: 20 uS, levels: 0, devices_per_weight: 1, read_voltage: 0.5 V, "
         "pulse_width: 10 ns}\n"
         "arch:\n"
         "  clock: 1 GHz\n"
         "  tech: {node: 22nm}\n"
         "  array: {rows: " +
         std::to_string(rows) + ", cols: " + std::to_string(cols) +
         ", cell_area_F2: 40, line_capacitance_per_cell: 0.2 fF}\n"
         "  dac: " +
         dac +
         "\n"
         "  adc: {impl: sar, bits: 8, mux_ratio: 1, signed: true}\n"
         "  shift_add: {impl: digital, bits: 24}\n"
         "  write_driver: {impl: standard, pulse_amplitude: 1 V}\n"
         "  buffer: {impl: sram, word_bits: 256, capacity_bytes: 65536, banks: 1, ports: 1}\n"
         "  calibration_images: 1\n";
}

struct OneLayerChip {
  OneLayerChip(int rows, int cols, const std::vector<int>& widths, const std::string& name,
               const std::string& yaml = "")
      : root(Params::from_string(yaml.empty() ? chip_yaml(rows, cols) : yaml, name + ".yaml")),
        spec(ChipSpec::from_params(root.child("arch"), root.child("device"), widths)),
        chip(spec, ledger, 3, name.c_str()) {}
  // Programs `w` (outputs x inputs, max |w| = 1), calibrates on `x` and infers `x` once.
  void run(const Eigen::MatrixXf& w, const Eigen::MatrixXf& x) {
    chip.program({w}, {Eigen::VectorXf::Zero(w.rows())});
    chip.calibrate(x, 1);
    chip.infer(x, 1, nullptr);
  }
  // Count and energy (J) of `action` on component `component` (exact path).
  std::uint64_t count(const std::string& component, const std::string& action) const {
    for (const auto& r : ledger.energy_rows()) {
      if (r.action->component == component && r.action->action == action) return r.count;
    }
    return 0;
  }
  double energy(const std::string& component, const std::string& action) const {
    for (const auto& r : ledger.energy_rows()) {
      if (r.action->component == component && r.action->action == action) return r.energy_J();
    }
    return 0.0;
  }
  Params root;
  ChipSpec spec;
  Ledger ledger;
  Chip chip;
};

// Elaborated before any simulation starts.
OneLayerChip& tile4x4() {
  static OneLayerChip c(4, 4, {4, 3}, "t4");
  return c;
}
// The same 4 x 4 tile driven by a 3-bit pulse-width DAC: codes 0..7 unit pulses of 1 ns, the
// full read pulse t_read = 7 ns.
OneLayerChip& tile4x4_pulse_width() {
  static OneLayerChip c(4, 4, {4, 3}, "t4pw",
                        chip_yaml(4, 4, "{impl: pulse_width, bits: 3, signed: false, unit_pulse: 1 ns}"));
  return c;
}
OneLayerChip& rows_chip(int rows) {
  static OneLayerChip c32(32, 8, {32, 7}, "r32");
  static OneLayerChip c128(128, 8, {128, 7}, "r128");
  static OneLayerChip c256(256, 8, {256, 7}, "r256");
  return rows == 32 ? c32 : rows == 128 ? c128 : c256;
}

class ColumnCurrent : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tile4x4();
    tile4x4_pulse_width();
    rows_chip(32);
  }
};

// NeuroSim's SAR column term for a column of conductance g (S) read at 0.5 V: R' = R = 1 / g,
// c exp(k log10 R') W over (8 + 1) x 1 ns.
double neurosim_column_J(double g) { return 0.084273 * std::exp(-2.311 * std::log10(1.0 / g)) * 9e-9; }

// The 4 x 4 tiles' weights (outputs x inputs); conductance G_ij = 10 uS + 10 uS x w(j, i).
Eigen::MatrixXf hand_weights() {
  Eigen::MatrixXf w(3, 4);
  w << 1.0F, 0.5F, 0.0F, -0.5F,  //
      0.0F, -1.0F, 0.5F, 0.0F,   //
      0.5F, 0.0F, -1.0F, 1.0F;
  return w;
}

TEST_F(ColumnCurrent, IsChargedOnceOnA4x4Tile) {
  OneLayerChip& c = tile4x4();
  Eigen::MatrixXf x(4, 1);
  x << 1.0F, 1.0F, 0.0F, 1.0F;  // rows 0, 1 and 3 driven at 0.5 V
  c.run(hand_weights(), x);
  // The arrays hold the hand conductances (exact programming of an ideal device).
  const Eigen::MatrixXf& g = c.chip.layers()[0].tiles[0]->array().sense();
  EXPECT_NEAR(g(0, 0), 20e-6, 1e-12);
  EXPECT_NEAR(g(3, 2), 20e-6, 1e-12);
  EXPECT_NEAR(g(1, 1), 0.0, 1e-12);

  const std::string tile = "inference/layer0/tile0_0";
  // Activated conductance of each converted column (rows 0, 1, 3):
  //   column 0: 20 + 15 + 5 = 40 uS; column 1: 10 + 0 + 10 = 20 uS; column 2: 15 + 10 + 20 = 45 uS.
  const double e_column = neurosim_column_J(40e-6) + neurosim_column_J(20e-6) + neurosim_column_J(45e-6);
  // ADC: 3 conversions (3 columns, 1 vector) of the converter term (a x 8 + b) uW x 9 ns =
  // 9.0745 uW x 9 ns = 81.6705 fJ each.
  const double e_conversion = 3 * 81.6705e-15;
  // Array, cell current off the converted columns: the reference column (10 uS) on each of the
  // 3 driven rows, V^2 G t = 0.25 V^2 x 30 uS x 10 ns = 75 fJ.
  const double e_reference = 0.25 * 30e-6 * 10e-9;
  // Array, line charging: 3 driven rows x C_row V^2, C_row = 0.2 fF x 4 columns = 0.8 fF:
  // 3 x 0.8 fF x 0.25 V^2 = 0.6 fJ.
  const double e_lines = 3 * 0.8e-15 * 0.25;
  // DAC: the 4 rows of the vector (the zero row too) x the card's 1-bit drive; shift-add: 3
  // outputs x 1 vector (both tested on their own in tests/unit/periphery).
  const double e_dac = 4 * c.spec.dac->energy_per_conversion().value;
  const double e_shift_add = 3 * c.spec.shift_add->energy_per_op().value;

  EXPECT_NEAR(c.energy(tile + "/adc", "column_1nS"), e_column, 1e-5 * e_column);
  EXPECT_EQ(c.count(tile + "/adc", "conversion"), 3u);
  EXPECT_NEAR(c.energy(tile + "/adc", "conversion"), e_conversion, 1e-9 * e_conversion);
  EXPECT_EQ(c.count(tile + "/array", "read_1nS"), 30000u);  // 30 uS in nS
  EXPECT_NEAR(c.energy(tile + "/array", "read_1nS"), e_reference, 1e-9 * e_reference);
  EXPECT_EQ(c.count(tile + "/array", "line_charge"), 3u);
  EXPECT_NEAR(c.energy(tile + "/array", "line_charge"), e_lines, 1e-9 * e_lines);
  // Nothing else is charged on the tile: the column currents are in the ADC's column term and
  // nowhere else, the reference's in the array.
  const double total = e_column + e_conversion + e_reference + e_lines + e_dac + e_shift_add;
  EXPECT_NEAR(c.ledger.energy_J(tile), total, 1e-5 * total);
}

// A pulse-width drive holds its row at the full read voltage for the fraction code / 7 of the
// read pulse: its cells draw V^2 G (code / 7) t_read, linear in the code (an amplitude drive
// would draw (code / 7)^2), and its line charges once per pulse whatever the width.
TEST_F(ColumnCurrent, PulseWidthDrivesChargeTheirTimeNotTheirSquare) {
  OneLayerChip& c = tile4x4_pulse_width();
  Eigen::MatrixXf x(4, 1);
  x << 1.0F, 3.0F / 7.0F, 0.0F, 5.0F / 7.0F;  // codes 7, 3, 0, 5 (full scale 1 from calibration)
  c.run(hand_weights(), x);
  ASSERT_DOUBLE_EQ(c.spec.read_pulse, 7e-9);
  const std::string tile = "inference/layer0/tile0_0";
  // Time-averaged activated conductance of each column, sum_i G_ij code_i / 7:
  //   column 0: 20 x 7/7 + 15 x 3/7 + 10 x 0 + 5 x 5/7 = 20 + 45/7 + 25/7 = 30 uS;
  //   column 1: 10 + 0 x 3/7 + 15 x 0 + 10 x 5/7 = 10 + 50/7 uS;
  //   column 2: 15 + 10 x 3/7 + 0 + 20 x 5/7 = 15 + 130/7 uS.
  const double e_column = neurosim_column_J(30e-6) + neurosim_column_J((10.0 + 50.0 / 7.0) * 1e-6) +
                          neurosim_column_J((15.0 + 130.0 / 7.0) * 1e-6);
  EXPECT_NEAR(c.energy(tile + "/adc", "column_1nS"), e_column, 1e-5 * e_column);
  // Reference column (10 uS) on the driven rows for (7 + 3 + 5) / 7 of t_read:
  // 10 uS x 15/7 = 21428.57 nS -> 21429 quanta of V^2 x 1 nS x 7 ns = 0.25 x 1e-9 x 7e-9 J;
  // exactly 0.25 V^2 x 10 uS x 15 ns = 37.5 fJ, within half a quantum.
  const double quantum = 0.25 * 1e-9 * 7e-9;
  EXPECT_EQ(c.count(tile + "/array", "read_1nS"), 21429u);
  EXPECT_NEAR(c.energy(tile + "/array", "read_1nS"), 0.25 * 10e-6 * 15e-9, 0.5 * quantum);
  // Lines: 3 pulses (rows 0, 1, 3) x C_row V^2 = 3 x 0.8 fF x 0.25 V^2 = 0.6 fJ.
  EXPECT_EQ(c.count(tile + "/array", "line_charge"), 3u);
  EXPECT_NEAR(c.energy(tile + "/array", "line_charge"), 0.6e-15, 1e-9 * 0.6e-15);
}

TEST_F(ColumnCurrent, SarEnergyPerConversionDoesNotDependOnTheRowCount) {
  // 16 rows driven, every weight equal (the chip scales a layer by its max |w|, so every
  // normalized weight is 1: G = 20 uS): each column activates 16 x 20 = 320 uS, whatever the
  // array's row count. The old assumption R_col = 1 / (rows x G_mid) grew 8x from 32 to 256 rows.
  const double expected = 81.6705e-15 + neurosim_column_J(320e-6);
  for (const int rows : {32, 128, 256}) {
    SCOPED_TRACE(rows);
    OneLayerChip& c = rows_chip(rows);
    const Eigen::MatrixXf w = Eigen::MatrixXf::Constant(7, rows, 0.5F);
    Eigen::MatrixXf x = Eigen::MatrixXf::Zero(rows, 1);
    x.topRows(16).setOnes();
    c.run(w, x);
    const std::string adc = "inference/layer0/tile0_0/adc";
    const std::uint64_t conversions = c.count(adc, "conversion");
    EXPECT_EQ(conversions, 7u);
    const double per_conversion = (c.energy(adc, "conversion") + c.energy(adc, "column_1nS")) / 7.0;
    EXPECT_NEAR(per_conversion, expected, 1e-6 * expected);
  }
}

}  // namespace
}  // namespace column_current_sim
}  // namespace xbarsim::arch
