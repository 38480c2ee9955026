#include "arch/weight_encoding.hpp"

#include <gtest/gtest.h>

#include <memory>

#include "arch_test_util.hpp"

namespace xbarsim::arch {
namespace {

using testing::make_device;

TEST(WeightEncoder, DifferentialTargetsPutTheWeightOnOneSideOfThePair) {
  // 5 .. 25 uS: dG = 20 uS. w = 0.5 -> (15, 5) uS; w = -0.25 -> (5, 10) uS; w = 2 clips to 1.
  const auto dev = make_device("device: {impl: ideal, g_min: 5 uS, g_max: 25 uS, devices_per_weight: 2}\n");
  const WeightEncoder e(*dev, WeightEncoding::kDifferential);
  EXPECT_EQ(e.devices_per_weight(), 2);
  EXPECT_NEAR(e.unit_conductance(), 20e-6, 1e-15);
  EXPECT_EQ(e.reference_conductance(), 0.0);
  float t[2];
  e.targets(0.5F, t);
  EXPECT_NEAR(t[0], 15e-6, 1e-12);
  EXPECT_NEAR(t[1], 5e-6, 1e-12);
  e.targets(-0.25F, t);
  EXPECT_NEAR(t[0], 5e-6, 1e-12);
  EXPECT_NEAR(t[1], 10e-6, 1e-12);
  e.targets(2.0F, t);
  EXPECT_NEAR(t[0], 25e-6, 1e-12);
  EXPECT_TRUE(e.level_weights().empty());  // continuous device
}

TEST(WeightEncoder, OffsetTargetsAndLevelWeights) {
  // 5 levels 0, 5, 10, 15, 20 uS, one device per weight: G_ref = 10 uS, unit = 10 uS; w = 0.5
  // -> 15 uS; the levels stand for -1, -0.5, 0, 0.5, 1. As a differential pair the same levels
  // give 0, +-0.25, +-0.5, +-0.75, +-1 (9 values, +0 and -0 merged).
  const auto dev = make_device("device: {impl: ideal, g_min: 0 S, g_max: 20 uS, levels: 5, devices_per_weight: 1}\n");
  const WeightEncoder off(*dev, WeightEncoding::kOffset);
  EXPECT_EQ(off.devices_per_weight(), 1);
  EXPECT_NEAR(off.reference_conductance(), 10e-6, 1e-15);
  EXPECT_NEAR(off.unit_conductance(), 10e-6, 1e-15);
  float t[2] = {0.0F, 0.0F};  // room for a pair: the compiler cannot see the offset branch
  off.targets(0.5F, t);
  EXPECT_NEAR(t[0], 15e-6, 1e-12);
  EXPECT_EQ(off.level_weights(), (std::vector<float>{-1.0F, -0.5F, 0.0F, 0.5F, 1.0F}));
  const WeightEncoder diff(*dev, WeightEncoding::kDifferential);
  EXPECT_EQ(diff.level_weights(), (std::vector<float>{-1.0F, -0.75F, -0.5F, -0.25F, 0.0F, 0.25F, 0.5F, 0.75F, 1.0F}));
}

}  // namespace
}  // namespace xbarsim::arch
