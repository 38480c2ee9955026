// Shift-and-add: bit-serial reconstruction of a dot product, saturation, and the cost face
// against hand-computed values.
#include "periphery/shift_add.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "periphery/dac.hpp"
#include "periphery_test_util.hpp"

namespace xbarsim::periphery {
namespace {

std::unique_ptr<ShiftAdd> make_sa(const std::string& yaml, const std::string& node = "22nm") {
  const Params root = Params::from_string(yaml, "<test>");
  auto sa = ShiftAddRegistry::instance().create(root.child("shift_add"), TechNode::builtin(node));
  root.check_all_read();
  return sa;
}

TEST(ShiftAdd, BitSerialPartialSumsRebuildTheDotProduct) {
  // y_j = sum_i w_ij x_i with 6-bit signed inputs fed one bit plane per cycle.
  const Params root = Params::from_string("dac: {impl: bit_serial, bits: 6, signed: true}", "<t>");
  auto dac = DacRegistry::instance().create(root.child("dac"), TechNode::builtin("22nm"), DacContext{});
  auto sa = make_sa("shift_add: {impl: digital, bits: 20}");
  const std::vector<std::int32_t> x{31, -17, 0, 5, -31};
  const std::vector<std::vector<std::int32_t>> w{{3, -2}, {1, 4}, {-7, 7}, {2, 0}, {-1, -5}};
  std::vector<std::int64_t> acc(2, 0);
  std::vector<float> plane(x.size());
  for (int b = 0; b < dac->magnitude_bits(); ++b) {
    dac->bit_plane(std::span<const std::int32_t>(x), b, std::span<float>(plane));
    std::vector<std::int32_t> partial(2, 0);  // what the array + ADC return for this plane
    for (std::size_t i = 0; i < x.size(); ++i) {
      for (std::size_t j = 0; j < 2; ++j) partial[j] += static_cast<std::int32_t>(plane[i]) * w[i][j];
    }
    EXPECT_EQ(sa->accumulate(std::span<const std::int32_t>(partial), b, false, std::span<std::int64_t>(acc)), 0u);
  }
  // By hand: y_0 = 31*3 + (-17)*1 + 0 + 5*2 + (-31)*(-1) = 93 - 17 + 10 + 31 = 117;
  //          y_1 = 31*(-2) + (-17)*4 + 0 + 0 + (-31)*(-5) = -62 - 68 + 155 = 25.
  EXPECT_EQ(acc[0], 117);
  EXPECT_EQ(acc[1], 25);
}

TEST(ShiftAdd, SaturatesAtTheAccumulatorWidth) {
  // 8-bit accumulator: [-128, 127]. 100 + (10 << 2) = 140 -> 127; -100 - 40 -> -128;
  // 0 + (3 << 5) = 96 fits; subtracting (1 << 7) = 128 from 0 gives -128, fits exactly.
  auto sa = make_sa("shift_add: {impl: digital, bits: 8}");
  std::vector<std::int64_t> acc{100, -100};
  const std::vector<std::int32_t> p{10, -10};
  EXPECT_EQ(sa->accumulate(std::span<const std::int32_t>(p), 2, false, std::span<std::int64_t>(acc)), 2u);
  EXPECT_EQ(acc[0], 127);
  EXPECT_EQ(acc[1], -128);
  std::vector<std::int64_t> a2{0};
  const std::vector<std::int32_t> p2{3};
  EXPECT_EQ(sa->accumulate(std::span<const std::int32_t>(p2), 5, false, std::span<std::int64_t>(a2)), 0u);
  EXPECT_EQ(a2[0], 96);
  std::vector<std::int64_t> a3{0};
  const std::vector<std::int32_t> p3{1};
  EXPECT_EQ(sa->accumulate(std::span<const std::int32_t>(p3), 7, true, std::span<std::int64_t>(a3)), 0u);
  EXPECT_EQ(a3[0], -128);
  // A 62-bit accumulator and a huge shifted term: saturates instead of overflowing int64.
  auto wide = make_sa("shift_add: {impl: digital, bits: 62}");
  std::vector<std::int64_t> a4{0};
  const std::vector<std::int32_t> p4{2147483647};
  EXPECT_EQ(wide->accumulate(std::span<const std::int32_t>(p4), 61, false, std::span<std::int64_t>(a4)), 1u);
  EXPECT_EQ(a4[0], (std::int64_t{1} << 61) - 1);
}

TEST(ShiftAdd, HandComputedEnergyAreaLatency) {
  {
    // ISAAC's own point: 16 bits at 32 nm -> 0.2 mW / (8 ADCs x 1.28 G samples/s) =
    // 0.01953125 pJ per add, 0.00024 mm^2 / 4 = 60 um^2, 1 cycle at 1 GHz = 1 ns.
    auto sa = make_sa("shift_add: {impl: digital, bits: 16}", "32nm");
    EXPECT_NEAR(sa->energy_per_op().value, 0.01953125e-12, 1e-20);
    EXPECT_NEAR(sa->area().value, 60e-12, 1e-18);
    EXPECT_NEAR(sa->latency().value, 1e-9, 1e-18);
    EXPECT_EQ(sa->latency_cycles(), 1);
  }
  {
    // 24 bits at 22 nm: E = 0.01953125 pJ * 24/16 * (22/32) * (0.85/0.9)^2 = 0.029296875 *
    // 0.6875 * 0.891975 = 0.0179658 pJ; A = 60 um^2 * 1.5 * (22/32)^2 = 90 * 0.472656 = 42.5391 um^2;
    // latency 2 cycles = 2 ns.
    auto sa = make_sa("shift_add: {impl: digital, bits: 24, latency_cycles: 2}");
    EXPECT_NEAR(sa->energy_per_op().value, 0.0179658e-12, 0.0000001e-12);
    EXPECT_NEAR(sa->area().value, 42.5391e-12, 0.0001e-12);
    EXPECT_NEAR(sa->latency().value, 2e-9, 1e-18);
  }
  {
    // 8 bits at 65 nm (1.1 V): E = 0.01953125 * 0.5 * (65/32) * (1.1/0.9)^2 = 0.009765625 *
    // 2.03125 * 1.493827 = 0.0296322 pJ; A = 60 * 0.5 * (65/32)^2 = 30 * 4.126 = 123.779 um^2;
    // latency 1 cycle at 250 MHz = 4 ns.
    auto sa = make_sa("shift_add: {impl: digital, bits: 8, clock: 250 MHz}", "65nm");
    EXPECT_NEAR(sa->energy_per_op().value, 0.0296322e-12, 0.0000001e-12);
    EXPECT_NEAR(sa->area().value, 123.779e-12, 0.001e-12);
    EXPECT_NEAR(sa->latency().value, 4e-9, 1e-18);
  }
}

}  // namespace
}  // namespace xbarsim::periphery
