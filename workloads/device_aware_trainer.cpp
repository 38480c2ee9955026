// Device-aware (quantization- and noise-aware) fp32 training for ex-situ mapping; sources and
// equations in the header and docs/training/exsitu.md.
#include "workloads/device_aware_trainer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "arch/crossbar_array.hpp"
#include "arch/weight_encoding.hpp"
#include "workloads/training_loop.hpp"

namespace xbarsim::workloads {

// ---------------------------------------------------------------- RepresentableWeights

RepresentableWeights::RepresentableWeights(const devices::Device& device, arch::WeightEncoding encoding)
    : RepresentableWeights(arch::WeightEncoder(device, encoding).level_weights()) {}

RepresentableWeights::RepresentableWeights(std::vector<float> values) : values_(std::move(values)) {
  if (!std::is_sorted(values_.begin(), values_.end())) throw std::invalid_argument("levels must be ascending");
  for (std::size_t k = 0; k + 1 < values_.size(); ++k) mid_.push_back(0.5F * (values_[k] + values_[k + 1]));
}

float RepresentableWeights::quantize(float x) const {
  if (continuous()) return std::clamp(x, -1.0F, 1.0F);
  return values_[nearest(x)];
}

// ---------------------------------------------------------------- ProgrammingNoise

ProgrammingNoise::ProgrammingNoise(const devices::Device& device, arch::WeightEncoding encoding,
                                   const RepresentableWeights& levels, const devices::ProgramOptions& opts, Rng& rng) {
  // One scratch array, one weight column per level, kSamplesPerLevel rows: the very mapping,
  // programming and read-back path of the chip (fresh cells, one programming pass).
  const std::vector<float> nominal =
      levels.continuous() ? std::vector<float>{-1.0F, -0.5F, 0.0F, 0.5F, 1.0F} : levels.values();
  const auto cols = static_cast<int>(nominal.size());
  const auto rows = static_cast<int>(kSamplesPerLevel);
  arch::CrossbarArray scratch(rows, cols, encoding, device, rng);
  Eigen::MatrixXf w(rows, cols);
  for (int k = 0; k < cols; ++k) w.col(k).setConstant(nominal[static_cast<std::size_t>(k)]);
  tally_ = scratch.program(w, opts, false, rng);
  const Eigen::MatrixXf held = scratch.held_weights();
  table_.resize(static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols));
  for (int k = 0; k < cols; ++k) {
    for (int i = 0; i < rows; ++i) {
      table_[static_cast<std::size_t>(k) * kSamplesPerLevel + static_cast<std::size_t>(i)] =
          held(i, k) - nominal[static_cast<std::size_t>(k)];
    }
  }
}

// ---------------------------------------------------------------- scale

double least_squares_scale(const float* w, std::size_t n, const RepresentableWeights& levels, double alpha0,
                           int iterations) {
  double alpha = alpha0;
  if (levels.continuous()) {
    // Any w in [-1, 1] is held: the least-squares scale is max |W| (zero error).
    float m = 0.0F;
    for (std::size_t i = 0; i < n; ++i) m = std::max(m, std::abs(w[i]));
    return m > 0.0F ? m : alpha0;
  }
  for (int it = 0; it < iterations; ++it) {
    const auto inv = static_cast<float>(1.0 / alpha);
    double wq = 0.0;
    double qq = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      const float q = levels.quantize(w[i] * inv);
      wq += static_cast<double>(w[i]) * q;
      qq += static_cast<double>(q) * q;
    }
    if (qq <= 0.0 || wq <= 0.0) break;  // everything on the zero level: keep alpha
    alpha = wq / qq;
  }
  return alpha;
}

// ---------------------------------------------------------------- DeviceAwareTrainer

namespace {

// Lloyd iterations of the first scale, from max |W| (later steps: device_aware.scale_iterations,
// warm-started from the previous step's scale).
constexpr int kScaleIterationsInit = 50;

}  // namespace

