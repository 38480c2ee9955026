// Device-aware (ex-situ) training: the representable weights per device and encoding computed by
// hand, the straight-through quantizer, the max |W| = alpha invariant the chip's mapping needs,
// the injected programming noise against the device model's sigma, and the wiring into the
// tiled_inference experiment (docs/training/exsitu.md).
#include "workloads/device_aware_trainer.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "devices/domain_wall.hpp"
#include "workloads/idx.hpp"
#include "workloads/run.hpp"

namespace xbarsim::workloads {
namespace {

using arch::WeightEncoding;

std::unique_ptr<devices::Device> make_device(const std::string& yaml) {
  const Params root = Params::from_string("device: " + yaml + "\n", "device_aware_test.yaml");
  return devices::DeviceRegistry::instance().create(root.child("device"));
}

std::string dw(int states, const std::string& extra = "") {
  // G_min = 1 / (100 kOhm x 2) = 5 uS, G_max = 10 uS; sigma / L = 5 nm / 100 nm = 0.05.
  return "{impl: domain_wall, states: " + std::to_string(states) +
         ", r_p: 100 kOhm, tmr: 1.0, track_length: 100 nm, sigma: 5 nm" + extra + "}";
}

void expect_levels(const RepresentableWeights& r, const std::vector<float>& want) {
  ASSERT_EQ(r.size(), want.size());
  for (std::size_t k = 0; k < want.size(); ++k) EXPECT_NEAR(r.values()[k], want[k], 1e-6F) << "level " << k;
}

// ---------------------------------------------------------------- representable set

TEST(RepresentableWeights, DomainWallOffsetByHand) {
  // Offset: G_ref = 7.5 uS, dG / 2 = 2.5 uS; linear sites G_k = 5 + 5 k / (N - 1) uS.
  // 5 states: (5, 6.25, 7.5, 8.75, 10 - 7.5) / 2.5 = -1, -0.5, 0, 0.5, 1.
  expect_levels(RepresentableWeights(*make_device(dw(5)), WeightEncoding::kOffset), {-1, -0.5F, 0, 0.5F, 1});
  // 3 states: 5, 7.5, 10 uS -> -1, 0, 1.
  expect_levels(RepresentableWeights(*make_device(dw(3)), WeightEncoding::kOffset), {-1, 0, 1});
  // 2 states: 5, 10 uS -> -1, 1 (no zero: the reference column holds G_ref).
  expect_levels(RepresentableWeights(*make_device(dw(2)), WeightEncoding::kOffset), {-1, 1});
}

TEST(RepresentableWeights, DomainWallTableBothEncodingsByHand) {
  // Non-linear 3-state table 5, 6, 10 uS.
  const auto d = make_device(dw(3, ", per_state: [{conductance: 5 uS}, {conductance: 6 uS}, {conductance: 10 uS}]"));
  // Offset: (5, 6, 10 - 7.5) / 2.5 = -1, -0.6, 1.
  expect_levels(RepresentableWeights(*d, WeightEncoding::kOffset), {-1, -0.6F, 1});
  // Differential (one device of the pair at G_min): +-(0, 1, 5) / 5 = -1, -0.2, 0, 0.2, 1.
  expect_levels(RepresentableWeights(*d, WeightEncoding::kDifferential), {-1, -0.2F, 0, 0.2F, 1});
}

TEST(RepresentableWeights, MtjTernaryByHand) {
  // Two binary MTJs (G_AP = 1 / 20 kOhm, G_P = 1 / 10 kOhm): (G+ - G-) / dG with one of them at
  // G_min -> -1, 0, +1.
  const auto d = make_device("{impl: mtj, synapse: ternary, r_p: 10 kOhm, tmr: 1.0}");
  ASSERT_EQ(d->devices_per_weight(), 2);
  expect_levels(RepresentableWeights(*d, WeightEncoding::kDifferential), {-1, 0, 1});
}

// ---------------------------------------------------------------- STE quantizer

TEST(RepresentableWeights, QuantizerIsNearestLevelWithClipping) {
  const RepresentableWeights r({-1, -0.5F, 0, 0.5F, 1});
  EXPECT_EQ(r.quantize(0.0F), 0.0F);
  EXPECT_EQ(r.quantize(0.24F), 0.0F);
  EXPECT_EQ(r.quantize(0.25F), 0.0F);  // a tie goes to the lower level
  EXPECT_EQ(r.quantize(0.26F), 0.5F);
  EXPECT_EQ(r.quantize(-0.74F), -0.5F);
  EXPECT_EQ(r.quantize(-0.76F), -1.0F);
  EXPECT_EQ(r.quantize(7.0F), 1.0F);
  EXPECT_EQ(r.quantize(-7.0F), -1.0F);
  const RepresentableWeights two({-1, 1});
  EXPECT_EQ(two.quantize(1e-4F), 1.0F);
  EXPECT_EQ(two.quantize(-1e-4F), -1.0F);
  const RepresentableWeights analog(std::vector<float>{});
  EXPECT_TRUE(analog.continuous());
  EXPECT_EQ(analog.quantize(0.3F), 0.3F);
  EXPECT_EQ(analog.quantize(-3.0F), -1.0F);
}

TEST(LeastSquaresScale, TernaryMatchesTheClosedForm) {
  // Weights 0.1, 0.2, 1.0, 1.2 (and negatives) on {-1, 0, 1}: from alpha = 1.2 the thresholds
  // are 0.6 -> q = (0, 0, 1, 1), alpha = (1.0 + 1.2) / 2 = 1.1; thresholds 0.55 -> same q: the
  // fixed point is the TWN mean of the weights above the threshold, 1.1.
  const std::vector<float> w{0.1F, 0.2F, 1.0F, 1.2F, -0.1F, -0.2F, -1.0F, -1.2F};
  EXPECT_NEAR(least_squares_scale(w.data(), w.size(), RepresentableWeights({-1, 0, 1}), 1.2, 10), 1.1, 1e-6);
  // Binary {-1, 1}: alpha = mean |w| (XNOR-Net) = 0.625.
  EXPECT_NEAR(least_squares_scale(w.data(), w.size(), RepresentableWeights({-1, 1}), 1.2, 3), 0.625, 1e-6);
}

// ---------------------------------------------------------------- fixtures

// Two classes that a linear model separates: label = whether the top half is brighter.
void write_fixture(const std::filesystem::path& dir, const std::string& split, std::uint32_t n) {
  IdxTensor img{{n, 28, 28}, std::vector<std::uint8_t>(std::size_t{n} * 784)};
  IdxTensor lab{{n}, std::vector<std::uint8_t>(n)};
  Rng rng(77, n);
  for (std::uint32_t i = 0; i < n; ++i) {
    const auto y = static_cast<std::uint8_t>(rng.index(2));
    lab.data[i] = y;
    for (std::size_t p = 0; p < 784; ++p) {
      const bool top = p < 392;
      const double base = (top == (y == 1)) ? 160 : 60;
      img.data[i * 784 + p] = static_cast<std::uint8_t>(base + 60 * rng.uniform());
    }
  }
  write_idx(dir / (split + "-images-idx3-ubyte"), img);
  write_idx(dir / (split + "-labels-idx1-ubyte"), lab);
}

std::filesystem::path source_dir() {
  // CMake defines XBARSIM_SOURCE_DIR for every unit suite (__FILE__ may be relative: ccache's
  // base_dir rewrites the source path).
  return std::filesystem::path(XBARSIM_SOURCE_DIR);
}

class DeviceAwareTraining : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / (std::string("xbarsim_device_aware_test_") +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "data");
    write_fixture(dir_ / "data", "train", 300);
    write_fixture(dir_ / "data", "t10k", 200);
    train_ = load_dataset(dir_ / "data", "train");
    test_ = load_dataset(dir_ / "data", "t10k");
  }
  static Dataset load_dataset(const std::filesystem::path& dir, const std::string& split) {
    const Params root = Params::from_string("data: {dataset: mnist, dir: '" + dir.string() + "'}\n", "d.yaml");
    return DataSpec::from_params(root.child("data")).load(split);
  }
  std::filesystem::path dir_;
  Dataset train_;
  Dataset test_;
};

