// Validation of the PCM statistical model (devices/pcm.{hpp,cpp}) against IBM aihwkit's
// PCMLikeNoiseModel (src/aihwkit/inference/noise/pcm.py) and GlobalDriftCompensation
// (src/aihwkit/inference/compensation/drift.py), the implementation of Joshi et al., Nat.
// Commun. 11, 2473 (2020). docs/validation.md, "## aihwkit PCM statistical model", holds the
// table these tests print; regenerate it with
//   build/release/tests/test_devices --gtest_filter='PcmAihwkitValidation.*'
//
// aihwkit's model, transcribed from its code (conductances in uS, g_max = 25 uS, u = g / g_max;
// t = t_inference, the time since programming completed):
//   programming  g_prog = max(g_T + s z1, 0),  s = 0.26348 + 1.9650 u_T - 1.1731 u_T^2 (uS, x g_max /
//                25 uS = 1; the polynomial is > 0 on [0, 1], its root is at u_T = 1.80)
//   drift        nu = |mu + sigma z2|  (clamp(min = 0) after the abs is a no-op),
//                mu = clamp(-0.0155 ln u_T + 0.0244, 0.049, 0.1),
//                sigma = clamp(-0.0125 ln u_T - 0.0059, 0.008, 0.045), u_T clipped below at 1e-7,
//                g_drift = g_prog r^(-nu), r = (t + t0) / t0, t0 = 20 s
//   1/f noise    g = max(g_drift + |g_drift| Q f z3, 0),  f = sqrt(ln((t + t0 + t_read) / (2 t_read))),
//                t_read = 250 ns, Q = min(0.0088 / max(u_prog^0.65, 1e-3), 0.2), u_prog = |g_prog| / g_max
// with z1, z2, z3 independent standard normals.
//
// Moments, derived by hand. g_prog >= 0 and r^(-nu) > 0, so
//   g = g_prog r^(-nu) max(1 + a z3, 0),  a = Q(g_prog) f,
// a product of a function of z1, a function of z2 and a function of (z1, z3); z1, z2, z3 are
// independent, so for k = 1, 2
//   E[g^k] = D_k E_z1[ g_prog^k c_k(Q(g_prog) f) ],
// where
//   D_k = E[exp(-k L nu)], L = ln r, nu = |X|, X ~ N(mu, sigma^2): splitting at X = 0 and
//         completing the square, with b = k L,
//         D_k = e^(-b mu + b^2 sigma^2 / 2) Phi(mu / sigma - b sigma)
//             + e^( b mu + b^2 sigma^2 / 2) Phi(-mu / sigma - b sigma);
//   c_k(a) = E[max(1 + a Z, 0)^k] with K = 1 / a (the clip at 0 of the read):
//         c_1 = Phi(K) + a phi(K),  c_2 = (1 + a^2) Phi(K) + a phi(K)
//         (from E[Z; Z > -K] = phi(K) and E[Z^2; Z > -K] = Phi(K) - K phi(K)); c_k = 1 for a = 0.
// The remaining expectation over z1 (Q depends on g_prog, and g_prog is clipped at 0) is a 1-D
// integral against the normal density: composite Simpson on z1 in [-12, 12] with h = 1e-3
// (halving h changes the results by < 1e-8 relative; the mass beyond |z1| = 12 is < 1e-32).
// mean = E[g], sd = sqrt(E[g^2] - E[g]^2). HandComputedReferenceChecks below checks the pieces
// at points computable on paper.
//
// xbarsim is sampled through its public API: N devices programmed to g_T by PcmDevice::program
// (fixed seed), each read once at t by PcmDevice::read (fixed seed). Tolerances come from the
// sampling error of the N draws: SE(mean) = sd / sqrt(N), SE(sd) = sqrt(m4 - m2^2) / (2 sd sqrt(N))
// with m2, m4 the sample central moments (the delta method on Var(s^2) = (mu4 - sigma^4) / N,
// valid for any distribution, here far from normal at g_T = 0). Every row must agree within
// 5 SE; with N = 400,000 (1,600,000 at g_T = 0, where the spread is twice the mean and the tail
// of the 1/f noise is heavy) 5 SE is at most 1.5 % of the reference, so the acceptance of issue
// 12, "within 3 % of mean and spread from 1 h on", is resolved, and it is checked too.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <string>
#include <vector>

#include "devices/pcm.hpp"
#include "test_support.hpp"

