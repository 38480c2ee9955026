#include "arch/crossbar_array.hpp"

#include <gtest/gtest.h>

#include "arch_test_util.hpp"
#include "devices/device.hpp"

namespace xbarsim::arch {
namespace {

using testing::make_device;

TEST(CrossbarArray, DifferentialEffectiveConductanceIsWeightTimesRange) {
  // Ideal continuous device 0..25 uS, two devices per weight: G+ - G- = w x 25 uS.
  const auto dev = make_device("device: {impl: ideal, g_min: 0 S, g_max: 25 uS, levels: 0, devices_per_weight: 2}\n");
  Rng rng(1);
  CrossbarArray a(3, 2, WeightEncoding::kDifferential, *dev, rng);
  Eigen::MatrixXf w(3, 2);
  w << 1.0F, -0.5F, 0.0F, 0.25F, -1.0F, 2.0F;  // 2.0 clips to 1
  a.program(w, devices::ProgramOptions{}, false, rng);
  EXPECT_NEAR(a.unit_conductance(), 25e-6, 1e-12);
  EXPECT_NEAR(a.effective()(0, 0), 25e-6, 1e-11);
  EXPECT_NEAR(a.effective()(0, 1), -12.5e-6, 1e-11);
  EXPECT_NEAR(a.effective()(2, 1), 25e-6, 1e-11);
  // Row sums of G+ + G-: row 0 = 25 + 0 + 0 + 12.5 = 37.5 uS.
  EXPECT_NEAR(a.row_conductance_sum()(0), 37.5e-6, 1e-11);
  // mvm: out = G^T in, in = (1, 1, 0): column 0 = 25 + 0 = 25 uS; column 1 = -12.5 + 6.25 uS.
  Eigen::MatrixXf in(3, 1);
  in << 1, 1, 0;
  Eigen::MatrixXf out(2, 1);
  a.mvm(in, out);
  EXPECT_NEAR(out(0, 0), 25e-6, 1e-11);
  EXPECT_NEAR(out(1, 0), -6.25e-6, 1e-11);
}

TEST(CrossbarArray, OffsetEncodingUsesTheReferenceColumn) {
  // 5-level ideal device 0..20 uS, one device per weight: G_ref = 10 uS, unit = 10 uS; the
  // levels 0, 5, 10, 15, 20 uS hold the weights -1, -0.5, 0, 0.5, 1.
  const auto dev = make_device("device: {impl: ideal, g_min: 0 S, g_max: 20 uS, levels: 5, devices_per_weight: 1}\n");
  Rng rng(1);
  CrossbarArray a(2, 2, WeightEncoding::kOffset, *dev, rng);
  Eigen::MatrixXf w(2, 2);
  w << -1.0F, 0.5F, 0.3F, 0.0F;  // 0.3 snaps to the nearest level, 0.5
  a.program(w, devices::ProgramOptions{}, false, rng);
  EXPECT_NEAR(a.reference_conductance(), 10e-6, 1e-12);
  EXPECT_NEAR(a.held_weights()(0, 0), -1.0, 1e-6);
  EXPECT_NEAR(a.held_weights()(1, 0), 0.5, 1e-6);
  EXPECT_NEAR(a.held_weights()(1, 1), 0.0, 1e-6);
  // Row 0 drives G = 0 + 15 uS on the devices and 10 uS on the reference: 25 uS.
  EXPECT_NEAR(a.row_conductance_sum()(0), 25e-6, 1e-11);
}

TEST(CrossbarArray, OnlyChangedLevelsAreReprogrammed) {
  const auto dev = make_device("device: {impl: ideal, g_min: 0 S, g_max: 20 uS, levels: 5, devices_per_weight: 1}\n");
  Rng rng(2);
  CrossbarArray a(4, 3, WeightEncoding::kOffset, *dev, rng);
  Eigen::MatrixXf w = Eigen::MatrixXf::Constant(4, 3, 0.5F);
  EXPECT_EQ(a.program(w, devices::ProgramOptions{}, true, rng).program_events, 12u);
  // A change smaller than half a level step keeps every target level: nothing to program.
  w(1, 1) = 0.6F;
  EXPECT_EQ(a.program(w, devices::ProgramOptions{}, true, rng).program_events, 0u);
  // Two weights cross to other levels: two programming events.
  w(0, 0) = -0.5F;
  w(3, 2) = 1.0F;
  EXPECT_EQ(a.program(w, devices::ProgramOptions{}, true, rng).program_events, 2u);
}

}  // namespace
}  // namespace xbarsim::arch