DeviceAwareTrainer::DeviceAwareTrainer(const TrainingSpec& training, const DeviceAwareSpec& device_aware,
                                       const devices::Device& device, arch::WeightEncoding encoding,
                                       const devices::ProgramOptions& opts)
    : training_(training),
      device_aware_(device_aware),
      optimizer_(training.make_optimizer()),
      device_(device),
      encoding_(encoding),
      opts_(opts),
      levels_(device, encoding) {}

void DeviceAwareTrainer::build_noise(std::uint64_t seed) {
  Rng table_rng(seed, 0x5eed7ab1eULL);
  noise_ = std::make_unique<ProgrammingNoise>(device_, encoding_, levels_, opts_, table_rng);
}

void DeviceAwareTrainer::set_latent(const Network& net) {
  latent_ = net.weights();
  alpha_.assign(latent_.size(), 0.0);
}

void DeviceAwareTrainer::update_scales(int iterations) {
  for (std::size_t l = 0; l < latent_.size(); ++l) {
    const Network::Matrix& w = latent_[l];
    double max_abs = w.cwiseAbs().maxCoeff();
    if (!(max_abs > 0.0)) max_abs = 1.0;  // an all-zero layer: any scale holds it
    if (device_aware_.scale_rule == ScaleRule::kMaxAbs) {
      alpha_[l] = max_abs;
      continue;
    }
    const double start = alpha_[l] > 0.0 ? alpha_[l] : max_abs;
    double alpha = least_squares_scale(w.data(), static_cast<std::size_t>(w.size()), levels_, start, iterations);
    // Constraint: the largest |W| must land on an end level (+-1), else max |W_q| < alpha and
    // Chip::program, which divides by max |W_q|, would stretch the levels. The end levels are
    // reached beyond the outermost decision thresholds m_- < 0 < m_+.
    if (!levels_.continuous() && levels_.size() > 1) {
      Eigen::Index at = 0;
      Eigen::Map<const Eigen::VectorXf>(w.data(), w.size()).cwiseAbs().maxCoeff(&at);
      const double w_star = w.data()[at];
      const auto& v = levels_.values();
      const double m = w_star > 0 ? 0.5 * (v[v.size() - 2] + v.back()) : -0.5 * (v.front() + v[1]);
      if (m > 0.0) alpha = std::min(alpha, std::abs(w_star) / m * (1.0 - 1e-6));
    }
    alpha_[l] = alpha;
  }
}

void DeviceAwareTrainer::write_forward(Network& net, Rng* noise_rng) const {
  const bool noisy = noise_rng != nullptr && device_aware_.noise_scale > 0.0 && noise_ != nullptr;
  const auto s = static_cast<float>(device_aware_.noise_scale);
  for (std::size_t l = 0; l < latent_.size(); ++l) {
    const Network::Matrix& w = latent_[l];
    Network::Matrix& out = net.weights()[l];
    const auto alpha = static_cast<float>(alpha_[l]);
    const float inv = 1.0F / alpha;
    const auto n = static_cast<std::size_t>(w.size());
    const float* src = w.data();
    float* dst = out.data();
    auto* eng = noisy ? &noise_rng->engine() : nullptr;
    std::uint64_t bits = 0;
    const auto& v = levels_.values();
    for (std::size_t i = 0; i < n; ++i) {
      float q = 0.0F;
      std::size_t k = 0;
      if (levels_.continuous()) {
        q = std::clamp(src[i] * inv, -1.0F, 1.0F);
        // Analog devices: the noise of the nearest tabulated reference level.
        k = static_cast<std::size_t>(std::lround((q + 1.0F) * 2.0F));
      } else {
        k = levels_.nearest(src[i] * inv);
        q = v[k];
      }
      if (noisy) {
        // Four 16-bit table indices per 64-bit draw of the stream.
        if ((i & 3U) == 0) bits = (*eng)();
        q += s * noise_->sample(k, static_cast<std::uint16_t>(bits >> (16U * (i & 3U))));
      }
      dst[i] = q;
    }
    for (std::size_t i = 0; i < n; ++i) dst[i] *= alpha;
  }
}