Params training_section(const std::string& optimizer, const std::string& device_aware, int epochs, int batch) {
  static std::vector<Params> keep;  // the Params document must outlive the trainer's reads
  keep.push_back(Params::from_string("training: {epochs: " + std::to_string(epochs) +
                                         ", batch_size: " + std::to_string(batch) + ", optimizer: " + optimizer +
                                         ", device_aware: " + device_aware + "}\n",
                                     "training.yaml"));
  return keep.back().child("training");
}

// A trainer of the `training:` section `training` (read as an experiment reads it).
DeviceAwareTrainer trainer(const Params& training, const devices::Device& device, WeightEncoding encoding,
                           const devices::ProgramOptions& opts) {
  return DeviceAwareTrainer(TrainingSpec::from_params(training, kMaxFp32BatchSize),
                            DeviceAwareSpec::from_params(training), device, encoding, opts);
}

// ---------------------------------------------------------------- invariant and STE

TEST_F(DeviceAwareTraining, TrainedWeightsAreScaleTimesLevelsWithMaxEqualToScale) {
  for (int states : {2, 3, 5}) {
    const auto d = make_device(dw(states));
    DeviceAwareTrainer t = trainer(training_section("{impl: adam, learning_rate: 0.003}", "{noise_scale: 1.0}", 4, 30),
                                   *d, WeightEncoding::kOffset, devices::ProgramOptions{});
    Network net({784, 16, 10});
    Rng init(3, 0), shuffle(3, 1);
    net.init_he(init);
    RunContext ctx;
    Progress progress(nullptr, true);
    ctx.progress = &progress;
    double last = 0;
    t.train(net, train_, test_, 3, shuffle, ctx, [&](const EpochResult& r) { last = r.test_accuracy_pct; });
    EXPECT_GT(last, 90.0) << states << " states";
    for (std::size_t l = 0; l < net.layers(); ++l) {
      const double alpha = t.scales()[l];
      ASSERT_GT(alpha, 0.0);
      // What Chip::program divides by.
      EXPECT_NEAR(net.weights()[l].cwiseAbs().maxCoeff(), alpha, 1e-6 * alpha) << states << " states, layer " << l;
      for (Eigen::Index i = 0; i < net.weights()[l].size(); ++i) {
        const float x = static_cast<float>(net.weights()[l].data()[i] / alpha);
        ASSERT_NEAR(t.levels().quantize(x), x, 1e-5F) << states << " states, layer " << l << " weight " << i;
      }
    }
  }
}

