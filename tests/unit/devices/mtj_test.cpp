#include "devices/mtj.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "test_support.hpp"

namespace xbarsim::devices {
namespace {

using testing::make_device;

// Delta = 40, tau0 = 1 ns, Ic0 = 100 uA, R_P = 10 kOhm, TMR = 1 (R_AP = 20 kOhm).
constexpr const char* kCard = R"(device:
  impl: mtj
  synapse: ternary
  r_p: 10 kOhm
  tmr: 1.0
  delta: 40
  tau0: 1 ns
  ic0: 100 uA
)";

// Fraction of n AP cells that one pulse (current, width) switches to P.
double switched_fraction(const Device& dev, double current, double width, std::uint64_t seed) {
  constexpr std::size_t n = 100000;
  Rng rng(seed, 0);
  std::vector<CellState> cells(n);
  dev.initialize(cells, rng);
  std::vector<float> target(n, static_cast<float>(dev.g_max()));
  ProgramOptions opts;
  opts.pulse_current_A = current;
  opts.pulse_width_s = width;
  dev.program(cells, testing::iota_index(n), target, opts, rng);
  std::size_t k = 0;
  for (const auto& c : cells) k += c.level;
  return static_cast<double>(k) / n;
}

// Acceptance: switching frequency at three operating points vs the analytic probability, with
// the probabilities computed here by hand from the card:
//  (a) thermal, I = 0.8 Ic0, t = 2 us: tau = 1 ns e^{40 x 0.2} = e^8 ns = 2980.96 ns,
//      P = 1 - exp(-2000 / 2980.96) = 0.48876
//  (b) thermal, I = 0.9 Ic0, t = 50 ns: tau = e^4 ns = 54.598 ns, P = 1 - exp(-50/54.598) = 0.59980
//  (c) precessional, I = 2 Ic0, t = 2.5 ns: P = exp(-(pi^2 40 / 4) e^{-2 (2-1) 2.5}) =
//      exp(-98.696 x 0.0067379) = 0.51427
// Each frequency is Binomial(n = 1e5, P) / n: SE = sqrt(P (1 - P) / n); tolerance 5 SE.
TEST(Mtj, SwitchingFrequencyMatchesTheAnalyticProbability) {
  auto dev = make_device(kCard);
  const auto& mtj = dynamic_cast<const MtjDevice&>(*dev);
  struct Point {
    double current, width, p_hand;
  };
  const Point points[] = {
      {80e-6, 2e-6, 1 - std::exp(-2000.0 / std::exp(8.0))},
      {90e-6, 50e-9, 1 - std::exp(-50.0 / std::exp(4.0))},
      {200e-6, 2.5e-9, std::exp(-(std::numbers::pi * std::numbers::pi * 40 / 4) * std::exp(-5.0))},
  };
  EXPECT_NEAR(points[0].p_hand, 0.48876, 1e-5);
  EXPECT_NEAR(points[1].p_hand, 0.59980, 1e-5);
  EXPECT_NEAR(points[2].p_hand, 0.51427, 1e-5);
  std::uint64_t seed = 1;
  for (const auto& pt : points) {
    EXPECT_NEAR(mtj.switching_probability(pt.current, pt.width), pt.p_hand, 1e-12);
    const double f = switched_fraction(*dev, pt.current, pt.width, seed++);
    EXPECT_NEAR(f, pt.p_hand, 5 * std::sqrt(pt.p_hand * (1 - pt.p_hand) / 1e5))
        << "I = " << pt.current << " A, t = " << pt.width << " s";
  }
}

TEST(Mtj, PulseWidthForProbabilityInvertsTheSwitchingLaw) {
  auto dev = make_device(kCard);
  const auto& mtj = dynamic_cast<const MtjDevice&>(*dev);
  for (double current : {50e-6, 90e-6, 150e-6, 300e-6}) {
    for (double p : {0.01, 0.2, 0.5, 0.9, 0.999}) {
      const double t = mtj.pulse_width_for_probability(p, current);
      EXPECT_NEAR(mtj.switching_probability(current, t), p, 1e-9) << current << " " << p;
    }
  }
  // Thermal closed form at 0.9 Ic0: t = -tau ln(1 - p) = -e^4 ns ln(0.5) = 37.844 ns for p = 0.5.
  EXPECT_NEAR(mtj.pulse_width_for_probability(0.5, 90e-6), std::exp(4.0) * std::log(2.0) * 1e-9, 1e-15);
  // Precessional floor: p below exp(-pi^2 Delta / 4) needs no time at all.
  EXPECT_EQ(mtj.pulse_width_for_probability(1e-50, 200e-6), 0.0);
}

TEST(Mtj, MeanSwitchingTimeInThePrecessionalRegime) {
  // tau0 (ln(pi/2) + (ln 40 + 0.5772157) / 2) / (2 - 1) = 1 ns x (0.4515827 + 2.1330476)
  // = 2.5846303 ns at I = 2 Ic0.
  auto dev = make_device(kCard);
  const auto& mtj = dynamic_cast<const MtjDevice&>(*dev);
  EXPECT_NEAR(mtj.mean_switching_time(200e-6), 2.5846303e-9, 1e-15);
  EXPECT_NEAR(mtj.mean_switching_time(90e-6), std::exp(4.0) * 1e-9, 1e-18);
}

TEST(Mtj, TernarySynapseIsTwoMtjsAndWritePulseEnergyIsI2Rt) {
  auto dev = make_device(kCard);
  const auto& mtj = dynamic_cast<const MtjDevice&>(*dev);
  EXPECT_EQ(dev->devices_per_weight(), 2);
  EXPECT_EQ(dev->levels(), 2);
  EXPECT_NEAR(dev->g_max(), 1e-4, 1e-18);  // 1 / 10 kOhm
  EXPECT_NEAR(dev->g_min(), 5e-5, 1e-18);  // 1 / 20 kOhm
  // E = I^2 (R_P + R_AP)/2 t = (100 uA)^2 x 15 kOhm x 5 ns = 7.5e-13 J (card defaults I, t).
  EXPECT_NEAR(dev->energy_per_pulse_J({}), 7.5e-13, 1e-25);
  Rng rng(3, 0);
  std::vector<CellState> cells(2);
  dev->initialize(cells, rng);
  EXPECT_EQ(MtjDevice::ternary_weight(cells[0], cells[1]), 0);
  // A reliable pulse (P = 1 - 1e-300) writes +1 then -1.
  ProgramOptions opts;
  opts.pulse_current_A = 300e-6;
  opts.pulse_width_s = 20e-9;
  const std::uint32_t idx[2] = {0, 1};
  for (int w : {1, -1, 0}) {
    const auto t = mtj.ternary_targets(w);
    dev->program(cells, idx, t, opts, rng);
    EXPECT_EQ(MtjDevice::ternary_weight(cells[0], cells[1]), w == 0 ? 0 : w);
  }
}

// The ternary pair capability: a +1 step from (AP, P) = -1 first releases G- (P -> AP), then
// sets G+ (AP -> P), then stops at +1; -1 steps mirror it. The capability is absent for a
// binary (non-ternary) MTJ card.
TEST(Mtj, TernaryStepsMoveOneDeviceOfThePairUpToTheBound) {
  auto dev = make_device(kCard);
  const devices::TernaryPair* pair = dev->ternary_pair();
  ASSERT_NE(pair, nullptr);
  ASSERT_NE(dev->stochastic_switching(), nullptr);
  std::uint32_t plus = 0, minus = 1;  // weight -1
  int device = -1;
  std::uint32_t to = 9;
  ASSERT_TRUE(pair->step(+1, plus, minus, device, to));
  EXPECT_EQ(device, 1);
  EXPECT_EQ(to, 0u);
  EXPECT_EQ(minus, 0u);
  ASSERT_TRUE(pair->step(+1, plus, minus, device, to));
  EXPECT_EQ(device, 0);
  EXPECT_EQ(to, 1u);
  EXPECT_EQ(plus, 1u);
  EXPECT_FALSE(pair->step(+1, plus, minus, device, to));  // at +1
  ASSERT_TRUE(pair->step(-1, plus, minus, device, to));
  EXPECT_EQ(device, 0);
  EXPECT_EQ(to, 0u);
  ASSERT_TRUE(pair->step(-1, plus, minus, device, to));
  EXPECT_EQ(device, 1);
  EXPECT_EQ(to, 1u);
  EXPECT_FALSE(pair->step(-1, plus, minus, device, to));  // at -1
  EXPECT_EQ(pair->pair_weight(CellState{0.0F, 0.0F, 0.0F, plus}, CellState{0.0F, 0.0F, 0.0F, minus}), -1);
  EXPECT_EQ(dev->pulse_update(), nullptr);
  EXPECT_EQ(dev->pair_refresh(), nullptr);
}

// Read disturb: p = 0.001 per read, 200 reads: an AP cell flips with 1 - 0.999^200 = 0.18135;
// frequency over n = 1e5 cells within 5 SE = 5 sqrt(P (1-P) / n). P cells never flip.
TEST(Mtj, ReadDisturbFlipsApCellsWithTheCompoundProbability) {
  auto dev = make_device("device: {impl: mtj, read_disturb_probability: 0.001}");
  constexpr std::size_t n = 100000;
  Rng rng(11, 0);
  std::vector<CellState> cells(n);
  dev->initialize(cells, rng);
  const auto flipped = dev->read_disturb(cells, 200, rng);
  const double p = 1 - std::pow(0.999, 200);
  EXPECT_NEAR(p, 0.18135, 1e-5);
  EXPECT_NEAR(static_cast<double>(flipped) / n, p, 5 * std::sqrt(p * (1 - p) / n));
  std::size_t in_p = 0;
  for (const auto& c : cells) in_p += c.level;
  EXPECT_EQ(in_p, flipped);
  EXPECT_EQ(dev->read_disturb(std::span<CellState>(cells).first(0), 200, rng), 0U);
}

}  // namespace
}  // namespace xbarsim::devices
