// The IR-drop solvers (arch/ir_drop.hpp) against a 2 x 2 network solved by hand, against the
// ideal products when the wires vanish, against each other on realistic arrays, the energy
// identity of the wires, monotonicity in the wire resistance, the wire resistance of a node, and
// the arrays' view of them (ArrayWires).
#include "arch/ir_drop.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "core/rng.hpp"
#include "devices/device.hpp"

namespace xbarsim::arch {
namespace {

using Eigen::MatrixXd;
using Eigen::VectorXd;

constexpr IrDropMethod kMethods[] = {IrDropMethod::kFast, IrDropMethod::kExact};

MatrixXd uniform_matrix(Eigen::Index rows, Eigen::Index cols, double lo, double hi, Rng& rng) {
  MatrixXd m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m(i) = lo + (hi - lo) * rng.uniform();
  return m;
}

// The 2 x 2 network with every cell and every wire segment of the same conductance a (r = 1 / a).
// Rows i = 0, 1 (row 0 on top, drivers on the left), columns j = 0, 1 (sense amps at the bottom,
// below row 1). Row nodes u_ij, column nodes w_ij. Four nodes are the middle of a series chain
// and are eliminated first:
//   w00 (top of column 0) joins u00 (cell) and w10 (segment): u00 -G- w00 -a- w10, a series b;
//   u11 (right end of row 1) joins u10 (segment) and w11 (cell): u10 -a- u11 -G- w11, a series b;
//   u01 and w01 form u00 -a- u01 -G- w01 -a- w11, a series c;
// with b = 1 / (1/a + 1/a) = a/2 and c = a/3. The remaining nodes u00, u10, w10, w11 (divide by a):
//   u00: (V0 - u00) = (u00 - w10)/2 + (u00 - w11)/3    ->  11 u00 - 3 w10 - 2 w11 = 6 V0
//   u10: (V1 - u10) = (u10 - w10) + (u10 - w11)/2       ->  5 u10 - 2 w10 - w11 = 2 V1
//   w10: (u00 - w10)/2 + (u10 - w10) = w10              ->  u00 + 2 u10 - 5 w10 = 0
//   w11: (u00 - w11)/3 + (u10 - w11)/2 = w11            ->  2 u00 + 3 u10 - 11 w11 = 0
// V = (1, 0): from the last two, u00 = 5 w10 - 2 u10 and u10 = 10 w10 - 11 w11; the second gives
// w11 = 6/7 w10, u10 = 4/7 w10, u00 = 27/7 w10; the first 264/7 w10 = 6: w10 = 7/44, w11 = 6/44,
// u00 = 27/44, u10 = 4/44; back in the chains u01 = 20/44, w01 = 13/44, w00 = 17/44, u11 = 5/44.
// V = (0, 1): the same steps give w10 = 10/44, w11 = 7/44, u00 = 4/44, u10 = 23/44, u01 = 5/44,
// w01 = 6/44, w00 = 7/44, u11 = 15/44.
// The sense currents are a w1j: T = a/44 [[7, 6], [10, 7]] (row = driven row, column = column).
// Wire power (sum over the 8 segments of a (delta V)^2), x a / 44^2: V = (1, 0): row 0 (44-27)^2 +
// (27-20)^2, row 1 4^2 + 1^2, column 0 (17-7)^2 + 7^2, column 1 (13-6)^2 + 6^2 = 589; V = (0, 1):
// 16 + 1 + 21^2 + 8^2 + 3^2 + 10^2 + 1 + 7^2 = 681; V = (1, 1), the deltas added: 13^2 + 6^2 +
// 17^2 + 7^2 + 7^2 + 17^2 + 6^2 + 13^2 = 1086, so Q_01 = (1086 - 589 - 681) / 2 = -92.
// Cell power at V = (1, 0): a (10^2 + 7^2 + 3^2 + 1^2) / 44^2 = 159 a / 44^2; input power a (1 -
// 27/44) = 17 a / 44 = (159 + 589) a / 44^2.
constexpr double kA = 1e-3;  // S: 1 kOhm segments and 1 mS cells
const WireSegments kHandWires{1.0 / kA, 1.0 / kA};

TEST(IrDrop, TwoByTwoNetworkSolvedByHand) {
  const MatrixXd g = MatrixXd::Constant(2, 2, kA);
  const IrDropRead r = solve_ir_drop(g, VectorXd::Unit(2, 0), kHandWires);
  const double tol = 1e-12;  // volts and amperes of order 1 and 1e-3: rounding only
  EXPECT_NEAR(r.row_node(0, 0), 27.0 / 44, tol);
  EXPECT_NEAR(r.row_node(0, 1), 20.0 / 44, tol);
  EXPECT_NEAR(r.row_node(1, 0), 4.0 / 44, tol);
  EXPECT_NEAR(r.row_node(1, 1), 5.0 / 44, tol);
  EXPECT_NEAR(r.col_node(0, 0), 17.0 / 44, tol);
  EXPECT_NEAR(r.col_node(0, 1), 13.0 / 44, tol);
  EXPECT_NEAR(r.col_node(1, 0), 7.0 / 44, tol);
  EXPECT_NEAR(r.col_node(1, 1), 6.0 / 44, tol);
  EXPECT_NEAR(r.column_current(0), kA * 7 / 44, tol * kA);
  EXPECT_NEAR(r.column_current(1), kA * 6 / 44, tol * kA);
  EXPECT_NEAR(r.wire_power, kA * 589 / 1936, tol * kA);
  EXPECT_NEAR(r.cell_power, kA * 159 / 1936, tol * kA);
  EXPECT_NEAR(r.input_power, kA * 17 / 44, tol * kA);

  MatrixXd t_hand(2, 2);
  t_hand << 7, 6, 10, 7;
  t_hand *= kA / 44;
  MatrixXd q_hand(2, 2);
  q_hand << 589, -92, -92, 681;
  q_hand *= kA / 1936;
  for (const IrDropMethod m : kMethods) {
    const IrDropTransfer t = ir_drop_transfer(g, kHandWires, m);
    EXPECT_LT((t.current - t_hand).cwiseAbs().maxCoeff(), tol * kA);
    EXPECT_LT((t.wire - q_hand).cwiseAbs().maxCoeff(), tol * kA);
  }
}

TEST(IrDrop, VanishingWiresGiveTheIdealProducts) {
  // 8 x 8 cells of 25..100 uS, drives in [0, 1] V, segments of 1e-4 Ohm. Every node voltage lies
  // between 0 and max V = 1 V (maximum principle), so no cell draws more than 100 uS x 1 V and no
  // segment carries more than the total I_tot <= 64 x 1e-4 A. A row node is at most C segments
  // of drop from its driver, a column node at most R from its sense amp: every cell sees its
  // nominal voltage within (R + C) r I_tot = 16 x 1e-4 x 6.4e-3 = 1.024e-5 V, and a column current
  // is within 8 cells x 100 uS x 1.024e-5 V = 8.2e-9 A of G^T V (of order 2e-4 A).
  Rng rng(11);
  const MatrixXd g = uniform_matrix(8, 8, 25e-6, 100e-6, rng);
  const VectorXd v = uniform_matrix(8, 1, 0.0, 1.0, rng);
  const WireSegments tiny{1e-4, 1e-4};
  const double bound = 8 * 100e-6 * (16 * 1e-4 * 64 * 1e-4);
  const VectorXd ideal = g.transpose() * v;
  const IrDropRead r = solve_ir_drop(g, v, tiny);
  for (int j = 0; j < 8; ++j) EXPECT_NEAR(r.column_current(j), ideal(j), bound) << j;
  for (const IrDropMethod m : kMethods) {
    const VectorXd through = ir_drop_transfer(g, tiny, m).current.transpose() * v;
    for (int j = 0; j < 8; ++j) EXPECT_NEAR(through(j), ideal(j), bound) << j;
  }
}

// The 22 nm node's wire over a 40 F^2 cell (wire_resistance_per_cell below): 1.8445 Ohm.
constexpr double kNodeOhm = 1.8445;

TEST(IrDrop, FastMatchesTheNodeSolveWithin1Percent) {
  // Cells of 25..100 uS (the device cards' g_max range), segments of the 22 nm node's value and
  // 5 x it, random drives in [0, 0.2] V, 8 per case. Acceptance: the fast transfer's currents
  // within 1 % of the node-by-node solve. Both are direct solves in double precision of the same
  // equations, so they should agree to rounding: the nodal matrix's condition number is at most of
  // order (4 g_wire / G_min) (R + C)^2 = (4 / 1.84 Ohm / 25 uS) x 128^2 = 1.4e9, times eps = 2.2e-16
  // gives 3e-7 of the largest current; 1e-6 is asserted besides the 1 %.
  Rng rng(2024);
  struct Case {
    int rows, cols;
  };
  for (const Case c : {Case{16, 16}, Case{32, 48}, Case{64, 64}}) {
    const MatrixXd g = uniform_matrix(c.rows, c.cols, 25e-6, 100e-6, rng);
    for (const double ohm : {kNodeOhm, 5 * kNodeOhm}) {
      const WireSegments wires{ohm, ohm};
      const IrDropTransfer fast = ir_drop_transfer(g, wires, IrDropMethod::kFast);
      double drop = 0.0;  // mean relative IR drop of the currents: the test must see one
      for (int k = 0; k < 8; ++k) {
        const VectorXd v = uniform_matrix(c.rows, 1, 0.0, 0.2, rng);
        const IrDropRead exact = solve_ir_drop(g, v, wires);
        const VectorXd through = fast.current.transpose() * v;
        const double scale = exact.column_current.cwiseAbs().maxCoeff();
        for (int j = 0; j < c.cols; ++j) {
          EXPECT_NEAR(through(j), exact.column_current(j), 0.01 * std::abs(exact.column_current(j)))
              << c.rows << "x" << c.cols << " " << ohm << " ohm, column " << j;
          EXPECT_NEAR(through(j), exact.column_current(j), 1e-6 * scale);
        }
        const VectorXd ideal = g.transpose() * v;
        drop += ((ideal - exact.column_current).array() / ideal.array()).mean() / 8;
      }
      // The wires lower the currents by more than the 1 % tolerance, so the test tells them
      // apart: to first order a line of N cells of mean G loses r G N^2 / 3 of its voltage on
      // average, rows and columns together r G (R^2 + C^2) / 3 >= 1.84 x 62.5 uS x 512 / 3 = 0.0196.
      EXPECT_GT(drop, 0.01) << c.rows << "x" << c.cols << " " << ohm << " ohm";
    }
  }
}

TEST(IrDrop, ExactAndFastTransfersAgree) {
  Rng rng(7);
  const MatrixXd g = uniform_matrix(24, 40, 25e-6, 100e-6, rng);
  const WireSegments wires{2.0, 3.5};
  const IrDropTransfer a = ir_drop_transfer(g, wires, IrDropMethod::kFast);
  const IrDropTransfer b = ir_drop_transfer(g, wires, IrDropMethod::kExact);
  // Rounding only (see above): 1e-6 of the largest entry.
  EXPECT_LT((a.current - b.current).cwiseAbs().maxCoeff(), 1e-6 * b.current.cwiseAbs().maxCoeff());
  EXPECT_LT((a.wire - b.wire).cwiseAbs().maxCoeff(), 1e-6 * b.wire.cwiseAbs().maxCoeff());
}

TEST(IrDrop, WirePowerIsTheSumOfISquaredR) {
  // Different row and column segments, signed drives. The wire power is summed here from the node
  // voltages, segment by segment (I = delta V / r, I^2 r), and must equal V^T Q V of both
  // transfers; the drivers' power equals the cells' plus the wires' (Tellegen's theorem).
  Rng rng(5);
  const MatrixXd g = uniform_matrix(12, 9, 25e-6, 100e-6, rng);
  const WireSegments wires{3.0, 1.5};
  for (int k = 0; k < 4; ++k) {
    const VectorXd v = uniform_matrix(12, 1, -0.3, 0.3, rng);
    const IrDropRead r = solve_ir_drop(g, v, wires);
    double sum = 0.0;
    for (int i = 0; i < 12; ++i) {
      for (int j = 0; j < 9; ++j) {
        const double i_row = ((j == 0 ? v(i) : r.row_node(i, j - 1)) - r.row_node(i, j)) / wires.row_ohm;
        const double i_col = (r.col_node(i, j) - (i + 1 < 12 ? r.col_node(i + 1, j) : 0.0)) / wires.col_ohm;
        sum += i_row * i_row * wires.row_ohm + i_col * i_col * wires.col_ohm;
      }
    }
    EXPECT_NEAR(r.wire_power, sum, 1e-12 * sum);
    EXPECT_NEAR(r.input_power, r.cell_power + r.wire_power, 1e-9 * r.input_power);
    for (const IrDropMethod m : kMethods) {
      const double q = v.dot(ir_drop_transfer(g, wires, m).wire * v);
      EXPECT_NEAR(q, sum, 1e-9 * sum);
    }
  }
}

TEST(IrDrop, LargerWiresGiveSmallerCurrents) {
  // Every row driven at the same 0.2 V: the drivers form one terminal and the sense amps another,
  // so the total current falls strictly as any segment's resistance grows (Rayleigh's monotonicity
  // law); and every node lies between 0 and 0.2 V, so no cell sees more than 0.2 V and no column
  // current exceeds its nominal G^T V (maximum principle).
  Rng rng(9);
  const MatrixXd g = uniform_matrix(32, 32, 25e-6, 100e-6, rng);
  const VectorXd v = VectorXd::Constant(32, 0.2);
  const VectorXd ideal = g.transpose() * v;
  double previous = ideal.sum();
  for (const double ohm : {kNodeOhm, 2 * kNodeOhm, 5 * kNodeOhm, 10 * kNodeOhm}) {
    const VectorXd i = ir_drop_transfer(g, WireSegments{ohm, ohm}, IrDropMethod::kFast).current.transpose() * v;
    EXPECT_LT(i.sum(), previous) << ohm;
    for (int j = 0; j < 32; ++j) EXPECT_LE(i(j), ideal(j)) << ohm << " ohm, column " << j;
    previous = i.sum();
  }
}

TEST(IrDrop, WireResistanceOfTheNode) {
  // 22 nm (NeuroSim V1.3 Param.cpp): w = 40 nm, aspect ratio 1.9, rho = 4.03 uOhm cm = 4.03e-8 Ohm m;
  // a 40 F^2 cell has a pitch of sqrt(40) x 22 nm = 139.14 nm:
  // r = 4.03e-8 x 139.14e-9 / (40e-9 x 1.9 x 40e-9) = 5.6074e-15 / 3.04e-15 = 1.8445 Ohm.
  const periphery::TechNode t = periphery::TechNode::builtin("22nm");
  EXPECT_NEAR(wire_resistance_per_cell(t, 40.0), 4.03e-8 * std::sqrt(40.0) * 22e-9 / (40e-9 * 1.9 * 40e-9), 1e-12);
  EXPECT_NEAR(wire_resistance_per_cell(t, 40.0), kNodeOhm, 1e-4);
  // 130 nm: w = 175 nm, 1.6, 2.20 uOhm cm: 2.2e-8 x sqrt(40) x 130e-9 / (175e-9 x 1.6 x 175e-9) = 0.3691 Ohm.
  EXPECT_NEAR(wire_resistance_per_cell(periphery::TechNode::builtin("130nm"), 40.0), 0.3691, 1e-4);
}

std::unique_ptr<devices::Device> ideal_device(int per_weight) {
  const Params root = Params::from_string(
      "device: {impl: ideal, g_min: 0 S, g_max: 100 uS, levels: 0, "
      "devices_per_weight: " +
          std::to_string(per_weight) + "}\n",
      "dev.yaml");
  return devices::DeviceRegistry::instance().create(root.child("device"));
}

TEST(IrDrop, ArrayWiresReadThroughThePhysicalColumns) {
  Rng rng(3);
  for (const int per : {1, 2}) {
    const auto dev = ideal_device(per);
    const auto enc = per == 2 ? WeightEncoding::kDifferential : WeightEncoding::kOffset;
    CrossbarArray a(6, 5, enc, *dev, rng);
    a.program(uniform_matrix(6, 5, -1.0, 1.0, rng).cast<float>(), devices::ProgramOptions{}, false, rng);
    // The physical columns left to right: device columns in order (G+, G- of each pair), then
    // the offset encoding's reference column at G_ref = 50 uS.
    const int dcols = a.device_cols();
    MatrixXd g(6, per == 2 ? dcols : dcols + 1);
    for (int i = 0; i < 6; ++i) {
      for (int d = 0; d < dcols; ++d) g(i, d) = a.cells()[static_cast<std::size_t>(d * 6 + i)].g;
      if (per == 1) g(i, dcols) = 50e-6;
    }
    const IrDropTransfer t = ir_drop_transfer(g, WireSegments{3.0, 3.0}, IrDropMethod::kExact);
    ArrayWires wires(IrDropSpec{.enabled = true, .method = IrDropMethod::kFast, .wire_resistance_per_cell = 3.0});
    wires.update(a);
    for (int j = 0; j < 5; ++j) {
      const VectorXd expected = per == 2 ? VectorXd(t.current.col(2 * j) - t.current.col(2 * j + 1))
                                         : VectorXd(t.current.col(j) - t.current.col(dcols));
      for (int i = 0; i < 6; ++i) EXPECT_NEAR(wires.read_matrix()(i, j), expected(i), 1e-6 * 100e-6) << per;
    }
    // The wire conductance of a batch: sum over vectors of d^T Q d.
    const Eigen::MatrixXf d = uniform_matrix(6, 3, 0.0, 1.0, rng).cast<float>();
    double q = 0.0;
    for (int k = 0; k < 3; ++k) {
      const VectorXd dk = d.col(k).cast<double>();
      q += dk.dot(t.wire * dk);
    }
    EXPECT_NEAR(wires.wire_conductance(d, 6), q, 1e-5 * q);
  }
}

TEST(IrDrop, ArrayWiresWithoutResistanceAreTheEffectiveConductances) {
  Rng rng(4);
  const auto dev = ideal_device(2);
  CrossbarArray a(4, 3, WeightEncoding::kDifferential, *dev, rng);
  a.program(uniform_matrix(4, 3, -1.0, 1.0, rng).cast<float>(), devices::ProgramOptions{}, false, rng);
  ArrayWires wires(IrDropSpec{.enabled = true, .method = IrDropMethod::kFast, .wire_resistance_per_cell = 0.0});
  wires.update(a);
  EXPECT_EQ(wires.read_matrix(), a.effective());
  EXPECT_EQ(wires.wire_conductance(Eigen::MatrixXf::Ones(4, 2), 4), 0.0);
}

}  // namespace
}  // namespace xbarsim::arch
