// Fabrication defects (arch/defects.hpp, docs/devices/defects.md): stuck-at fractions against
// their rates, the variation factor's mean and spread against sigma, defects fixed at
// fabrication, the stuck values on every shipped device card, zero parameters leaving the
// effective conductances bit-identical, and the tile's own random stream untouched.
#include "arch/defects.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <vector>

#include "arch/crossbar_array.hpp"
#include "arch_test_util.hpp"
#include "core/error.hpp"
#include "devices/device.hpp"

namespace xbarsim::arch {
namespace {

using testing::make_device;

const char* kIdeal = "device: {impl: ideal, g_min: 0 S, g_max: 25 uS, levels: 0, devices_per_weight: 2}\n";

Eigen::MatrixXf random_weights(int rows, int cols, std::uint64_t seed) {
  Rng r(seed);
  Eigen::MatrixXf w(rows, cols);
  for (Eigen::Index i = 0; i < w.size(); ++i) w(i) = static_cast<float>(2.0 * r.uniform() - 1.0);
  return w;
}

TEST(Defects, StuckFractionsMatchTheRates) {
  // 256 rows x 128 weight columns, differential: n = 65536 cells, each stuck off with p = 1.75 %
  // and stuck on with q = 9 % (Chen et al. 2015). The counts are binomial: mean n p = 1146.9,
  // standard error sqrt(n p (1 - p)) = 33.6 (off); n q = 5898.2, sqrt(n q (1 - q)) = 73.3 (on).
  // Tolerance 4 standard errors: a correct draw fails with probability 6e-5.
  const auto dev = make_device(kIdeal);
  Rng rng(1);
  CrossbarArray a(256, 128, WeightEncoding::kDifferential, *dev, rng);
  const CellDefects d{.stuck_off_rate = 0.0175, .stuck_on_rate = 0.09};
  a.fabricate(d, 12345);
  ASSERT_EQ(a.faults().size(), 65536U);
  EXPECT_TRUE(a.d2d_factors().empty());  // no variation asked: nothing allocated
  double off = 0;
  double on = 0;
  for (const std::uint8_t f : a.faults()) {
    off += f == static_cast<std::uint8_t>(CellFault::kStuckOff) ? 1 : 0;
    on += f == static_cast<std::uint8_t>(CellFault::kStuckOn) ? 1 : 0;
  }
  const double n = 65536.0;
  EXPECT_NEAR(off, n * 0.0175, 4.0 * std::sqrt(n * 0.0175 * (1 - 0.0175)));
  EXPECT_NEAR(on, n * 0.09, 4.0 * std::sqrt(n * 0.09 * (1 - 0.09)));
}

TEST(Defects, FactorMeanAndSpreadMatchSigma) {
  // sigma = 0.1 on n = 65536 cells: the factor 1 + sigma z has mean 1 and standard deviation
  // sigma (clipping at 0 needs z < -10: never). Standard error of the mean sigma / sqrt(n) =
  // 3.9e-4, of the sample standard deviation sigma / sqrt(2 n) = 2.8e-4; tolerance 4 of each.
  const auto dev = make_device(kIdeal);
  Rng rng(1);
  CrossbarArray a(256, 128, WeightEncoding::kDifferential, *dev, rng);
  a.fabricate(CellDefects{.d2d_sigma = 0.1}, 777);
  const auto f = a.d2d_factors();
  ASSERT_EQ(f.size(), 65536U);
  EXPECT_TRUE(a.faults().empty());
  double sum = 0;
  double sq = 0;
  for (const float x : f) sum += x;
  const double n = static_cast<double>(f.size());
  const double mean = sum / n;
  for (const float x : f) sq += (x - mean) * (x - mean);
  const double sd = std::sqrt(sq / (n - 1));
  EXPECT_NEAR(mean, 1.0, 4.0 * 0.1 / std::sqrt(n));
  EXPECT_NEAR(sd, 0.1, 4.0 * 0.1 / std::sqrt(2.0 * n));
}

TEST(Defects, EveryConductanceIsScaledOrStuck) {
  // Offset encoding (one device per weight): sense() is each device's G. With defects, a cell's
  // G is g_min (stuck off), g_max (stuck on) or its defect-free G times its factor, exactly
  // (the same float multiply).
  const auto dev = make_device("device: {impl: ideal, g_min: 1 uS, g_max: 21 uS, levels: 0, devices_per_weight: 1}\n");
  Rng r1(3);
  Rng r2(3);
  CrossbarArray plain(64, 32, WeightEncoding::kOffset, *dev, r1);
  CrossbarArray faulty(64, 32, WeightEncoding::kOffset, *dev, r2);
  faulty.fabricate(CellDefects{.d2d_sigma = 0.2, .stuck_off_rate = 0.1, .stuck_on_rate = 0.1}, 99);
  const Eigen::MatrixXf w = random_weights(64, 32, 5);
  plain.program(w, devices::ProgramOptions{}, false, r1);
  faulty.program(w, devices::ProgramOptions{}, false, r2);
  int stuck = 0;
  for (int j = 0; j < 32; ++j) {
    for (int i = 0; i < 64; ++i) {
      const std::uint32_t k = faulty.cell_index(i, j, 0);
      const auto fault = static_cast<CellFault>(faulty.faults()[k]);
      const float expected = fault == CellFault::kStuckOff  ? 1e-6F
                             : fault == CellFault::kStuckOn ? 21e-6F
                                                            : plain.sense()(i, j) * faulty.d2d_factors()[k];
      stuck += fault != CellFault::kNone ? 1 : 0;
      EXPECT_EQ(faulty.sense()(i, j), expected) << i << "," << j;
      EXPECT_EQ(faulty.effective()(i, j), expected - static_cast<float>(faulty.reference_conductance()));
    }
  }
  EXPECT_GT(stuck, 0);
}

TEST(Defects, FixedAtFabrication) {
  // Reprogramming (other weights, then sparse writes) neither redraws the defects nor frees a
  // stuck cell.
  const auto dev = make_device(kIdeal);
  Rng rng(4);
  CrossbarArray a(32, 16, WeightEncoding::kDifferential, *dev, rng);
  a.fabricate(CellDefects{.d2d_sigma = 0.1, .stuck_off_rate = 0.05, .stuck_on_rate = 0.05}, 2024);
  const std::vector<float> f0(a.d2d_factors().begin(), a.d2d_factors().end());
  const std::vector<std::uint8_t> s0(a.faults().begin(), a.faults().end());
  a.program(random_weights(32, 16, 6), devices::ProgramOptions{}, false, rng);
  a.program(random_weights(32, 16, 7), devices::ProgramOptions{}, true, rng);
  const std::vector<std::uint32_t> idx = {0, 1, 2, 3};
  const std::vector<float> target = {25e-6F, 25e-6F, 0.0F, 0.0F};
  a.program_cells(idx, target, devices::ProgramOptions{}, rng);
  a.refresh(0.0, nullptr);
  EXPECT_EQ(std::vector<float>(a.d2d_factors().begin(), a.d2d_factors().end()), f0);
  EXPECT_EQ(std::vector<std::uint8_t>(a.faults().begin(), a.faults().end()), s0);
  // The same defect stream again (another array, same tile seed): the same defects.
  Rng other(8);
  CrossbarArray b(32, 16, WeightEncoding::kDifferential, *dev, other);
  b.fabricate(CellDefects{.d2d_sigma = 0.1, .stuck_off_rate = 0.05, .stuck_on_rate = 0.05}, 2024);
  EXPECT_EQ(std::vector<float>(b.d2d_factors().begin(), b.d2d_factors().end()), f0);
  // Another seed_offset: another die.
  b.fabricate(CellDefects{.d2d_sigma = 0.1, .stuck_off_rate = 0.05, .stuck_on_rate = 0.05, .seed_offset = 1}, 2024);
  EXPECT_NE(std::vector<float>(b.d2d_factors().begin(), b.d2d_factors().end()), f0);
}

TEST(Defects, StuckCellsHoldGminAndGmaxOnEveryShippedDevice) {
  // Every cell stuck (off with 1/2, on with 1/2): each device's G, whatever the technology and
  // its programming or read noise, is its card's g_min or g_max exactly.
  const std::filesystem::path dir = std::filesystem::path(XBARSIM_SOURCE_DIR) / "configs/devices";
  int cards = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() != ".yaml") continue;
    SCOPED_TRACE(e.path().filename().string());
    const Params root = Params::from_file(e.path());
    const auto dev = devices::DeviceRegistry::instance().create(root.child("device"));
    const auto enc = dev->devices_per_weight() == 2 ? WeightEncoding::kDifferential : WeightEncoding::kOffset;
    Rng rng(9);
    CrossbarArray a(16, 8, enc, *dev, rng);
    a.fabricate(CellDefects{.stuck_off_rate = 0.5, .stuck_on_rate = 0.5}, 31);
    a.program(random_weights(16, 8, 10), devices::ProgramOptions{}, false, rng);
    a.refresh(1.0, &rng);  // a read with the device's read noise, if it has any
    const int per = enc == WeightEncoding::kDifferential ? 2 : 1;
    const auto gmin = static_cast<float>(dev->g_min());
    const auto gmax = static_cast<float>(dev->g_max());
    for (int j = 0; j < 8; ++j) {
      for (int i = 0; i < 16; ++i) {
        float g[2] = {0.0F, 0.0F};
        for (int d = 0; d < per; ++d) {
          const auto f = static_cast<CellFault>(a.faults()[a.cell_index(i, j, d)]);
          ASSERT_NE(f, CellFault::kNone);
          g[d] = f == CellFault::kStuckOff ? gmin : gmax;
        }
        if (per == 2) {
          EXPECT_EQ(a.effective()(i, j), g[0] - g[1]);
          EXPECT_EQ(a.sense()(i, j), g[0] + g[1]);
        } else {
          EXPECT_EQ(a.sense()(i, j), g[0]);
        }
      }
    }
    ++cards;
  }
  EXPECT_GE(cards, 4);
}

