// The measured-response device (devices/measured_response.hpp): NeuroSim's nonlinearity labels,
// the closed-form pulse trajectories of Chen et al. (IEEE TCAD 2018, eqs. (8)-(10)), the
// cycle-to-cycle spread, bounds and levels, table devices, write-verify programming, the pair
// refresh, the CSV reader and the least-squares fit.
#include "devices/measured_response.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "test_support.hpp"

namespace xbarsim::devices {
namespace {

using testing::make_device;
using testing::moments;

// The Ag:a-Si card's numbers (configs/devices/rram_agsi.yaml) with a chosen noise.
std::string agsi(double c2c) {
  return "device: {impl: measured_response, g_min: 3.0769 nS, g_max: 38.462 nS, pulses_ltp: 97, pulses_ltd: 100, "
         "nonlinearity_ltp: 2.4, nonlinearity_ltd: -4.88, cycle_to_cycle: " +
         std::to_string(c2c) +
         ", energy_per_pulse: 64 pJ, pulse_width: 300 us, read_voltage: 0.5 V, read_pulse_width: 5 ns}";
}
constexpr double kGmin = 3.0769e-9;
constexpr double kGmax = 38.462e-9;
constexpr double kRange = kGmax - kGmin;
// NeuroSim's normalized A of labels 2.4 and -4.88 (formula.cpp, getParamA: table entries 239
// and 487), times P_max: A_LTP = 0.499181 x 97, A_LTD = -0.200303 x 100.
constexpr double kAltp = 0.499181 * 97;
constexpr double kAltd = -0.200303 * 100;
// Chen et al. eq. (8), (10): G(P) = g_min + B (1 - e^(-P/A)), B = R / (1 - e^(-P_max/A)).
double curve(double p, double a, double p_max) {
  return kGmin + kRange / (1.0 - std::exp(-p_max / a)) * (1.0 - std::exp(-p / a));
}

std::vector<std::uint16_t> ones(std::size_t n) { return std::vector<std::uint16_t>(n, 1); }

const MeasuredResponseDevice& as_measured(const Device& d) { return dynamic_cast<const MeasuredResponseDevice&>(d); }

// A file in a fresh temporary folder, removed with it.
class TempDir {
 public:
  TempDir() : dir_(std::filesystem::temp_directory_path() / ("xbarsim_measured_" + std::to_string(::getpid()))) {
    std::filesystem::create_directories(dir_);
  }
  ~TempDir() { std::filesystem::remove_all(dir_); }
  std::filesystem::path write(const std::string& name, const std::string& text) const {
    const auto p = dir_ / name;
    std::ofstream(p) << text;
    return p;
  }