TEST_F(DeviceAwareTraining, StraightThroughGradientReachesTheLatentWeights) {
  // One full-batch SGD step without noise or momentum: latent' = latent - lr g, where g is the
  // gradient of the loss at the quantized weights alpha Q(W / alpha) (not at the latent ones).
  const auto d = make_device(dw(5));
  const float lr = 0.5F;
  DeviceAwareTrainer t = trainer(training_section("{impl: sgd, learning_rate: 0.5, momentum: 0.0}",
                                                  "{noise_scale: 0.0}", 1, static_cast<int>(train_.count)),
                                 *d, WeightEncoding::kOffset, devices::ProgramOptions{});
  Network net({784, 8, 10});
  Rng init(4, 0), shuffle(4, 1);
  net.init_he(init);
  const std::vector<Network::Matrix> before = net.weights();

  // The expected gradient, computed independently at the quantized weights.
  DeviceAwareTrainer probe = trainer(training_section("{impl: sgd}", "{noise_scale: 0.0}", 1, 1), *d,
                                     WeightEncoding::kOffset, devices::ProgramOptions{});
  probe.set_latent(net);
  probe.update_scales(50);
  probe.update_scales(2);  // the trainer's first step: 50 initial + 2 per-step iterations
  Network q = net;
  probe.write_forward(q, nullptr);
  // Shuffling does not change a full-batch gradient (up to float summation order).
  Network::Matrix x(784, static_cast<Eigen::Index>(train_.count));
  for (std::size_t j = 0; j < train_.count; ++j) {
    x.col(static_cast<Eigen::Index>(j)) = Eigen::Map<const Eigen::VectorXf>(train_.image(j), 784);
  }
  q.forward(x);
  q.backward(train_.labels);

  RunContext ctx;
  Progress progress(nullptr, true);
  ctx.progress = &progress;
  t.train(net, train_, test_, 4, shuffle, ctx, [](const EpochResult&) {});
  // The quantizer's own derivative is zero almost everywhere: weights that moved without
  // changing level were moved by the straight-through gradient alone.
  std::size_t moved_on_level = 0;
  for (std::size_t l = 0; l < net.layers(); ++l) {
    const Network::Matrix want = before[l] - lr * q.weight_grads()[l];
    EXPECT_LT((t.latent()[l] - want).cwiseAbs().maxCoeff(), 1e-5F) << "layer " << l;
    const auto inv = static_cast<float>(1.0 / probe.scales()[l]);
    for (Eigen::Index i = 0; i < before[l].size(); ++i) {
      const float b0 = before[l].data()[i];
      const float b1 = t.latent()[l].data()[i];
      moved_on_level += b1 != b0 && t.levels().quantize(b0 * inv) == t.levels().quantize(b1 * inv);
    }
  }
  EXPECT_GT(moved_on_level, 1000U);
}

