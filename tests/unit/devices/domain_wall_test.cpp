#include "devices/domain_wall.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "test_support.hpp"

namespace xbarsim::devices {
namespace {

using testing::make_device;
using testing::moments;

// 5 states on a 100 nm track, a different spread per state (2..6 nm = 0.02..0.06 of the track).
constexpr const char* kFiveState = R"(device:
  impl: domain_wall
  states: 5
  track_length: 100 nm
  r_p: 100 kOhm
  tmr: 1.0
  per_state:
    - {sigma: 2 nm}
    - {sigma: 3 nm}
    - {sigma: 4 nm}
    - {sigma: 5 nm}
    - {sigma: 6 nm}
)";

TEST(DomainWall, LevelConductancesAreLinearBetweenApAndP) {
  // G_max = 1/R_P = 1/100 kOhm = 10 uS; G_min = 1/(R_P (1 + TMR)) = 1/200 kOhm = 5 uS;
  // 3 sites at u = 0, 0.5, 1 -> 5, 7.5, 10 uS.
  auto dev = make_device("device: {impl: domain_wall, states: 3, r_p: 100 kOhm, tmr: 1.0}");
  ASSERT_EQ(dev->levels(), 3);
  EXPECT_NEAR(dev->level_conductance(0), 5e-6, 1e-15);
  EXPECT_NEAR(dev->level_conductance(1), 7.5e-6, 1e-15);
  EXPECT_NEAR(dev->level_conductance(2), 10e-6, 1e-15);
  EXPECT_NEAR(dev->g_min(), 5e-6, 1e-15);
  EXPECT_NEAR(dev->g_max(), 10e-6, 1e-15);
  // 3 fJ per event is the card default (arXiv:2010.10076: "a few fJ").
  EXPECT_DOUBLE_EQ(dev->energy_per_pulse_J({}), 3e-15);
}

TEST(DomainWall, PerStateConductanceTableIsInterpolated) {
  auto dev = make_device(R"(device:
  impl: domain_wall
  states: 3
  per_state:
    - {conductance: 1 uS}
    - {conductance: 2 uS}
    - {conductance: 8 uS}
)");
  const auto& dw = dynamic_cast<const DomainWallDevice&>(*dev);
  // Halfway between sites 1 (u = 0.5, 2 uS) and 2 (u = 1, 8 uS): u = 0.75 -> 5 uS.
  EXPECT_NEAR(dw.conductance_at(0.75), 5e-6, 1e-15);
  EXPECT_NEAR(dw.conductance_at(0.25), 1.5e-6, 1e-15);
  EXPECT_EQ(dw.nearest_site(4.9e-6), 1);
  EXPECT_EQ(dw.nearest_site(5.1e-6), 2);
}

// Acceptance: the achieved position after a programming event has, per state, the configured
// mean and spread. n = 1e5 events per state. Interior sites (k = 1..3, at u = 0.25, 0.5, 0.75
// with sigma <= 0.05) are >= 5 sigma from the track ends, so clipping is negligible (< 3e-7)
// and the position is N(x_k, sigma_k): SE(mean) = sigma / sqrt(n), SE(sd) ~ sigma /
// sqrt(2 n); tolerance 5 SE (a false failure has probability < 1e-6 per check).
// The end sites (u = 0 and 1) are clipped to the track: Y = max(X, 0) with X ~ N(0, s)
// (mirrored at u = 1) has, by direct integration against the normal density,
//   E[Y] = s phi(0) = s / sqrt(2 pi),  E[Y^2] = s^2 / 2,  Var = s^2 (1/2 - 1/(2 pi)),
//   E[Y^3] = 2 s^3 phi(0),  E[Y^4] = 3 s^4 / 2,
// and SE(sd) ~ sqrt((mu4 - Var^2) / (4 Var n)) with the central 4th moment mu4 from these.
TEST(DomainWall, AchievedPositionMeanAndSpreadPerStateMatchTheCard) {
  auto dev = make_device(kFiveState);
  const auto& dw = dynamic_cast<const DomainWallDevice&>(*dev);
  constexpr std::size_t n = 100000;
  const double sigma_nm[5] = {2, 3, 4, 5, 6};
  Rng rng(12345, 1);
  std::vector<CellState> cells(n);
  dev->initialize(cells, rng);
  const auto idx = testing::iota_index(n);
  for (int k = 0; k < 5; ++k) {
    const double s = sigma_nm[k] / 100.0;  // fraction of the 100 nm track
    const double x = k / 4.0;
    EXPECT_DOUBLE_EQ(dw.site_position(k), x);
    EXPECT_NEAR(dw.site_sigma(k), s, 1e-15);
    std::vector<float> target(n, static_cast<float>(dev->level_conductance(k)));
    dev->program(cells, idx, target, {}, rng);
    std::vector<double> pos(n);
    for (std::size_t i = 0; i < n; ++i) pos[i] = cells[i].u;
    const auto m = moments(pos);
    double want_mean = x;
    double want_sd = s;
    double se_sd = s / std::sqrt(2.0 * n);
    if (k == 0 || k == 4) {
      const double phi0 = 1.0 / std::sqrt(2.0 * std::numbers::pi);
      const double ey = s * phi0;
      const double var = s * s * (0.5 - phi0 * phi0);
      const double ey3 = 2.0 * s * s * s * phi0;
      const double ey4 = 1.5 * s * s * s * s;
      const double mu4 = ey4 - 4 * ey * ey3 + 6 * ey * ey * (s * s / 2) - 3 * ey * ey * ey * ey;
      want_mean = k == 0 ? ey : 1.0 - ey;
      want_sd = std::sqrt(var);
      se_sd = std::sqrt((mu4 - var * var) / (4.0 * var * n));
    }
    const double se_mean = want_sd / std::sqrt(static_cast<double>(n));
    EXPECT_NEAR(m.mean, want_mean, 5 * se_mean) << "state " << k;
    EXPECT_NEAR(m.sd, want_sd, 5 * se_sd) << "state " << k;
    // Conductance follows the position: linear G(u) between 5 and 10 uS.
    for (std::size_t i = 0; i < n; i += 997) {
      EXPECT_NEAR(cells[i].g, 5e-6 + 5e-6 * cells[i].u, 1e-11);
      EXPECT_EQ(cells[i].level, static_cast<std::uint32_t>(k));
    }
  }
}

// With p_stuck = 0.3 and sigma = 0, cells start at site 0 and are sent to site 4: the fraction
// left at site 0 is Binomial(n, 0.3) / n, SE = sqrt(0.3 * 0.7 / n); tolerance 5 SE.
TEST(DomainWall, StuckProbabilityLeavesTheWallInPlace) {
  auto dev = make_device("device: {impl: domain_wall, states: 5, sigma: 0 nm, stuck_probability: 0.3}");
  constexpr std::size_t n = 100000;
  Rng rng(7, 0);
  std::vector<CellState> cells(n);
  dev->initialize(cells, rng);
  std::vector<float> target(n, static_cast<float>(dev->g_max()));
  const auto t = dev->program(cells, testing::iota_index(n), target, {}, rng);
  std::size_t stuck = 0;
  for (const auto& c : cells) stuck += c.level == 0U ? 1 : 0;
  const double p = 0.3;
  EXPECT_NEAR(static_cast<double>(stuck) / n, p, 5 * std::sqrt(p * (1 - p) / n));
  // Every event is charged, moved or not: n pulses of 3 fJ, n ns of pulse time.
  EXPECT_EQ(t.program_events, n);
  EXPECT_EQ(t.pulses, n);
  EXPECT_NEAR(t.energy_J, n * 3e-15, 1e-20 * n);
  EXPECT_NEAR(t.time_s, n * 1e-9, 1e-18 * n);
}

// Write-verify: sigma = 10 nm on a 100 nm track (0.1 of the track), target the middle site
// (u = 0.5, no clipping at 5 sigma), tolerance 0.05 of the conductance range = 0.05 of the
// track (G is linear in u). One attempt lands inside with p = P(|Z| <= 0.5) = 2 Phi(0.5) - 1.
// With at most M = 5 attempts the count is a truncated geometric variable:
//   E[attempts] = sum_{a=0}^{M-1} (1-p)^a = (1 - (1-p)^M) / p,  P(unconverged) = (1-p)^M.
// attempts lies in [1, 5], so its sd <= (5-1)/2 = 2 (Popoviciu): tolerance 5 * 2 / sqrt(n).
TEST(DomainWall, WriteVerifyRetriesUntilInsideTheTolerance) {
  auto dev = make_device("device: {impl: domain_wall, states: 5, track_length: 100 nm, sigma: 10 nm}");
  constexpr std::size_t n = 100000;
  Rng rng(99, 3);
  std::vector<CellState> cells(n);
  dev->initialize(cells, rng);
  std::vector<float> target(n, static_cast<float>(dev->level_conductance(2)));
  ProgramOptions opts;
  opts.verify = true;
  opts.tolerance = 0.05;
  opts.max_attempts = 5;
  const auto t = dev->program(cells, testing::iota_index(n), target, opts, rng);
  const double p = 2 * testing::phi_cdf(0.5) - 1;
  const double q5 = std::pow(1 - p, 5);
  EXPECT_NEAR(static_cast<double>(t.attempts) / n, (1 - q5) / p, 5 * 2.0 / std::sqrt(n));
  EXPECT_NEAR(static_cast<double>(t.unconverged) / n, q5, 5 * std::sqrt(q5 * (1 - q5) / n));
  EXPECT_EQ(t.verify_reads, t.attempts);  // one read-back per attempt
  const double tol = 0.05 * (dev->g_max() - dev->g_min());
  std::size_t outside = 0;
  for (const auto& c : cells) {
    outside += std::abs(c.g - dev->level_conductance(2)) > tol * (1 + 1e-6) ? 1 : 0;
  }
  EXPECT_EQ(outside, t.unconverged);
  // Energy = pulses x 3 fJ + reads x V^2 G_mid t_read = reads x (0.1 V)^2 x 7.5 uS x 10 ns.
  const double e_read = 0.01 * 7.5e-6 * 10e-9;
  EXPECT_NEAR(dev->energy_per_verify_read_J(), e_read, 1e-30);
  EXPECT_NEAR(t.energy_J, t.pulses * 3e-15 + t.verify_reads * e_read, 1e-12 * t.energy_J);
}

}  // namespace
}  // namespace xbarsim::devices
