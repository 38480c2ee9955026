#include "devices/pcm.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "test_support.hpp"

namespace xbarsim::devices {
namespace {

using testing::make_device;
using testing::moments;

constexpr std::size_t kCells = 100000;

// n cells programmed to target_S; returns the device and fills cells.
std::vector<CellState> programmed(const Device& dev, double target_S, std::uint64_t seed) {
  Rng rng(seed, 0);
  std::vector<CellState> cells(kCells);
  dev.initialize(cells, rng);
  std::vector<float> target(kCells, static_cast<float>(target_S));
  dev.program(cells, testing::iota_index(kCells), target, {}, rng);
  return cells;
}

// Acceptance: programming noise. g_max = 25 uS, target 12.5 uS (u_T = 0.5):
//   s = 0.26348 + 1.9650 x 0.5 - 1.1731 x 0.25 = 0.952705 uS (x g_max / 25 uS = 1),
// and at u_T = 0.1 (2.5 uS): s = 0.26348 + 0.19650 - 0.011731 = 0.448249 uS.
// G_prog ~ N(G_T, s) (clipping at 0 is > 5 s away): SE(mean) = s / sqrt(n),
// SE(sd) ~ s / sqrt(2 n); tolerance 5 SE.
TEST(Pcm, ProgrammingNoiseMatchesTheFit) {
  auto dev = make_device("device: {impl: pcm}");
  const auto& pcm = dynamic_cast<const PcmDevice&>(*dev);
  for (auto [u, s_uS] : {std::pair{0.5, 0.952705}, std::pair{0.1, 0.448249}}) {
    const double gt = u * 25e-6;
    const double s = s_uS * 1e-6;
    EXPECT_NEAR(pcm.programming_sigma_S(gt), s, 1e-15);
    const auto cells = programmed(*dev, gt, 21);
    std::vector<double> g(kCells);
    for (std::size_t i = 0; i < kCells; ++i) g[i] = cells[i].g;
    const auto m = moments(g);
    EXPECT_NEAR(m.mean, gt, 5 * s / std::sqrt(kCells)) << "u_T = " << u;
    EXPECT_NEAR(m.sd, s, 5 * s / std::sqrt(2.0 * kCells)) << "u_T = " << u;
  }
}

// Acceptance: drift exponent, estimated from the drift law itself, G(t) = G_prog ((t + t0) /
// t0)^(-nu) (aihwkit's time origin: t counts from the end of programming): at t = t0 (e - 1),
// ln((t + t0) / t0) = 1 so nu = -ln(G(t) / G_prog) per cell.
// u_T = 0.5: mu = clamp(-0.0155 ln 0.5 + 0.0244 = 0.035144, 0.049, 0.1) = 0.049,
//            sigma = clamp(-0.0125 ln 0.5 - 0.0059 = 0.002764, 0.008, 0.045) = 0.008;
//            mu / sigma = 6, so |N(mu, sigma)| is N(mu, sigma) to < 1e-9.
// u_T = 0.1: mu = 0.0155 x 2.302585 + 0.0244 = 0.0600901, sigma = 0.0125 x 2.302585 - 0.0059 =
//            0.0228823 (inside the clamps); mu / sigma = 2.63, so the folding |.| matters
//            (P(X < 0) = 0.4 %): folded normal mean = sigma sqrt(2/pi) e^{-mu^2 / 2 sigma^2} +
//            mu (1 - 2 Phi(-mu / sigma)), variance = mu^2 + sigma^2 - mean^2.
// Tolerances 5 SE with SE(mean) = sd / sqrt(n), SE(sd) ~ sd / sqrt(2 n) (the folded normal at
// mu / sigma = 2.6 is close to normal; its excess kurtosis is small).
TEST(Pcm, DriftExponentMeanAndSpreadMatchTheFit) {
  auto dev = make_device("device: {impl: pcm}");
  const auto& pcm = dynamic_cast<const PcmDevice&>(*dev);
  struct Case {
    double u, mu, sigma;
  };
  for (const Case c : {Case{0.5, 0.049, 0.008}, Case{0.1, 0.0600901, 0.0228823}}) {
    const double gt = c.u * 25e-6;
    EXPECT_NEAR(pcm.drift_mu(gt), c.mu, 1e-7);
    EXPECT_NEAR(pcm.drift_sigma(gt), c.sigma, 1e-7);
    const double r = c.mu / c.sigma;
    const double mean =
        c.sigma * std::sqrt(2 / std::numbers::pi) * std::exp(-r * r / 2) + c.mu * (1 - 2 * testing::phi_cdf(-r));
    const double sd = std::sqrt(c.mu * c.mu + c.sigma * c.sigma - mean * mean);
    const auto cells = programmed(*dev, gt, 5);
    std::vector<float> gt_drift(kCells);
    dev->conductance(cells, gt_drift, pcm.t0_s() * (std::numbers::e - 1.0));
    std::vector<double> nu(kCells);
    for (std::size_t i = 0; i < kCells; ++i) {
      nu[i] = -std::log(static_cast<double>(gt_drift[i]) / cells[i].g);
    }
    const auto m = moments(nu);
    // float storage of G adds < 1e-7 relative: far below the tolerances (~1e-4).
    EXPECT_NEAR(m.mean, mean, 5 * sd / std::sqrt(kCells)) << "u_T = " << c.u;
    EXPECT_NEAR(m.sd, sd, 5 * sd / std::sqrt(2.0 * kCells)) << "u_T = " << c.u;
  }
  // Right at the end of programming (t = 0) nothing has drifted; 10 s later
  // G = G_prog (30 / 20)^(-nu) (aihwkit drifts from t = 0 on, not only after t0).
  const auto cells = programmed(*dev, 10e-6, 6);
  std::vector<float> g(kCells);
  dev->conductance(cells, g, 0.0);
  for (std::size_t i = 0; i < kCells; i += 101) EXPECT_EQ(g[i], cells[i].g);
  dev->conductance(cells, g, 10.0);
  for (std::size_t i = 0; i < kCells; i += 101) {
    EXPECT_NEAR(g[i], cells[i].g * std::pow(1.5, -static_cast<double>(cells[i].u)), 1e-6 * cells[i].g);
  }
}

// Acceptance: 1/f read noise vs time. The relative read deviation (G_read - G(t)) / G(t) of a
// cell is N(0, Q sqrt(ln((t + t0 + t_read) / (2 t_read)))), t_read = 250 ns, t0 = 20 s (aihwkit
// puts t_inference + t0 into this term), with the cell's Q = min(0.0088 / u_prog^0.65, 0.2)
// from its programmed conductance (aihwkit: from |G_prog|). Dividing by the cell's Q leaves
// N(0, factor):
//   t = 1 us:  sqrt(ln((20.000001 + 2.5e-7) / 5e-7)) = sqrt(ln 40000002.5)    = sqrt(17.504390) = 4.183825
//   t = 1 h:   sqrt(ln((3620 + 2.5e-7) / 5e-7))      = sqrt(ln 7.24e9)         = sqrt(22.702887) = 4.764755
//   t = 1 day: sqrt(ln((86420 + 2.5e-7) / 5e-7))     = sqrt(ln 1.7284e11)      = sqrt(25.875632) = 5.086810
// At u = 0.5: Q = 0.0088 / 0.5^0.65 = 0.0138087. Clipping at 0 is > 10 sd away. Tolerance 5 SE,
// SE(sd) ~ sd / sqrt(2 n). Only when t0 + t < t_read (a card with t0 below 250 ns) is the
// logarithm negative: the factor is then 0 and reads are exact.
TEST(Pcm, ReadNoiseGrowsWithTimeAsTheFit) {
  auto dev = make_device("device: {impl: pcm}");
  const auto& pcm = dynamic_cast<const PcmDevice&>(*dev);
  const double q = 0.0088 / std::pow(0.5, 0.65);
  EXPECT_NEAR(q, 0.0138087, 1e-7);
  EXPECT_NEAR(pcm.read_noise_q(12.5e-6), q, 1e-12);
  EXPECT_NEAR(pcm.read_noise_q(0.1e-6), 0.2, 1e-12);  // 0.0088 / 0.004^0.65 = 0.30 -> capped
  const auto cells = programmed(*dev, 12.5e-6, 8);
  for (std::size_t i = 0; i < kCells; i += 997) {
    EXPECT_NEAR(cells[i].q, pcm.read_noise_q(cells[i].g), 1e-6 * q) << "Q from G_prog, cell " << i;
  }
  Rng rng(9, 1);
  for (auto [t, factor] : {std::pair{1e-6, 4.183825}, std::pair{3600.0, 4.764755}, std::pair{86400.0, 5.086810}}) {
    EXPECT_NEAR(pcm.read_noise_time_factor(t), factor, 1e-6);
    std::vector<float> clean(kCells);
    std::vector<float> noisy(kCells);
    dev->conductance(cells, clean, t);
    dev->read(cells, noisy, t, rng);
    std::vector<double> rel(kCells);
    for (std::size_t i = 0; i < kCells; ++i) rel[i] = (noisy[i] - clean[i]) / (clean[i] * cells[i].q);
    const auto m = moments(rel);
    EXPECT_NEAR(m.mean, 0.0, 5 * factor / std::sqrt(kCells)) << "t = " << t;
    EXPECT_NEAR(m.sd, factor, 5 * factor / std::sqrt(2.0 * kCells)) << "t = " << t;
  }
  auto fast = make_device("device: {impl: pcm, t0: 100 ns}");
  EXPECT_EQ(dynamic_cast<const PcmDevice&>(*fast).read_noise_time_factor(0.0), 0.0);  // ln(0.7) < 0
  std::vector<float> a(kCells);
  std::vector<float> clean(kCells);
  fast->read(cells, a, 0.0, rng);
  fast->conductance(cells, clean, 0.0);
  for (std::size_t i = 0; i < kCells; i += 101) EXPECT_EQ(a[i], clean[i]);
}

TEST(Pcm, GlobalDriftCompensationUndoesACommonDrift) {
  // Every cell with nu = 0.05, read at t = t0 (e^2 - 1): G(t) = G_prog ((t + t0) / t0)^-0.05 =
  // G_prog e^{-0.1}; the scale is e^{0.1}.
  auto dev = make_device("device: {impl: pcm}");
  std::vector<CellState> cells(1000);
  for (std::size_t i = 0; i < cells.size(); ++i) {
    cells[i] = CellState{static_cast<float>(1e-6 + 2e-8 * i), 0.05F, 0.0F, 0U};
  }
  std::vector<float> g0(cells.size());
  std::vector<float> gt(cells.size());
  dev->conductance(cells, g0, 0.0);
  dev->conductance(cells, gt, 20.0 * (std::exp(2.0) - 1.0));
  const DriftReadout& d = *dev->drift_readout();
  EXPECT_NEAR(d.compensation_scale(d.readout(g0), d.readout(gt)), std::exp(0.1), 1e-6);
}

TEST(Pcm, DriftReadoutSumsMagnitudesOfSignedOutputs) {
  // Differential outputs are signed: the readout is sum |y| (Joshi et al.; aihwkit's mean |y|
  // differs by the constant count). ref = |1| + |-2| + |3| = 6, now = |0.5| + |-1| + |1.5| = 3:
  // alpha = 2. A signed sum would give (1 - 2 + 3) / (0.5 - 1 + 1.5) = 2 here too, but
  // ref = {1, -1}, now = {0.5, -0.7} gives 2 / 1.2 = 1.6667 only with magnitudes (a signed sum
  // 0 / -0.2 = 0). A zero readout now gives 1.
  const std::vector<float> ref = {1.0F, -2.0F, 3.0F};
  const std::vector<float> now = {0.5F, -1.0F, 1.5F};
  auto dev = make_device("device: {impl: pcm}");
  const DriftReadout& d = *dev->drift_readout();
  EXPECT_DOUBLE_EQ(d.readout(ref), 6.0);
  EXPECT_DOUBLE_EQ(d.compensation_scale(d.readout(ref), d.readout(now)), 2.0);
  const std::vector<float> ref2 = {1.0F, -1.0F};
  const std::vector<float> now2 = {0.5F, -0.7F};
  EXPECT_NEAR(d.compensation_scale(d.readout(ref2), d.readout(now2)), 2.0 / 1.2, 1e-7);
  EXPECT_DOUBLE_EQ(d.compensation_scale(5.0, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(d.compensation_scale(3.0, 2.0), 1.5);
}

// SET-step model (Nandakumar et al., aihwkit fit in units of g_max): at u = 0.5,
//   y = 1 + 27.235 e^{2.5 (2 (-1) 0.5)} = 1 + 27.235 e^{-2.5} = 3.235585, du = 0.005 y = 0.0161779,
//   sd = 0.6 (du + 0.021 + 0.108 x 0.5) = 0.0547067 (fractions of g_max).
// One pulse on n cells at u = 0.5: SE(mean) = sd / sqrt(n), SE(sd) ~ sd / sqrt(2 n); 5 SE.
TEST(Pcm, SetPulseStepAndCycleToCycleNoiseMatchTheFit) {
  auto dev = make_device("device: {impl: pcm}");
  const auto& pcm = dynamic_cast<const PcmDevice&>(*dev);
  const double gmax = 25e-6;
  const double du = 0.005 * (1 + 27.235 * std::exp(-2.5));
  EXPECT_NEAR(du, 0.0161779, 1e-7);
  EXPECT_NEAR(pcm.mean_step_S(0.5 * gmax), du * gmax, 1e-15);
  // Steps shrink with conductance: (1 + 27.235) / (1 + 27.235 e^{-5}) = 23.857 from 0 to g_max.
  EXPECT_NEAR(pcm.mean_step_S(0.0) / pcm.mean_step_S(gmax), 23.857, 1e-3);
  const double sd = 0.6 * (du + 0.021 + 0.108 * 0.5);
  std::vector<CellState> cells(kCells, CellState{static_cast<float>(0.5 * gmax), 0, 0, 0});
  std::vector<std::uint16_t> pulses(kCells, 1);
  Rng rng(31, 0);
  const auto t = pcm.apply_pulses(cells, testing::iota_index(kCells), pulses, rng);
  EXPECT_EQ(t.pulses, kCells);
  EXPECT_NEAR(t.energy_J, kCells * 10e-12, 1e-6 * kCells * 10e-12);
  std::vector<double> step(kCells);
  for (std::size_t i = 0; i < kCells; ++i) step[i] = cells[i].g / gmax - 0.5;
  const auto m = moments(step);
  EXPECT_NEAR(m.mean, du, 5 * sd / std::sqrt(kCells));
  EXPECT_NEAR(m.sd, sd, 5 * sd / std::sqrt(2.0 * kCells));
}

// The spread of one SET pulse as the trainer sees it (PcmDevice::step_std_S, used by the
// mixed-precision rule's min_error pulse count), by hand from the aihwkit fit (ExpStep
// update_once_complex_noise: dw_std = dw_min_std (|dw| + dw_min_std_add + dw_min_std_slope |w|)
// with w = 2 u):
//   u = 0:   du = 0.005 x (1 + 27.235) = 0.141175,  sd = 0.6 x (0.141175 + 0.021) = 0.097305
//   u = 0.5: du = 0.01617792 (above),               sd = 0.6 x (0.01617792 + 0.021 + 0.054) = 0.05470675
// (fractions of g_max = 25 uS). Its ratio to the mean step is 0.69 at u = 0 and 3.38 at u = 0.5.
// A card without cycle-to-cycle noise has no spread.
TEST(Pcm, SetStepSpreadIsTheFitsCycleToCycleSd) {
  auto dev = make_device("device: {impl: pcm}");
  const auto& pcm = dynamic_cast<const PcmDevice&>(*dev);
  const double gmax = 25e-6;
  EXPECT_NEAR(pcm.step_std_S(0.0), 0.097305 * gmax, 1e-6 * 0.097305 * gmax);
  EXPECT_NEAR(pcm.step_std_S(0.5 * gmax), 0.05470675 * gmax, 1e-6 * 0.05470675 * gmax);
  EXPECT_NEAR(pcm.step_std_S(0.5 * gmax) / pcm.mean_step_S(0.5 * gmax), 3.3816, 1e-4);
  auto quiet = make_device("device: {impl: pcm, set_model: {c2c_std: 0}}");
  EXPECT_EQ(dynamic_cast<const PcmDevice&>(*quiet).step_std_S(0.5 * gmax), 0.0);
}

// Refresh (no cycle-to-cycle noise, so steps are deterministic): pair (0.9, 0.5) g_max is above
// both thresholds (0.75 and 0.25): both are RESET to 0.005 g_max and the difference 0.4 g_max is
// rewritten on the plus device. SET pulses stop once within half a step of the goal, so the error
// is at most one step; every step near the goal (u > 0.3) is below the step at 0.3 g_max.
// Pair (0.9, 0.1) is not refreshed (the minus device is below 0.25).
TEST(Pcm, RefreshRewritesTheDifferenceOfSaturatedPairs) {
  auto dev = make_device("device: {impl: pcm, set_model: {c2c_std: 0}}");
  const auto& pcm = dynamic_cast<const PcmDevice&>(*dev);
  const double gmax = 25e-6;
  std::vector<CellState> plus{{static_cast<float>(0.9 * gmax), 0, 0, 0}, {static_cast<float>(0.9 * gmax), 0, 0, 0}};
  std::vector<CellState> minus{{static_cast<float>(0.5 * gmax), 0, 0, 0}, {static_cast<float>(0.1 * gmax), 0, 0, 0}};
  Rng rng(1, 0);
  const std::uint32_t idx[2] = {0, 1};
  const auto t = pcm.refresh(plus, minus, idx, rng);
  EXPECT_EQ(t.program_events, 1U);
  EXPECT_NEAR(minus[0].g, 0.005 * gmax, 1e-12);
  EXPECT_NEAR(plus[0].g - minus[0].g, 0.4 * gmax, pcm.mean_step_S(0.3 * gmax));
  EXPECT_FLOAT_EQ(plus[1].g, static_cast<float>(0.9 * gmax));
  EXPECT_FLOAT_EQ(minus[1].g, static_cast<float>(0.1 * gmax));
  // 2 RESET pulses + the SET pulses; 2 reads + one per SET pulse.
  EXPECT_EQ(t.verify_reads, t.pulses);
}

}  // namespace
}  // namespace xbarsim::devices