namespace xbarsim::devices {
namespace {

using testing::make_device;
using testing::phi_cdf;

constexpr double kGmax_uS = 25.0;
constexpr double kT0 = 20.0;           // s
constexpr double kTread = 250e-9;      // s
constexpr std::size_t kN = 400000;     // devices per target conductance u_T > 0
constexpr std::size_t kNOff = 4 * kN;  // devices at u_T = 0 (coefficient of variation ~2)

constexpr std::array<double, 6> kTargets = {0.0, 0.1, 0.25, 0.5, 0.75, 1.0};  // u_T = g_T / g_max
static_assert(kTargets[0] == 0.0, "the off devices of the pairs come first");
constexpr std::array<double, 4> kTimes = {1.0, 3600.0, 86400.0, 31536000.0};  // 1 s, 1 h, 1 day, 1 year
constexpr std::array<const char*, 4> kTimeNames = {"1 s", "1 h", "1 day", "1 year"};

double pdf(double x) { return std::exp(-0.5 * x * x) / std::sqrt(2.0 * std::numbers::pi); }

struct Moments {
  double mean = 0.0;  // uS
  double sd = 0.0;    // uS
};

// Which law the hand-computed moments follow: aihwkit's, or xbarsim's before this validation
// (drift (t / t0)^(-nu) only after t0, 1/f term of t instead of t + t0, Q from g_T instead of
// g_prog), for docs/validation.md's "before" columns.
enum class Law { kAihwkit, kXbarsimBefore };

// E[exp(-b |X|)], X ~ N(mu, sigma^2) (D_k above with b = k L).
double folded_exp_moment(double b, double mu, double sigma) {
  const double v = 0.5 * b * b * sigma * sigma;
  return std::exp(-b * mu + v) * phi_cdf(mu / sigma - b * sigma) +
         std::exp(b * mu + v) * phi_cdf(-mu / sigma - b * sigma);
}

// E[max(1 + a Z, 0)] and E[max(1 + a Z, 0)^2].
double clipped_c1(double a) { return a <= 0.0 ? 1.0 : phi_cdf(1.0 / a) + a * pdf(1.0 / a); }
double clipped_c2(double a) { return a <= 0.0 ? 1.0 : (1.0 + a * a) * phi_cdf(1.0 / a) + a * pdf(1.0 / a); }

// aihwkit: (0.0088 / ((|g_prog| / g_max)^0.65).clamp(min=1e-3)).clamp(max=0.2).
double q_aihwkit(double g_uS) {
  return std::min(0.0088 / std::max(std::pow(std::abs(g_uS) / kGmax_uS, 0.65), 1e-3), 0.2);
}

// Mean and sd of one device's conductance at t after programming to u_T g_max (uS).
Moments reference_moments(double u, double t, Law law = Law::kAihwkit) {
  const double gt = u * kGmax_uS;
  const double s = 0.26348 + 1.9650 * u - 1.1731 * u * u;  // uS
  const double lu = std::log(std::max(u, 1e-7));
  const double mu = std::clamp(-0.0155 * lu + 0.0244, 0.049, 0.1);
  const double sigma = std::clamp(-0.0125 * lu - 0.0059, 0.008, 0.045);
  double L = 0.0;
  double f = 0.0;
  if (law == Law::kAihwkit) {
    L = std::log((t + kT0) / kT0);
    f = std::sqrt(std::log((t + kT0 + kTread) / (2.0 * kTread)));
  } else {
    L = t > kT0 ? std::log(t / kT0) : 0.0;
    f = std::sqrt(std::max(std::log((t + kTread) / (2.0 * kTread)), 0.0));
  }
  const double d1 = folded_exp_moment(L, mu, sigma);
  const double d2 = folded_exp_moment(2.0 * L, mu, sigma);
  const double q_target = std::min(0.0088 / std::pow(std::max(u, 1e-7), 0.65), 0.2);
  // Composite Simpson over z1 in [-12, 12], h = 1e-3.
  constexpr int kIntervals = 24000;
  constexpr double kLo = -12.0;
  constexpr double kH = 24.0 / kIntervals;
  double e1 = 0.0;
  double e2 = 0.0;
  for (int i = 0; i <= kIntervals; ++i) {
    const double z = kLo + i * kH;
    const double w = (i == 0 || i == kIntervals ? 1.0 : (i % 2 == 1 ? 4.0 : 2.0)) * kH / 3.0 * pdf(z);
    const double g = std::max(gt + s * z, 0.0);
    const double a = (law == Law::kAihwkit ? q_aihwkit(g) : q_target) * f;
    e1 += w * g * clipped_c1(a);
    e2 += w * g * g * clipped_c2(a);
  }
  e1 *= d1;
  e2 *= d2;
  return {e1, std::sqrt(e2 - e1 * e1)};
}

struct SampleStats {
  double mean = 0.0;
  double sd = 0.0;
  double se_mean = 0.0;
  double se_sd = 0.0;
};

SampleStats sample_stats(const std::vector<double>& x) {
  const double n = static_cast<double>(x.size());
  double mean = 0.0;
  for (double v : x) mean += v;
  mean /= n;
  double m2 = 0.0;
  double m4 = 0.0;
  for (double v : x) {
    const double d2 = (v - mean) * (v - mean);
    m2 += d2;
    m4 += d2 * d2;
  }
  m2 /= n;
  m4 /= n;
  const double sd = std::sqrt(m2 * n / (n - 1.0));
  return {mean, sd, sd / std::sqrt(n), std::sqrt(std::max(m4 - m2 * m2, 0.0) / n) / (2.0 * sd)};
}

struct Row {
  double u = 0.0;
  int time = 0;  // index into kTimes
  Moments ref;
  Moments before;  // xbarsim's law before this validation (hand-computed)
  SampleStats x;   // xbarsim, sampled
};

// Global drift compensation of a differential pair (aihwkit's SinglePairConductanceConverter:
// G+ at g_T, G- at 0), aihwkit GlobalDriftCompensation: the identity input reads every weight
// w = G+ - G-, readout = mean |w|, baseline right after programming (programmed conductances,
// no drift, no 1/f noise), alpha = baseline / readout at t. For a population of equal targets
// alpha -> E|w_prog| / E|w(t)|; for u_T >= 0.25, w < 0 has probability < 2e-5 at 1 year (4.2 sd),
// moving E|w| by < 1e-5 relative, so E|w| = E[G+] - E[G-] from the moments above.
struct CompensationRow {
  double u = 0.0;
  int time = 0;
  double alpha_ref = 0.0;      // aihwkit
  double alpha_x = 0.0;        // xbarsim's GlobalDriftReadout on sampled pairs, aihwkit's baseline
  double se = 0.0;             // sampling error of alpha_x
  double alpha_chip_1s = 0.0;  // hand-computed: baseline read at arch.reference_read_time = 1 s
};

struct Results {
  std::vector<Row> rows;
  std::vector<CompensationRow> compensation;
};

// Samples xbarsim once (fixed seeds) for every target and time.
const Results& results() {
  static const Results r = [] {
    Results out;
    auto dev = make_device("device: {impl: pcm}");
    const DriftReadout& readout = *dev->drift_readout();
    std::vector<float> prog_off;                             // G- programmed (u_T = 0)
    std::array<std::vector<float>, kTimes.size()> read_off;  // G- read at each time
    for (std::size_t k = 0; k < kTargets.size(); ++k) {
      const double u = kTargets[k];
      const std::size_t n = u > 0.0 ? kN : kNOff;
      Rng prog_rng(2020 + k, 0);
      std::vector<CellState> cells(n);
      dev->initialize(cells, prog_rng);
      const std::vector<float> target(n, static_cast<float>(u * kGmax_uS * 1e-6));
      dev->program(cells, testing::iota_index(n), target, {}, prog_rng);
      std::vector<float> prog(n);
      dev->conductance(cells, prog, 0.0);  // t = 0: the programmed conductances
      if (k == 0) prog_off = prog;
      std::vector<float> g(n);
      for (std::size_t j = 0; j < kTimes.size(); ++j) {
        Rng read_rng(2473, 100 * k + j);
        dev->read(cells, g, kTimes[j], read_rng);
        std::vector<double> uS(n);
        for (std::size_t i = 0; i < n; ++i) uS[i] = static_cast<double>(g[i]) * 1e6;
        out.rows.push_back({u, static_cast<int>(j), reference_moments(u, kTimes[j]),
                            reference_moments(u, kTimes[j], Law::kXbarsimBefore), sample_stats(uS)});
        if (k == 0) read_off[j] = g;
        if (u < 0.25) continue;
        // Pairs (i of this target, i < kN of u_T = 0): weights at programming and at t.
        std::vector<float> w_ref(kN);
        std::vector<float> w_now(kN);
        for (std::size_t i = 0; i < kN; ++i) {
          w_ref[i] = prog[i] - prog_off[i];
          w_now[i] = g[i] - read_off[j][i];
        }
        const double alpha = readout.compensation_scale(readout.readout(w_ref), readout.readout(w_now));
        // SE of a ratio of means of paired samples (delta method):
        // Var(A / B) / (A / B)^2 = [var(a) / A^2 + var(b) / B^2 - 2 cov(a, b) / (A B)] / N.
        double A = 0.0;
        double B = 0.0;
        for (std::size_t i = 0; i < kN; ++i) {
          A += std::abs(static_cast<double>(w_ref[i]));
          B += std::abs(static_cast<double>(w_now[i]));
        }
        A /= kN;
        B /= kN;
        double va = 0.0;
        double vb = 0.0;
        double cab = 0.0;
        for (std::size_t i = 0; i < kN; ++i) {
          const double da = std::abs(static_cast<double>(w_ref[i])) - A;
          const double db = std::abs(static_cast<double>(w_now[i])) - B;
          va += da * da;
          vb += db * db;
          cab += da * db;
        }
        va /= kN - 1.0;
        vb /= kN - 1.0;
        cab /= kN - 1.0;
        const double rel_var = (va / (A * A) + vb / (B * B) - 2.0 * cab / (A * B)) / kN;
        const double gp_on = u * kGmax_uS;         // clip of G+ at 0: > 5.6 sd away
        const double gp_off = 0.26348 * pdf(0.0);  // E max(s z, 0) = s phi(0)
        const Moments on = reference_moments(u, kTimes[j]);
        const Moments off = reference_moments(0.0, kTimes[j]);
        const Moments on1 = reference_moments(u, 1.0);
        const Moments off1 = reference_moments(0.0, 1.0);
        out.compensation.push_back({u, static_cast<int>(j), (gp_on - gp_off) / (on.mean - off.mean), alpha,
                                    alpha * std::sqrt(rel_var), (on1.mean - off1.mean) / (on.mean - off.mean)});
      }
    }
    return out;
  }();
  return r;
}

double pct(double x, double ref) { return 100.0 * (x / ref - 1.0); }

// Every row: xbarsim's sample mean and sd agree with aihwkit's within 5 SE (at most 1.5 % of
// the reference, so a gap of 1.5 % or more fails). Prints the table of docs/validation.md.
TEST(PcmAihwkitValidation, MeanAndSpreadMatchAihwkitWithinSamplingError) {
  const Results& r = results();
  std::printf(
      "\n| g_T / g_max | t | aihwkit mean (uS) | aihwkit sd (uS) | xbarsim mean (uS) | xbarsim sd (uS) | error mean | "
      "error sd | 5 SE mean, sd | before: error mean, sd |\n|---|---|---|---|---|---|---|---|---|---|\n");
  for (const Row& row : r.rows) {
    std::printf(
        "| %.2f | %s | %.4f | %.4f | %.4f | %.4f | %+.2f %% | %+.2f %% | %.2f %%, %.2f %% | %+.2f %%, %+.2f %% |\n",
        row.u, kTimeNames[row.time], row.ref.mean, row.ref.sd, row.x.mean, row.x.sd, pct(row.x.mean, row.ref.mean),
        pct(row.x.sd, row.ref.sd), 500.0 * row.x.se_mean / row.ref.mean, 500.0 * row.x.se_sd / row.ref.sd,
        pct(row.before.mean, row.ref.mean), pct(row.before.sd, row.ref.sd));
    const std::string where = "g_T = " + std::to_string(row.u) + " g_max, t = " + kTimeNames[row.time];
    EXPECT_NEAR(row.x.mean, row.ref.mean, 5.0 * row.x.se_mean) << where;
    EXPECT_NEAR(row.x.sd, row.ref.sd, 5.0 * row.x.se_sd) << where;
    // The resolution that makes the comparison meaningful at this N.
    EXPECT_LT(5.0 * row.x.se_mean, 0.015 * row.ref.mean) << where;
    EXPECT_LT(5.0 * row.x.se_sd, 0.015 * row.ref.sd) << where;
  }
}

// Issue 12's acceptance: within 3 % of aihwkit's mean and spread from 1 h on, at every target.
TEST(PcmAihwkitValidation, WithinThreePercentFromOneHourOn) {
  for (const Row& row : results().rows) {
    if (kTimes[row.time] < 3600.0) continue;
    const std::string where = "g_T = " + std::to_string(row.u) + " g_max, t = " + kTimeNames[row.time];
    EXPECT_LE(std::abs(row.x.mean / row.ref.mean - 1.0), 0.03) << where;
    EXPECT_LE(std::abs(row.x.sd / row.ref.sd - 1.0), 0.03) << where;
  }
}

// The compensation scale xbarsim's GlobalDriftReadout (alpha = sum |y_ref| / sum |y_now|) gives
// on the pairs' weights read at t, with aihwkit's baseline (the programmed conductances), agrees
// with aihwkit's E|w_prog| / E|w(t)| within 5 SE. Prints the compensation table.
TEST(PcmAihwkitValidation, GlobalDriftCompensationScaleMatchesAihwkit) {
  const Results& r = results();
  ASSERT_EQ(r.compensation.size(), 4 * kTimes.size());
  std::printf(
      "\n| g_T / g_max | t | aihwkit alpha | xbarsim alpha | error | 5 SE | chip baseline at 1 s: alpha, error |\n"
      "|---|---|---|---|---|---|---|\n");
  for (const CompensationRow& c : r.compensation) {
    std::printf("| %.2f | %s | %.4f | %.4f | %+.3f %% | %.3f %% | %.4f, %+.2f %% |\n", c.u, kTimeNames[c.time],
                c.alpha_ref, c.alpha_x, pct(c.alpha_x, c.alpha_ref), 500.0 * c.se / c.alpha_ref, c.alpha_chip_1s,
                pct(c.alpha_chip_1s, c.alpha_ref));
    const std::string where = "g_T = " + std::to_string(c.u) + " g_max, t = " + kTimeNames[c.time];
    EXPECT_NEAR(c.alpha_x, c.alpha_ref, 5.0 * c.se) << where;
    EXPECT_LT(5.0 * c.se, 0.01 * c.alpha_ref) << where;
  }
}

// The hand-computed reference itself, at points checkable on paper (no sampling):
// - D_1 for u_T = 0.5 (mu = 0.049, sigma = 0.008, mu / sigma = 6.1: the folding is < 1e-9) at
//   1 day: L = ln((86400 + 20) / 20) = 8.371242, D_1 = exp(-mu L + (sigma L)^2 / 2) =
//   exp(-0.410191 + 0.002242) = 0.665013; D_k(b = 0) = 1.
// - c_1(0.2) = Phi(5) + 0.2 phi(5) = 1 + 1.07e-8 (the clip of a read 5 sd away); c_2(0.1) = 1.01
//   (= E[(1 + 0.1 Z)^2], no clip 10 sd away); c_k(0) = 1.
// - With no drift and no 1/f noise (xbarsim's former law at t = 100 ns < t_read: L = 0, f = 0)
//   the integral must return the programmed statistics: u_T = 0.5: mean g_T = 12.5 uS (the clip
//   is 13 sd away), sd s = 0.26348 + 0.9825 - 0.293275 = 0.952705 uS; u_T = 0: g_prog =
//   max(s0 z, 0), s0 = 0.26348 uS: mean s0 / sqrt(2 pi) = 0.105113 uS, E[g^2] = s0^2 / 2, sd =
//   s0 sqrt(1/2 - 1/(2 pi)) = 0.153825 uS (the kink of the clip sits on the grid).
// - u_T = 0.5 at 1 day, aihwkit's law: Q f = 0.0138 x 5.09 = 0.07 (c_1 = 1 to 1e-40) and
//   Q(g_prog) is constant enough not to enter the mean: mean = 12.5 D_1 = 8.312665 uS.
TEST(PcmAihwkitValidation, HandComputedReferenceChecks) {
  EXPECT_NEAR(folded_exp_moment(0.0, 0.049, 0.008), 1.0, 1e-12);
  const double L = std::log(86420.0 / 20.0);
  EXPECT_NEAR(L, 8.371242, 1e-6);
  EXPECT_NEAR(folded_exp_moment(L, 0.049, 0.008), 0.665013, 1e-6);
  EXPECT_NEAR(clipped_c1(0.2), 1.0 + 1.07e-8, 1e-10);
  EXPECT_NEAR(clipped_c2(0.1), 1.01, 1e-12);
  EXPECT_EQ(clipped_c1(0.0), 1.0);
  EXPECT_EQ(clipped_c2(0.0), 1.0);
  const Moments on = reference_moments(0.5, 100e-9, Law::kXbarsimBefore);
  EXPECT_NEAR(on.mean, 12.5, 1e-9);
  EXPECT_NEAR(on.sd, 0.952705, 1e-6);
  const Moments off = reference_moments(0.0, 100e-9, Law::kXbarsimBefore);
  EXPECT_NEAR(off.mean, 0.105113, 1e-6);
  EXPECT_NEAR(off.sd, 0.153825, 1e-6);
  EXPECT_NEAR(reference_moments(0.5, 86400.0).mean, 8.312665, 1e-6);
}

}  // namespace
}  // namespace xbarsim::devices