void DeviceAwareTrainer::write_quantized(Network& net) const {
  write_forward(net, nullptr);
  for (std::size_t l = 0; l < latent_.size(); ++l) {
    const Network::Matrix& w = net.weights()[l];
    const double alpha = alpha_[l];
    const double max_abs = w.cwiseAbs().maxCoeff();
    // Chip::program divides each layer by max |W|: the levels survive only if that is alpha.
    if (std::abs(max_abs - alpha) > 1e-6 * alpha) {
      throw std::logic_error(
          fmt::format("device-aware layer {}: max |W| = {:g} differs from the scale alpha = {:g} (no weight on the "
                      "top level), so Chip::program would rescale the levels",
                      l, max_abs, alpha));
    }
    if (!levels_.continuous()) {
      for (Eigen::Index i = 0; i < w.size(); ++i) {
        const float x = static_cast<float>(w.data()[i] / alpha);
        if (std::abs(levels_.quantize(x) - x) > 1e-5F) {
          throw std::logic_error(
              fmt::format("device-aware layer {}: weight {} / alpha = {:g} is not a level", l, i, x));
        }
      }
    }
  }
}

namespace {

// Device-aware epochs: before each batch the scales and the noisy forward weights from the
// latent ones; the optimizer steps the latent weights (straight-through estimator). After each
// epoch the test accuracy of the quantized, noise-free network.
class DeviceAwareEpochs final : public EpochTrainer {
 public:
  DeviceAwareEpochs(DeviceAwareTrainer& trainer, Network& net, Optimizer& optimizer,
                    std::vector<Network::Matrix>& latent, std::uint64_t seed, const Dataset& test,
                    const std::function<void(const EpochResult&)>& on_epoch)
      : trainer_(trainer),
        net_(net),
        optimizer_(optimizer),
        refs_(parameter_refs(net, latent)),
        noise_rng_(seed, 0x0015eULL),
        test_(test),
        on_epoch_(on_epoch) {}

  std::string epoch_label(int epoch, int epochs) const override {
    return fmt::format("device-aware epoch {}/{}", epoch, epochs);
  }
  void run_batch(const Batch& batch, double lr, EpochTally& tally) override {
    trainer_.update_scales(trainer_.scale_iterations());
    trainer_.write_forward(net_, &noise_rng_);
    // Straight-through estimator: the gradient with respect to the forward weights updates
    // the latent weights unchanged.
    fp32_batch(net_, batch, optimizer_, refs_, lr, predicted_, tally);
  }
  std::string non_finite() const override {
    const std::string w = first_non_finite(trainer_.latent(), "latent weights");
    return w.empty() ? first_non_finite(net_.biases(), "biases") : w;
  }
  void end_epoch(const EpochSummary& s) override {
    trainer_.update_scales(trainer_.scale_iterations());
    trainer_.write_forward(net_, nullptr);
    on_epoch_(fp32_epoch_result(s, net_, test_));
  }

 private:
  DeviceAwareTrainer& trainer_;
  Network& net_;
  Optimizer& optimizer_;
  std::vector<ParamRef> refs_;
  Rng noise_rng_;
  const Dataset& test_;
  const std::function<void(const EpochResult&)>& on_epoch_;
  std::vector<int> predicted_;
};

}  // namespace

void DeviceAwareTrainer::train(Network& net, const Dataset& train, const Dataset& test, std::uint64_t seed, Rng& rng,
                               RunContext& ctx, const std::function<void(const EpochResult&)>& on_epoch) {
  if (noise_scale() > 0.0) build_noise(seed);
  set_latent(net);
  update_scales(kScaleIterationsInit);
  DeviceAwareEpochs epochs(*this, net, *optimizer_, latent_, seed, test, on_epoch);
  const TrainingLoop loop(training_, optimizer_->learning_rate(), LearningRateSchedule::kCompounded,
                          ShuffleOrder::kPrevious);
  loop.run(epochs, train, rng, ctx);
  // The float network of the latent weights, for comparison; then the weights to program.
  net.weights() = latent_;
  latent_accuracy_ = evaluate_accuracy(net, test);
  write_quantized(net);
}

}  // namespace xbarsim::workloads