// ---------------------------------------------------------------- noise statistics

TEST(ProgrammingNoise, InjectedNoiseMatchesTheDomainWallSigma) {
  // 5-state DW, offset, one attempt (no verify). At an interior site the wall lands at
  // x_k + (sigma / L) z with G linear in position, so the normalized weight moves by
  // dG (sigma / L) z / (dG / 2) = 2 (sigma / L) z = 0.1 z for sigma / L = 0.05.
  //
  // Sampling error. The injected value is drawn with replacement from a table of T = 65536
  // device programming events; the test draws N = 1.5e5 of them (one layer of 400 x 375 weights
  // on the middle level). For the standard deviation s the two stages add: var(s) / sigma^2 ~=
  // 1 / (2T) + 1 / (2N) -> relative sd 0.0034; for the mean sd = sigma sqrt(1/T + 1/N) =
  // 0.1 x 0.0047 = 4.7e-4. Tolerances are 5 sd: 1.7 % on s, 2.4e-3 on the mean (a false failure
  // once in ~2 million runs; a wrong sigma, e.g. the track fraction 0.05 instead of 0.1, fails).
  const auto d = make_device(dw(5));
  const auto* dwd = dynamic_cast<const devices::DomainWallDevice*>(d.get());
  ASSERT_NE(dwd, nullptr);
  const double sigma_w = 2.0 * dwd->site_sigma(2);
  ASSERT_NEAR(sigma_w, 0.1, 1e-12);
  for (double scale : {1.0, 2.0}) {
    const Params tr =
        training_section("{impl: sgd}", "{noise_scale: " + std::to_string(scale) + ", scale: max_abs}", 1, 1);
    DeviceAwareTrainer t = trainer(tr, *d, WeightEncoding::kOffset, devices::ProgramOptions{});
    // Latent weights: all 0 (the middle level) but one at 1, so alpha = max |W| = 1.
    Network net({400, 375});
    net.weights()[0].setZero();
    net.weights()[0](0, 0) = 1.0F;
    t.set_latent(net);
    t.update_scales(1);
    ASSERT_EQ(t.scales()[0], 1.0);
    t.build_noise(11);
    Rng noise_rng(11, 1);
    Network fwd = net;
    t.write_forward(fwd, &noise_rng);
    const Network::Matrix& w = fwd.weights()[0];
    double sum = 0, sum2 = 0;
    std::size_t n = 0;
    for (Eigen::Index i = 1; i < w.size(); ++i) {  // all but the one weight at +1
      sum += w.data()[i];
      ++n;
    }
    const double mean = sum / static_cast<double>(n);
    for (Eigen::Index i = 1; i < w.size(); ++i) sum2 += (w.data()[i] - mean) * (w.data()[i] - mean);
    const double sd = std::sqrt(sum2 / static_cast<double>(n - 1));
    ASSERT_GE(n, 100000U);
    const double want = scale * sigma_w;
    EXPECT_NEAR(sd, want, 0.017 * want) << "noise_scale " << scale;
    EXPECT_NEAR(mean, 0.0, 5 * want * std::sqrt(1.0 / 65536 + 1.0 / static_cast<double>(n))) << "noise_scale " << scale;
    // Fresh noise on every call (a new forward pass, a new draw).
    Network fwd2 = net;
    t.write_forward(fwd2, &noise_rng);
    EXPECT_GT((fwd2.weights()[0] - w).cwiseAbs().maxCoeff(), 0.0F);
  }
}

