// arch.array.ir_drop on a chip: the forward reads' currents come through the wires (the network
// solved node by node here, arch/ir_drop.hpp), the wires' dissipation is its own ledger action,
// count x energy per action, and the chip without wire resistance reads as before.
#include "arch/ir_drop.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "arch/chip.hpp"
#include "core/params.hpp"
#include "core/rng.hpp"
#include "sim_support.hpp"

namespace xbarsim::arch {
// File-local names are unique to this file also in a unity batch of tests/sim/.
namespace ir_drop_sim {
namespace {

constexpr double kReadVoltage = 0.5;  // V
constexpr double kReadPulse = 10e-9;  // s

// A 4-input, 3-output layer on one 4 x 4 (offset: 3 weight columns and the reference column) or
// 4 x 6 (differential: 3 pairs) tile of ideal 0..100 uS devices read at 0.5 V, a 1-bit DAC (one
// plane: the drive is the input bit) and an ideal ADC (no quantization, no range), so the
// outputs are the column currents times one scale. `ir_drop` is the arch.array.ir_drop section.
// `rows` and `cols` replace the array's 4 x 4 (offset) or 4 x 6 (differential).
std::string chip_yaml(int devices_per_weight, const std::string& ir_drop, int rows = 4, int cols = 0) {
  if (cols == 0) cols = devices_per_weight == 2 ? 6 : 4;
  return "device: {impl: ideal, g_min: 0 S, g_max: 100 uS, levels: 0, devices_per_weight: " +
         std::to_string(devices_per_weight) +
         ", read_voltage: 0.5 V, pulse_width: 10 ns}\n"
         "arch:\n"
         "  clock: 1 GHz\n"
         "  tech: {node: 22nm}\n"
         "  array: {rows: " +
         std::to_string(rows) + ", cols: " + std::to_string(cols) + ", cell_area_F2: 40, ir_drop: " + ir_drop +
         "}\n"
         "  dac: {impl: bit_serial, bits: 1, signed: false, read_pulse: 10 ns}\n"
         "  adc: {impl: ideal}\n"
         "  shift_add: {impl: digital, bits: 24}\n"
         "  write_driver: {impl: standard, pulse_amplitude: 1 V}\n"
         "  buffer: {impl: sram, word_bits: 256, capacity_bytes: 65536, banks: 1, ports: 1}\n"
         "  calibration_images: 1\n";
}

struct OneTile {
  OneTile(int per, const std::string& ir_drop, const std::string& name, int rows = 4, int cols = 0,
          std::vector<int> widths = {4, 3})
      : root(Params::from_string(chip_yaml(per, ir_drop, rows, cols), name + ".yaml")),
        spec(ChipSpec::from_params(root.child("arch"), root.child("device"), widths)),
        chip(spec, ledger, 3, name.c_str()) {}
  Eigen::MatrixXf run(const Eigen::MatrixXf& w, const Eigen::MatrixXf& x) {
    chip.program({w}, {Eigen::VectorXf::Zero(w.rows())});
    chip.calibrate(x, 1);
    return chip.infer(x, 1, nullptr).logits;
  }
  const Ledger::Action* action(const std::string& component, const std::string& name, std::uint64_t* count) const {
    for (const auto& r : ledger.energy_rows()) {
      if (r.action->component == component && r.action->action == name) {
        *count = r.count;
        return r.action;
      }
    }
    return nullptr;
  }
  Params root;
  ChipSpec spec;
  Ledger ledger;
  Chip chip;
};

// 500 Ohm per cell on 100 uS cells: r G N^2 = 0.8, a large drop (the point is the wiring of the
// solver into the read, not realism).
const std::string kWired = "{enabled: true, wire_resistance_per_cell: 500 ohm}";

// SystemC takes modules only before the first simulation: every chip is built first.
struct Chips {
  OneTile nominal_offset{1, "{enabled: false}", "nom1"};
  OneTile wired_offset{1, kWired, "wir1"};
  OneTile zero_offset{1, "{enabled: true, wire_resistance_per_cell: 0 ohm}", "zer1"};
  OneTile nominal_diff{2, "{enabled: false}", "nom2"};
  OneTile wired_diff{2, "{enabled: true, method: exact, wire_resistance_per_cell: 500 ohm}", "wir2"};
  // A full 128 x 128 tile (64 differential weight columns) at the node's wire resistance.
  OneTile nominal_128{2, "{enabled: false}", "nom128", 128, 128, {128, 64}};
  OneTile wired_128{2, "{enabled: true}", "wir128", 128, 128, {128, 64}};
};
Chips& chips() {
  static Chips c;
  return c;
}

// Weights with column sums away from zero (no current ratio of ~0 / ~0).
Eigen::MatrixXf hand_weights() {
  Eigen::MatrixXf w(3, 4);
  w << 1.0F, 0.5F, 0.25F, -0.5F,  //
      0.75F, -1.0F, 0.5F, 1.0F,   //
      0.5F, 0.25F, 1.0F, 0.75F;
  return w;
}

// The tile's physical conductances, left to right (device columns, then the offset reference).
Eigen::MatrixXd physical(const CrossbarArray& a) {
  const bool offset = a.encoding() == WeightEncoding::kOffset;
  Eigen::MatrixXd g(a.rows(), a.device_cols() + (offset ? 1 : 0));
  g.leftCols(a.device_cols()) = a.conductances().cast<double>();
  if (offset) g.col(a.device_cols()).setConstant(a.reference_conductance());
  return g;
}

// The weight columns' currents of drive v (V) through 500 Ohm wires, solved node by node.
Eigen::VectorXd wired_currents(const CrossbarArray& a, const Eigen::VectorXd& v, double* wire_power) {
  const IrDropRead r = solve_ir_drop(physical(a), v, WireSegments{500.0, 500.0});
  *wire_power = r.wire_power;
  Eigen::VectorXd out(a.weight_cols());
  for (int j = 0; j < a.weight_cols(); ++j) {
    out(j) = a.encoding() == WeightEncoding::kOffset ? r.column_current(j) - r.column_current(a.device_cols())
                                                     : r.column_current(2 * j) - r.column_current(2 * j + 1);
  }
  return out;
}

void expect_wired_read(OneTile& nominal, OneTile& wired) {
  Eigen::MatrixXf x(4, 1);
  x << 1.0F, 0.0F, 1.0F, 1.0F;  // rows 0, 2 and 3 driven at 0.5 V
  const Eigen::MatrixXf y_nom = nominal.run(hand_weights(), x);
  const Eigen::MatrixXf y_wir = wired.run(hand_weights(), x);
  const CrossbarArray& a = wired.chip.layers()[0].tiles[0]->array();
  // Ideal devices programmed exactly: both chips hold the same conductances.
  ASSERT_EQ(a.effective(), nominal.chip.layers()[0].tiles[0]->array().effective());
  const Eigen::VectorXd v = x.col(0).cast<double>() * kReadVoltage;
  double p_wire = 0.0;
  const Eigen::VectorXd i_wir = wired_currents(a, v, &p_wire);
  const Eigen::VectorXd i_nom = a.effective().cast<double>().transpose() * v;
  // Both chips scale their currents by the same factor (weight scale, input full scale, V_read
  // G_u): y_wired = y_nominal x I_wired / I_nominal, to float rounding.
  for (int j = 0; j < 3; ++j) {
    const double expected = y_nom(j, 0) * i_wir(j) / i_nom(j);
    EXPECT_NEAR(y_wir(j, 0), expected, 1e-5 * std::abs(expected)) << j;
    EXPECT_GT(std::abs(i_nom(j) - i_wir(j)), 0.05 * std::abs(i_nom(j))) << j;  // the wires matter
  }
  // The wires' dissipation: one read in calibration and one in inference, each counted as
  // P_wire / V_read^2 in reads of 1 nS, at V_read^2 x 1 nS x t_read each.
  for (const std::string phase : {"calibration", "inference"}) {
    std::uint64_t count = 0;
    const Ledger::Action* act = wired.action(phase + "/layer0/tile0_0/array", "wire_1nS", &count);
    ASSERT_NE(act, nullptr) << phase;
    EXPECT_EQ(count, static_cast<std::uint64_t>(std::llround(p_wire / (kReadVoltage * kReadVoltage) / 1e-9))) << phase;
    EXPECT_NEAR(act->energy_per_action_J, kReadVoltage * kReadVoltage * 1e-9 * kReadPulse, 1e-30);
    std::uint64_t none = 0;
    EXPECT_EQ(nominal.action(phase + "/layer0/tile0_0/array", "wire_1nS", &none), nullptr) << phase;
  }
  simtest::expect_energy_identity(wired.ledger, "inference");
}

TEST(IrDropChip, OffsetReadsComeThroughTheWires) { expect_wired_read(chips().nominal_offset, chips().wired_offset); }

TEST(IrDropChip, DifferentialReadsComeThroughTheWires) { expect_wired_read(chips().nominal_diff, chips().wired_diff); }

TEST(IrDropChip, NoWireResistanceReadsAsWithout) {
  Eigen::MatrixXf x(4, 1);
  x << 1.0F, 1.0F, 0.0F, 1.0F;
  const Eigen::MatrixXf y_nom = chips().nominal_offset.run(hand_weights(), x);
  const Eigen::MatrixXf y_zero = chips().zero_offset.run(hand_weights(), x);
  EXPECT_EQ(y_nom, y_zero);
  std::uint64_t count = 1;
  ASSERT_NE(chips().zero_offset.action("inference/layer0/tile0_0/array", "wire_1nS", &count), nullptr);
  EXPECT_EQ(count, 0u);
}

TEST(IrDropChip, AFullTileSolvesInsideTheSimulation) {
  // The transfer of a 128 x 128 array is computed inside the controller's SystemC thread (the
  // first read after programming): its Eigen products must not run on the coroutine's stack.
  Rng rng(12);
  Eigen::MatrixXf w(64, 128);
  for (Eigen::Index i = 0; i < w.size(); ++i) w(i) = static_cast<float>(rng.uniform() * 2.0 - 1.0);
  w(0, 0) = 1.0F;
  Eigen::MatrixXf x(128, 1);
  for (Eigen::Index i = 0; i < x.size(); ++i) x(i) = rng.uniform() < 0.5 ? 1.0F : 0.0F;
  const Eigen::MatrixXf y_nom = chips().nominal_128.run(w, x);
  const Eigen::MatrixXf y_wir = chips().wired_128.run(w, x);
  const CrossbarArray& a = chips().wired_128.chip.layers()[0].tiles[0]->array();
  // The currents through the 22 nm wires (1.8445 Ohm per cell), computed here outside the
  // simulation: y_wired = y_nominal x I_wired / I_nominal, for the columns whose ideal current is
  // not near zero (a float ratio of small differences would be noise).
  const WireSegments wires{1.8445, 1.8445};
  EXPECT_NEAR(chips().wired_128.spec.ir_drop.wire_resistance_per_cell, wires.row_ohm, 1e-4);
  const IrDropTransfer t = ir_drop_transfer(physical(a), wires, IrDropMethod::kExact);
  const Eigen::VectorXd v = x.col(0).cast<double>() * kReadVoltage;
  const Eigen::VectorXd i_nom = a.effective().cast<double>().transpose() * v;
  const double scale = i_nom.cwiseAbs().maxCoeff();
  int compared = 0;
  for (int j = 0; j < 64; ++j) {
    if (std::abs(i_nom(j)) < 0.1 * scale) continue;
    const double i_wir = (t.current.col(2 * j) - t.current.col(2 * j + 1)).dot(v);
    const double expected = y_nom(j, 0) * i_wir / i_nom(j);
    EXPECT_NEAR(y_wir(j, 0), expected, 1e-4 * std::abs(expected)) << j;
    ++compared;
  }
  EXPECT_GT(compared, 32);
}

}  // namespace
}  // namespace ir_drop_sim
}  // namespace xbarsim::arch