TEST(Defects, ZeroParametersChangeNothing) {
  // A `defects` block of zeros is no defects: nothing allocated, and the effective and sense
  // conductances bit-identical to an array without it (PCM: programming and read noise).
  const Params root = Params::from_file(std::filesystem::path(XBARSIM_SOURCE_DIR) / "configs/devices/pcm.yaml");
  const auto dev = devices::DeviceRegistry::instance().create(root.child("device"));
  const Params zero =
      Params::from_string("device: {defects: {d2d_sigma: 0, stuck_off_rate: 0, stuck_on_rate: 0}}\n", "zero.yaml");
  const CellDefects d = CellDefects::from_params(zero.child("device"));
  EXPECT_FALSE(d.any());
  Rng r1(21);
  Rng r2(21);
  CrossbarArray plain(40, 20, WeightEncoding::kDifferential, *dev, r1);
  CrossbarArray zeroed(40, 20, WeightEncoding::kDifferential, *dev, r2);
  zeroed.fabricate(d, 5);
  EXPECT_TRUE(zeroed.d2d_factors().empty());
  EXPECT_TRUE(zeroed.faults().empty());
  const Eigen::MatrixXf w = random_weights(40, 20, 22);
  plain.program(w, devices::ProgramOptions{}, false, r1);
  zeroed.program(w, devices::ProgramOptions{}, false, r2);
  plain.refresh(10.0, &r1);
  zeroed.refresh(10.0, &r2);
  EXPECT_TRUE((plain.effective().array() == zeroed.effective().array()).all());
  EXPECT_TRUE((plain.sense().array() == zeroed.sense().array()).all());
}