 private:
  std::filesystem::path dir_;
};

// NeuroSim's table of normalized A per label (MLP+NeuroSim V3.0 formula.cpp, getParamA, labels
// 0.01 .. 9 in steps of 0.01, six decimals), entries transcribed by index (label x 100 - 1). The
// relation a(NL) of the model reproduces each within half a unit of the sixth decimal.
TEST(MeasuredResponse, LabelsReproduceNeuroSimsTable) {
  const std::pair<double, double> table[] = {{0.01, 126.268958}, {0.10, 12.625807}, {0.50, 2.519877}, {1.00, 1.251653},
                                             {1.51, 0.819477},   {1.79, 0.685502},  {1.85, 0.661941}, {2.00, 0.609035},
                                             {2.40, 0.499181},   {3.01, 0.385310},  {4.51, 0.226626}, {4.88, 0.200303}};
  for (const auto& [nl, a] : table) {
    EXPECT_NEAR(neurosim_normalized_a(nl), a, 5e-7) << nl;
    EXPECT_NEAR(neurosim_normalized_a(-nl), -a, 5e-7) << -nl;
  }
  EXPECT_TRUE(std::isinf(neurosim_normalized_a(0.0)));
  EXPECT_EQ(normalized_curve(0.3, neurosim_normalized_a(0.0)), 0.3);
  // phi_a(0) = 0, phi_a(1) = 1 for either sign.
  EXPECT_NEAR(normalized_curve(1.0, 0.499181), 1.0, 1e-15);
  EXPECT_NEAR(normalized_curve(1.0, -0.200303), 1.0, 1e-15);
  EXPECT_EQ(normalized_curve(0.0, 0.499181), 0.0);
}

// Without noise every LTP pulse from g_min follows eq. (8) exactly, and every LTD pulse from
// g_max follows the LTD curve back: after d LTD pulses G = G_LTD(P_LTD - d). Tolerance 1e-5 of
// the range: the state is a float, rounded after each pulse by at most 2^-24 G <= 2.3e-15 S, so
// by 2.3e-13 S = 6.6e-6 R after 100 pulses; the label's A differs from NeuroSim's six-decimal
// entry by < 5e-7 relative, which moves G by < 1e-6 R.
TEST(MeasuredResponse, NoiseFreeTrajectoriesFollowTheClosedForm) {
  auto dev = make_device(agsi(0.0));
  const auto& m = as_measured(*dev);
  Rng rng(1, 0);
  std::vector<CellState> cell(1);
  dev->initialize(cell, rng);
  EXPECT_EQ(cell[0].g, static_cast<float>(kGmin));
  const std::uint32_t idx[1] = {0};
  const std::uint16_t one[1] = {1};
  for (int k = 1; k <= 97; ++k) {
    m.apply_pulses(cell, idx, one, rng);
    ASSERT_NEAR(cell[0].g, curve(k, kAltp, 97), 1e-5 * kRange) << k;
  }
  EXPECT_NEAR(cell[0].g, kGmax, 1e-5 * kRange);
  cell[0].g = static_cast<float>(kGmax);
  for (int d = 1; d <= 100; ++d) {
    m.apply_depression_pulses(cell, idx, one, rng);
    ASSERT_NEAR(cell[0].g, curve(100 - d, kAltd, 100), 1e-5 * kRange) << d;
  }
  EXPECT_NEAR(cell[0].g, kGmin, 1e-5 * kRange);
}

// The depression capability's expected step is the LTD curve's: at the point P_d = P_LTD - d of
// the curve, one LTD pulse moves G(P) -> G(P - 1), so mean_depression_step_S(G(P)) = G(P) -
// G(P - 1) from the closed form (Chen et al. eq. (8)); at g_min it is the step the curve would
// take below it (> 0; the pulse itself clips). And the device offers it through its accessor.
TEST(MeasuredResponse, DepressionStepIsTheLtdCurvesStep) {
  auto dev = make_device(agsi(0.0));
  ASSERT_NE(dev->pulse_depression(), nullptr);
  const PulseDepression& down = *dev->pulse_depression();
  for (const int p : {100, 80, 50, 20, 1}) {
    const double g = curve(p, kAltd, 100);
    EXPECT_NEAR(down.mean_depression_step_S(g), g - curve(p - 1, kAltd, 100), 1e-6 * kRange) << p;
  }
  EXPECT_GT(down.mean_depression_step_S(kGmin), 0.0);
  // A linear card: every LTD pulse moves R / P_LTD = 35.3851 nS / 100 anywhere in the range.
  auto linear = make_device(
      "device: {impl: measured_response, g_min: 3.0769 nS, g_max: 38.462 nS, pulses_ltp: 97, pulses_ltd: 100, "
      "energy_per_pulse: 64 pJ, pulse_width: 300 us, read_voltage: 0.5 V, read_pulse_width: 5 ns}");
  for (const double f : {0.1, 0.5, 0.9}) {
    EXPECT_NEAR(linear->pulse_depression()->mean_depression_step_S(kGmin + f * kRange), kRange / 100, 1e-9 * kRange);
  }
}

// Statistical: the mean trajectory with noise is the closed form. The pulse map is affine,
// G' = alpha G + beta + s z (s = sigma R), so E[G_P] = G(P) exactly while nothing clips, and
// Var(G_P) = s^2 sum_{j<P} alpha^(2j), alpha = e^(-1/A) (LTP) or e^(1/A_LTD) (LTD). With
// sigma = 0.5 % the first step (2.36 % of R from g_min, 4.98 % from g_max for LTD) is 4.7 and 10
// sd from the bound it starts at, and the checked points stay > 7 sd from the bounds, so the
// clip's bias is < 1e-5 SE. N = 4000 devices; tolerance 4.5 SE(mean) = 4.5 sd / sqrt(N) per
// point (a false failure per point 7e-6).
TEST(MeasuredResponse, MeanTrajectoryMatchesTheClosedForm) {
  constexpr double kSigma = 0.005;
  constexpr std::size_t kN = 4000;
  auto dev = make_device(agsi(kSigma));
  const auto& m = as_measured(*dev);
  const auto idx = testing::iota_index(kN);
  const auto one = ones(kN);
  for (const bool ltp : {true, false}) {
    Rng rng(ltp ? 7 : 8, 0);
    std::vector<CellState> cells(kN);
    dev->initialize(cells, rng);
    if (!ltp)
      for (auto& c : cells) c.g = static_cast<float>(kGmax);
    const double alpha = ltp ? std::exp(-1.0 / kAltp) : std::exp(1.0 / kAltd);
    double var_sum = 0.0;  // sum_{j<P} alpha^(2j)
    int p = 0;
    for (const int check : {1, 2, 5, 10, 20, 40}) {
      for (; p < check; ++p) {
        var_sum += std::pow(alpha, 2.0 * p);
        if (ltp) {
          m.apply_pulses(cells, idx, one, rng);
        } else {
          m.apply_depression_pulses(cells, idx, one, rng);
        }
      }
      std::vector<double> g(kN);
      for (std::size_t i = 0; i < kN; ++i) g[i] = cells[i].g;
      const double expected = ltp ? curve(check, kAltp, 97) : curve(100 - check, kAltd, 100);
      const double se = kSigma * kRange * std::sqrt(var_sum / kN);
      EXPECT_NEAR(moments(g).mean, expected, 4.5 * se) << (ltp ? "LTP P = " : "LTD d = ") << check;
    }
  }
}

// Statistical: the cycle-to-cycle spread of one pulse's step is sigma R, its mean the closed
// form's step G_inf - (G_inf - G0) alpha - G0 = (G_inf - G0)(1 - alpha), G_inf = g_min + B. The
// card's sigma = 3.5 %, G0 = mid range (14 sd from both bounds: no clip). N = 20000: SE(mean) =
// sigma R / sqrt(N), SE(sd) = sigma R / sqrt(2 (N - 1)) (normal steps); tolerance 4.5 SE.
TEST(MeasuredResponse, OnePulseStepSpreadIsSigma) {
  constexpr double kSigma = 0.035;
  constexpr std::size_t kN = 20000;
  auto dev = make_device(agsi(kSigma));
  const auto& m = as_measured(*dev);
  const double g0 = kGmin + 0.5 * kRange;
  const auto idx = testing::iota_index(kN);
  const auto one = ones(kN);
  for (const bool ltp : {true, false}) {
    Rng rng(ltp ? 11 : 12, 0);
    std::vector<CellState> cells(kN);
    for (auto& c : cells) c.g = static_cast<float>(g0);
    const double start = static_cast<float>(g0);
    if (ltp) {
      m.apply_pulses(cells, idx, one, rng);
    } else {
      m.apply_depression_pulses(cells, idx, one, rng);
    }
    std::vector<double> step(kN);
    for (std::size_t i = 0; i < kN; ++i) step[i] = cells[i].g - start;
    const double a = ltp ? kAltp : kAltd;
    const double g_inf = kGmin + kRange / (1.0 - std::exp(-(ltp ? 97.0 : 100.0) / a));
    const double alpha = std::exp(ltp ? -1.0 / a : 1.0 / a);
    const double mean = (g_inf - start) * (1.0 - alpha);
    const auto mo = moments(step);
    const double s = kSigma * kRange;
    EXPECT_NEAR(mo.mean, mean, 4.5 * s / std::sqrt(kN)) << ltp;
    EXPECT_NEAR(mo.sd, s, 4.5 * s / std::sqrt(2.0 * (kN - 1))) << ltp;
    if (ltp) {
      EXPECT_NEAR(m.mean_step_S(start), mean, 1e-6 * kRange);
      EXPECT_DOUBLE_EQ(m.step_std_S(start), s);
    }
  }
}

// Levels and bounds. The ideal pulse device (configs/devices/ideal_pulse.yaml: labels 0, no
// noise) moves exactly R / 97 per LTP pulse and R / 100 per LTD pulse, so from g_min it passes
// the 98 levels g_min + k R / 97 and stops at g_max; with a noise of 30 % of the range per pulse
// no pulse leaves [g_min, g_max]; the expected step stays > 0 at g_max (the curve continued).
// Tolerance 1e-5 R: the float state's rounding over 100 pulses (see above).
TEST(MeasuredResponse, LevelsAndBoundsHold) {
  const Params root = Params::from_file(std::filesystem::path(XBARSIM_SOURCE_DIR) / "configs/devices/ideal_pulse.yaml");
  auto dev = DeviceRegistry::instance().create(root.child("device"));
  const auto& m = as_measured(*dev);
  Rng rng(3, 0);
  std::vector<CellState> cell(1);
  dev->initialize(cell, rng);
  const std::uint32_t idx[1] = {0};
  const std::uint16_t one[1] = {1};
  for (int k = 1; k <= 100; ++k) {
    m.apply_pulses(cell, idx, one, rng);
    ASSERT_NEAR(cell[0].g, kGmin + std::min(k, 97) * kRange / 97, 1e-5 * kRange) << k;
  }
  for (int d = 1; d <= 103; ++d) {
    m.apply_depression_pulses(cell, idx, one, rng);
    ASSERT_NEAR(cell[0].g, kGmax - std::min(d, 100) * kRange / 100, 1e-5 * kRange) << d;
  }
  EXPECT_NEAR(m.mean_step_S(kGmax), kRange / 97, 1e-9 * kRange);
  EXPECT_NEAR(m.mean_step_S(0.0), kRange / 97, 1e-9 * kRange);  // below g_min: as at g_min

  auto noisy = make_device(agsi(0.3));
  const auto& n = as_measured(*noisy);
  constexpr std::size_t kCells = 1000;
  std::vector<CellState> cells(kCells);
  noisy->initialize(cells, rng);
  const auto all = testing::iota_index(kCells);
  const auto each = ones(kCells);
  for (int round = 0; round < 200; ++round) {
    if (rng.bernoulli(0.5)) {
      n.apply_pulses(cells, all, each, rng);
    } else {
      n.apply_depression_pulses(cells, all, each, rng);
    }
    for (const auto& c : cells) {
      ASSERT_GE(c.g, static_cast<float>(kGmin));
      ASSERT_LE(c.g, static_cast<float>(kGmax));
    }
  }
  EXPECT_GT(n.mean_step_S(kGmax), 0.0);
  EXPECT_GT(n.mean_step_S(kGmin), n.mean_step_S(kGmax));  // label 2.4 saturates
}

// A table device walks its measured points and interpolates linearly between them. LTP: 1, 3, 4,
// 5 uS at pulses 0 .. 3 (pulse 1 measured twice, 2.8 and 3.2: averaged); LTD from g_max: 5, 3.5,
// 2.5, 1.5, 1 uS at pulses 0 .. 4, i.e. G_LTD(P) = 1, 1.5, 2.5, 3.5, 5 at P = 0 .. 4. By hand:
//   from 2 uS (LTP position 0.5): one LTP pulse -> position 1.5 -> 3.5 uS; mean step 1.5 uS;
//   from 3 uS (LTD position 2.5): one LTD pulse -> position 1.5 -> 2 uS;
//   at g_max = 5 uS the LTP curve continues with its last segment: step 1 uS.
TEST(MeasuredResponse, TableDeviceInterpolatesItsPoints) {
  const TempDir tmp;
  const auto csv = tmp.write("points.csv",
                             "# a measured device\ndirection,pulse,conductance_uS\nltp,0,1\nltp,1,2.8\nltp,1,3.2\n"
                             "ltp,2,4\nltp,3,5\n\nltd,0,5\nltd,1,3.5\nltd,2,2.5\nltd,3,1.5\nltd,4,1\n");
  auto dev = make_device("device: {impl: measured_response, table: '" + csv.string() +
                         "', energy_per_pulse: 1 pJ, pulse_width: 1 us, read_voltage: 0.2 V, read_pulse_width: 10 ns}");
  const auto& m = as_measured(*dev);
  EXPECT_TRUE(m.from_table());
  EXPECT_DOUBLE_EQ(dev->g_min(), 1e-6);
  EXPECT_DOUBLE_EQ(dev->g_max(), 5e-6);
  EXPECT_EQ(m.pulses_ltp(), 3);
  EXPECT_EQ(m.pulses_ltd(), 4);
  Rng rng(1, 0);
  std::vector<CellState> cell(1);
  dev->initialize(cell, rng);
  const std::uint32_t idx[1] = {0};
  const std::uint16_t one[1] = {1};
  for (const double expected : {3e-6, 4e-6, 5e-6, 5e-6}) {
    m.apply_pulses(cell, idx, one, rng);
    EXPECT_NEAR(cell[0].g, expected, 1e-12);
  }
  for (const double expected : {3.5e-6, 2.5e-6, 1.5e-6, 1e-6, 1e-6}) {
    m.apply_depression_pulses(cell, idx, one, rng);
    EXPECT_NEAR(cell[0].g, expected, 1e-12);
  }
  EXPECT_NEAR(m.expected_after_pulse(true, 2e-6), 3.5e-6, 1e-12);
  EXPECT_NEAR(m.mean_step_S(2e-6), 1.5e-6, 1e-12);
  EXPECT_NEAR(m.expected_after_pulse(false, 3e-6), 2e-6, 1e-12);
  EXPECT_NEAR(m.mean_step_S(5e-6), 1e-6, 1e-12);
}

// Write-verify programming through pulses. Linear, noise-free device: from g_min a target of
// 10.3 LTP steps takes 10 LTP pulses (the 11th would overshoot by 0.7 step); from there a target
// of 5 LTP steps = 5.155 LTD steps below takes 5 LTD pulses. Energy = pulses x E_pulse + reads x
// E_read, time = pulses x t_pulse + reads x t_read. Noisy Ag:a-Si with verify (tolerance 2 % of
// the range, 30 attempts): every cell ends within the tolerance or is counted unconverged.
TEST(MeasuredResponse, ProgramsThroughPulsesWithVerify) {
  const Params root = Params::from_file(std::filesystem::path(XBARSIM_SOURCE_DIR) / "configs/devices/ideal_pulse.yaml");
  auto lin = DeviceRegistry::instance().create(root.child("device"));
  Rng rng(5, 0);
  std::vector<CellState> cell(1);
  lin->initialize(cell, rng);
  const std::uint32_t idx[1] = {0};
  const double step = kRange / 97;
  float target[1] = {static_cast<float>(kGmin + 10.3 * step)};
  ProgramOptions verify;
  verify.verify = true;
  verify.tolerance = 0.01;
  verify.max_attempts = 3;
  std::uint16_t attempts[1] = {0};
  auto t = lin->program(cell, idx, target, verify, rng, attempts);
  EXPECT_EQ(t.pulses, 10U);
  EXPECT_EQ(t.verify_reads, 1U);  // 0.3 step = 0.31 % of the range: within 1 %
  EXPECT_EQ(attempts[0], 1);
  EXPECT_NEAR(cell[0].g, kGmin + 10 * step, 1e-6 * kRange);
  const double e_read = 0.5 * 0.5 * 0.5 * (kGmin + kGmax) * 5e-9;  // default: V^2 G_mid t_read
  EXPECT_NEAR(t.energy_J, 10 * 64e-12 + e_read, 1e-20);
  EXPECT_NEAR(t.time_s, 10 * 300e-6 + 5e-9, 1e-15);
  target[0] = static_cast<float>(kGmin + 5 * step);
  t = lin->program(cell, idx, target, {}, rng);
  EXPECT_EQ(t.pulses, 5U);
  EXPECT_EQ(t.verify_reads, 0U);
  EXPECT_NEAR(cell[0].g, kGmin + 10 * step - 5 * kRange / 100, 1e-6 * kRange);

  auto noisy = make_device(agsi(0.035));
  constexpr std::size_t kN = 2000;
  std::vector<CellState> cells(kN);
  noisy->initialize(cells, rng);
  std::vector<float> targets(kN);
  for (auto& x : targets) x = static_cast<float>(kGmin + kRange * rng.uniform());
  verify.tolerance = 0.02;
  verify.max_attempts = 30;
  t = noisy->program(cells, testing::iota_index(kN), targets, verify, rng);
  std::uint64_t outside = 0;
  for (std::size_t i = 0; i < kN; ++i) outside += std::abs(cells[i].g - targets[i]) > 0.02 * kRange ? 1 : 0;
  EXPECT_EQ(outside, t.unconverged);
  EXPECT_LT(t.unconverged, kN / 20);
  EXPECT_EQ(t.verify_reads, t.attempts);
  EXPECT_NEAR(t.energy_J, static_cast<double>(t.pulses) * 64e-12 + static_cast<double>(t.verify_reads) * e_read,
              1e-9 * t.energy_J);
}

// Refresh of a differential pair, linear noise-free device (steps R/97 up, R/100 down): G+ at
// 90 LTP steps (0.928 R > 0.75 R), G- at 40 (0.412 R > 0.25 R). Both depressed to g_min: G+ needs
// 93 LTD pulses (92.78 steps; the 93rd clips at g_min), G- 42 (41.24 steps); the difference of 50
// LTP steps is rewritten on G+ with LTP pulses while G+ < goal - step / 2: 50 pulses. Reads: 2
// (the check) + 1 (G-, depressed) + 50 (after each pulse). A pair below the thresholds is left.
TEST(MeasuredResponse, RefreshRewritesTheDifference) {
  const Params root = Params::from_file(std::filesystem::path(XBARSIM_SOURCE_DIR) / "configs/devices/ideal_pulse.yaml");
  auto dev = DeviceRegistry::instance().create(root.child("device"));
  const auto* refresher = dev->pair_refresh();
  ASSERT_NE(refresher, nullptr);
  const double step = kRange / 97;
  std::vector<CellState> plus(2), minus(2);
  plus[0].g = static_cast<float>(kGmin + 90 * step);
  minus[0].g = static_cast<float>(kGmin + 40 * step);
  plus[1].g = static_cast<float>(kGmin + 90 * step);
  minus[1].g = static_cast<float>(kGmin + 20 * step);  // 0.206 R: below refresh_lower
  const CellState untouched = minus[1];
  Rng rng(9, 0);
  const std::uint32_t pairs[2] = {0, 1};
  const ProgramTally t = refresher->refresh(plus, minus, pairs, rng);
  EXPECT_EQ(t.program_events, 1U);
  EXPECT_EQ(t.pulses, 93U + 42U + 50U);
  EXPECT_EQ(t.verify_reads, 2U + 1U + 50U);
  EXPECT_NEAR(minus[0].g, kGmin, 1e-6 * kRange);
  EXPECT_NEAR(plus[0].g - minus[0].g, 50 * step, 1e-6 * kRange);
  EXPECT_EQ(minus[1].g, untouched.g);
  const double e_read = 0.25 * 0.5 * (kGmin + kGmax) * 5e-9;
  EXPECT_NEAR(t.energy_J, 185 * 64e-12 + 53 * e_read, 1e-20);
}

// Read noise: none by default; with read_noise s every read is G (1 + s N(0, 1)).
TEST(MeasuredResponse, ReadNoiseIsOptional) {
  auto quiet = make_device(agsi(0.0));
  EXPECT_FALSE(quiet->has_read_noise());
  auto noisy = make_device(
      "device: {impl: measured_response, g_min: 1 uS, g_max: 11 uS, pulses_ltp: 10, read_noise: 0.05, "
      "energy_per_pulse: 1 pJ, pulse_width: 1 us, read_voltage: 0.2 V, read_pulse_width: 10 ns}");
  EXPECT_TRUE(noisy->has_read_noise());
  constexpr std::size_t kN = 20000;
  std::vector<CellState> cells(kN);
  Rng rng(2, 0);
  noisy->initialize(cells, rng);
  for (auto& c : cells) c.g = 5e-6F;
  std::vector<float> g(kN);
  noisy->read(cells, g, 0.0, rng);
  const auto mo = moments(std::vector<double>(g.begin(), g.end()));
  // SE(mean) = 0.25 uS / sqrt(N), SE(sd) = 0.25 uS / sqrt(2 (N - 1)); tolerance 4.5 SE.
  EXPECT_NEAR(mo.mean, 5e-6, 4.5 * 0.25e-6 / std::sqrt(kN));
  EXPECT_NEAR(mo.sd, 0.25e-6, 4.5 * 0.25e-6 / std::sqrt(2.0 * (kN - 1)));
}

// Bad cards: one line naming the file, the line and the key.
TEST(MeasuredResponse, BadCardsAreRefusedWithTheirLine) {
  const auto expect_error = [](const std::string& yaml, std::initializer_list<std::string> parts) {
    try {
      make_device(yaml);
      ADD_FAILURE() << "no error for " << yaml;
    } catch (const UserError& e) {
      const std::string msg = e.what();
      EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
      for (const auto& p : parts) EXPECT_NE(msg.find(p), std::string::npos) << msg << " lacks " << p;
    }
  };
  const std::string tail =
      "  energy_per_pulse: 1 pJ\n  pulse_width: 1 us\n  read_voltage: 0.2 V\n  read_pulse_width: 1 ns\n";
  expect_error("device:\n  impl: measured_response\n  g_min: 5 uS\n  g_max: 5 uS\n  pulses_ltp: 10\n" + tail,
               {"card.yaml:4", "device.g_max", "greater than g_min"});
  expect_error(
      "device:\n  impl: measured_response\n  g_min: 1 uS\n  g_max: 5 uS\n  pulses_ltp: 10\n  nonlinearity_ltd: -9.5\n" +
          tail,
      {"card.yaml:6", "device.nonlinearity_ltd", "[-9, 9]"});
  expect_error("device:\n  impl: measured_response\n  g_min: 1 uS\n  g_max: 5 uS\n" + tail,
               {"device.pulses_ltp", "missing required key"});
  expect_error("device:\n  impl: measured_response\n  g_min: 1 uS\n  g_max: 5 uS\n  pulses_ltp: 10\n",
               {"device.energy_per_pulse", "missing required key"});
  expect_error("device:\n  impl: measured_response\n  table: x.csv\n  g_min: 1 uS\n" + tail,
               {"card.yaml:4", "device.g_min", "beside table"});
  const TempDir tmp;
  const auto bumpy =
      tmp.write("bumpy.csv", "direction,pulse,conductance_nS\nltp,0,1\nltp,1,3\nltp,2,2.5\nltd,0,3\nltd,1,1\n");
  expect_error("device:\n  impl: measured_response\n  table: " + bumpy.string() + "\n" + tail,
               {"bumpy.csv:4", "ltp conductance must rise", "pulse 2"});
  const auto gap = tmp.write("gap.csv", "direction,pulse,conductance_nS\nltp,0,1\nltp,2,3\nltd,0,3\nltd,1,1\n");
  expect_error("device:\n  impl: measured_response\n  table: " + gap.string() + "\n" + tail,
               {"gap.csv", "ltp pulse 1 has no point"});
}

// The CSV reader: one line naming the file, the line, the column and what was expected.
TEST(MeasuredResponse, MalformedCsvNamesFileLineAndColumn) {
  const TempDir tmp;
  const auto expect_error = [&](const std::string& text, std::initializer_list<std::string> parts) {
    const auto f = tmp.write("bad.csv", text);
    try {
      read_pulse_response_csv(f);
      ADD_FAILURE() << "no error for " << text;
    } catch (const DataError& e) {
      const std::string msg = e.what();
      EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
      for (const auto& p : parts) EXPECT_NE(msg.find(p), std::string::npos) << msg << " lacks " << p;
    }
  };
  expect_error("pulse,direction,conductance_S\n", {"bad.csv:1", "header", "direction,pulse,conductance_<unit>"});
  expect_error("direction,pulse,conductance_Ohm\n", {"bad.csv:1", "column 3", "conductance unit", "'Ohm'"});
  expect_error("direction,pulse,conductance_uS\nltp,0,1\nup,1,2\n", {"bad.csv:3", "column 1 (direction)", "'up'"});
  expect_error("direction,pulse,conductance_uS\nltp,1.5,1\n", {"bad.csv:2", "column 2 (pulse)", "'1.5'"});
  expect_error("direction,pulse,conductance_uS\nltp,-1,1\n", {"bad.csv:2", "column 2 (pulse)", "'-1'"});
  expect_error("direction,pulse,conductance_uS\n\nltp,0,abc\n",
               {"bad.csv:3", "column 3 (conductance_uS)", "conductance >= 0", "'abc'"});
  expect_error("direction,pulse,conductance_uS\nltp,0,1,2\n", {"bad.csv:2", "expected 3 columns"});
  expect_error("# only a comment\n", {"bad.csv", "no header"});
  try {
    read_pulse_response_csv(tmp.write("x", "").parent_path() / "missing.csv");
    ADD_FAILURE();
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("no such file"), std::string::npos) << e.what();
  }
  // Units, a spreadsheet's byte-order mark and CRLF line ends.
  const auto ok = tmp.write("ok.csv",
                            "\xEF\xBB\xBF"
                            "direction,pulse,conductance_nS\r\nLTP,0,2.5\r\nltd,3,7\r\n");
  const PulseResponseData d = read_pulse_response_csv(ok);
  ASSERT_EQ(d.points.size(), 2U);
  EXPECT_TRUE(d.points[0].ltp);
  EXPECT_DOUBLE_EQ(d.points[0].g_S, 2.5e-9);
  EXPECT_FALSE(d.points[1].ltp);
  EXPECT_EQ(d.points[1].pulse, 3);
  EXPECT_EQ(d.points[1].line, 3);
}

// Synthetic sweeps of the model: LTP pulses 0 .. 97 from g_min, LTD pulses 0 .. 100 from g_max,
// each point G(P) + e with e_0 = s z_0, e_k = alpha e_(k-1) + s z_k (the device's per-pulse noise,
// s = sigma R, unclipped) - the process the fit's error model assumes.
PulseResponseData synthetic(double sigma, std::uint64_t seed) {
  Rng rng(seed, 0);
  PulseResponseData d;
  d.file = "synthetic";
  const double s = sigma * kRange;
  double e = s * rng.normal();
  for (int k = 0; k <= 97; ++k) {
    if (k > 0) e = std::exp(-1.0 / kAltp) * e + s * rng.normal();
    d.points.push_back({true, k, curve(k, kAltp, 97) + e, k + 2});
  }
  e = s * rng.normal();
  for (int k = 0; k <= 100; ++k) {
    if (k > 0) e = std::exp(1.0 / kAltd) * e + s * rng.normal();
    d.points.push_back({false, k, curve(100 - k, kAltd, 100) + e, k + 100});
  }
  return d;
}

// Noise-free points of the model give back its parameters (to the label's table rounding).
TEST(MeasuredResponseFit, RecoversExactParameters) {
  const PulseResponseFit f = fit_pulse_response(synthetic(0.0, 1));
  EXPECT_EQ(f.pulses_ltp, 97);
  EXPECT_EQ(f.pulses_ltd, 100);
  EXPECT_EQ(f.points_ltp, 98U);
  EXPECT_EQ(f.points_ltd, 101U);
  EXPECT_NEAR(f.nonlinearity_ltp, 2.4, 1e-4);
  EXPECT_NEAR(f.nonlinearity_ltd, -4.88, 1e-4);
  EXPECT_NEAR(f.g_min_S, kGmin, 1e-5 * kRange);
  EXPECT_NEAR(f.g_max_S, kGmax, 1e-5 * kRange);
  EXPECT_LT(f.rms_fraction, 1e-5);
  EXPECT_LT(f.cycle_to_cycle, 1e-5);
  EXPECT_EQ(f.steps, 97U + 100U);
}

// Statistical: the fit recovers known parameters within its stated standard errors. Sigma = 1 %
// (the AR deviation's stationary sd is 5 % of the range for LTP, 3 % for LTD, small enough for
// the first-order error theory the fit states). For M = 40 seeds, z = (estimate - truth) / SE:
// every |z| < 4.5 (7e-6 each), and if the SEs are right sum z^2 ~ chi^2(40), so the RMS of z lies
// in [sqrt(16 / 40), sqrt(80 / 40)] = [0.632, 1.414] but with probability 5e-4 (Wilson-Hilferty:
// P(chi^2_40 < 16) = 2.7e-4, P(> 80) = 1.9e-4). The c2c estimate from 197 one-pulse residuals
// has relative SE 1 / sqrt(2 x 197) = 0.050: each within 4.5 x 0.050 of sigma.
TEST(MeasuredResponseFit, RecoversKnownParametersWithinItsStatedError) {
  constexpr double kSigma = 0.01;
  constexpr int kM = 40;
  double z2[4] = {0, 0, 0, 0};
  for (int m = 0; m < kM; ++m) {
    const PulseResponseFit f = fit_pulse_response(synthetic(kSigma, 100 + m));
    const double z[4] = {(f.nonlinearity_ltp - 2.4) / f.se_nonlinearity_ltp,
                         (f.nonlinearity_ltd + 4.88) / f.se_nonlinearity_ltd, (f.g_min_S - kGmin) / f.se_g_min_S,
                         (f.g_max_S - kGmax) / f.se_g_max_S};
    for (int k = 0; k < 4; ++k) {
      EXPECT_LT(std::abs(z[k]), 4.5) << "seed " << 100 + m << " parameter " << k;
      z2[k] += z[k] * z[k];
    }
    EXPECT_NEAR(f.cycle_to_cycle / kSigma, 1.0, 4.5 * 0.050) << "seed " << 100 + m;
  }
  for (int k = 0; k < 4; ++k) {
    const double rms = std::sqrt(z2[k] / kM);
    EXPECT_GT(rms, 0.632) << "parameter " << k;
    EXPECT_LT(rms, 1.414) << "parameter " << k;
  }
}

// A fit needs both sweeps over two pulse numbers at least.
TEST(MeasuredResponseFit, RefusesDataWithoutTwoSweeps) {
  PulseResponseData d;
  d.file = "one.csv";
  d.points = {{true, 0, 1e-6, 2}, {true, 1, 2e-6, 3}, {false, 4, 2e-6, 4}};
  try {
    fit_pulse_response(d);
    FAIL();
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("one.csv: ltd rows all have pulse number 4"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace xbarsim::devices