TEST(ProgrammingNoise, WriteVerifyKeepsTheNoiseInsideTheTolerance) {
  // Verify window 0.05 (G_max - G_min) = 0.1 in normalized offset units. With sigma_w = 0.1 one
  // attempt lands outside with p = P(|z| > 1) = 0.3173; after 5 attempts a cell stays outside
  // with p^5 = 3.17e-3. Over T = 65536 cells the unconverged count is binomial: mean 208,
  // sd 14.4; tolerance 5 sd = 72. A run without verify would leave ~20,800 outside.
  const auto d = make_device(dw(5));
  devices::ProgramOptions opts;
  opts.verify = true;
  opts.tolerance = 0.05;
  opts.max_attempts = 5;
  Rng rng(12, 0);
  const RepresentableWeights levels(*d, WeightEncoding::kOffset);
  const ProgrammingNoise noise(*d, WeightEncoding::kOffset, levels, opts, rng);
  std::size_t outside = 0;
  for (std::size_t i = 0; i < ProgrammingNoise::kSamplesPerLevel; ++i)
    outside += std::abs(noise.sample(2, static_cast<std::uint16_t>(i))) > 0.1F + 1e-6F;
  const double p = std::pow(0.31731050786, 5);
  const double mean = p * ProgrammingNoise::kSamplesPerLevel;
  const double sd = std::sqrt(mean * (1 - p));
  EXPECT_NEAR(static_cast<double>(outside), mean, 5 * sd);
}

// ---------------------------------------------------------------- experiment wiring

std::string slurp(const std::filesystem::path& f) {
  std::ifstream in(f);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class ExSituExperiment : public DeviceAwareTraining {
 protected:
  std::filesystem::path write_config(const std::string& device_aware) const {
    auto cfg = dir_ / "exsitu.yaml";
    std::ofstream(cfg) << "experiment: {name: tiny_exsitu, impl: tiled_inference, seed: 2}\n"
                       << "data: {dataset: mnist, dir: '" << (dir_ / "data").string() << "'}\n"
                       << "network: {layers: [784, 16, 10]}\n"
                       << "training: {epochs: 2, batch_size: 30, optimizer: {impl: adam, learning_rate: 0.003},"
                       << " device_aware: " << device_aware << "}\n"
                       << "device: {include: '" << (source_dir() / "configs/devices/dw_5state.yaml").string() << "'}\n"
                       << "arch: {include: '" << (source_dir() / "configs/arch/tile128.yaml").string() << "'}\n"
                       << "simulation: {batch_images: 100}\n";
    return cfg;
  }
};

TEST_F(ExSituExperiment, ReportsDeviceAwareAccuracyAndTheProgrammingPass) {
  const Params root = Params::from_file(write_config("{enabled: true, noise_scale: 1.0}"));
  PreparedExperiment p = prepare_experiment(root);
  Progress progress(nullptr, true);
  execute(p, root, dir_ / "run", progress, nullptr);
  const auto r = nlohmann::json::parse(slurp(dir_ / "run" / "report.json"))["results"];
  EXPECT_GT(r["accuracy_pct"]["device_aware_software"].get<double>(), 90.0);
  EXPECT_GT(r["accuracy_pct"]["hardware"].get<double>(), 90.0);
  // The levels the trainer used are those of a 5-state DW under the offset encoding.
  EXPECT_EQ(r["device_aware"]["levels"].size(), 5u);
  // One pass over every used device (7 + 1 tiles of 128 x 127 offset weights; their unused
  // padding is never programmed): 784 x 16 + 16 x 10 = 12704 events, with write-verify reads.
  EXPECT_EQ(r["chip"]["tiles"].get<std::uint64_t>(), 8u);
  EXPECT_EQ(r["programming"]["program_events"].get<std::uint64_t>(), 784u * 16u + 16u * 10u);
  EXPECT_GE(r["programming"]["verify_reads"].get<std::uint64_t>(),
            r["programming"]["program_events"].get<std::uint64_t>());
  EXPECT_GT(r["programming"]["energy_pJ"].get<double>(), 0.0);
  EXPECT_GT(r["programming"]["time_s"].get<double>(), 0.0);
}

TEST_F(ExSituExperiment, UnknownDeviceAwareKeyIsAnError) {
  const Params root = Params::from_file(write_config("{enabled: true, noise_scal: 1.0}"));
  EXPECT_THROW(prepare_experiment(root), ConfigError);
}

}  // namespace
}  // namespace xbarsim::workloads