TEST(Defects, DefectsDrawNothingFromTheTileStream) {
  // With defects on, the tile's stream (programming and read noise) gives the same numbers:
  // every cell state equals that of an array without defects.
  const Params root = Params::from_file(std::filesystem::path(XBARSIM_SOURCE_DIR) / "configs/devices/pcm.yaml");
  const auto dev = devices::DeviceRegistry::instance().create(root.child("device"));
  Rng r1(23);
  Rng r2(23);
  CrossbarArray plain(40, 20, WeightEncoding::kDifferential, *dev, r1);
  CrossbarArray faulty(40, 20, WeightEncoding::kDifferential, *dev, r2);
  faulty.fabricate(CellDefects{.d2d_sigma = 0.3, .stuck_off_rate = 0.02, .stuck_on_rate = 0.09}, 5);
  const Eigen::MatrixXf w = random_weights(40, 20, 24);
  plain.program(w, devices::ProgramOptions{}, false, r1);
  faulty.program(w, devices::ProgramOptions{}, false, r2);
  ASSERT_EQ(plain.cells().size(), faulty.cells().size());
  for (std::size_t k = 0; k < plain.cells().size(); ++k) {
    EXPECT_EQ(plain.cells()[k].g, faulty.cells()[k].g);
    EXPECT_EQ(plain.cells()[k].u, faulty.cells()[k].u);
  }
  EXPECT_EQ(r1.uniform(), r2.uniform());
}

TEST(Defects, RatesThatCannotBeProbabilitiesAreRefused) {
  const Params root =
      Params::from_string("device:\n  impl: ideal\n  defects: {stuck_off_rate: 0.6, stuck_on_rate: 0.5}\n", "bad.yaml");
  try {
    (void)CellDefects::from_params(root.child("device"));
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.yaml:3"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("device.defects.stuck_on_rate"), std::string::npos) << e.what();
  }
  const Params neg = Params::from_string("device: {defects: {d2d_sigma: -0.1}}\n", "neg.yaml");
  EXPECT_THROW((void)CellDefects::from_params(neg.child("device")), ConfigError);
}

}  // namespace
}  // namespace xbarsim::arch
